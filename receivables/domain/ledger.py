"""A debtor's account on a date: open items, payments, balances per currency."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from receivables.domain.aging import aging_bucket, days_past_due
from receivables.domain.money import ZERO
from receivables.domain.statistics import days_sales_outstanding


@dataclass(frozen=True, slots=True)
class OpenItemLine:
    number: str
    kind: str
    contract: str | None
    issue_date: date
    due_date: date
    currency: str
    amount: Decimal
    open_amount: Decimal
    days_past_due: int
    bucket: str


@dataclass(frozen=True, slots=True)
class PaymentLine:
    reference: str
    received_on: date
    currency: str
    amount: Decimal
    unapplied: Decimal
    reversed_on: date | None
    applied_to: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CurrencyBalance:
    currency: str
    open_items: Decimal
    overdue: Decimal
    credit_on_account: Decimal
    balance: Decimal
    dso_days: Decimal | None


@dataclass(frozen=True, slots=True)
class DebtorAccount:
    code: str
    name: str
    credit_code: str | None
    address: str | None
    segment: str | None
    as_of: date
    open_items: tuple[OpenItemLine, ...]
    payments: tuple[PaymentLine, ...]
    balances: tuple[CurrencyBalance, ...]
    oldest_overdue: OpenItemLine | None


def open_item_line(number: str, kind: str, contract: str | None, issue_date: date, due_date: date,
                   currency: str, amount: Decimal, open_amount: Decimal, as_of: date) -> OpenItemLine:
    days = days_past_due(due_date, as_of)
    return OpenItemLine(number, kind, contract, issue_date, due_date, currency, amount, open_amount, days,
                        aging_bucket(days))


def balances(items: Sequence[OpenItemLine], payments: Sequence[PaymentLine],
             sales_in_window: dict[str, Decimal]) -> tuple[CurrencyBalance, ...]:
    """Per currency: open items, the overdue part, unapplied credit, the net balance and DSO."""
    currencies = sorted({i.currency for i in items} | {p.currency for p in payments if p.unapplied}
                        | set(sales_in_window))
    result = []
    for currency in currencies:
        open_total = sum((i.open_amount for i in items if i.currency == currency), ZERO)
        overdue = sum((i.open_amount for i in items if i.currency == currency and i.days_past_due > 0), ZERO)
        credit = sum((p.unapplied for p in payments if p.currency == currency), ZERO)
        balance = open_total - credit
        dso = days_sales_outstanding(balance, sales_in_window.get(currency, ZERO))
        result.append(CurrencyBalance(currency, open_total, overdue, credit, balance, dso))
    return tuple(result)


def oldest_overdue(items: Iterable[OpenItemLine]) -> OpenItemLine | None:
    """The overdue item with the earliest due date (positive open amount only)."""
    overdue = [i for i in items if i.days_past_due > 0 and i.open_amount > ZERO]
    return min(overdue, key=lambda i: (i.due_date, i.number)) if overdue else None
