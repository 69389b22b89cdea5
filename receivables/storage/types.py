"""Column types for money: exact Numeric(18,2) on PostgreSQL, integer cents on SQLite."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import BigInteger, Dialect, Numeric
from sqlalchemy.types import TypeDecorator, TypeEngine

class Amount(TypeDecorator[Decimal]):
    """A money amount with two decimals.

    SQLite has no decimal type (its NUMERIC keeps floats), so there the amount is stored as an
    integer number of cents: sums over a million rows stay exact and are faster.
    """

    impl = Numeric(18, 2)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(18, 2, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return to_cents(Decimal(value))
        return Decimal(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return (_amount_from_cents if dialect.name == "sqlite" else _amount_from_numeric)(value)

    def result_processor(self, dialect: Dialect, coltype: Any) -> Callable[[Any], Decimal | None] | None:
        # A report reads hundreds of thousands of amounts: when the driver needs no conversion of its own (neither
        # sqlite3 nor psycopg does), the amount function is called directly, without TypeDecorator's wrapper.
        if self.impl_instance.result_processor(dialect, coltype) is not None:
            return super().result_processor(dialect, coltype)
        return _amount_from_cents if dialect.name == "sqlite" else _amount_from_numeric

    @property
    def python_type(self) -> type[Decimal]:
        return Decimal


_CENT = Decimal("0.01")


def _amount_from_cents(value: Any) -> Decimal | None:
    return None if value is None else Decimal(int(value)).scaleb(-2)


def _amount_from_numeric(value: Any) -> Decimal | None:
    if value is None:
        return None
    return (value if type(value) is Decimal else Decimal(value)).quantize(_CENT)


def to_cents(amount: Decimal) -> int:
    """Whole cents of an amount; more than two decimals is refused, never rounded away silently."""
    cents = amount.scaleb(2)
    whole = int(cents)
    if whole != cents:
        raise ValueError(f"amount {amount} has more than two decimals")
    return whole


def cents_to_decimal(value: int | Decimal | None) -> Decimal:
    """Raw SQLite cents (or PostgreSQL numerics) from a hand-written statement, as a Decimal amount."""
    if value is None:
        return Decimal("0.00")
    return cast(Decimal, (_amount_from_numeric if isinstance(value, Decimal) else _amount_from_cents)(value))


RATE_PLACES = 8


class Rate(TypeDecorator[Decimal]):
    """A rate in percent with up to eight decimals: exact Numeric(12, 8) on PostgreSQL, an integer scaled by
    10^8 on SQLite (whose NUMERIC would keep a float)."""

    impl = Numeric(12, RATE_PLACES)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(12, RATE_PLACES, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        scaled = Decimal(value).scaleb(RATE_PLACES)
        if int(scaled) != scaled:
            raise ValueError(f"rate {value} has more than {RATE_PLACES} decimals")
        if dialect.name == "sqlite":
            return int(scaled)
        return Decimal(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return Decimal(int(value)).scaleb(-RATE_PLACES)
        return Decimal(value).quantize(Decimal(1).scaleb(-RATE_PLACES))

    @property
    def python_type(self) -> type[Decimal]:
        return Decimal
