"""Money: an exact Decimal amount with its currency, rounded half-up to the cent in one place."""

from __future__ import annotations

import re
from functools import lru_cache
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

_CURRENCY = re.compile(r"^[A-Z]{3}$")
_CURRENCY_ALIASES = {"RMB": "CNY", "人民币": "CNY", "¥": "CNY", "￥": "CNY", "元": "CNY", "$": "USD", "€": "EUR", "£": "GBP"}
# Symbols and grouping that finance staff type or that Excel exports around a number.
_AMOUNT_NOISE = re.compile(r"[\s,，_'¥￥$€£]|RMB|CNY|USD|EUR|GBP|元")
_PLAIN_AMOUNT = re.compile(r"-?\d{1,16}(?:\.\d{1,2})?")


def round_cents(amount: Decimal) -> Decimal:
    """The one rounding rule of the product: half-up to the cent."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def parse_amount(text: str) -> Decimal:
    """Read an amount as people write it: 1234.5, 1,234.50, ¥1,234.50, (1,234.50), -1234.

    Raises ValueError with a reason when the text is not an amount or has more than two decimals.
    """
    if _PLAIN_AMOUNT.fullmatch(text):  # the common case in exports; a million rows go through here
        return Decimal(text).quantize(CENT)
    raw = text.strip()
    if not raw:
        raise ValueError("empty amount")
    negative = False
    if raw.startswith("(") and raw.endswith(")"):
        negative, raw = True, raw[1:-1]
    cleaned = _AMOUNT_NOISE.sub("", raw)
    if cleaned.startswith("-"):
        negative, cleaned = not negative, cleaned[1:]
    elif cleaned.startswith("+"):
        cleaned = cleaned[1:]
    if not cleaned or not all(c.isdigit() or c == "." for c in cleaned) or cleaned.count(".") > 1:
        raise ValueError(f"not an amount: {text!r}")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"not an amount: {text!r}") from None
    if value.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValueError(f"more than two decimals: {text!r}")
    value = round_cents(value)
    return -value if negative else value


@lru_cache(maxsize=256)
def normalize_currency(code: str) -> str:
    """ISO 4217 code in upper case; common Chinese and symbol aliases accepted."""
    cleaned = code.strip()
    cleaned = _CURRENCY_ALIASES.get(cleaned, cleaned.upper())
    cleaned = _CURRENCY_ALIASES.get(cleaned, cleaned)
    if not _CURRENCY.match(cleaned):
        raise ValueError(f"not a currency code: {code!r} (expected three letters such as CNY, USD, EUR)")
    return cleaned


@dataclass(frozen=True, slots=True)
class Money:
    """An amount of one currency; arithmetic across currencies is refused."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            raise TypeError(f"Money needs a Decimal, got {type(self.amount).__name__}")
        object.__setattr__(self, "amount", round_cents(self.amount))

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __str__(self) -> str:
        return f"{self.currency} {self.amount:,.2f}"

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(ZERO, currency)


def format_amount(amount: Decimal) -> str:
    """Two decimals, no grouping: the form used in JSON and CSV output."""
    return f"{round_cents(amount):.2f}"
