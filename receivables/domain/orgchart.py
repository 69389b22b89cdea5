"""A debtor's organization map: contact roles and stances, and the rules of its reporting tree."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

ROLES = ("front_desk", "sales", "procurement", "project", "finance", "boss", "legal_rep", "other")
STANCES = ("cooperative", "gatekeeper", "decisive", "evasive", "unknown")
CHANNELS = ("call", "visit", "email", "letter", "meeting", "message")

# What people type, in English or Chinese, for each role and stance.
ROLE_NAMES: Mapping[str, str] = {
    **{r: r for r in ROLES}, "front desk": "front_desk", "reception": "front_desk", "前台": "front_desk",
    "销售": "sales", "业务": "sales", "采购": "procurement", "项目": "project", "项目经理": "project",
    "财务": "finance", "会计": "finance", "出纳": "finance", "老板": "boss", "总经理": "boss", "负责人": "boss",
    "法定代表人": "legal_rep", "法人": "legal_rep", "legal representative": "legal_rep", "其他": "other",
}
STANCE_NAMES: Mapping[str, str] = {
    **{s: s for s in STANCES}, "配合": "cooperative", "合作": "cooperative", "阻拦": "gatekeeper",
    "推诿": "gatekeeper", "果断": "decisive", "爽快": "decisive", "回避": "evasive", "拖延": "evasive",
    "未知": "unknown", "": "unknown",
}
ROLE_LABELS_ZH: Mapping[str, str] = {
    "front_desk": "前台", "sales": "销售", "procurement": "采购", "project": "项目", "finance": "财务",
    "boss": "老板(审批付款)", "legal_rep": "法定代表人", "other": "其他",
}

_EMAIL = re.compile(r"^[^@\s,;<>()]+@[^@\s,;<>()]+\.[A-Za-z]{2,}$")
_HOURS = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True, slots=True)
class OrgContact:
    """A contact as the routing and tree rules see it."""

    id: int
    debtor_id: int
    name: str
    role: str
    title: str | None = None
    stance: str = "unknown"
    reports_to_id: int | None = None
    decision_maker: bool = False
    active: bool = True
    department: str | None = None


def parse_role(text: str) -> str:
    """A role from its English or Chinese name; ValueError naming the allowed roles otherwise."""
    found = ROLE_NAMES.get(text.strip().lower()) or ROLE_NAMES.get(text.strip())
    if found is None:
        raise ValueError(f"unknown role {text!r} (allowed: {', '.join(ROLES)})")
    return found


def parse_stance(text: str) -> str:
    """A stance from its English or Chinese name (blank is `unknown`); ValueError otherwise."""
    found = STANCE_NAMES.get(text.strip().lower())
    if found is None:
        found = STANCE_NAMES.get(text.strip())
    if found is None:
        raise ValueError(f"unknown stance {text!r} (allowed: {', '.join(STANCES)})")
    return found


def check_email(text: str) -> str:
    """The address trimmed; ValueError for anything that is not one plain address."""
    cleaned = text.strip()
    if not _EMAIL.match(cleaned):
        raise ValueError(f"malformed e-mail address {text!r}")
    return cleaned


def check_hours(text: str) -> tuple[str, str]:
    """An allowed-hours window written 09:00-18:00; ValueError otherwise (the end must be after the start)."""
    parts = text.replace("～", "-").replace("~", "-").replace("至", "-").split("-")
    if len(parts) != 2 or not all(_HOURS.match(p.strip()) for p in parts):
        raise ValueError(f"hours must look like 09:00-18:00, not {text!r}")
    start, end = (p.strip() for p in parts)
    if end <= start:
        raise ValueError(f"hours {text!r}: the end must be after the start")
    return start, end


def superiors(contacts: Iterable[OrgContact], contact_id: int) -> list[OrgContact]:
    """The reporting line above a contact, nearest first (stops at a loop rather than running forever)."""
    by_id = {c.id: c for c in contacts}
    line: list[OrgContact] = []
    seen = {contact_id}
    current = by_id.get(contact_id)
    while current is not None and current.reports_to_id is not None and current.reports_to_id not in seen:
        seen.add(current.reports_to_id)
        current = by_id.get(current.reports_to_id)
        if current is not None:
            line.append(current)
    return line


def reporting_line_problem(contacts: Sequence[OrgContact], contact_id: int | None, debtor_id: int,
                           superior_id: int | None) -> str | None:
    """Why `contact_id` (None for a new contact) of `debtor_id` cannot report to `superior_id`, or None.

    A superior must exist, belong to the same debtor, not be the contact itself, and not report
    (directly or up the line) to the contact: the reporting lines of a debtor form a tree.
    """
    if superior_id is None:
        return None
    by_id = {c.id: c for c in contacts}
    superior = by_id.get(superior_id)
    if superior is None:
        return f"no contact with id {superior_id} to report to"
    if superior.debtor_id != debtor_id:
        return f"{superior.name} is a contact of another debtor and cannot be a superior here"
    if contact_id is None:
        return None
    if superior_id == contact_id:
        return f"{superior.name} cannot report to themselves"
    if any(c.id == contact_id for c in superiors(contacts, superior_id)):
        return f"{by_id[contact_id].name} reporting to {superior.name} would make a cycle in the reporting lines"
    return None


def tree_problems(contacts: Sequence[OrgContact]) -> list[str]:
    """Every problem of a debtor's reporting tree: unknown or cross-debtor superiors and cycles (each once)."""
    by_id = {c.id: c for c in contacts}
    problems: list[str] = []
    for contact in sorted(contacts, key=lambda c: c.id):
        superior = by_id.get(contact.reports_to_id) if contact.reports_to_id is not None else None
        if contact.reports_to_id is not None and superior is None:
            problems.append(f"{contact.name} reports to an unknown contact")
        elif superior is not None and superior.debtor_id != contact.debtor_id:
            problems.append(f"{contact.name} reports to {superior.name}, a contact of another debtor")
    for loop in cycles(contacts):
        names = " -> ".join(c.name for c in [*loop, loop[0]])
        problems.append(f"reporting lines make a cycle: {names}")
    return problems


def cycles(contacts: Sequence[OrgContact]) -> list[list[OrgContact]]:
    """Each loop in the reporting lines once, starting from its member with the lowest id."""
    by_id = {c.id: c for c in contacts}
    found: list[list[OrgContact]] = []
    reported: set[int] = set()
    for contact in sorted(contacts, key=lambda c: c.id):
        loop = _loop_from(by_id, contact)
        if loop and not reported.intersection(c.id for c in loop):
            reported.update(c.id for c in loop)
            first = min(range(len(loop)), key=lambda i: loop[i].id)
            found.append(loop[first:] + loop[:first])
    return found


def _loop_from(by_id: Mapping[int, OrgContact], start: OrgContact) -> list[OrgContact]:
    path: list[OrgContact] = []
    index: dict[int, int] = {}
    current: OrgContact | None = start
    while current is not None and current.id not in index:
        index[current.id] = len(path)
        path.append(current)
        current = by_id.get(current.reports_to_id) if current.reports_to_id is not None else None
    if current is None:
        return []
    return path[index[current.id]:]


def decision_makers(contacts: Iterable[OrgContact]) -> list[OrgContact]:
    """Active contacts flagged as decision makers; with none flagged, the active `boss` contacts."""
    active = [c for c in contacts if c.active]
    flagged = [c for c in active if c.decision_maker]
    return sorted(flagged or [c for c in active if c.role == "boss"], key=lambda c: c.id)
