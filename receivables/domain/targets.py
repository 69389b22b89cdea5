"""Collection targets: the periods they are set for (month, quarter, year) and how far they are reached."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from receivables.domain.money import round_cents

SCOPES: tuple[str, ...] = ("project", "contract", "collector", "company")

_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})\s*-?\s*Q([1-4])$", re.IGNORECASE)
_MONTH = re.compile(r"^(\d{4})\s*-\s*(\d{1,2})$")


@dataclass(frozen=True, slots=True)
class Period:
    """A reporting period, both days included; `label` is its canonical spelling (2026, 2026-Q4, 2026-11)."""

    label: str
    first: date
    last: date


def parse_period(text: str) -> Period:
    """Read 2026 (a year), 2026-Q4 or 2026Q4 (a quarter), 2026-11 (a month); ValueError with the forms otherwise."""
    raw = text.strip()
    if match := _YEAR.match(raw):
        year = int(match.group(1))
        return Period(f"{year}", date(year, 1, 1), date(year, 12, 31))
    if match := _QUARTER.match(raw):
        year, quarter = int(match.group(1)), int(match.group(2))
        first_month = 3 * quarter - 2
        return Period(f"{year}-Q{quarter}", date(year, first_month, 1), _month_end(year, first_month + 2))
    if match := _MONTH.match(raw):
        year, month = int(match.group(1)), int(match.group(2))
        if 1 <= month <= 12:
            return Period(f"{year}-{month:02d}", date(year, month, 1), _month_end(year, month))
    raise ValueError(f"not a period: {text!r} (expected a year 2026, a quarter 2026-Q4 or a month 2026-11)")


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def recovery_rate(recovered: Decimal, target: Decimal) -> Decimal | None:
    """Recovered as a percent of the target, two decimals (None for a zero target)."""
    if target <= 0:
        return None
    return round_cents(recovered * 100 / target)
