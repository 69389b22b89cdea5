"""The debtor organization map: adding, editing and listing contacts, and routing escalation steps."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from receivables.domain.escalation import Route, route
from receivables.domain.orgchart import (
    CHANNELS, OrgContact, check_email, check_hours, parse_role, parse_stance, reporting_line_problem,
)
from receivables.services.errors import Refused, UnknownRecord
from receivables.storage import audit
from receivables.storage.schema import Contact, Debtor

FIELDS = ("name", "role", "title", "department", "phone", "mobile", "email", "address", "stance", "reports_to",
          "decision_maker", "preferred_channel", "hours", "active", "notes")
_AUDITED = ("name", "role", "title", "department", "phone", "mobile", "email", "address", "stance",
            "reports_to_id", "decision_maker", "preferred_channel", "hours_from", "hours_to", "active", "notes")


class ContactRefused(Refused):
    """A contact's details are not acceptable; nothing was written."""


@dataclass(frozen=True, slots=True)
class ContactView:
    id: int
    debtor: str
    name: str
    role: str
    title: str | None
    department: str | None
    phone: str | None
    mobile: str | None
    email: str | None
    address: str | None
    stance: str
    reports_to: str | None
    decision_maker: bool
    preferred_channel: str | None
    hours: str | None
    active: bool
    notes: str | None


@dataclass(frozen=True, slots=True)
class OrgMap:
    """A debtor's people and the route of one escalation step, as the chart draws them."""

    debtor_code: str
    debtor_name: str
    contacts: tuple[OrgContact, ...]
    route: Route


def find_debtor(session: Session, code: str) -> Debtor:
    debtor = session.execute(select(Debtor).where(Debtor.code == code)).scalar_one_or_none()
    if debtor is None:
        raise UnknownRecord(f"no debtor with code {code!r}")
    return debtor


def org_contacts(session: Session, debtor_id: int | None = None) -> list[OrgContact]:
    query = select(Contact).order_by(Contact.id)
    if debtor_id is not None:
        query = query.where(Contact.debtor_id == debtor_id)
    return [as_org_contact(c) for c in session.execute(query).scalars()]


def as_org_contact(c: Contact) -> OrgContact:
    return OrgContact(c.id, c.debtor_id, c.name, c.role, c.title, c.stance, c.reports_to_id, c.decision_maker,
                      c.active, c.department)


def find_contact(session: Session, debtor: Debtor, reference: str) -> Contact:
    """A debtor's contact by name, or by id written #12; several people of one name need the id."""
    if reference.startswith("#") and reference[1:].isdigit():
        found = session.get(Contact, int(reference[1:]))
        if found is None or found.debtor_id != debtor.id:
            raise UnknownRecord(f"{debtor.code} has no contact {reference}")
        return found
    matches = session.execute(select(Contact).where(Contact.debtor_id == debtor.id, Contact.name == reference)
                              .order_by(Contact.id)).scalars().all()
    if not matches:
        raise UnknownRecord(f"{debtor.code} has no contact named {reference!r}")
    if len(matches) > 1:
        ids = ", ".join(f"#{c.id}" for c in matches)
        raise ContactRefused(f"{debtor.code} has several contacts named {reference!r} ({ids}): name one by its id")
    return matches[0]


def _superior(session: Session, debtor: Debtor, reference: str) -> int:
    """The id of a superior named within the debtor, or given as #id (which may be anyone's: checked later)."""
    if reference.startswith("#") and reference[1:].isdigit():
        if session.get(Contact, int(reference[1:])) is None:
            raise ContactRefused(f"no contact {reference} to report to")
        return int(reference[1:])
    try:
        return find_contact(session, debtor, reference).id
    except UnknownRecord:
        elsewhere = session.execute(select(Debtor.code).join(Contact, Contact.debtor_id == Debtor.id)
                                    .where(Contact.name == reference)).scalars().first()
        hint = f" ({reference} is a contact of another debtor, {elsewhere})" if elsewhere else ""
        raise ContactRefused(f"reports_to: {debtor.code} has no contact named {reference!r}{hint}") from None


def clean_fields(session: Session, debtor: Debtor, fields: Mapping[str, Any]) -> dict[str, Any]:
    """Checked column values from what the user typed; ContactRefused names the first bad one."""
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise ContactRefused(f"cannot set {', '.join(sorted(unknown))}")
    values: dict[str, Any] = {}
    try:
        for key, raw in fields.items():
            value = raw.strip() if isinstance(raw, str) else raw
            if key == "name":
                if not value or len(value) > 100:
                    raise ValueError("a contact needs a name of at most 100 characters")
                values["name"] = value
            elif key == "role":
                values["role"] = parse_role(value)
            elif key == "stance":
                values["stance"] = parse_stance(value or "")
            elif key == "email":
                values["email"] = check_email(value) if value else None
            elif key == "hours":
                values["hours_from"], values["hours_to"] = check_hours(value) if value else (None, None)
            elif key == "preferred_channel":
                if value and value not in CHANNELS:
                    raise ValueError(f"unknown channel {value!r} (allowed: {', '.join(CHANNELS)})")
                values["preferred_channel"] = value or None
            elif key == "reports_to":
                values["reports_to_id"] = _superior(session, debtor, value) if value else None
            elif key in ("decision_maker", "active"):
                values[key] = bool(value)
            else:
                values[key] = value or None
    except ValueError as exc:
        raise ContactRefused(str(exc)) from None
    return values


