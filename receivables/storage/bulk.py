"""Bulk writes for imports: many rows per statement, skipping rows whose natural key already exists."""

from __future__ import annotations

import operator
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, Date, Dialect, MetaData, Select, Table, and_, func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine

from receivables.storage.types import Amount, cents_to_decimal


@dataclass(frozen=True, slots=True)
class BulkInsert:
    """An INSERT of rows with fixed keys, compiled once, with the conversion of rows into what the driver
    takes. Converting is the part of a bulk load that needs no connection, so a parser process can do it
    while this one writes (`bind` there, `execute` here).

    The driver gets the values already converted by each column's own type, so money and dates are bound
    exactly as everywhere else; the ORM's unit of work, and even Core's per-row parameter handling, would
    cost more than the database. Python-side column defaults are not applied: pass every non-null column or
    rely on a server default.
    """

    table: Table
    keys: tuple[str, ...]
    sql: str
    parameter_keys: tuple[int, ...] | None  # for a positional driver: the index in `keys` of each parameter
    dialect: Dialect

    @classmethod
    def of(cls, dialect: Dialect, table: Table, keys: Sequence[str], *, skip_existing: bool = False) -> BulkInsert:
        """`skip_existing`: rows colliding with a unique key are left out (and not counted) instead of failing."""
        statement: Any = table.insert()
        if skip_existing:
            builder = postgresql_insert if dialect.name == "postgresql" else sqlite_insert
            statement = builder(table).on_conflict_do_nothing()
        compiled = statement.compile(dialect=dialect, column_keys=list(keys))
        order = tuple(keys.index(name) for name in compiled.positiontup or ()) if compiled.positional else None
        return cls(table, tuple(keys), compiled.string, order, dialect)

    def bind(self, rows: Sequence[Sequence[Any]]) -> list[Any]:
        """Rows (values in `keys` order) converted column by column into the driver's parameters."""
        if not rows:
            return []
        columns: list[list[Any]] = []
        converted: list[tuple[Sequence[Any], str, list[Any]]] = []  # (values, column type, bound values)
        for key, values in zip(self.keys, zip(*rows)):
            column_type = self.table.c[key].type
            type_name = repr(column_type)
            # A column holding the very same objects as an earlier one of its type (an item's open amount
            # is its amount when it is imported) is bound once.
            same = next((bound for earlier, earlier_type, bound in converted
                         if earlier_type == type_name and all(map(operator.is_, earlier, values))), None)
            if same is None:
                processor = _bulk_processor(column_type, self.dialect, nullable=None in values)
                same = list(map(processor, values)) if processor else list(values)
                converted.append((values, type_name, same))
            columns.append(same)
        if self.parameter_keys is not None:
            return list(zip(*(columns[index] for index in self.parameter_keys)))
        return [dict(zip(self.keys, values)) for values in zip(*columns)]

    def readable(self, bound: Any) -> dict[str, Any]:
        """A bound row's values back as Python values by key (to show or compare a row that was refused)."""
        if self.parameter_keys is None:
            values = dict(bound)
        else:
            values = {self.keys[index]: value for index, value in zip(self.parameter_keys, bound)}
        return {key: _readable(self.table.c[key].type, self.dialect, value) for key, value in values.items()}

    def execute(self, session: Session, bound: Sequence[Any]) -> int:
        """Insert bound rows with one executemany; how many went in."""
        if not bound:
            return 0
        return int(session.connection().exec_driver_sql(self.sql, list(bound)).rowcount)


def insert_new_only(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> int:
    """Insert rows (all with the same keys), skipping those that collide with a unique key.

    Returns how many went in.
    """
    return _insert_dicts(session, table, rows, skip_existing=True)


def insert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> int:
    """Insert rows (all with the same keys) with one executemany (see `BulkInsert`)."""
    return _insert_dicts(session, table, rows, skip_existing=False)


def _insert_dicts(session: Session, table: Table, rows: Sequence[dict[str, Any]], *, skip_existing: bool) -> int:
    if not rows:
        return 0
    keys = tuple(rows[0])
    insert = BulkInsert.of(session.connection().dialect, table, keys, skip_existing=skip_existing)
    return insert.execute(session, insert.bind([tuple(row[key] for key in keys) for row in rows]))


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


def _readable(column_type: TypeEngine[Any], dialect: Dialect, value: Any) -> Any:
    """The inverse of `_bulk_processor`'s direct conversions; other bound values are Python values already."""
    if dialect.name == "sqlite" and value is not None:
        if isinstance(column_type, Amount):
            return cents_to_decimal(value)
        if isinstance(column_type, Date):
            return date.fromisoformat(value)
    return value


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
    insert_rows(session, wanted, [{f"k{i}": value for i, value in enumerate(key)} for key in keys])
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
