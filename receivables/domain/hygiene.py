"""Contact hygiene: when an outbound contact with a debtor is allowed, so collection never becomes harassment.

An outbound contact is allowed only inside the allowed hours (the debtor's or global setting, narrowed
by the contact's own hours when known), and only while the debtor has had fewer than the maximum
outbound contacts that calendar day and in the seven days ending that day. Anything else needs an
override with a written reason, which is recorded with the interaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

MIN_OVERRIDE_REASON = 5


@dataclass(frozen=True, slots=True)
class HygieneRules:
    hours_from: time
    hours_to: time
    max_per_day: int
    max_per_week: int

    def __post_init__(self) -> None:
        if self.hours_to <= self.hours_from:
            raise ValueError("the allowed hours must end after they start")
        if self.max_per_day < 1 or self.max_per_week < self.max_per_day:
            raise ValueError("limits must be at least 1 a day, and a week's limit at least the day's")

    def describe(self) -> str:
        return (f"{self.hours_from:%H:%M}-{self.hours_to:%H:%M}, at most {self.max_per_day} a day and "
                f"{self.max_per_week} a week")


DEFAULT_RULES = HygieneRules(time(8, 0), time(20, 0), 3, 8)


@dataclass(frozen=True, slots=True)
class HygieneVerdict:
    allowed: bool
    reasons: tuple[str, ...]


def parse_clock(text: str) -> time:
    """HH:MM on a 24-hour clock; ValueError otherwise."""
    try:
        hours, minutes = text.strip().split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        raise ValueError(f"not a time of day: {text!r} (expected HH:MM)") from None


def check_outbound(rules: HygieneRules, at: datetime, earlier_outbound: Iterable[datetime],
                   contact_hours: tuple[time, time] | None = None) -> HygieneVerdict:
    """May an outbound contact happen at `at`, given the debtor's earlier outbound contacts?"""
    reasons: list[str] = []
    start, end = rules.hours_from, rules.hours_to
    clock = at.time()
    if not start <= clock <= end:
        reasons.append(f"{clock:%H:%M} is outside the allowed hours {start:%H:%M}-{end:%H:%M}")
    if contact_hours is not None and not contact_hours[0] <= clock <= contact_hours[1]:
        reasons.append(f"{clock:%H:%M} is outside the contact's hours "
                       f"{contact_hours[0]:%H:%M}-{contact_hours[1]:%H:%M}")
    day = at.date()
    week_start = day - timedelta(days=6)
    earlier = [e for e in earlier_outbound if e <= at]
    same_day = sum(1 for e in earlier if e.date() == day)
    same_week = sum(1 for e in earlier if week_start <= e.date() <= day)
    if same_day >= rules.max_per_day:
        reasons.append(f"already {same_day} outbound contact(s) with this debtor on {day} "
                       f"(limit {rules.max_per_day} a day)")
    if same_week >= rules.max_per_week:
        reasons.append(f"already {same_week} outbound contact(s) with this debtor in the 7 days to {day} "
                       f"(limit {rules.max_per_week} a week)")
    return HygieneVerdict(not reasons, tuple(reasons))


def override_problem(verdict: HygieneVerdict, override_reason: str | None) -> str | None:
    """Why the contact may not be logged: refused by the rules and no (or too short a) override reason."""
    if verdict.allowed:
        return None
    reason = (override_reason or "").strip()
    if len(reason) >= MIN_OVERRIDE_REASON:
        return None
    what = "; ".join(verdict.reasons)
    if reason:
        return f"outbound contact refused: {what}; the override reason is too short (say why, at least " \
               f"{MIN_OVERRIDE_REASON} characters)"
    return f"outbound contact refused: {what} (contact hygiene; use --override-reason to record why it is needed)"
