"""Escalation routing: who inside the debtor a step reaches, in order, and the gaps in the map it met.

The rules, each with a test:
1. Target roles are served in the order given; within a role, decision makers first, then by id.
2. Inactive contacts (left the company) are never recipients.
3. A front desk whose stance is `gatekeeper` is bypassed: the step goes past them.
4. When a role has no reachable contact, the step falls back up the reporting line of the role's
   unreachable contacts (the nearest active superior), else to the decision maker; the missing
   role is reported as a gap ("no finance contact mapped for 华东建设集团").
5. The `boss` role means the decision makers: contacts flagged as deciding, else the active `boss`
   contacts. None: a gap "no decision maker mapped for …".
6. An `evasive` decision maker is not reached directly: the step goes to their nearest active,
   non-evasive superior, else to the formal (legal) route through the debtor's legal representative;
   with neither, the gap says the formal legal route is needed.
7. Nobody is listed twice; the first reason wins.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from receivables.domain.orgchart import ROLES, OrgContact, decision_makers, superiors


@dataclass(frozen=True, slots=True)
class Recipient:
    name: str
    role: str
    reason: str
    contact_id: int | None = None


@dataclass(frozen=True, slots=True)
class Route:
    recipients: tuple[Recipient, ...]
    gaps: tuple[str, ...]
    formal_route: bool = False

    def as_document(self) -> dict[str, object]:
        """The route as `contacts route --format json` prints it."""
        return {"recipients": [{"name": r.name, "role": r.role, "reason": r.reason} for r in self.recipients],
                "gaps": list(self.gaps)}


ROLE_WORDS = {"front_desk": "front desk", "legal_rep": "legal representative", "boss": "decision maker"}


def role_word(role: str) -> str:
    return ROLE_WORDS.get(role, role)


@dataclass
class _Builder:
    debtor_name: str
    contacts: Sequence[OrgContact]
    recipients: list[Recipient] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)
    formal_route: bool = False

    def add(self, contact: OrgContact, reason: str) -> None:
        if all(r.contact_id != contact.id for r in self.recipients):
            self.recipients.append(Recipient(contact.name, contact.role, reason, contact.id))

    def gap(self, text: str) -> None:
        if text not in self.gaps:
            self.gaps.append(text)

    def reachable_superior(self, contact: OrgContact) -> OrgContact | None:
        for superior in superiors(self.contacts, contact.id):
            if superior.active and not _is_gatekeeper(superior) and superior.stance != "evasive":
                return superior
        return None

    def decision_step(self, lead: str) -> None:
        deciders = decision_makers(self.contacts)
        if not deciders:
            self.gap(f"no decision maker mapped for {self.debtor_name}")
            return
        for decider in deciders:
            if decider.stance != "evasive":
                self.add(decider, f"{lead}decision maker: approves payment")
                continue
            superior = self.reachable_superior(decider)
            if superior is not None:
                self.add(superior, f"decision maker {decider.name} is evasive: their superior")
                continue
            self.formal_route = True
            legal = [c for c in self.contacts if c.role == "legal_rep" and c.active and c.id != decider.id]
            if legal:
                for rep in sorted(legal, key=lambda c: c.id):
                    self.add(rep, f"decision maker {decider.name} is evasive and has no superior mapped: "
                                  "formal route via the legal representative")
            else:
                self.gap(f"decision maker {decider.name} of {self.debtor_name} is evasive and no superior or "
                         "legal representative is mapped: take the formal legal route")

    def role_step(self, role: str) -> None:
        if role == "boss":
            self.decision_step("")
            return
        members = sorted((c for c in self.contacts if c.role == role), key=lambda c: (not c.decision_maker, c.id))
        reachable = [c for c in members if c.active and not _is_gatekeeper(c)]
        for contact in reachable:
            self.add(contact, f"{role_word(role)} contact")
        if reachable:
            return
        if not members:
            self.gap(f"no {role_word(role)} contact mapped for {self.debtor_name}")
        elif not any(c.active for c in members):
            self.gap(f"no active {role_word(role)} contact for {self.debtor_name} "
                     f"({', '.join(c.name for c in members)} left)")
        found = False
        for contact in members:
            superior = self.reachable_superior(contact)
            if superior is None:
                continue
            found = True
            why = "is a gatekeeper, bypassed" if contact.active else "has left"
            self.add(superior, f"{role_word(role)} {contact.name} {why}: their superior")
        if not found:
            self.decision_step(f"no reachable {role_word(role)} contact: ")


def _is_gatekeeper(contact: OrgContact) -> bool:
    return contact.role == "front_desk" and contact.stance == "gatekeeper"


def route(debtor_name: str, contacts: Sequence[OrgContact], roles: Sequence[str]) -> Route:
    """The recipients of an escalation step aimed at `roles`, and the gaps met (see the module's rules)."""
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise ValueError(f"unknown role {unknown[0]!r} (allowed: {', '.join(ROLES)})")
    if not roles:
        raise ValueError("an escalation step needs at least one target role")
    builder = _Builder(debtor_name, contacts)
    for role in dict.fromkeys(roles):
        builder.role_step(role)
    return Route(tuple(builder.recipients), tuple(builder.gaps), builder.formal_route)
