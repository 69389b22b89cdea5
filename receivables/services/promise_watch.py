"""The daily promise evaluation: each promise to pay that came due is judged, and a newly broken one recorded once."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from receivables.config import Settings
from receivables.domain.promises import DEFAULT_GRACE_DAYS
from receivables.services.promises import PromiseView, list_promises
from receivables.storage import audit
from receivables.storage.database import unit_of_work
from receivables.storage.schema import AuditEntry

BROKEN = "promise.broken"


def promise_key(view: PromiseView) -> str:
    """The audit key of a promise, as `promise.add` writes it: debtor code and promise id."""
    return f"{view.debtor}#{view.id}"


def _recorded_broken_ids(session: Session) -> set[int]:
    # Keyed on the id after '#', so a debtor code renamed since does not make a promise look new.
    keys = session.execute(select(AuditEntry.entity_key).where(AuditEntry.action == BROKEN,
                                                              AuditEntry.entity == "promise")).scalars()
    return {int(key.rsplit("#", 1)[-1]) for key in keys if key and key.rsplit("#", 1)[-1].isdigit()}


def evaluate_promises(sessions: sessionmaker[Session], settings: Settings, as_of: date, actor: str,
                      *, grace_days: int = DEFAULT_GRACE_DAYS) -> str:
    """Judge every promise on `as_of` (kept, partly kept, broken, pending: `domain.promises`) and write one
    `promise.broken` audit entry for each broken promise not recorded before; a rerun records nothing new.

    The entry carries what a collector needs to follow up (amount, promised date, the deadline with grace,
    a suggested next step); no interaction row is written, because an interaction is a contact with the
    debtor and none took place. Returns a one-line summary.
    """
    with unit_of_work(sessions) as session:
        views = list_promises(session, as_of, grace_days=grace_days)
        already = _recorded_broken_ids(session)
        outcomes = Counter(view.status for view in views)
        newly = [view for view in views if view.status == "broken" and view.id not in already]
        audit.record_many(session, actor, BROKEN, "promise", [
            (promise_key(view), None, {
                "debtor": view.debtor, "amount": view.amount, "currency": view.currency,
                "promised_on": view.promised_on, "deadline": view.promised_on + timedelta(days=grace_days),
                "paid": view.paid, "judged_on": as_of,
                "next_step": f"call {view.contact or view.debtor_name} about the broken promise 跟进未兑现的付款承诺",
            }) for view in newly])
    return (f"promises {as_of}: {len(newly)} newly broken, {outcomes['broken'] - len(newly)} broken earlier, "
            f"{outcomes['kept']} kept, {outcomes['partly_kept']} partly kept, {outcomes['pending']} pending "
            f"(grace {grace_days} days)")
