"""Persistence: SQLAlchemy rows, set-based queries that return domain values, blobs and audit."""
