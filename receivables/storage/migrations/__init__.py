"""Alembic migrations: the schema's history, applied by `receivables init`."""
