"""Bulk writes for imports: many rows per statement, skipping rows whose natural key already exists."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session


def insert_new_only(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> int:
    """Insert rows (all with the same keys), skipping those that collide with a unique key.

    Returns how many went in. The statement is compiled once and the driver's executemany gets
    the values already converted by each column's own type (so money and dates are bound exactly
    as everywhere else); SQLAlchemy's per-row parameter handling would cost more than the database.
    Python-side column defaults are not applied here: pass every non-null column or rely on a
    server default.
    """
    if not rows:
        return 0
    connection = session.connection()
    dialect = connection.dialect
    builder = postgresql_insert if dialect.name == "postgresql" else sqlite_insert
    keys = list(rows[0])
    compiled = builder(table).on_conflict_do_nothing().compile(dialect=dialect, column_keys=keys)
    processors = [(key, table.c[key].type.dialect_impl(dialect).bind_processor(dialect)) for key in keys]
    if compiled.positional:
        order = [processors[keys.index(name)] for name in compiled.positiontup or ()]
        params: list[Any] = [tuple(p(row[k]) if p else row[k] for k, p in order) for row in rows]
    else:
        params = [{k: p(row[k]) if p else row[k] for k, p in processors} for row in rows]
    result = connection.exec_driver_sql(compiled.string, params)
    return int(result.rowcount)


def max_id(session: Session, table: Table) -> int:
    return int(session.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one())
