"""The dunning ladder: parsing policies as data, and choosing each debtor's next step at its edges."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from receivables.domain.dunning import (
    Level,
    Policy,
    Standing,
    WorkSignals,
    next_step,
    parse_policy,
    qualifying_level,
    work_value,
)

AS_OF = date(2026, 3, 31)
APPROVERS = ("admin", "finance", "legal")


def ladder() -> Policy:
    def level(n: int, name: str, days: int, action: str, **more: object) -> Level:
        return Level(n, name, days, action, ("finance",), "email", **more)  # type: ignore[arg-type]
    return Policy("test", (level(1, "courtesy", -7, "email"), level(2, "reminder", 1, "email"),
                           level(3, "call", 15, "call_task", min_days_since_previous=7),
                           level(4, "demand", 30, "letter", template="demand", min_amount=Decimal("1000.00")),
                           level(5, "legal", 120, "legal_referral")))


def standing(days: int | None, *, level: int = 0, overdue: str = "5000.00", balance: str | None = None,
             soon: str = "0.00", **more: object) -> Standing:
    return Standing(level, Decimal(balance or overdue), Decimal(overdue), Decimal(soon), days, **more)  # type: ignore[arg-type]


def test_courtesy_email_seven_days_before_due_when_nothing_is_overdue() -> None:
    decision = next_step(ladder(), standing(-7, overdue="0.00", soon="800.00", balance="800.00"), AS_OF)
    assert decision.level is not None and decision.level.name == "courtesy"


def test_eight_days_before_due_is_too_early_for_the_courtesy_email() -> None:
    assert next_step(ladder(), standing(-8, overdue="0.00", soon="800.00", balance="800.00"), AS_OF).level is None


def test_the_ladder_is_climbed_one_level_at_a_time_passing_over_the_courtesy_step_once_overdue() -> None:
    decision = next_step(ladder(), standing(200), AS_OF)
    assert decision.level is not None and decision.level.name == "reminder"
    assert next_step(ladder(), standing(200, level=4), AS_OF).level.name == "legal"  # type: ignore[union-attr]


def test_a_step_is_never_repeated() -> None:
    decision = next_step(ladder(), standing(14, level=2), AS_OF)
    assert decision.level is None and "already reached" in decision.reason


def test_day_fifteen_reaches_the_call_and_day_fourteen_does_not() -> None:
    assert next_step(ladder(), standing(15, level=2), AS_OF).level.name == "call"  # type: ignore[union-attr]
    assert next_step(ladder(), standing(14, level=2), AS_OF).level is None


def test_two_broken_promises_skip_one_level() -> None:
    decision = next_step(ladder(), standing(20, level=1, broken_promises=2), AS_OF)
    assert decision.level is not None and decision.level.name == "call"


def test_one_broken_promise_does_not_skip() -> None:
    assert next_step(ladder(), standing(20, level=1, broken_promises=1), AS_OF).level.name == "reminder"  # type: ignore[union-attr]


def test_skipping_stops_at_the_last_level() -> None:
    decision = next_step(ladder(), standing(300, level=4, broken_promises=3), AS_OF)
    assert decision.level is not None and decision.level.number == 5


def test_a_pending_promise_holds_the_level() -> None:
    decision = next_step(ladder(), standing(40, level=2, pending_promise=True), AS_OF)
    assert decision.level is None and not decision.reset and "pending" in decision.reason


@pytest.mark.parametrize("balance", ["0.00", "-0.01", "-500.00"])
def test_zero_or_credit_balance_gets_nothing_and_drops_to_level_zero(balance: str) -> None:
    decision = next_step(ladder(), standing(90, level=3, overdue="500.00", balance=balance), AS_OF)
    assert decision.level is None and decision.reset


def test_zero_balance_at_level_zero_needs_no_reset() -> None:
    assert not next_step(ladder(), standing(90, overdue="0.00", balance="0.00"), AS_OF).reset


def test_the_next_step_waits_for_the_minimum_days_since_the_previous_one() -> None:
    # stepped on 2026-03-25: six days before 31 March, the call level waits seven
    waiting = next_step(ladder(), standing(40, level=2, stepped_on=date(2026, 3, 25)), AS_OF)
    assert waiting.level is None and "waits 7 days" in waiting.reason
    ready = next_step(ladder(), standing(40, level=2, stepped_on=date(2026, 3, 24)), AS_OF)
    assert ready.level is not None and ready.level.name == "call"


def test_minimum_amount_keeps_a_small_debt_below_the_demand_letter() -> None:
    assert qualifying_level(ladder(), 45, Decimal("999.99")).name == "call"  # type: ignore[union-attr]
    assert qualifying_level(ladder(), 45, Decimal("1000.00")).name == "demand"  # type: ignore[union-attr]


def test_levels_must_rise_in_days_and_problems_name_the_level_and_field() -> None:
    document = {"name": "bad", "levels": [
        {"name": "a", "days": 10, "action": "email", "roles": ["finance"], "channel": "email"},
        {"name": "b", "days": 5, "action": "fax", "roles": ["finance"], "channel": "pigeon", "min_amount": "-1"},
        {"name": "c", "days": 40, "action": "letter", "roles": ["ceo"], "channel": "courier", "approver": "boss"}]}
    policy, problems = parse_policy(document, "policy.yaml", APPROVERS)
    assert policy is None
    text = " | ".join(problems)
    assert "policy.yaml: level 2 (b): action 'fax'" in text
    assert "level 2 (b): channel 'pigeon'" in text
    assert "level 2 (b): min_amount '-1'" in text
    assert "level 3 (c): action letter needs a letter template" in text
    assert "level 3 (c): roles ['ceo']" in text
    assert "level 3 (c): approver 'boss'" in text


def test_a_policy_round_trips_through_its_document() -> None:
    policy = Policy("p", (Level(1, "demand", 30, "letter", ("finance", "boss"), "courier", "demand",
                                Decimal("100.00"), 7, {"CNY": Decimal("50.00")}, "finance"),), ("retail",))
    again, problems = parse_policy(policy.as_document(), "x", APPROVERS)
    assert problems == [] and again == policy


def test_the_shipped_ladder_is_valid_and_matches_the_b2b_default() -> None:
    from receivables.services.dunning.policies import read_policy, shipped_policy_text

    policy = read_policy(shipped_policy_text(), "shipped")
    assert [(lv.days, lv.action) for lv in policy.levels] == [
        (-7, "email"), (1, "email"), (15, "call_task"), (30, "letter"), (60, "letter"), (90, "lawyer_letter"),
        (120, "legal_referral")]
    assert policy.levels[4].templates == ("final_demand", "collection_notice")
    assert policy.levels[4].channel == "registered_mail"
    assert policy.levels[5].approver == "legal"
    assert set(policy.levels[3].roles) == {"finance", "boss"} and set(policy.levels[2].roles) == {"finance", "procurement"}


def test_worth_rises_with_age_broken_promises_silence_and_limitation_urgency() -> None:
    base = WorkSignals(Decimal("1000.00"), 30, 0, 0)
    assert work_value(base) == Decimal("2000.00")
    assert work_value(WorkSignals(Decimal("1000.00"), 60, 0, 0)) > work_value(base)
    assert work_value(WorkSignals(Decimal("1000.00"), 30, 2, 0)) > work_value(base)
    assert work_value(WorkSignals(Decimal("1000.00"), 30, 0, None)) == work_value(WorkSignals(Decimal("1000.00"), 30, 0, 90))
    assert work_value(WorkSignals(Decimal("1000.00"), 30, 0, 0, 10)) > work_value(base)
    assert work_value(WorkSignals(Decimal("0.00"), 300, 5, None)) == Decimal("0.00")
