"""Logging contacts with a debtor (calls, visits, e-mails, letters, meetings, messages) under the hygiene rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from receivables.domain.hygiene import DEFAULT_RULES, HygieneRules, check_outbound, override_problem, parse_clock
from receivables.domain.orgchart import CHANNELS, check_hours
from receivables.services.errors import Refused
from receivables.services.orgmap import find_contact, find_debtor
from receivables.storage import audit
from receivables.storage.schema import Contact, ContactHygiene, Debtor, Interaction

DIRECTIONS = ("outbound", "inbound")


class InteractionRefused(Refused):
    """The interaction cannot be logged as given (including contact-hygiene refusals); nothing was written."""


@dataclass(frozen=True, slots=True)
class InteractionView:
    id: int
    debtor: str
    occurred_at: datetime
    channel: str
    direction: str
    contact: str | None
    user: str
    summary: str
    outcome: str | None
    next_step: str | None
    next_step_on: date | None
    override_reason: str | None


def hygiene_rules(session: Session, debtor_id: int | None) -> HygieneRules:
    """The debtor's own limits, else the global ones, else the product's defaults (08:00-20:00, 3/day, 8/week)."""
    rows = {row.debtor_id: row for row in session.execute(
        select(ContactHygiene).where((ContactHygiene.debtor_id == debtor_id) | ContactHygiene.debtor_id.is_(None))
    ).scalars()}
    row = rows.get(debtor_id) or rows.get(None)
    if row is None:
        return DEFAULT_RULES
    return HygieneRules(parse_clock(row.hours_from), parse_clock(row.hours_to), row.max_per_day, row.max_per_week)


def set_hygiene(session: Session, code: str | None, *, hours: str | None, per_day: int | None,
                per_week: int | None, actor: str) -> HygieneRules:
    """Set the global limits (no code) or one debtor's; what is not given keeps its current value."""
    debtor_id = find_debtor(session, code).id if code else None
    current = hygiene_rules(session, debtor_id)
    try:
        start, end = check_hours(hours) if hours else (f"{current.hours_from:%H:%M}", f"{current.hours_to:%H:%M}")
        rules = HygieneRules(parse_clock(start), parse_clock(end), per_day or current.max_per_day,
                             per_week or current.max_per_week)
    except ValueError as exc:
        raise InteractionRefused(str(exc)) from None
    query = select(ContactHygiene).where(ContactHygiene.debtor_id.is_(None) if debtor_id is None
                                         else ContactHygiene.debtor_id == debtor_id)
    row = session.execute(query).scalar_one_or_none()
    if row is None:
        row = ContactHygiene(debtor_id=debtor_id)
        session.add(row)
    row.hours_from, row.hours_to = start, end
    row.max_per_day, row.max_per_week = rules.max_per_day, rules.max_per_week
    audit.record(session, actor, "hygiene.set", "contact_hygiene", code or "*", before={"rules": current.describe()},
                 after={"rules": rules.describe()})
    return rules


def log_interaction(session: Session, code: str, *, channel: str, direction: str, at: datetime, summary: str,
                    actor: str, contact: str | None = None, outcome: str | None = None,
                    next_step: str | None = None, next_step_on: date | None = None,
                    override_reason: str | None = None) -> InteractionView:
    """Record a contact with the debtor. An outbound one outside the hygiene rules is refused unless an
    override reason is given; the reason is stored with the interaction and in the audit log."""
    debtor = find_debtor(session, code)
    if channel not in CHANNELS:
        raise InteractionRefused(f"unknown channel {channel!r} (allowed: {', '.join(CHANNELS)})")
    if direction not in DIRECTIONS:
        raise InteractionRefused(f"unknown direction {direction!r} (allowed: {', '.join(DIRECTIONS)})")
    if not summary.strip():
        raise InteractionRefused("say what was said or done (--summary)")
    person = find_contact(session, debtor, contact) if contact else None
    override = (override_reason or "").strip() or None
    if direction == "outbound":
        override = _hygiene_override(session, debtor, person, at, override)
    row = Interaction(debtor_id=debtor.id, contact_id=person.id if person else None, channel=channel,
                      direction=direction, occurred_at=at, user_name=actor, summary=summary.strip(),
                      outcome=outcome, next_step=next_step, next_step_on=next_step_on, override_reason=override)
    session.add(row)
    session.flush()
    view = _view(row, debtor, person)
    audit.record(session, actor, "interaction.log", "interaction", f"{debtor.code}#{row.id}",
                 after={k: getattr(view, k) for k in ("occurred_at", "channel", "direction", "contact", "summary",
                                                      "outcome", "next_step", "next_step_on", "override_reason")})
    return view


def _hygiene_override(session: Session, debtor: Debtor, person: Contact | None, at: datetime,
                      override: str | None) -> str | None:
    earlier = session.execute(
        select(Interaction.occurred_at).where(Interaction.debtor_id == debtor.id,
                                              Interaction.direction == "outbound",
                                              Interaction.occurred_at >= datetime.combine(at.date(), time())
                                              - timedelta(days=6),
                                              Interaction.occurred_at <= at)
    ).scalars().all()
    window = None
    if person is not None and person.hours_from and person.hours_to:
        window = (parse_clock(person.hours_from), parse_clock(person.hours_to))
    verdict = check_outbound(hygiene_rules(session, debtor.id), at, earlier, window)
    problem = override_problem(verdict, override)
    if problem:
        raise InteractionRefused(problem)
    return override if not verdict.allowed else None


def _view(row: Interaction, debtor: Debtor, person: Contact | None) -> InteractionView:
    return InteractionView(row.id, debtor.code, row.occurred_at, row.channel, row.direction,
                           person.name if person else None, row.user_name, row.summary, row.outcome, row.next_step,
                           row.next_step_on, row.override_reason)


def list_interactions(session: Session, code: str | None = None) -> list[InteractionView]:
    query = (select(Interaction, Debtor, Contact).join(Debtor, Debtor.id == Interaction.debtor_id)
             .outerjoin(Contact, Contact.id == Interaction.contact_id)
             .order_by(Interaction.occurred_at, Interaction.id))
    if code:
        query = query.where(Interaction.debtor_id == find_debtor(session, code).id)
    return [_view(row, debtor, person) for row, debtor, person in session.execute(query).all()]
