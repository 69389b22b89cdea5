"""Bulk writes for imports: many rows per statement, skipping rows whose natural key already exists."""

from __future__ import annotations

import operator
from collections.abc import Callable, Collection, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, Date, Dialect, MetaData, Select, Table, and_, func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine

from receivables.storage.types import Amount


def insert_new_only(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> int:
    """Insert rows (all with the same keys), skipping those that collide with a unique key.

    Returns how many went in. See `insert_rows` for how the values are bound.
    """
    dialect = session.get_bind().dialect.name
    builder = postgresql_insert if dialect == "postgresql" else sqlite_insert
    return _execute_many(session, builder(table).on_conflict_do_nothing(), table, rows)


def insert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> int:
    """Insert rows (all with the same keys) with one executemany.

    The statement is compiled once and the driver gets the values already converted by each column's
    own type (so money and dates are bound exactly as everywhere else); the ORM's unit of work, and even
    Core's per-row parameter handling, would cost more than the database. Python-side column defaults
    are not applied: pass every non-null column or rely on a server default.
    """
    return _execute_many(session, table.insert(), table, rows)


def _execute_many(session: Session, statement: Any, table: Table, rows: Sequence[dict[str, Any]]) -> int:
    if not rows:
        return 0
    connection = session.connection()
    dialect = connection.dialect
    keys = list(rows[0])
    compiled = statement.compile(dialect=dialect, column_keys=keys)
    columns: dict[str, list[Any]] = {}
    converted: list[tuple[list[Any], str, list[Any]]] = []  # (values, column type, bound values)
    for key in keys:
        values = [row[key] for row in rows]
        column_type = table.c[key].type
        type_name = repr(column_type)
        # A column holding the very same objects as an earlier one of its type (an item's open amount
        # is its amount when it is imported) is bound once.
        same = next((bound for earlier, earlier_type, bound in converted
                     if earlier_type == type_name and all(map(operator.is_, earlier, values))), None)
        if same is not None:
            columns[key] = same
            continue
        processor = _bulk_processor(column_type, dialect, nullable=None in values)
        columns[key] = list(map(processor, values)) if processor else values
        converted.append((values, type_name, columns[key]))
    params: list[Any]
    if compiled.positional:
        params = list(zip(*(columns[name] for name in compiled.positiontup or ())))
    else:
        params = [dict(zip(keys, values)) for values in zip(*(columns[k] for k in keys))]
    result = connection.exec_driver_sql(compiled.string, params)
    return int(result.rowcount)


def _bulk_processor(column_type: TypeEngine[Any], dialect: Dialect, *,
                    nullable: bool) -> Callable[[Any], Any] | None:
    """The column's own conversion, with the two that dominate a bulk load done directly."""
    if dialect.name == "sqlite":
        direct: Callable[[Any], Any] | None = None
        if isinstance(column_type, Amount):
            direct = _cents
        elif isinstance(column_type, Date):
            direct = date.isoformat  # the storage format of SQLAlchemy's SQLite DATE (tested)
        if direct is not None:
            return _none_kept(direct) if nullable else direct
    return column_type.dialect_impl(dialect).bind_processor(dialect)


def _cents(amount: Decimal) -> int:
    """`storage.types.to_cents` without its int-to-Decimal comparison (a tenth of a bulk load's binding)."""
    cents = amount.scaleb(2)
    if cents.to_integral_value() != cents:
        raise ValueError(f"amount {amount} has more than two decimals")
    return int(cents)


def _none_kept(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else convert(value)


def join_keys(session: Session, statement: Select[Any], columns: Sequence[Any],
              keys: Collection[tuple[Any, ...]]) -> Select[Any]:
    """`statement` limited to rows whose `columns` equal one of `keys`, through a temporary key table.

    The keys go in with one executemany and the join searches the unique index key by key. The
    alternatives cost more than the rows they find: a row-value `(a, b) IN (…)` makes SQLite scan the
    whole index, and a VALUES list is compiled bind by bind by SQLAlchemy (seconds per 5,000 keys).
    """
    wanted = _key_table(session, columns)
    connection = session.connection()
    connection.execute(wanted.delete())
    _execute_many(session, wanted.insert(), wanted,
                  [{f"k{i}": value for i, value in enumerate(key)} for key in keys])
    return statement.join(wanted, and_(*[c == wanted.c[f"k{i}"] for i, c in enumerate(columns)]))


def _key_table(session: Session, columns: Sequence[Any]) -> Table:
    """A temporary table for keys of these column types, created (if missing) once per session: a
    rolled-back transaction on PostgreSQL takes its temporary tables with it."""
    name = "wanted_" + "_".join(c.key for c in columns)
    tables = session.info.setdefault("key_tables", {})
    if name not in tables:
        table = Table(name, MetaData(), *[Column(f"k{i}", c.type) for i, c in enumerate(columns)],
                      prefixes=["TEMPORARY"])
        table.create(session.connection(), checkfirst=True)
        tables[name] = table
    return tables[name]


def max_id(session: Session, table: Table) -> int:
    return int(session.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one())
