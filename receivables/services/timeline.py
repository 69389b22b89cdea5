"""A debtor's timeline: items, payments, letters, interactions, promises (with outcome) and disputes, by date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from receivables.services.disputes import list_disputes
from receivables.services.interactions import list_interactions
from receivables.services.orgmap import find_debtor
from receivables.services.promises import list_promises
from receivables.storage.schema import Letter, Payment, Receivable

_ORDER = {"item": 0, "payment": 1, "payment_reversed": 2, "letter": 3, "interaction": 4, "promise": 5,
          "dispute_opened": 6, "dispute_resolved": 7}


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    on: date
    kind: str
    reference: str
    text: str
    amount: Decimal | None = None
    currency: str | None = None


@dataclass(frozen=True, slots=True)
class Timeline:
    code: str
    name: str
    as_of: date
    entries: tuple[TimelineEntry, ...]


def debtor_timeline(session: Session, code: str, as_of: date) -> Timeline:
    """Everything known about a debtor up to `as_of`, oldest first (same day: items, then payments, letters…)."""
    debtor = find_debtor(session, code)
    entries: list[TimelineEntry] = []
    for item in session.execute(select(Receivable).where(Receivable.debtor_id == debtor.id,
                                                         Receivable.issue_date <= as_of)).scalars():
        entries.append(TimelineEntry(item.issue_date, "item", item.number,
                                     f"{item.kind} {item.number} issued, due {item.due_date}", item.amount,
                                     item.currency))
    for payment in session.execute(select(Payment).where(Payment.debtor_id == debtor.id,
                                                          Payment.received_on <= as_of)).scalars():
        entries.append(TimelineEntry(payment.received_on, "payment", payment.reference,
                                     f"payment {payment.reference} received", payment.amount, payment.currency))
        if payment.reversed_on is not None and payment.reversed_on <= as_of:
            entries.append(TimelineEntry(payment.reversed_on, "payment_reversed", payment.reference,
                                         f"payment {payment.reference} reversed: {payment.reversal_reason or ''}",
                                         -payment.amount, payment.currency))
    for letter in session.execute(select(Letter).where(Letter.debtor_id == debtor.id,
                                                       Letter.letter_date <= as_of)).scalars():
        entries.append(TimelineEntry(letter.letter_date, "letter", letter.number,
                                     f"letter {letter.number}: {letter.title} ({letter.template_name})"))
    for contact in list_interactions(session, code):
        if contact.occurred_at.date() > as_of:
            continue
        who = f" with {contact.contact}" if contact.contact else ""
        text = f"{contact.direction} {contact.channel}{who} at {contact.occurred_at:%H:%M}: {contact.summary}"
        if contact.outcome:
            text += f"; outcome: {contact.outcome}"
        if contact.override_reason:
            text += f"; hygiene override: {contact.override_reason}"
        entries.append(TimelineEntry(contact.occurred_at.date(), "interaction", f"#{contact.id}", text))
    for promise in list_promises(session, as_of, code=code):
        who = f" by {promise.contact}" if promise.contact else ""
        entries.append(TimelineEntry(promise.made_on, "promise", f"#{promise.id}",
                                     f"promise{who} to pay by {promise.promised_on}: {promise.status} "
                                     f"({promise.paid} paid)", promise.amount, promise.currency))
    for dispute in list_disputes(session, as_of, code=code):
        numbers = ", ".join(i.number for i in dispute.items)
        disputed = sum((i.disputed_amount for i in dispute.items), Decimal("0.00"))
        currency = dispute.items[0].currency if dispute.items else None
        entries.append(TimelineEntry(dispute.opened_on, "dispute_opened", f"#{dispute.id}",
                                     f"dispute on {numbers}: {dispute.reason}", disputed, currency))
        if dispute.resolved_on is not None and dispute.resolved_on <= as_of:
            entries.append(TimelineEntry(dispute.resolved_on, "dispute_resolved", f"#{dispute.id}",
                                         f"dispute on {numbers} resolved: {dispute.resolution}"))
    entries.sort(key=lambda e: (e.on, _ORDER[e.kind], e.reference))
    return Timeline(debtor.code, debtor.name, as_of, tuple(entries))
