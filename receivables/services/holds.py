"""Holding an item out of dunning (and letting it back in), with the reason in the audit log."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from receivables.services.errors import Refused, UnknownRecord
from receivables.services.orgmap import find_debtor
from receivables.storage import audit
from receivables.storage.schema import Receivable


class HoldRefused(Refused):
    """The hold cannot be changed as asked; nothing was written."""


def set_item_hold(session: Session, code: str, number: str, *, hold: bool, reason: str, actor: str) -> bool:
    """Put one of a debtor's items on hold (no dunning) or release it; returns the new state.

    A reason is required either way: whoever reads the item later must know why it was (not) chased.
    """
    debtor = find_debtor(session, code)
    if not reason.strip():
        raise HoldRefused("give the reason for the hold or its release")
    item = session.execute(select(Receivable).where(Receivable.debtor_id == debtor.id,
                                                    Receivable.number == number.strip())).scalar_one_or_none()
    if item is None:
        raise UnknownRecord(f"debtor {code} has no item {number!r}")
    if item.dunning_block == hold:
        raise HoldRefused(f"item {number} is already {'on hold' if hold else 'not on hold'}")
    item.dunning_block = hold
    audit.record(session, actor, "receivable.hold" if hold else "receivable.release", "receivable",
                 f"{debtor.code}/{number}", before={"dunning_block": not hold},
                 after={"dunning_block": hold, "reason": reason.strip()[:300]})
    return hold
