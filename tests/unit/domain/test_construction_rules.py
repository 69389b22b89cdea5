"""Construction-contract rules: defect-liability and retention dates at their edges, settlement money, checks, flags."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from receivables.domain.projects import (
    MilestoneTerms,
    acceptance_problems,
    contract_value,
    defect_liability_start,
    final_payment_due,
    milestone_amount,
    milestone_problems,
    progress_due,
    project_flags,
    retention_amount,
    retention_rate_problems,
    retention_schedule,
    settlement_outcome,
    settlement_problems,
    variation_problems,
)
from receivables.domain.targets import parse_period, recovery_rate

D = Decimal


def test_defect_liability_runs_from_acceptance() -> None:
    start = defect_liability_start(date(2026, 3, 10), date(2026, 2, 1))
    assert start is not None and start.on == date(2026, 3, 10)
    assert "completion acceptance" in start.rule


def test_delayed_acceptance_starts_the_period_90_days_after_the_completion_report() -> None:
    start = defect_liability_start(None, date(2026, 1, 31))
    assert start is not None and start.on == date(2026, 5, 1)
    assert "90 days after the completion report of 2026-01-31" in start.rule


def test_acceptance_later_than_90_days_after_the_report_does_not_delay_the_period() -> None:
    start = defect_liability_start(date(2026, 9, 1), date(2026, 1, 31))
    assert start is not None and start.on == date(2026, 5, 1)
    assert "acceptance came later" in start.rule


def test_acceptance_on_the_90th_day_after_the_report_counts_as_acceptance() -> None:
    start = defect_liability_start(date(2026, 5, 1), date(2026, 1, 31))
    assert start is not None and start.on == date(2026, 5, 1) and "completion acceptance" in start.rule


def test_no_acceptance_and_no_report_gives_no_start() -> None:
    assert defect_liability_start(None, None) is None


def test_retention_due_is_period_end_plus_14_plus_14_days() -> None:
    start = defect_liability_start(date(2026, 3, 10), None)
    assert start is not None
    schedule = retention_schedule(start, 24, None)
    assert schedule.period_end.on == date(2028, 3, 10)
    assert schedule.verification_by.on == date(2028, 3, 24)
    assert schedule.due.on == date(2028, 4, 7)
    assert "+14 days verification, +14 days repayment" in schedule.due.rule


def test_a_period_from_the_31st_ends_on_the_last_day_of_a_shorter_month() -> None:
    start = defect_liability_start(date(2026, 1, 31), None)
    assert start is not None
    assert retention_schedule(start, 1, None).period_end.on == date(2026, 2, 28)
    assert retention_schedule(start, 13, None).period_end.on == date(2027, 2, 28)
    assert retention_schedule(start, 3, None).period_end.on == date(2026, 4, 30)


def test_a_period_from_29_february_ends_on_28_february_of_a_common_year() -> None:
    start = defect_liability_start(date(2028, 2, 29), None)
    assert start is not None
    schedule = retention_schedule(start, 12, None)
    assert schedule.period_end.on == date(2029, 2, 28)
    assert schedule.due.on == date(2029, 3, 28)
    assert schedule.claim_from is not None and schedule.claim_from.on == date(2030, 2, 28)


def test_verification_and_repayment_cross_a_leap_february() -> None:
    start = defect_liability_start(date(2027, 2, 15), None)
    assert start is not None
    schedule = retention_schedule(start, 12, None)
    assert schedule.verification_by.on == date(2028, 2, 29)
    assert schedule.due.on == date(2028, 3, 14)


def test_claim_date_is_two_years_after_acceptance_when_no_return_date_was_agreed() -> None:
    start = defect_liability_start(date(2026, 6, 30), None)
    assert start is not None
    schedule = retention_schedule(start, 12, None)
    assert schedule.claim_from is not None
    assert schedule.claim_from.on == date(2028, 6, 30)
    assert "Art. 17" in schedule.claim_from.rule


def test_claim_date_after_a_delayed_acceptance_counts_from_90_days_after_the_report() -> None:
    start = defect_liability_start(None, date(2026, 1, 1))
    assert start is not None
    claim = retention_schedule(start, 12, None).claim_from
    assert claim is not None and claim.on == date(2028, 4, 1)


def test_an_agreed_return_date_is_the_due_date_and_no_claim_date_is_shown() -> None:
    start = defect_liability_start(date(2026, 6, 30), None)
    assert start is not None
    schedule = retention_schedule(start, 12, date(2027, 12, 31))
    assert schedule.due.on == date(2027, 12, 31)
    assert schedule.due.rule == "agreed retention return date"
    assert schedule.claim_from is None


def test_final_payment_defaults_to_90_days_after_settlement() -> None:
    due = final_payment_due(date(2026, 11, 30), None)
    assert due.on == date(2027, 2, 28)
    assert "default" in due.rule


def test_agreed_final_payment_term_is_used() -> None:
    assert final_payment_due(date(2026, 12, 31), 30).on == date(2027, 1, 30)


def test_progress_billing_is_due_per_payment_terms_or_on_billing() -> None:
    assert progress_due(date(2026, 1, 31), 30).on == date(2026, 3, 2)
    assert progress_due(date(2026, 1, 31), None).on == date(2026, 1, 31)
    assert progress_due(date(2026, 1, 31), 0).on == date(2026, 1, 31)


def test_settlement_balance_is_settled_less_billed_less_retention() -> None:
    outcome = settlement_outcome(D("1000000.00"), D("800000.00"), D(3))
    assert outcome.retention == D("30000.00")
    assert outcome.balance == D("170000.00")
    assert not outcome.is_credit


def test_billing_above_the_settlement_leaves_a_credit() -> None:
    outcome = settlement_outcome(D("900000.00"), D("950000.00"), D(3))
    assert outcome.balance == D("-77000.00")
    assert outcome.is_credit


def test_retention_rounds_half_up_to_the_cent() -> None:
    assert retention_amount(D("333.50"), D(3)) == D("10.01")  # 10.005
    assert retention_amount(D("0.00"), D(5)) == D("0.00")


@given(st.decimals(min_value=0, max_value=10**9, places=2), st.decimals(min_value=0, max_value=10**9, places=2),
       st.decimals(min_value=0, max_value=100, places=2))
def test_retention_plus_balance_plus_billed_is_the_settled_amount(settled: Decimal, billed: Decimal,
                                                                  rate: Decimal) -> None:
    outcome = settlement_outcome(settled, billed, rate)
    assert outcome.billed + outcome.retention + outcome.balance == settled


def test_milestone_amount_is_its_percent_of_the_value_with_variations() -> None:
    value = contract_value(D("1000000.00"), [D("50000.00"), D("-20000.00")])
    assert value == D("1030000.00")
    assert milestone_amount(MilestoneTerms("M1", D("33.333"), None), value) == D("343329.90")
    assert milestone_amount(MilestoneTerms("M2", None, D("5000.00")), value) == D("5000.00")


@pytest.mark.parametrize("rate", [D("-0.01"), D("100.01")])
def test_retention_rate_outside_0_to_100_percent_is_refused(rate: Decimal) -> None:
    assert "outside 0% to 100%" in retention_rate_problems(rate)[0]


@pytest.mark.parametrize("rate", [D(0), D(100), D(3)])
def test_retention_rate_at_the_edges_is_accepted(rate: Decimal) -> None:
    assert retention_rate_problems(rate) == []


def test_a_negative_variation_larger_than_the_contract_is_refused() -> None:
    assert "below zero" in variation_problems(D("100.00"), [D("20.00")], D("-120.01"))[0]
    assert variation_problems(D("100.00"), [D("20.00")], D("-120.00")) == []


def test_milestone_percentages_over_100_are_refused() -> None:
    existing = [MilestoneTerms("M1", D(60), None), MilestoneTerms("M2", None, D("10.00"))]
    assert "100.01%" in " ".join(milestone_problems(existing, MilestoneTerms("M3", D("40.01"), None)))
    assert milestone_problems(existing, MilestoneTerms("M3", D(40), None)) == []


def test_a_milestone_needs_exactly_one_of_percent_and_amount_and_a_new_code() -> None:
    assert milestone_problems([], MilestoneTerms("M1", None, None))
    assert milestone_problems([], MilestoneTerms("M1", D(1), D("1.00")))
    assert "already exists" in milestone_problems([MilestoneTerms("M1", D(1), None)],
                                                  MilestoneTerms("M1", D(1), None))[0]


def test_settlement_before_acceptance_is_refused() -> None:
    problems = settlement_problems(date(2026, 3, 9), D("1.00"), date(2026, 3, 10), None)
    assert "before completion acceptance on 2026-03-10" in problems[0]
    assert settlement_problems(date(2026, 3, 10), D("1.00"), date(2026, 3, 10), None) == []


def test_settlement_needs_acceptance_or_a_completion_report() -> None:
    assert "record completion acceptance" in settlement_problems(date(2026, 3, 9), D("1.00"), None, None)[0]
    assert "before the completion report" in settlement_problems(date(2026, 1, 1), D("1.00"), None,
                                                                 date(2026, 2, 1))[0]


def test_acceptance_before_the_report_or_the_signing_is_refused() -> None:
    assert acceptance_problems(date(2026, 1, 1), date(2026, 2, 1), None)
    assert acceptance_problems(date(2025, 1, 1), None, date(2025, 6, 1))
    assert acceptance_problems(date(2026, 2, 1), date(2026, 1, 1), date(2025, 6, 1)) == []


def test_flags_name_the_cap_the_long_period_the_low_settlement_and_the_double_billing() -> None:
    flags = project_flags(retention_rate=D("5"), defect_liability_months=36, settled=D("90.00"), billed=D("100.00"),
                          billings_per_milestone=[("M1", 1), ("M2", 2)])
    assert len(flags) == 4
    assert "above the 3% cap" in flags[0]
    assert "36 months" in flags[1]
    assert "below what was billed" in flags[2]
    assert "milestone M2 billed 2 times" in flags[3]


def test_no_flags_at_the_limits() -> None:
    assert project_flags(retention_rate=D(3), defect_liability_months=24, settled=D("100.00"), billed=D("100.00"),
                         billings_per_milestone=[("M1", 1)]) == []


@pytest.mark.parametrize(("text", "first", "last"), [
    ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31)),
    ("2026q1", date(2026, 1, 1), date(2026, 3, 31)),
    ("2028-02", date(2028, 2, 1), date(2028, 2, 29)),
    ("2027-2", date(2027, 2, 1), date(2027, 2, 28)),
    ("2026", date(2026, 1, 1), date(2026, 12, 31)),
])
def test_periods_are_months_quarters_and_years(text: str, first: date, last: date) -> None:
    period = parse_period(text)
    assert (period.first, period.last) == (first, last)


@pytest.mark.parametrize("text", ["2026-Q5", "2026-13", "Q4", "26-11", ""])
def test_a_malformed_period_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a period"):
        parse_period(text)


def test_recovery_rate_is_a_percent_and_none_for_a_zero_target() -> None:
    assert recovery_rate(D("1.00"), D("3.00")) == D("33.33")
    assert recovery_rate(D("2.00"), D("3.00")) == D("66.67")
    assert recovery_rate(D("5.00"), D("0.00")) is None
