"""Disputes: opening one on a debtor's items, resolving it, and which items dunning must hold meanwhile."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from receivables.domain.money import ZERO
from receivables.services.errors import Refused, UnknownRecord
from receivables.services.orgmap import find_contact, find_debtor
from receivables.storage import audit
from receivables.storage.schema import Contact, Debtor, Dispute, DisputeItem, Receivable

RESOLUTIONS = ("credit_note", "withdrawn", "rejected")
STATES = ("open", "resolved")


class DisputeRefused(Refused):
    """The dispute cannot be opened or resolved as given; nothing was written."""


@dataclass(frozen=True, slots=True)
class DisputedItem:
    number: str
    currency: str
    open_amount: Decimal
    disputed_amount: Decimal


@dataclass(frozen=True, slots=True)
class DisputeView:
    id: int
    debtor: str
    debtor_name: str
    contact: str | None
    reason: str
    opened_on: date
    status: str
    resolution: str | None
    resolved_on: date | None
    age_days: int
    items: tuple[DisputedItem, ...]


def disputed_receivable_ids(session: Session) -> set[int]:
    """Items under an open dispute: the dunning engine holds them (the rest of the debtor's items it collects)."""
    return set(session.execute(
        select(DisputeItem.receivable_id).join(Dispute, Dispute.id == DisputeItem.dispute_id)
        .where(Dispute.status == "open")
    ).scalars())


def open_dispute(session: Session, code: str, items: Sequence[tuple[str, Decimal | None]], *, reason: str,
                 opened_on: date, actor: str, contact: str | None = None) -> DisputeView:
    """Open a dispute on items given as (number, disputed amount or None for all that is open).

    Refused: no items or reason, an unknown item, a paid item, a disputed amount that is not positive or
    above the item's open amount, and an item already under an open dispute.
    """
    debtor = find_debtor(session, code)
    if not items:
        raise DisputeRefused("name at least one disputed item")
    if not reason.strip():
        raise DisputeRefused("give the reason for the dispute (what the debtor complains about)")
    held = disputed_receivable_ids(session)
    lines: list[tuple[Receivable, Decimal]] = []
    for number, amount in items:
        item = session.execute(select(Receivable).where(Receivable.debtor_id == debtor.id,
                                                        Receivable.number == number)).scalar_one_or_none()
        if item is None:
            raise UnknownRecord(f"{debtor.code} has no item {number!r}")
        if item.open_amount <= ZERO:
            raise DisputeRefused(f"item {number} is paid (nothing open): a paid item cannot be disputed")
        disputed = item.open_amount if amount is None else amount
        if disputed <= ZERO:
            raise DisputeRefused(f"the disputed amount of {number} must be positive, not {disputed}")
        if disputed > item.open_amount:
            raise DisputeRefused(f"the disputed amount {disputed} of {number} is more than its open amount "
                                 f"{item.open_amount}")
        if item.id in held or any(item.id == other.id for other, _ in lines):
            raise DisputeRefused(f"item {number} is already under an open dispute")
        lines.append((item, disputed))
    person = find_contact(session, debtor, contact) if contact else None
    dispute = Dispute(debtor_id=debtor.id, contact_id=person.id if person else None, reason=reason.strip(),
                      opened_on=opened_on, status="open", opened_by=actor)
    session.add(dispute)
    session.flush()
    session.add_all(DisputeItem(dispute_id=dispute.id, receivable_id=item.id, disputed_amount=amount)
                    for item, amount in lines)
    session.flush()
    audit.record(session, actor, "dispute.open", "dispute", f"{debtor.code}#{dispute.id}", after={
        "reason": dispute.reason, "opened_on": opened_on, "contact": person.name if person else None,
        "items": {item.number: amount for item, amount in lines}})
    return _views(session, [dispute.id], opened_on)[0]


def resolve_dispute(session: Session, dispute_id: int, *, resolution: str, resolved_on: date, actor: str,
                    note: str | None = None) -> DisputeView:
    """Close a dispute as credit_note (we credit the amount), withdrawn (by the debtor) or rejected (by us);
    its items return to dunning."""
    if resolution not in RESOLUTIONS:
        raise DisputeRefused(f"unknown resolution {resolution!r} (allowed: {', '.join(RESOLUTIONS)})")
    dispute = session.get(Dispute, dispute_id)
    if dispute is None:
        raise UnknownRecord(f"no dispute #{dispute_id}")
    if dispute.status != "open":
        raise DisputeRefused(f"dispute #{dispute_id} was already resolved ({dispute.resolution}, {dispute.resolved_on})")
    if resolved_on < dispute.opened_on:
        raise DisputeRefused(f"the resolution date {resolved_on} is before the dispute was opened ({dispute.opened_on})")
    before = {"status": dispute.status, "resolution": None, "resolved_on": None}
    dispute.status, dispute.resolution, dispute.resolved_on = "resolved", resolution, resolved_on
    dispute.resolution_note = note
    session.flush()
    debtor_code = session.execute(select(Debtor.code).where(Debtor.id == dispute.debtor_id)).scalar_one()
    audit.record(session, actor, "dispute.resolve", "dispute", f"{debtor_code}#{dispute.id}", before=before,
                 after={"status": "resolved", "resolution": resolution, "resolved_on": resolved_on, "note": note})
    return _views(session, [dispute.id], resolved_on)[0]


def list_disputes(session: Session, as_of: date, *, code: str | None = None,
                  status: str | None = None) -> list[DisputeView]:
    """Disputes with their age in days on `as_of` (until resolution), oldest first."""
    if status is not None and status not in STATES:
        raise DisputeRefused(f"unknown status {status!r} (allowed: {', '.join(STATES)})")
    query = select(Dispute.id).where(Dispute.opened_on <= as_of).order_by(Dispute.opened_on, Dispute.id)
    if code:
        query = query.where(Dispute.debtor_id == find_debtor(session, code).id)
    if status:
        query = query.where(Dispute.status == status)
    return _views(session, list(session.execute(query).scalars()), as_of)


def _views(session: Session, ids: list[int], as_of: date) -> list[DisputeView]:
    if not ids:
        return []
    items: dict[int, list[DisputedItem]] = {i: [] for i in ids}
    for dispute_id, number, currency, open_amount, amount in session.execute(
        select(DisputeItem.dispute_id, Receivable.number, Receivable.currency, Receivable.open_amount,
               DisputeItem.disputed_amount).join(Receivable, Receivable.id == DisputeItem.receivable_id)
        .where(DisputeItem.dispute_id.in_(ids)).order_by(Receivable.number)
    ):
        items[dispute_id].append(DisputedItem(number, currency, open_amount, amount))
    rows = session.execute(select(Dispute, Debtor, Contact).join(Debtor, Debtor.id == Dispute.debtor_id)
                           .outerjoin(Contact, Contact.id == Dispute.contact_id).where(Dispute.id.in_(ids))).all()
    by_id = {dispute.id: (dispute, debtor, person) for dispute, debtor, person in rows}
    views = []
    for dispute_id in ids:
        dispute, debtor, person = by_id[dispute_id]
        until = dispute.resolved_on if dispute.resolved_on and dispute.resolved_on < as_of else as_of
        views.append(DisputeView(dispute.id, debtor.code, debtor.name, person.name if person else None,
                                 dispute.reason, dispute.opened_on, dispute.status, dispute.resolution,
                                 dispute.resolved_on, (until - dispute.opened_on).days, tuple(items[dispute_id])))
    return views