def _check_line(session: Session, debtor: Debtor, contact_id: int | None, superior_id: int | None) -> None:
    everyone = org_contacts(session, debtor.id)
    if superior_id is not None and all(c.id != superior_id for c in everyone):
        other = session.get(Contact, superior_id)
        if other is not None:
            everyone.append(as_org_contact(other))
    problem = reporting_line_problem(everyone, contact_id, debtor.id, superior_id)
    if problem:
        raise ContactRefused(problem)


def _audited(contact: Contact) -> dict[str, Any]:
    return {k: getattr(contact, k) for k in _AUDITED}


def add_contact(session: Session, code: str, fields: Mapping[str, Any], *, actor: str) -> ContactView:
    """Add a person to a debtor's map (name and role required)."""
    debtor = find_debtor(session, code)
    if not fields.get("name") or not fields.get("role"):
        raise ContactRefused("a contact needs at least a name and a role")
    values = clean_fields(session, debtor, fields)
    _check_line(session, debtor, None, values.get("reports_to_id"))
    contact = Contact(debtor_id=debtor.id, **{"stance": "unknown", "decision_maker": False, "active": True,
                                              **values})
    session.add(contact)
    session.flush()
    audit.record(session, actor, "contact.add", "contact", f"{debtor.code}/{contact.name}#{contact.id}",
                 after=_audited(contact))
    return contact_view(session, contact, debtor)


def edit_contact(session: Session, code: str, reference: str, changes: Mapping[str, Any], *,
                 actor: str) -> ContactView:
    """Change a contact's details; the audit log keeps what each changed field was before."""
    debtor = find_debtor(session, code)
    contact = find_contact(session, debtor, reference)
    if not changes:
        raise ContactRefused("nothing to change: give at least one option (see --help)")
    values = clean_fields(session, debtor, changes)
    if "reports_to_id" in values:
        _check_line(session, debtor, contact.id, values["reports_to_id"])
    before = {k: getattr(contact, k) for k in values}
    for key, value in values.items():
        setattr(contact, key, value)
    session.flush()
    audit.record(session, actor, "contact.edit", "contact", f"{debtor.code}/{contact.name}#{contact.id}",
                 before=before, after=values)
    return contact_view(session, contact, debtor)


def contact_view(session: Session, contact: Contact, debtor: Debtor) -> ContactView:
    superior = session.get(Contact, contact.reports_to_id) if contact.reports_to_id else None
    hours = f"{contact.hours_from}-{contact.hours_to}" if contact.hours_from and contact.hours_to else None
    return ContactView(contact.id, debtor.code, contact.name, contact.role, contact.title, contact.department,
                       contact.phone, contact.mobile, contact.email, contact.address, contact.stance,
                       superior.name if superior else None, contact.decision_maker, contact.preferred_channel,
                       hours, contact.active, contact.notes)


def list_contacts(session: Session, code: str | None = None) -> list[ContactView]:
    query = select(Contact, Debtor).join(Debtor, Debtor.id == Contact.debtor_id).order_by(Debtor.code, Contact.id)
    if code is not None:
        query = query.where(Debtor.id == find_debtor(session, code).id)
    return [contact_view(session, contact, debtor) for contact, debtor in session.execute(query).all()]


def show_contact(session: Session, code: str, reference: str) -> ContactView:
    debtor = find_debtor(session, code)
    return contact_view(session, find_contact(session, debtor, reference), debtor)


def parse_roles(text: str) -> list[str]:
    """`finance,boss` (English or Chinese role names) as roles; ContactRefused for an unknown one."""
    try:
        return [parse_role(part) for part in text.replace("，", ",").split(",") if part.strip()]
    except ValueError as exc:
        raise ContactRefused(str(exc)) from None


def escalation_route(session: Session, code: str, roles: Sequence[str]) -> Route:
    """Who an escalation step aimed at `roles` reaches at this debtor, and the gaps in its map."""
    return organization_map(session, code, roles).route


def organization_map(session: Session, code: str, roles: Sequence[str]) -> OrgMap:
    debtor = find_debtor(session, code)
    contacts = org_contacts(session, debtor.id)
    try:
        found = route(debtor.name, contacts, roles)
    except ValueError as exc:
        raise ContactRefused(str(exc)) from None
    return OrgMap(debtor.code, debtor.name, tuple(contacts), found)
