"""Statements of account: reconciliation periods, movements and balances, and when a debtor is due one."""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from receivables.domain.money import ZERO

FREQUENCIES = ("monthly", "quarterly", "yearly", "none")
_MONTHS_PER_CYCLE = {"monthly": 1, "quarterly": 3, "yearly": 12}
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-?[Qq]([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")

# Order of movements on the same day: what the debtor was billed, then what reduced it, then what
# reopened it (a bounced payment is only reversed after it was received).
_DAY_ORDER = {"invoice": 0, "progress": 0, "settlement_balance": 0, "retention": 0, "fee": 1, "interest": 2,
              "adjustment": 3, "credit_note": 4, "payment": 5, "payment_reversal": 6}

DESCRIPTIONS: dict[str, dict[str, str]] = {
    "invoice": {"zh_CN": "发票", "en": "Invoice"},
    "progress": {"zh_CN": "工程进度款", "en": "Progress billing"},
    "settlement_balance": {"zh_CN": "结算余款", "en": "Settlement balance"},
    "retention": {"zh_CN": "质保金", "en": "Retention money"},
    "fee": {"zh_CN": "费用", "en": "Fee"},
    "interest": {"zh_CN": "利息/违约金", "en": "Interest"},
    "adjustment": {"zh_CN": "调整", "en": "Adjustment"},
    "credit_note": {"zh_CN": "红字发票（贷项）", "en": "Credit note"},
    "payment": {"zh_CN": "收款", "en": "Payment received"},
    "payment_reversal": {"zh_CN": "收款冲回（退票）", "en": "Payment reversed"},
}


@dataclass(frozen=True, slots=True)
class Period:
    """A reconciliation period, both ends included."""

    start: date
    end: date

    @property
    def label(self) -> str:
        """The period as the user typed it: 2026-11, 2026-Q4 or 2026 (else start..end)."""
        last_day = calendar.monthrange(self.end.year, self.end.month)[1]
        if self.start.day != 1 or self.end.day != last_day or self.start.year != self.end.year:
            return f"{self.start.isoformat()}..{self.end.isoformat()}"
        months = self.end.month - self.start.month + 1
        if months == 1:
            return f"{self.start.year}-{self.start.month:02d}"
        if months == 3 and self.start.month % 3 == 1:
            return f"{self.start.year}-Q{self.start.month // 3 + 1}"
        if months == 12:
            return str(self.start.year)
        return f"{self.start.isoformat()}..{self.end.isoformat()}"


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One dated change of what the debtor owes: positive raises the balance (debit), negative lowers it."""

    on: date
    kind: str
    reference: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Movement:
    on: date
    kind: str
    reference: str
    debit: Decimal
    credit: Decimal
    balance: Decimal


@dataclass(frozen=True, slots=True)
class StatementOfAccount:
    period: Period
    opening_balance: Decimal
    movements: tuple[Movement, ...]
    closing_balance: Decimal

    @property
    def is_empty(self) -> bool:
        """Nothing to confirm: no balance at either end and nothing moved."""
        return not self.movements and self.opening_balance == ZERO and self.closing_balance == ZERO


def _month(year: int, month: int) -> Period:
    return Period(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]))


def parse_period(text: str) -> Period:
    """Read 2026-11 (a month), 2026-Q4 (a quarter) or 2026 (a year); ValueError naming the text otherwise."""
    raw = text.strip()
    if match := _MONTH.match(raw):
        year, month = int(match.group(1)), int(match.group(2))
        if not 1 <= month <= 12:
            raise ValueError(f"not a period: {text!r} (month {month} does not exist)")
        return _month(year, month)
    if match := _QUARTER.match(raw):
        year, quarter = int(match.group(1)), int(match.group(2))
        first = _month(year, quarter * 3 - 2)
        return Period(first.start, _month(year, quarter * 3).end)
    if match := _YEAR.match(raw):
        year = int(match.group(1))
        return Period(date(year, 1, 1), date(year, 12, 31))
    raise ValueError(f"not a period: {text!r} (expected 2026-11, 2026-Q4 or 2026)")


def previous_period(frequency: str, on: date) -> Period:
    """The month, quarter or year that ended before the cycle containing `on` began."""
    months = _MONTHS_PER_CYCLE.get(frequency)
    if months is None:
        raise ValueError(f"no statement period for frequency {frequency!r}")
    cycle_start_month = (on.month - 1) // months * months + 1
    index = on.year * 12 + cycle_start_month - 1 - months
    year, first_month = divmod(index, 12)
    first_month += 1
    last_index = index + months - 1
    last_year, last_month = divmod(last_index, 12)
    return Period(date(year, first_month, 1), _month(last_year, last_month + 1).end)


def scheduled_day(frequency: str, day: int, on: date) -> date:
    """The day the current cycle's statement is due: `day` of the cycle's first month, or that month's last
    day when it is shorter (day 31 in February is 28 or 29 February)."""
    months = _MONTHS_PER_CYCLE.get(frequency)
    if months is None:
        raise ValueError(f"no statement schedule for frequency {frequency!r}")
    if not 1 <= day <= 31:
        raise ValueError(f"reconciliation day must be 1 to 31, got {day}")
    month = (on.month - 1) // months * months + 1
    return date(on.year, month, min(day, calendar.monthrange(on.year, month)[1]))


def period_due(frequency: str, day: int, on: date) -> Period | None:
    """The period whose statement is due by `on`: the one just ended, once this cycle's day has come.

    A run on or after the scheduled day (a scheduler that was down catches up) returns the same period
    until the next cycle, so issuing stays idempotent only through the one-statement-per-period rule.
    """
    if frequency == "none":
        return None
    if on < scheduled_day(frequency, day, on):
        return None
    return previous_period(frequency, on)


def opening_balance(entries: Iterable[LedgerEntry], start: date) -> Decimal:
    """What the debtor owed at the end of the day before `start`."""
    return sum((e.amount for e in entries if e.on < start), ZERO)


def statement_of_account(period: Period, opening: Decimal, entries: Sequence[LedgerEntry]) -> StatementOfAccount:
    """Movements within the period in date order with a running balance, from `opening` to the closing balance.

    Entries outside the period are a caller's mistake and are refused rather than silently dropped.
    """
    outside = [e for e in entries if not period.start <= e.on <= period.end]
    if outside:
        first = outside[0]
        raise ValueError(f"{first.kind} {first.reference} on {first.on} is outside {period.label}")
    ordered = sorted(entries, key=lambda e: (e.on, _DAY_ORDER.get(e.kind, 3), e.reference))
    balance = opening
    movements = []
    for entry in ordered:
        balance += entry.amount
        debit, credit = (entry.amount, ZERO) if entry.amount >= ZERO else (ZERO, -entry.amount)
        movements.append(Movement(entry.on, entry.kind, entry.reference, debit, credit, balance))
    return StatementOfAccount(period, opening, tuple(movements), balance)


def describe(kind: str, locale: str) -> str:
    """The movement's description in the letter's language; an unknown kind shows as itself."""
    names = DESCRIPTIONS.get(kind)
    if names is None:
        return kind
    return names.get(locale, names["en"])


def reply_overdue(issued_on: date, reply_days: int, on: date) -> bool:
    """A statement is awaiting a reply too long once `reply_days` have passed since it was issued."""
    return (on - issued_on).days > reply_days
