"""Importing a debtor's contacts: master data keyed by (debtor, name); superiors named within the same debtor."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select, update

from receivables.domain.orgchart import OrgContact, check_email, cycles, parse_role, parse_stance
from receivables.services.imports.context import ImportContext, Lookups, Parsed, RowRejected, text_cell
from receivables.storage import audit
from receivables.storage.schema import Contact, Debtor

_FIELDS = ("role", "title", "department", "phone", "email", "address", "stance", "decision_maker", "active")
_YES = {"yes", "y", "true", "1", "是", "对", "√", "在职", "有效"}
_NO = {"no", "n", "false", "0", "否", "不是", "×", "离职", "已离职", "无效"}


def _yes_no(cells: dict[str, Any], column: str, default: bool) -> bool:
    raw = text_cell(cells, column).lower()
    if not raw:
        return default
    if raw in _YES:
        return True
    if raw in _NO:
        return False
    raise RowRejected(column, raw, "expected yes or no (是/否)")


def parse_contact(lookups: Lookups, cells: dict[str, Any]) -> dict[str, Any]:
    role = text_cell(cells, "role", required=True)
    stance = text_cell(cells, "stance")
    email = text_cell(cells, "email", max_length=200)
    values: dict[str, Any] = {
        "debtor_id": lookups.debtor_id(cells),
        "name": text_cell(cells, "name", required=True, max_length=100),
        "title": text_cell(cells, "title", max_length=100) or None,
        "department": text_cell(cells, "department", max_length=100) or None,
        "phone": text_cell(cells, "phone", max_length=60) or None,
        "address": text_cell(cells, "address", max_length=400) or None,
        "decision_maker": _yes_no(cells, "decision_maker", False),
        "active": _yes_no(cells, "active", True),
        "reports_to": text_cell(cells, "reports_to", max_length=100) or None,
    }
    for column, text, check in (("role", role, parse_role), ("stance", stance, parse_stance),
                                ("email", email, check_email)):
        try:
            values[column] = check(text) if text or column == "stance" else None
        except ValueError as exc:
            raise RowRejected(column, text, str(exc)) from None
    return values


def write_contacts(context: ImportContext, chunk: Parsed) -> None:
    """Insert new contacts, update changed ones (audited); superiors are linked by `finish_contacts`."""
    parsed: dict[tuple[int, str], tuple[int, dict[str, Any]]] = {}
    for number, values in chunk:
        key = (values["debtor_id"], values["name"])
        if key in parsed or key in context.seen_keys:
            context.problem(number, "name", values["name"], "duplicate contact of this debtor in this file")
            continue
        parsed[key] = (number, values)
    context.seen_keys.update(parsed)
    if not parsed:
        return
    existing: dict[tuple[int, str], list[Contact]] = defaultdict(list)
    debtor_ids = {debtor_id for debtor_id, _ in parsed}
    for contact in context.session.execute(select(Contact).where(Contact.debtor_id.in_(debtor_ids))).scalars():
        existing[(contact.debtor_id, contact.name)].append(contact)
    for key, (number, values) in parsed.items():
        fields = {f: values[f] for f in _FIELDS}
        found = existing.get(key, [])
        if len(found) > 1:
            context.problem(number, "name", values["name"], "several contacts of this debtor have this name; "
                            "edit them with `receivables contacts edit`")
            continue
        new = not found
        if new:
            contact = Contact(debtor_id=key[0], name=key[1], **fields)
            context.session.add(contact)
            context.session.flush()
            context.inserted += 1
        else:
            contact = found[0]
            before = {f: getattr(contact, f) for f in _FIELDS}
            if before == fields:
                context.unchanged += 1
            else:
                for name, value in fields.items():
                    setattr(contact, name, value)
                context.changes.append((f"{key[1]}#{contact.id}", before, fields))
                context.updated += 1
        context.deferred.append((number, key[0], contact.id, values["reports_to"], new))


def finish_contacts(context: ImportContext) -> None:
    """Link each imported contact to the superior named in its row, refusing unknown names, another
    debtor's people and cycles; a row with no superior leaves the contact at the top of the tree."""
    if not context.deferred:
        return
    session = context.session
    session.flush()
    debtor_ids = {debtor_id for _, debtor_id, _, _, _ in context.deferred}
    people = list(session.execute(select(Contact).where(Contact.debtor_id.in_(debtor_ids))).scalars())
    by_name: dict[tuple[int, str], list[Contact]] = defaultdict(list)
    for person in people:
        by_name[(person.debtor_id, person.name)].append(person)
    links = {person.id: person.reports_to_id for person in people}
    rows_of: dict[int, int] = {}
    added: set[int] = set()
    for number, debtor_id, contact_id, superior, new in context.deferred:
        rows_of[contact_id] = number
        if new:
            added.add(contact_id)
        if superior is None:
            links[contact_id] = None
            continue
        matches = by_name.get((debtor_id, superior), [])
        if len(matches) == 1 and matches[0].id != contact_id:
            links[contact_id] = matches[0].id
        elif len(matches) == 1:
            context.problem(number, "reports_to", superior, "a contact cannot report to themselves")
        elif matches:
            context.problem(number, "reports_to", superior, "several contacts of this debtor have this name")
        else:
            elsewhere = session.execute(select(Debtor.code).join(Contact, Contact.debtor_id == Debtor.id)
                                        .where(Contact.name == superior, Contact.debtor_id != debtor_id)).scalars().first()
            reason = (f"a contact of another debtor ({elsewhere}) cannot be a superior here" if elsewhere else
                      "no contact of this name at this debtor (in the file or already mapped)")
            context.problem(number, "reports_to", superior, reason)
    tree = [OrgContact(p.id, p.debtor_id, p.name, p.role, reports_to_id=links[p.id]) for p in people]
    for loop in cycles(tree):
        number = min((rows_of[c.id] for c in loop if c.id in rows_of), default=None)
        names = " -> ".join(c.name for c in [*loop, loop[0]])
        context.problem(number, "reports_to", loop[0].name, f"reporting lines make a cycle: {names}")
    for person in people:
        if person.id in rows_of and links[person.id] != person.reports_to_id:
            session.execute(update(Contact).where(Contact.id == person.id).values(reports_to_id=links[person.id]))
            if person.id not in added:
                context.changes.append((f"{person.name}#{person.id}", {"reports_to_id": person.reports_to_id},
                                        {"reports_to_id": links[person.id]}))
    if not context.problems:  # new contacts, each in the audit log (rolled back with the import otherwise)
        audit.record_many(session, context.actor, "import.contacts.add", "contact", [
            (f"{p.name}#{p.id}", None, {**{f: getattr(p, f) for f in _FIELDS}, "reports_to_id": links[p.id]})
            for p in people if p.id in added])
