"""Alembic environment: runs on the connection handed over by storage.schema_version."""

from __future__ import annotations

from alembic import context

from receivables.storage.schema import all_tables

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("migrations run through `receivables init`, which passes the connection")

context.configure(
    connection=connection,
    target_metadata=all_tables(),
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
