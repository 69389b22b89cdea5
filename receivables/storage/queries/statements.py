"""The dated ledger entries behind statements of account: opening sums and movements, set-based."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, func, literal, select, union_all
from sqlalchemy.orm import Session

from receivables.domain.money import ZERO
from receivables.domain.statements import LedgerEntry, Period
from receivables.storage.schema import Payment, Receivable

AccountKey = tuple[int, int, str]  # company id, debtor id, currency


def _entries(debtor_ids: Collection[int], company_id: int | None) -> Select[Any]:
    """Every dated change of a balance: items on their issue date (credit notes are negative), payments
    on receipt (negative), and a reversed payment's amount back on its reversal date."""

    def scope(table: Any) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = [table.debtor_id.in_(sorted(debtor_ids))]
        if company_id is not None:
            conditions.append(table.company_id == company_id)
        return conditions

    items = select(Receivable.company_id.label("company_id"), Receivable.debtor_id.label("debtor_id"),
                   Receivable.currency.label("currency"), Receivable.issue_date.label("on"),
                   Receivable.kind.label("kind"), Receivable.number.label("reference"),
                   Receivable.amount.label("amount")).where(*scope(Receivable))
    received = select(Payment.company_id, Payment.debtor_id, Payment.currency, Payment.received_on,
                      literal("payment"), Payment.reference, -Payment.amount).where(*scope(Payment))
    reversed_ = select(Payment.company_id, Payment.debtor_id, Payment.currency, Payment.reversed_on,
                       literal("payment_reversal"), Payment.reference, Payment.amount
                       ).where(*scope(Payment), Payment.reversed_on.is_not(None))
    return union_all(items, received, reversed_)  # type: ignore[return-value]


def statement_entries(session: Session, debtor_ids: Collection[int], period: Period,
                      company_id: int | None = None
                      ) -> tuple[dict[AccountKey, Decimal], dict[AccountKey, list[LedgerEntry]]]:
    """Per (company, debtor, currency): the balance before the period, and the entries within it.

    Two statements over the whole selection, however many debtors: the history before the period is
    summed in the database, and only the period's own entries come back as rows.
    """
    if not debtor_ids:
        return {}, {}
    entries = _entries(debtor_ids, company_id).subquery()
    openings: dict[AccountKey, Decimal] = {}
    for company, debtor, currency, total in session.execute(
        select(entries.c.company_id, entries.c.debtor_id, entries.c.currency, func.sum(entries.c.amount))
        .where(entries.c.on < period.start)
        .group_by(entries.c.company_id, entries.c.debtor_id, entries.c.currency)
    ):
        openings[(company, debtor, currency)] = Decimal(total or ZERO)
    movements: dict[AccountKey, list[LedgerEntry]] = defaultdict(list)
    for company, debtor, currency, on, kind, reference, amount in session.execute(
        select(entries.c.company_id, entries.c.debtor_id, entries.c.currency, entries.c.on, entries.c.kind,
               entries.c.reference, entries.c.amount)
        .where(entries.c.on.between(period.start, period.end))
    ):
        movements[(company, debtor, currency)].append(LedgerEntry(on, kind, reference, amount))
    return openings, dict(movements)


def balance_on(session: Session, debtor_id: int, currency: str, on: date, company_id: int | None = None) -> Decimal:
    """What the debtor owes at the end of `on` (a cross-check for the statement's closing balance)."""
    entries = _entries([debtor_id], company_id).subquery()
    total = session.execute(select(func.sum(entries.c.amount))
                            .where(entries.c.currency == currency, entries.c.on <= on)).scalar_one()
    return Decimal(total or ZERO)
