"""Case stages, commission per recovery, credit event kinds, and the enforcement double interest at its edges."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from receivables.domain.cases import (
    STAGES,
    CaseError,
    DelayPayment,
    check_commission_rate,
    check_credit_event_kind,
    check_step,
    commission,
    enforcement_interest,
    next_stages,
)

D = Decimal


# --- stages ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("current", "step"), [
    ("referred", "pre_litigation_mediation"), ("referred", "payment_order"), ("referred", "suit_filed"),
    ("pre_litigation_mediation", "suit_filed"), ("payment_order", "suit_filed"), ("suit_filed", "judgment"),
    ("judgment", "enforcement"), ("payment_order", "enforcement"),
])
def test_a_case_moves_forward_to_a_stage_it_can_reach(current: str, step: str) -> None:
    transition = check_step(current, step)
    assert transition.moves and transition.stage == step


@pytest.mark.parametrize(("current", "step"), [
    ("referred", "judgment"), ("referred", "enforcement"), ("suit_filed", "payment_order"),
    ("judgment", "suit_filed"), ("enforcement", "judgment"), ("suit_filed", "suit_filed"), ("judgment", "referred"),
    ("pre_litigation_mediation", "enforcement"),
])
def test_an_unknown_transition_is_refused_with_the_allowed_next_stages(current: str, step: str) -> None:
    with pytest.raises(CaseError, match="allowed next"):
        check_step(current, step)


def test_only_judgments_and_unopposed_payment_orders_are_enforced() -> None:
    assert [s for s in STAGES if "enforcement" in next_stages(s)] == ["payment_order", "judgment"]


def test_any_open_case_can_be_closed_with_an_outcome_and_nothing_follows_closing() -> None:
    for stage in STAGES[:-1]:
        assert check_step(stage, "closed", outcome="settled").stage == "closed"
    with pytest.raises(CaseError, match="outcome"):
        check_step("judgment", "closed")
    with pytest.raises(CaseError, match="outcome"):
        check_step("judgment", "closed", outcome="won")
    with pytest.raises(CaseError, match="closed"):
        check_step("closed", "enforcement")
    with pytest.raises(CaseError, match="only when the case is closed"):
        check_step("suit_filed", "judgment", outcome="recovered")


def test_preservation_interrupts_limitation_without_moving_the_case() -> None:
    transition = check_step("suit_filed", "preservation")
    assert (transition.moves, transition.stage, transition.legal_action) == (False, "suit_filed", True)
    with pytest.raises(CaseError):
        check_step("closed", "preservation")


def test_payment_order_suit_and_enforcement_are_legal_action_but_judgment_and_mediation_are_not() -> None:
    assert check_step("referred", "payment_order").legal_action
    assert check_step("referred", "suit_filed").legal_action
    assert check_step("judgment", "enforcement").legal_action
    assert not check_step("suit_filed", "judgment").legal_action
    assert not check_step("referred", "pre_litigation_mediation").legal_action


def test_an_unknown_stage_is_named() -> None:
    with pytest.raises(CaseError, match="unknown stage 'appeal'"):
        check_step("judgment", "appeal")


# --- commission ---------------------------------------------------------------------------------------------


def test_commission_is_rounded_half_up_to_the_cent() -> None:
    assert commission(D("1000.01"), D("0.2")) == D("200.00")
    assert commission(D("0.05"), D("0.5")) == D("0.03")
    assert commission(D("333.33"), D("0.15")) == D("50.00")


def test_commission_rate_edges_zero_and_one_are_allowed_outside_is_refused() -> None:
    assert commission(D("100.00"), D("0")) == D("0.00")
    assert commission(D("100.00"), D("1")) == D("100.00")
    for rate in ("1.01", "-0.1", "15"):
        with pytest.raises(CaseError, match="outside 0..1"):
            check_commission_rate(D(rate))


@given(st.decimals(min_value=D("0.01"), max_value=D("1000000"), places=2),
       st.decimals(min_value=D("0"), max_value=D("1"), places=4))
def test_commission_never_exceeds_the_recovery(amount: Decimal, rate: Decimal) -> None:
    fee = commission(amount, rate)
    assert D("0") <= fee <= amount and fee == fee.quantize(D("0.01"))


def test_credit_event_kinds() -> None:
    assert check_credit_event_kind("dissolution") == "dissolution"
    with pytest.raises(CaseError, match="unknown credit event kind 'gossip'"):
        check_credit_event_kind("gossip")


# --- enforcement double interest -----------------------------------------------------------------------------


def test_ten_days_of_delay_on_100000_is_175() -> None:
    result = enforcement_interest(D("100000.00"), date(2024, 1, 11), date(2024, 1, 21))
    assert (result.days, result.total) == (10, D("175.00"))
    assert "Art. 264" in result.rule and "法释〔2014〕8号" in result.rule
    assert result.assumptions[-1] == "This is not legal advice."


def test_payment_on_the_last_day_of_the_period_owes_nothing() -> None:
    result = enforcement_interest(D("5000.00"), date(2024, 3, 31), date(2024, 3, 31))
    assert (result.days, result.total, result.segments) == (0, D("0.00"), ())
    assert any("no day of delay" in a for a in result.assumptions)
    assert enforcement_interest(D("5000.00"), date(2024, 3, 31), date(2024, 3, 1)).total == D("0.00")


def test_the_day_count_crosses_29_february_and_a_leap_year_has_366_days() -> None:
    assert enforcement_interest(D("100000.00"), date(2024, 2, 28), date(2024, 3, 1)).days == 2
    assert enforcement_interest(D("100000.00"), date(2023, 2, 28), date(2023, 3, 1)).days == 1
    year = enforcement_interest(D("100000.00"), date(2024, 1, 1), date(2025, 1, 1))
    assert (year.days, year.total) == (366, D("6405.00"))  # a daily rate: no 365-day basis to adjust


def test_each_part_paid_stops_accruing_on_its_payment_day() -> None:
    result = enforcement_interest(D("100000.00"), date(2025, 1, 10), date(2025, 1, 30),
                                  [DelayPayment(date(2025, 1, 20), D("60000.00"))])
    assert [(s.days, s.debt, s.amount) for s in result.segments] == [(10, D("100000.00"), D("175.00")),
                                                                     (10, D("40000.00"), D("70.00"))]
    assert result.total == D("245.00") and result.days == 20


def test_each_segment_is_rounded_half_up() -> None:
    assert enforcement_interest(D("100.00"), date(2025, 1, 1), date(2025, 1, 3)).total == D("0.04")  # 0.035


def test_days_before_the_interpretation_took_effect_are_left_to_the_old_rule() -> None:
    result = enforcement_interest(D("100000.00"), date(2014, 7, 1), date(2014, 8, 10))
    assert result.days == 10  # 1 to 10 August 2014
    assert any("2014-08-01" in a and "NOT included" in a for a in result.assumptions)


@pytest.mark.parametrize(("debt", "payments", "message"), [
    ("0.00", [], "positive"), ("-5.00", [], "positive"), ("10.001", [], "two decimals"),
    ("100.00", [DelayPayment(date(2025, 1, 5), D("101.00"))], "more than the judgment debt"),
    ("100.00", [DelayPayment(date(2025, 2, 5), D("1.00"))], "outside the delay"),
    ("100.00", [DelayPayment(date(2025, 1, 1), D("1.00"))], "outside the delay"),
    ("100.00", [DelayPayment(date(2025, 1, 5), D("0"))], "positive"),
])
def test_impossible_inputs_are_refused(debt: str, payments: list[DelayPayment], message: str) -> None:
    with pytest.raises(CaseError, match=message):
        enforcement_interest(D(debt), date(2025, 1, 1), date(2025, 1, 31), payments)
