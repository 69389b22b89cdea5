"""Payments after they arrive: reversing a bounced payment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from receivables.services.errors import Refused, UnknownRecord
from receivables.storage import audit
from receivables.storage.ledger import refresh_open_amounts
from receivables.storage.schema import Allocation, Payment


class PaymentRefused(Refused):
    """The payment cannot be changed that way."""


@dataclass(frozen=True, slots=True)
class Reversal:
    reference: str
    reversed_on: date
    amount: Decimal
    currency: str
    items_reopened: int


def reverse_payment(session: Session, reference: str, reversed_on: date, reason: str, *, actor: str) -> Reversal:
    """Undo a bounced payment from `reversed_on`: its allocations stop counting and balances reopen.

    Aging for dates before the reversal still shows the payment, so past reports stay reproducible.
    """
    payment = session.execute(select(Payment).where(Payment.reference == reference)).scalar_one_or_none()
    if payment is None:
        raise UnknownRecord(f"no payment with reference {reference!r}")
    if payment.reversed_on is not None:
        raise PaymentRefused(f"payment {reference} was already reversed on {payment.reversed_on}")
    if reversed_on < payment.received_on:
        raise PaymentRefused(f"the reversal date {reversed_on} is before the payment date {payment.received_on}")
    if not reason.strip():
        raise PaymentRefused("give the reason for the reversal (for example: cheque bounced)")
    item_ids = session.execute(
        select(Allocation.receivable_id).where(Allocation.payment_id == payment.id, Allocation.reversed_on.is_(None))
    ).scalars().all()
    session.execute(update(Allocation).where(Allocation.payment_id == payment.id, Allocation.reversed_on.is_(None))
                    .values(reversed_on=reversed_on))
    before = {"reversed_on": None}
    payment.reversed_on, payment.reversal_reason = reversed_on, reason.strip()
    refresh_open_amounts(session, set(item_ids))
    audit.record(session, actor, "payment.reverse", "payment", reference, before=before,
                 after={"reversed_on": reversed_on, "reason": reason.strip()})
    return Reversal(reference, reversed_on, payment.amount, payment.currency, len(set(item_ids)))
