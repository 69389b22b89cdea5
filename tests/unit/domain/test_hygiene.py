"""Contact hygiene: outbound contacts only within allowed hours and per-day and per-week limits."""

from __future__ import annotations

from datetime import datetime, time

import pytest

from receivables.domain.hygiene import (
    DEFAULT_RULES, HygieneRules, HygieneVerdict, check_outbound, override_problem, parse_clock,
)

RULES = HygieneRules(time(9, 0), time(18, 0), 2, 3)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute)


def test_defaults_are_eight_to_eight_three_a_day_eight_a_week():
    assert DEFAULT_RULES.describe() == "08:00-20:00, at most 3 a day and 8 a week"


def test_inside_the_hours_and_limits_is_allowed():
    assert check_outbound(RULES, at(10, 10), [at(9, 10)]).allowed


def test_before_the_allowed_hours_is_refused():
    verdict = check_outbound(RULES, at(10, 7, 30), [])
    assert not verdict.allowed and "outside the allowed hours 09:00-18:00" in verdict.reasons[0]


def test_after_the_allowed_hours_is_refused():
    assert not check_outbound(RULES, at(10, 18, 1), []).allowed


def test_the_contacts_own_hours_narrow_the_window():
    verdict = check_outbound(RULES, at(10, 9, 30), [], contact_hours=(time(10, 0), time(12, 0)))
    assert not verdict.allowed and "contact's hours" in verdict.reasons[0]


def test_the_daily_limit_counts_the_same_calendar_day():
    assert not check_outbound(RULES, at(10, 15), [at(10, 9), at(10, 11)]).allowed
    assert check_outbound(RULES, at(10, 15), [at(9, 9), at(10, 11)]).allowed


def test_the_weekly_limit_counts_the_seven_days_ending_that_day():
    earlier = [at(4, 10), at(6, 10), at(8, 10)]
    verdict = check_outbound(RULES, at(10, 10), earlier)
    assert not verdict.allowed and "limit 3 a week" in verdict.reasons[0]
    assert check_outbound(RULES, at(11, 10), earlier).allowed  # the 4th has dropped out of the window


def test_a_refusal_needs_an_override_reason():
    refused = HygieneVerdict(False, ("too late",))
    assert "use --override-reason" in (override_problem(refused, None) or "")
    assert "too short" in (override_problem(refused, "ok") or "")
    assert override_problem(refused, "debtor asked us to call back tonight") is None


def test_an_allowed_contact_needs_no_reason():
    assert override_problem(HygieneVerdict(True, ()), None) is None


def test_rules_must_make_sense():
    with pytest.raises(ValueError):
        HygieneRules(time(18), time(9), 1, 1)
    with pytest.raises(ValueError):
        HygieneRules(time(9), time(18), 5, 2)


def test_clock_times_are_read_as_hh_mm():
    assert parse_clock("07:45") == time(7, 45)
    with pytest.raises(ValueError):
        parse_clock("quarter past")
