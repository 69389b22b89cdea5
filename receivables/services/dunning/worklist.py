"""A collector's worklist: debtors ranked by what acting on them is worth, with the next step and whom to call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from receivables.domain.calendar import RestDayCalendar
from receivables.domain.dunning import WorkSignals, work_value
from receivables.domain.escalation import route
from receivables.domain.orgchart import OrgContact
from receivables.services.dunning.runs import outlook, policy_of
from receivables.services.legal import WATCH_DAYS, ExpiringClaim, expiring_claims
from receivables.storage.queries.dunning import last_contacts
from receivables.storage.schema import Contact


@dataclass(frozen=True, slots=True)
class WorkRow:
    debtor: str
    debtor_name: str
    collector: str | None
    currency: str
    overdue: Decimal
    oldest_days: int
    broken_promises: int
    days_since_contact: int | None
    level: int
    next_action: str
    contact: str | None
    phone: str | None
    value: Decimal
    limitation_expires_on: date | None = None
    limitation_band: int | None = None
    """30, 90 or 180: the narrowest watch band of the debtor's soonest-expiring claim."""


def soonest_claims(claims: list[ExpiringClaim]) -> dict[str, ExpiringClaim]:
    """Per debtor, the claim whose limitation period ends first."""
    soonest: dict[str, ExpiringClaim] = {}
    for claim in claims:
        known = soonest.get(claim.debtor_code)
        if known is None or claim.expires_on < known.expires_on:
            soonest[claim.debtor_code] = claim
    return soonest


def worklist(session: Session, as_of: date, *, collector: str | None = None,
             rest_days: RestDayCalendar | None = None) -> list[WorkRow]:
    """Every debtor with something overdue (of one collector, if named), most worth acting on first.

    A claim whose limitation period ends within 180 days raises the debtor's urgency, and the row says when
    and in which band (30/90/180 days) it expires.
    """
    expiring = soonest_claims(expiring_claims(session, as_of, WATCH_DAYS, rest_days=rest_days))
    seen = outlook(session, as_of, collector=collector)
    overdue = [p for p in seen.positions if p.overdue > 0 and p.oldest_due is not None]
    ids = sorted({p.debtor_id for p in overdue})
    contacted = last_contacts(session, ids if len(ids) <= 500 else None)
    people: dict[int, list[Contact]] = {}
    for c in session.execute(select(Contact).order_by(Contact.id)).scalars():
        if c.debtor_id in contacted or c.debtor_id in set(ids):
            people.setdefault(c.debtor_id, []).append(c)
    rows = []
    for p in overdue:
        decision = seen.decisions[(p.debtor_id, p.currency)]
        policy = policy_of(seen.book, p)
        step = decision.level or policy.level(min(p.level + 1, len(policy.levels))) or policy.levels[-1]
        next_action = f"{step.name} ({step.action})" if decision.level else f"follow up by phone: {decision.reason}"
        contacts = people.get(p.debtor_id, [])
        found = route(p.name, [OrgContact(c.id, c.debtor_id, c.name, c.role, c.title, c.stance, c.reports_to_id,
                                          c.decision_maker, c.active, c.department) for c in contacts], step.roles)
        by_id = {c.id: c for c in contacts}
        first = next((by_id[r.contact_id] for r in found.recipients
                      if r.contact_id in by_id and (by_id[r.contact_id].mobile or by_id[r.contact_id].phone)), None)
        last = contacted.get(p.debtor_id)
        oldest = (as_of - p.oldest_due).days if p.oldest_due else 0
        claim = expiring.get(p.code)
        signals = WorkSignals(p.overdue, oldest, seen.broken.get(p.code, 0),
                              (as_of - last).days if last else None, claim.days_left if claim else None)
        rows.append(WorkRow(p.code, p.name, p.collector, p.currency, p.overdue, oldest, signals.broken_promises,
                            signals.days_since_contact, p.level, next_action, first.name if first else None,
                            (first.mobile or first.phone) if first else None, work_value(signals),
                            claim.expires_on if claim else None, claim.band if claim else None))
    return sorted(rows, key=lambda r: (-r.value, r.debtor, r.currency))
