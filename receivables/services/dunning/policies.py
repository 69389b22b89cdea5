"""Dunning policies as data: the shipped default, YAML import and export, segment and per-debtor assignment."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from receivables.domain.dunning import Level, Policy, parse_policy
from receivables.services.errors import Refused, UnknownRecord
from receivables.services.orgmap import find_debtor
from receivables.services.users import ROLES as USER_ROLES
from receivables.storage import audit
from receivables.storage.schema.dunning import DunningLevel, DunningPolicy

APPROVERS = tuple(role for role in USER_ROLES if role != "viewer")


class PolicyRefused(Refused):
    """The policy file or assignment is not acceptable; nothing was written."""


@dataclass(frozen=True, slots=True)
class PolicyBook:
    """Every stored policy, and how a debtor finds its own: override, else segment, else the default."""

    policies: dict[int, Policy]
    by_segment: dict[str, int]
    default_id: int

    def policy_id_for(self, override: int | None, segment: str | None) -> int:
        if override is not None and override in self.policies:
            return override
        return self.by_segment.get(segment or "", self.default_id)


def shipped_policy_text() -> str:
    return (resources.files("receivables") / "data" / "dunning_policy.yaml").read_text(encoding="utf-8")


def read_policy(text: str, source: str) -> Policy:
    """A policy from YAML text; PolicyRefused lists every problem, each naming the file, level and field."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PolicyRefused(f"{source}: not valid YAML: {exc}".replace("\n", " ")) from None
    policy, problems = parse_policy(document, source, APPROVERS)
    if policy is None:
        raise PolicyRefused("; ".join(problems))
    return policy


def policy_yaml(policy: Policy) -> str:
    return str(yaml.safe_dump(policy.as_document(), allow_unicode=True, sort_keys=False))


def _level_of(row: DunningLevel) -> Level:
    return Level(row.number, row.name, row.days, row.action, tuple(r for r in row.roles.split(",") if r),
                 row.channel, row.template, row.min_amount, row.min_days_since_previous,
                 {currency: Decimal(amount) for currency, amount in (row.fees or {}).items()}, row.approver)


def _segments(text: str) -> tuple[str, ...]:
    return tuple(s for s in text.split(",") if s)


def _stored(session: Session) -> dict[int, Policy]:
    levels: dict[int, list[Level]] = {}
    for row in session.execute(select(DunningLevel).order_by(DunningLevel.policy_id, DunningLevel.number)).scalars():
        levels.setdefault(row.policy_id, []).append(_level_of(row))
    return {row.id: Policy(row.name, tuple(levels.get(row.id, [])), _segments(row.segments), row.description,
                           row.is_default)
            for row in session.execute(select(DunningPolicy).order_by(DunningPolicy.id)).scalars()}


def save_policy(session: Session, policy: Policy, *, actor: str) -> int:
    """Store a policy (replacing the levels of one of the same name); its segments move to it from any other
    policy is refused, as is a second default. Returns its id."""
    existing = session.execute(select(DunningPolicy).where(DunningPolicy.name == policy.name)).scalar_one_or_none()
    others = [row for row in session.execute(select(DunningPolicy)).scalars() if row.name != policy.name]
    for row in others:
        taken = set(_segments(row.segments)) & set(policy.segments)
        if taken:
            raise PolicyRefused(f"segment {min(taken)!r} already belongs to policy {row.name!r}: "
                                "a segment follows one policy")
    before = _stored(session).get(existing.id) if existing is not None else None
    if existing is None:
        existing = DunningPolicy(name=policy.name, updated_by=actor)
        session.add(existing)
    existing.description = policy.description
    existing.segments = ",".join(policy.segments)
    existing.is_default = policy.is_default or existing.is_default or not others
    existing.updated_by = actor
    session.flush()
    if existing.is_default:
        session.execute(update(DunningPolicy).where(DunningPolicy.id != existing.id).values(is_default=False))
    session.execute(delete(DunningLevel).where(DunningLevel.policy_id == existing.id))
    session.execute(insert(DunningLevel), [
        {"policy_id": existing.id, "number": level.number, "name": level.name, "days": level.days,
         "min_amount": level.min_amount, "min_days_since_previous": level.min_days_since_previous,
         "action": level.action, "template": level.template, "roles": ",".join(level.roles),
         "channel": level.channel, "fees": {c: str(a) for c, a in level.fees.items()}, "approver": level.approver}
        for level in policy.levels])
    audit.record(session, actor, "dunning.policy.save", "dunning_policy", policy.name,
                 before=before.as_document() if before else None, after=policy.as_document())
    return existing.id


def import_policy(session: Session, path: Path, *, actor: str) -> Policy:
    """Load a policy from a YAML file (all problems reported at once; nothing written on any)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyRefused(f"{path}: cannot read: {exc}") from None
    policy = read_policy(text, str(path))
    ensure_policies(session, actor=actor)
    save_policy(session, policy, actor=actor)
    return policy


def ensure_policies(session: Session, *, actor: str) -> None:
    """Store the shipped default policy when there is none yet (the first run or policy command does)."""
    if session.execute(select(DunningPolicy.id).limit(1)).first() is None:
        save_policy(session, read_policy(shipped_policy_text(), "shipped dunning_policy.yaml"), actor=actor)


def policy_book(session: Session) -> PolicyBook:
    """The stored policies (the shipped default when none are stored yet: a dry run writes nothing)."""
    policies = _stored(session)
    if not policies:
        return PolicyBook({0: read_policy(shipped_policy_text(), "shipped dunning_policy.yaml")}, {}, 0)
    default_id = next((pid for pid, p in policies.items() if p.is_default), min(policies))
    by_segment = {segment: pid for pid, p in policies.items() for segment in p.segments}
    return PolicyBook(policies, by_segment, default_id)


def find_policy(session: Session, name: str) -> tuple[int, Policy]:
    ensure_policies(session, actor="system")
    for pid, policy in _stored(session).items():
        if policy.name == name:
            return pid, policy
    raise UnknownRecord(f"no dunning policy named {name!r} (see `receivables dunning policy list`)")


def list_policies(session: Session, *, actor: str) -> list[Policy]:
    ensure_policies(session, actor=actor)
    return list(_stored(session).values())


def assign_policy(session: Session, code: str, name: str | None, *, actor: str) -> None:
    """Override the policy of one debtor (None: follow its segment again)."""
    debtor = find_debtor(session, code)
    policy_id = find_policy(session, name)[0] if name else None
    before = debtor.dunning_policy_id
    debtor.dunning_policy_id = policy_id
    audit.record(session, actor, "dunning.policy.assign", "debtor", code, before={"dunning_policy_id": before},
                 after={"dunning_policy": name})


def set_collector(session: Session, code: str, collector: str | None, *, actor: str) -> None:
    """Name the collector who works a debtor (the worklist's --collector)."""
    debtor = find_debtor(session, code)
    cleaned = (collector or "").strip() or None
    if cleaned is not None and len(cleaned) > 100:
        raise PolicyRefused("a collector's name has at most 100 characters")
    before = debtor.collector
    debtor.collector = cleaned
    audit.record(session, actor, "dunning.collector.set", "debtor", code, before={"collector": before},
                 after={"collector": cleaned})


def policy_documents(policies: list[Policy]) -> list[dict[str, Any]]:
    return [p.as_document() for p in policies]

