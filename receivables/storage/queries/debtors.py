"""One debtor's account on a date: open items, payments with their unapplied rest, recent sales."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from receivables.domain.ledger import OpenItemLine, PaymentLine, open_item_line
from receivables.domain.money import ZERO
from receivables.domain.statistics import DSO_WINDOW_DAYS
from receivables.storage.queries.aging import open_items_on
from receivables.storage.schema import Allocation, Contract, Debtor, Payment, Receivable


def find_debtor(session: Session, code: str) -> Debtor | None:
    return session.execute(select(Debtor).where(Debtor.code == code)).scalar_one_or_none()


def debtor_open_items(session: Session, debtor_id: int, as_of: date) -> list[OpenItemLine]:
    items = open_items_on(as_of, Receivable.debtor_id == debtor_id).subquery()
    rows = session.execute(
        select(Receivable.number, Receivable.kind, Contract.number, Receivable.issue_date, Receivable.due_date,
               Receivable.currency, Receivable.amount, func.sum(items.c.open_amount).label("open"))
        .join(items, items.c.receivable_id == Receivable.id)
        .outerjoin(Contract, Contract.id == Receivable.contract_id)
        .where(Receivable.debtor_id == debtor_id)
        .group_by(Receivable.id, Receivable.number, Receivable.kind, Contract.number, Receivable.issue_date,
                  Receivable.due_date, Receivable.currency, Receivable.amount)
        .order_by(Receivable.due_date, Receivable.number)
    ).all()
    result = []
    for number, kind, contract, issued, due, currency, amount, open_amount in rows:
        if open_amount != ZERO:
            result.append(open_item_line(number, kind, contract, issued, due, currency, amount, open_amount, as_of))
    return result


def debtor_payments(session: Session, debtor_id: int, as_of: date, company_id: int | None = None) -> list[PaymentLine]:
    """Payments received by `as_of` (to one of our companies, if given), with what of each was applied then."""
    counted = and_(Allocation.applied_on <= as_of,
                   or_(Allocation.reversed_on.is_(None), Allocation.reversed_on > as_of))
    payments = session.execute(
        select(Payment).where(Payment.debtor_id == debtor_id, Payment.received_on <= as_of,
                              *([Payment.company_id == company_id] if company_id is not None else []))
        .order_by(Payment.received_on, Payment.reference)
    ).scalars().all()
    applied: dict[int, Decimal] = defaultdict(lambda: ZERO)
    applied_to: dict[int, list[str]] = defaultdict(list)
    for payment_id, number, amount in session.execute(
        select(Allocation.payment_id, Receivable.number, Allocation.amount)
        .join(Receivable, Receivable.id == Allocation.receivable_id)
        .join(Payment, Payment.id == Allocation.payment_id)
        .where(Payment.debtor_id == debtor_id, counted)
        .order_by(Allocation.id)
    ):
        applied[payment_id] += amount
        applied_to[payment_id].append(number)
    lines = []
    for p in payments:
        reversed_by_then = p.reversed_on is not None and p.reversed_on <= as_of
        unapplied = ZERO if reversed_by_then else p.amount - applied[p.id]
        lines.append(PaymentLine(p.reference, p.received_on, p.currency, p.amount, unapplied,
                                 p.reversed_on if reversed_by_then else None, tuple(applied_to[p.id])))
    return lines


def debtor_sales(session: Session, debtor_id: int, as_of: date, days: int = DSO_WINDOW_DAYS) -> dict[str, Decimal]:
    """What was billed (credit notes net) in the `days` up to and including `as_of`, per currency."""
    start = as_of - timedelta(days=days - 1)
    rows = session.execute(
        select(Receivable.currency, func.sum(Receivable.amount))
        .where(Receivable.debtor_id == debtor_id, Receivable.issue_date.between(start, as_of))
        .group_by(Receivable.currency)
    )
    return {currency: total or ZERO for currency, total in rows}
