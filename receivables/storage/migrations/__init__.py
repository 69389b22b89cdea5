"""Alembic migrations: the schema's history, applied by `receivables init`."""

HEAD_REVISION = "0013"
"""The newest migration; update it with every new migration (tests compare it with Alembic's head)."""
