"""Dunning ladders and the choice of a debtor's next step.

The rules, each with a test:
1. A policy is an ordered ladder: level numbers run 1, 2, 3 ... and their days past due rise strictly.
   A level applies from its `days` (negative: before the due date, e.g. -7 for a courtesy e-mail) when
   the debtor's dunnable open amount in that currency reaches its `min_amount`.
2. The ladder is climbed one level at a time: the next step is the first level above the one the debtor
   has reached that applies to its oldest dunnable item (a level before the due date is passed over once
   something is overdue). Nothing applies above the level reached: no step (a step is never repeated).
3. Two or more broken promises skip one level: the step goes one level further (at most to the last).
4. A pending promise holds the level: no step while it is pending.
5. A debtor whose balance (all open items and credits) is zero or in credit gets nothing and drops
   back to level 0.
6. A step waits until `min_days_since_previous` days have passed since the debtor's previous step.
7. A level's step covers the dunnable items at least `min(days, 1)` days past due: a courtesy level
   before the due date covers the items falling due within its window, any later level the overdue ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from itertools import pairwise
from typing import Any

from receivables.domain.money import ZERO, normalize_currency, round_cents
from receivables.domain.orgchart import ROLES

ACTIONS = ("email", "call_task", "letter", "lawyer_letter", "legal_referral")
CHANNELS = ("email", "registered_mail", "courier", "hand")
# Actions that issue a numbered letter through the letters path (and so need a template).
LETTER_ACTIONS = frozenset({"letter", "lawyer_letter"})
BROKEN_PROMISES_TO_SKIP = 2
LEVEL_FIELDS = ("name", "days", "min_amount", "min_days_since_previous", "action", "template", "roles", "channel",
                "fees", "approver")


@dataclass(frozen=True, slots=True)
class Level:
    """One step of a ladder: when it applies, what it does, to whom, at what fee, approved by which role."""

    number: int
    name: str
    days: int
    action: str
    roles: tuple[str, ...]
    channel: str
    template: str | None = None
    min_amount: Decimal = ZERO
    min_days_since_previous: int = 0
    fees: Mapping[str, Decimal] = field(default_factory=dict)
    approver: str = "finance"

    @property
    def templates(self) -> tuple[str, ...]:
        """The letter templates the step issues, in order (`final_demand+collection_notice`: two letters)."""
        return tuple(t for t in (self.template or "").split("+") if t)

    @property
    def first_item_day(self) -> int:
        """Items this many days past due or more are covered by the step (rule 7)."""
        return min(self.days, 1)

    def fee_in(self, currency: str) -> Decimal:
        return self.fees.get(currency, ZERO)

    def as_document(self) -> dict[str, Any]:
        """The level as the policy YAML file writes it."""
        return {"name": self.name, "days": self.days, "min_amount": str(self.min_amount),
                "min_days_since_previous": self.min_days_since_previous, "action": self.action,
                "template": self.template, "roles": list(self.roles), "channel": self.channel,
                "fees": {currency: str(amount) for currency, amount in sorted(self.fees.items())},
                "approver": self.approver}


@dataclass(frozen=True, slots=True)
class Policy:
    name: str
    levels: tuple[Level, ...]
    segments: tuple[str, ...] = ()
    description: str | None = None
    is_default: bool = False

    def level(self, number: int) -> Level | None:
        return self.levels[number - 1] if 1 <= number <= len(self.levels) else None

    @property
    def horizon_days(self) -> int:
        """How many days ahead of their due date items can be dunned (the courtesy window), 0 if none."""
        return max([0, *(-level.days for level in self.levels)])

    def as_document(self) -> dict[str, Any]:
        return {"name": self.name, "description": self.description, "default": self.is_default,
                "segments": list(self.segments), "levels": [level.as_document() for level in self.levels]}


@dataclass(frozen=True, slots=True)
class Standing:
    """What the choice of a step needs to know about one debtor in one currency on `as_of`."""

    level: int
    balance: Decimal
    overdue: Decimal
    due_soon: Decimal
    oldest_days_past_due: int | None
    stepped_on: date | None = None
    broken_promises: int = 0
    pending_promise: bool = False


@dataclass(frozen=True, slots=True)
class Decision:
    """The outcome for one debtor: a step to propose (`level`), a reset to 0, or nothing, and why."""

    level: Level | None
    reset: bool
    reason: str


def _problem(where: str, text: str) -> str:
    return f"{where}: {text}"


def _int(value: object, where: str, name: str, problems: list[str]) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        problems.append(_problem(where, f"{name} must be a whole number, not {value!r}"))
        return 0
    return value


def _amount(value: object, where: str, name: str, problems: list[str]) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        problems.append(_problem(where, f"{name} {value!r} is not an amount"))
        return ZERO
    if not amount.is_finite() or amount < 0 or round_cents(amount) != amount:
        problems.append(_problem(where, f"{name} {value!r} must be zero or more with at most two decimals"))
        return ZERO
    return amount


def parse_level(number: int, raw: object, where: str, approvers: Sequence[str]) -> tuple[Level | None, list[str]]:
    """A level from its YAML mapping; the problems name the level and the field."""
    problems: list[str] = []
    if not isinstance(raw, Mapping):
        return None, [_problem(where, "a level is a mapping of name, days, action, ...")]
    unknown = sorted(set(map(str, raw)) - set(LEVEL_FIELDS))
    if unknown:
        problems.append(_problem(where, f"unknown field {unknown[0]!r} (allowed: {', '.join(LEVEL_FIELDS)})"))
    name = str(raw.get("name") or "").strip()
    if not name or len(name) > 60:
        problems.append(_problem(where, "name is required (at most 60 characters)"))
    days = _int(raw.get("days"), where, "days", problems)
    action = str(raw.get("action") or "")
    if action not in ACTIONS:
        problems.append(_problem(where, f"action {action!r} is not one of {', '.join(ACTIONS)}"))
    channel = str(raw.get("channel") or "")
    if channel not in CHANNELS:
        problems.append(_problem(where, f"channel {channel!r} is not one of {', '.join(CHANNELS)}"))
    template = raw.get("template")
    if template is not None and not isinstance(template, str):
        problems.append(_problem(where, f"template must be a name, not {template!r}"))
        template = None
    if action in LETTER_ACTIONS and not template:
        problems.append(_problem(where, f"action {action} needs a letter template"))
    roles_raw = raw.get("roles") or []
    roles = tuple(str(r) for r in roles_raw) if isinstance(roles_raw, (list, tuple)) else (str(roles_raw),)
    bad_roles = [r for r in roles if r not in ROLES]
    if not roles or bad_roles:
        problems.append(_problem(where, f"roles {list(roles)!r}: give one or more of {', '.join(ROLES)}"))
    fees: dict[str, Decimal] = {}
    fees_raw = raw.get("fees") or {}
    if not isinstance(fees_raw, Mapping):
        problems.append(_problem(where, "fees is a mapping of currency to amount, e.g. {CNY: '200.00'}"))
    else:
        for currency, amount in fees_raw.items():
            try:
                fees[normalize_currency(str(currency))] = _amount(amount, where, f"fee in {currency}", problems)
            except ValueError as exc:
                problems.append(_problem(where, f"fees: {exc}"))
    approver = str(raw.get("approver") or "finance")
    if approver not in approvers:
        problems.append(_problem(where, f"approver {approver!r} is not one of {', '.join(approvers)}"))
    level = Level(number, name, days, action, roles, channel, template or None,
                  _amount(raw.get("min_amount", "0"), where, "min_amount", problems),
                  _int(raw.get("min_days_since_previous", 0), where, "min_days_since_previous", problems),
                  fees, approver)
    if level.min_days_since_previous < 0:
        problems.append(_problem(where, "min_days_since_previous must be zero or more"))
    return (None if problems else level), problems


def parse_policy(raw: object, source: str, approvers: Sequence[str]) -> tuple[Policy | None, list[str]]:
    """A policy from its YAML document; every problem found, each naming `source`, the level and field."""
    if not isinstance(raw, Mapping):
        return None, [f"{source}: a policy is a mapping with name, segments and levels"]
    problems: list[str] = []
    name = str(raw.get("name") or "").strip()
    if not name or len(name) > 60:
        problems.append(f"{source}: name is required (at most 60 characters)")
    segments_raw = raw.get("segments") or []
    if not isinstance(segments_raw, (list, tuple)):
        problems.append(f"{source}: segments is a list of debtor segments")
        segments_raw = []
    segments = tuple(str(s).strip() for s in segments_raw if str(s).strip())
    if any("," in s for s in segments):
        problems.append(f"{source}: a segment name cannot contain a comma")
    levels_raw = raw.get("levels")
    if not isinstance(levels_raw, (list, tuple)) or not levels_raw:
        problems.append(f"{source}: levels is a non-empty list")
        levels_raw = []
    levels: list[Level] = []
    for index, entry in enumerate(levels_raw, start=1):
        label = entry.get("name") if isinstance(entry, Mapping) else None
        level, found = parse_level(index, entry, f"{source}: level {index}" + (f" ({label})" if label else ""),
                                   approvers)
        problems.extend(found)
        if level is not None:
            levels.append(level)
    for before, after in pairwise(levels):
        if after.days <= before.days:
            problems.append(f"{source}: level {after.number} ({after.name}) applies from {after.days} days, "
                            f"not after level {before.number} ({before.days} days): days must rise")
    if problems:
        return None, problems
    description = raw.get("description")
    return Policy(name, tuple(levels), segments, str(description) if description else None,
                  bool(raw.get("default", False))), []


def qualifying_level(policy: Policy, days_past_due: int, overdue: Decimal, due_soon: Decimal = ZERO
                     ) -> Level | None:
    """The highest level that applies at this age and amount (rule 1): a level before the due date counts
    what falls due within its window too, a later one only what is overdue."""
    found = None
    for level in policy.levels:
        amount = overdue + due_soon if level.days <= 0 else overdue
        if level.days <= days_past_due and amount > ZERO and amount >= level.min_amount:
            found = level
    return found


def next_step(policy: Policy, standing: Standing, as_of: date) -> Decision:
    """The step to propose for one debtor on `as_of` (rules 2 to 6)."""
    if standing.balance <= ZERO:
        return Decision(None, standing.level > 0, "balance is zero or in credit")
    if standing.pending_promise:
        return Decision(None, False, "a promise to pay is pending: level held")
    if standing.oldest_days_past_due is None or standing.overdue + standing.due_soon <= ZERO:
        return Decision(None, False, "nothing to dun")
    age = standing.oldest_days_past_due
    qualified = qualifying_level(policy, age, standing.overdue, standing.due_soon)
    if qualified is None:
        return Decision(None, False, "no level applies yet")
    candidates = [lv for lv in policy.levels if standing.level < lv.number <= qualified.number
                  and not (lv.days <= 0 < age)]
    if not candidates:
        return Decision(None, False, f"level {standing.level} already reached")
    number = candidates[0].number
    if standing.broken_promises >= BROKEN_PROMISES_TO_SKIP:
        number = min(number + 1, len(policy.levels))
    level = policy.levels[number - 1]
    if standing.stepped_on is not None and (as_of - standing.stepped_on).days < level.min_days_since_previous:
        return Decision(None, False, f"previous step on {standing.stepped_on}: waits "
                                     f"{level.min_days_since_previous} days")
    return Decision(level, False, "due")


# ------------------------------------------------------------------------------------------ worklist


@dataclass(frozen=True, slots=True)
class WorkSignals:
    """What makes acting on a debtor worth more (the worklist's ranking inputs)."""

    overdue: Decimal
    oldest_days_past_due: int
    broken_promises: int
    days_since_contact: int | None
    limitation_days_left: int | None = None


def work_value(signals: WorkSignals) -> Decimal:
    """The worth of acting now: the overdue amount, weighted up by age (per 30 days), by broken promises,
    by silence (days since the last contact, up to 90; never contacted counts as 90), and by a claim
    whose limitation period ends within a year (the nearer, the more)."""
    if signals.overdue <= ZERO:
        return ZERO
    age = Decimal(1) + Decimal(max(signals.oldest_days_past_due, 0)) / 30
    promises = Decimal(1) + Decimal(signals.broken_promises) / 2
    silent_days = 90 if signals.days_since_contact is None else min(max(signals.days_since_contact, 0), 90)
    silence = Decimal(1) + Decimal(silent_days) / 90
    urgency = Decimal(1)
    if signals.limitation_days_left is not None and signals.limitation_days_left < 365:
        urgency += Decimal(365 - max(signals.limitation_days_left, 0)) / 365
    return round_cents(signals.overdue * age * promises * silence * urgency)
