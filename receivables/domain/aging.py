"""Aging: days past due on an as-of date and the buckets they fall in."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from receivables.domain.money import ZERO

BUCKETS: tuple[str, ...] = ("current", "1-30", "31-60", "61-90", "91-180", "181-365", ">365")
# Upper bound (inclusive) of days past due for each overdue bucket but the last.
_UPPER_DAYS: tuple[int, ...] = (0, 30, 60, 90, 180, 365)


def days_past_due(due_date: date, as_of: date) -> int:
    """Zero or negative while not yet due; an item due today is 0 days past due."""
    return (as_of - due_date).days


def aging_bucket(days: int) -> str:
    """The bucket label for a number of days past due (0 or less is `current`)."""
    for label, upper in zip(BUCKETS, _UPPER_DAYS):
        if days <= upper:
            return label
    return BUCKETS[-1]


@dataclass(frozen=True, slots=True)
class BucketBound:
    """An item belongs to `label` when its due date is on or after `earliest_due` (None: no bound)."""

    label: str
    earliest_due: date | None


def bucket_bounds(as_of: date) -> tuple[BucketBound, ...]:
    """The buckets as due-date thresholds, so a database can bucket by comparing dates.

    Equivalent to `aging_bucket(days_past_due(due, as_of))`; a test checks that the two agree.
    """
    bounds = [BucketBound(label, as_of - timedelta(days=upper)) for label, upper in zip(BUCKETS, _UPPER_DAYS)]
    return (*bounds, BucketBound(BUCKETS[-1], None))


@dataclass(frozen=True, slots=True)
class AgingCell:
    """What one group (debtor, contract or company) had open in one currency and bucket."""

    key: str
    name: str
    currency: str
    bucket: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class AgingRow:
    key: str
    name: str
    currency: str
    total: Decimal
    buckets: Mapping[str, Decimal]


@dataclass(frozen=True, slots=True)
class AgingTotals:
    total: Decimal
    buckets: Mapping[str, Decimal]


@dataclass(frozen=True, slots=True)
class AgingReport:
    as_of: date
    by: str
    rows: tuple[AgingRow, ...]
    totals: Mapping[str, AgingTotals]


def aging_rows_from_cells(cells: Iterable[AgingCell]) -> list[AgingRow]:
    """One row per group and currency from per-bucket cells (the plain-Python form of the SQL pivot)."""
    grouped: dict[tuple[str, str], dict[str, Decimal]] = {}
    names: dict[tuple[str, str], str] = {}
    for cell in cells:
        row_key = (cell.key, cell.currency)
        buckets = grouped.setdefault(row_key, dict.fromkeys(BUCKETS, ZERO))
        buckets[cell.bucket] += cell.amount
        names[row_key] = cell.name
    return [aging_row(key, names[(key, currency)], currency, tuple(buckets.values()))
            for (key, currency), buckets in grouped.items()]


def aging_row(key: str, name: str, currency: str, amounts: Sequence[Decimal]) -> AgingRow:
    """A row from its amounts in the order of BUCKETS (zero where nothing is open); its total is their sum."""
    if len(amounts) != len(BUCKETS):
        raise ValueError(f"an aging row has {len(BUCKETS)} buckets, got {len(amounts)} amounts")
    return AgingRow(key, name, currency, sum(amounts, ZERO), dict(zip(BUCKETS, amounts)))


def build_aging_report(as_of: date, by: str, rows: Iterable[AgingRow]) -> AgingReport:
    """Order rows and total them per currency (never mixed).

    Rows are ordered by currency, then largest total first, then key, so output is reproducible.
    """
    ordered = sorted(rows, key=lambda r: (r.currency, -r.total, r.key))
    sums: dict[str, list[Decimal]] = {}
    for row in ordered:  # one pass over the rows: a report has tens of thousands
        running = sums.setdefault(row.currency, [ZERO] * len(BUCKETS))
        for position, label in enumerate(BUCKETS):
            running[position] += row.buckets[label]
    totals = {currency: AgingTotals(sum(running, ZERO), dict(zip(BUCKETS, running)))
              for currency, running in sums.items()}
    return AgingReport(as_of, by, tuple(ordered), totals)
