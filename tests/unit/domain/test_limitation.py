"""Limitation periods under PRC, English and German law: counting, rest days, interruption, expiry, long-stop."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from receivables.domain.calendar import RestDayCalendar
from receivables.domain.dates import add_years
from receivables.domain.limitation import (
    EVENT_KINDS,
    NOT_LEGAL_ADVICE,
    LimitationError,
    LimitationEvent,
    LimitationResult,
    limitation,
    parse_event,
)
from receivables.files.holiday_schedules import load_rest_day_calendar

SHIPPED = load_rest_day_calendar(None)
WEEKENDS_NOT_REST = load_rest_day_calendar(None, weekends_rest=False)


def cn(*due: date, events: tuple[str, ...] = (), rest: RestDayCalendar = SHIPPED) -> LimitationResult:
    return limitation("CN", list(due), [parse_event(text) for text in events], rest)


# --- CN counting and rest days (Arts. 201-203) ---

def test_domain_example_due_2021_03_15_ends_on_friday_2024_03_15_unmoved() -> None:
    result = cn(date(2021, 3, 15))
    assert date(2024, 3, 15).strftime("%A") == "Friday"
    assert result.expires_on == date(2024, 3, 15)
    assert (result.basis.kind, result.basis.date) == ("due", date(2021, 3, 15))
    assert result.events_applied == () and result.events_ignored == ()


def test_the_counting_convention_is_stated_with_the_one_day_later_view_only_as_a_note() -> None:
    assumptions = cn(date(2021, 3, 15)).assumptions
    assert any("creditor-safe" in a for a in assumptions)
    assert any(a.startswith("Note: some commentators count one day later (here 2024-03-16)") for a in assumptions)
    assert any("weekends and official holidays are rest days" in a for a in assumptions)
    assert assumptions[-1] == NOT_LEGAL_ADVICE


def test_due_on_february_29_ends_on_february_28_three_years_later() -> None:
    assert date(2023, 2, 28).weekday() == 1  # a Tuesday: not moved
    assert cn(date(2020, 2, 29)).expires_on == date(2023, 2, 28)


def test_a_last_day_on_a_saturday_moves_to_monday() -> None:
    assert date(2024, 3, 16).strftime("%A") == "Saturday"
    result = cn(date(2021, 3, 16))
    assert result.expires_on == date(2024, 3, 18)
    assert any("2024-03-16, is a statutory rest day" in a and "2024-03-18 (Art. 203)" in a for a in result.assumptions)


def test_a_last_day_inside_the_national_day_holiday_moves_to_the_first_working_day_after() -> None:
    assert cn(date(2021, 10, 2)).expires_on == date(2024, 10, 8)


def test_a_last_day_on_an_official_swapped_working_saturday_is_not_moved() -> None:
    assert date(2024, 10, 12).strftime("%A") == "Saturday"
    assert cn(date(2021, 10, 12)).expires_on == date(2024, 10, 12)


def test_a_spring_festival_ending_on_a_swapped_working_sunday_ends_the_period_that_sunday() -> None:
    assert cn(date(2021, 2, 10)).expires_on == date(2024, 2, 18)


def test_with_weekends_not_counted_a_saturday_last_day_stays_but_a_holiday_still_moves() -> None:
    assert cn(date(2021, 3, 16), rest=WEEKENDS_NOT_REST).expires_on == date(2024, 3, 16)
    assert cn(date(2021, 10, 2), rest=WEEKENDS_NOT_REST).expires_on == date(2024, 10, 8)
    assert any("only official holidays" in a for a in cn(date(2021, 3, 16), rest=WEEKENDS_NOT_REST).assumptions)


def test_a_year_without_an_official_schedule_is_named_in_the_assumptions() -> None:
    result = cn(date(2030, 6, 1))
    assert any("No official holiday schedule for 2033" in a for a in result.assumptions)
    assert result.expires_on == date(2033, 6, 1)  # a Wednesday


# --- CN interruption and expiry (Arts. 192, 195) ---

def test_a_demand_restarts_a_full_new_period_from_its_day() -> None:
    result = cn(date(2021, 3, 15), events=("demand:2023-05-01",))
    # 2026-05-01 is inside the Labour Day holiday (1-5 May 2026).
    assert result.expires_on == date(2026, 5, 6)
    assert [(e.kind, e.date, e.expires_on) for e in result.events_applied] == \
        [("demand", date(2023, 5, 1), date(2026, 5, 6))]
    assert "part of the debt interrupts the whole debt (Art. 9)" in result.events_applied[0].effect


def test_interruptions_can_repeat() -> None:
    result = cn(date(2015, 1, 10), events=("demand:2017-06-01", "acknowledgment:2020-05-20",
                                           "part_payment:2023-05-10"))
    assert [e.kind for e in result.events_applied] == ["demand", "acknowledgment", "part_payment"]
    assert date(2026, 5, 10).weekday() == 6  # a Sunday; 9 May 2026 is a swapped working Saturday
    assert result.expires_on == date(2026, 5, 11)


def test_an_event_on_the_last_day_still_interrupts() -> None:
    result = cn(date(2021, 3, 15), events=("demand:2024-03-15",))
    assert result.events_applied and result.expires_on == date(2027, 3, 15)


def test_a_demand_after_expiry_is_ignored_with_the_reason() -> None:
    result = cn(date(2021, 3, 15), events=("demand:2024-03-16",))
    assert result.expires_on == date(2024, 3, 15)
    assert [(e.kind, e.date) for e in result.events_ignored] == [("demand", date(2024, 3, 16))]
    assert result.events_ignored[0].reason.startswith("after expiry: a demand cannot revive an expired claim")
    assert result.waiver is None


@pytest.mark.parametrize("kind", ["acknowledgment", "part_payment", "legal_action"])
def test_other_events_after_expiry_restart_nothing(kind: str) -> None:
    result = cn(date(2021, 3, 15), events=(f"{kind}:2025-01-10",))
    assert result.expires_on == date(2024, 3, 15)
    assert result.events_ignored[0].reason.startswith("after expiry")
    assert result.waiver is None


def test_an_agreement_to_pay_after_expiry_restarts_and_is_flagged_as_a_waiver() -> None:
    result = cn(date(2021, 3, 15), events=("demand:2024-06-01", "agreement_to_pay:2025-01-10"))
    assert result.events_ignored[0].kind == "demand"
    assert result.events_applied[0].kind == "agreement_to_pay"
    assert result.expires_on == date(2028, 1, 10)
    assert result.waiver is not None and result.waiver.date == date(2025, 1, 10)
    assert "Art. 192" in result.waiver.reason


def test_an_agreement_to_pay_while_the_period_runs_is_an_interruption_not_a_waiver() -> None:
    result = cn(date(2021, 3, 15), events=("agreement_to_pay:2023-03-01",))
    assert result.waiver is None and result.expires_on == date(2026, 3, 2)  # 2026-03-01 is a Sunday


def test_legal_action_counts_from_the_filing_date_and_says_so() -> None:
    result = cn(date(2021, 3, 15), events=("legal_action:2023-08-08",))
    assert result.expires_on == date(2026, 8, 10)  # 2026-08-08 is a Saturday
    assert any("end of the proceedings" in a for a in result.assumptions)


def test_an_event_before_the_due_date_is_ignored() -> None:
    result = cn(date(2021, 3, 15), events=("demand:2021-01-01",))
    assert result.events_ignored[0].reason.startswith("before the period began")
    assert result.expires_on == date(2024, 3, 15)


def test_instalments_of_one_debt_run_from_the_last_instalment() -> None:
    result = cn(date(2021, 1, 31), date(2021, 2, 28), date(2021, 3, 31))
    assert (result.basis.kind, result.basis.date) == ("last_instalment", date(2021, 3, 31))
    assert result.expires_on == date(2024, 4, 1)  # 2024-03-31 is a Sunday
    assert result.long_stop == date(2041, 1, 31)  # from the first instalment, the earliest harm


# --- CN long-stop (Art. 188; General Part Interpretation 2022 Art. 35) ---

def test_the_20_year_long_stop_caps_every_interruption() -> None:
    demands = tuple(f"demand:{year}-01-01" for year in range(2002, 2020, 2))
    result = cn(date(2000, 1, 10), events=demands + ("agreement_to_pay:2019-12-01", "demand:2020-06-01"))
    assert result.long_stop == date(2020, 1, 10)
    assert result.expires_on == date(2020, 1, 10)
    assert result.events_ignored[-1].reason.startswith("after the 20-year long-stop (2020-01-10)")
    assert any("long-stop" in a and "caps" in a for a in result.assumptions)


# --- England and Wales ---

def test_uk_period_is_six_years_from_the_due_date_with_no_rest_day_move() -> None:
    result = limitation("UK", [date(2018, 3, 17)])
    assert result.expires_on == date(2024, 3, 17)  # a Sunday: not moved
    assert result.long_stop is None


def test_uk_acknowledgment_while_running_restarts_six_years() -> None:
    result = limitation("UK", [date(2010, 1, 5)], [LimitationEvent("acknowledgment", date(2015, 6, 1))])
    assert result.expires_on == date(2021, 6, 1)


def test_uk_acknowledgment_after_expiry_is_ignored() -> None:
    result = limitation("UK", [date(2010, 1, 5)], [LimitationEvent("acknowledgment", date(2017, 1, 1)),
                                                  LimitationEvent("part_payment", date(2017, 2, 1))])
    assert result.expires_on == date(2016, 1, 5)
    assert [e.kind for e in result.events_ignored] == ["acknowledgment", "part_payment"]
    assert all("s.29(7)" in e.reason for e in result.events_ignored)


def test_uk_does_not_know_a_demand() -> None:
    with pytest.raises(LimitationError, match="UK does not know the event 'demand'"):
        limitation("UK", [date(2020, 1, 1)], [LimitationEvent("demand", date(2021, 1, 1))])


# --- Germany ---

def test_de_period_runs_from_the_end_of_the_year_the_claim_arose() -> None:
    result = limitation("DE", [date(2023, 5, 10)])
    assert result.expires_on == date(2026, 12, 31)


def test_de_last_day_on_a_saturday_is_not_moved() -> None:
    assert date(2022, 12, 31).weekday() == 5
    result = limitation("DE", [date(2019, 2, 1)])
    assert result.expires_on == date(2022, 12, 31)
    assert any("No rest-day extension (§193 BGB)" in a for a in result.assumptions)


def test_de_acknowledgment_restarts_three_years_from_its_day() -> None:
    result = limitation("DE", [date(2023, 5, 10)], [LimitationEvent("part_payment", date(2025, 3, 10))])
    assert result.expires_on == date(2028, 3, 10)


def test_de_acknowledgment_that_would_end_earlier_than_the_year_end_period_is_ignored() -> None:
    result = limitation("DE", [date(2023, 5, 10)], [LimitationEvent("acknowledgment", date(2023, 6, 1))])
    assert result.expires_on == date(2026, 12, 31)
    assert result.events_ignored[0].reason.startswith("no effect")


def test_de_legal_action_only_suspends() -> None:
    result = limitation("DE", [date(2023, 5, 10)], [LimitationEvent("legal_action", date(2024, 2, 1))])
    assert result.expires_on == date(2026, 12, 31) + timedelta(days=182)  # 2024-02-01 to 2024-08-01
    assert "suspension" in result.events_applied[0].effect


def test_de_acknowledgment_after_expiry_is_ignored() -> None:
    result = limitation("DE", [date(2019, 5, 10)], [LimitationEvent("acknowledgment", date(2023, 1, 2))])
    assert result.expires_on == date(2022, 12, 31)
    assert result.events_ignored[0].reason.startswith("after expiry")


# --- bad input ---

def test_an_unknown_event_kind_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(LimitationError, match="unknown event kind 'phone_call' for CN .known: demand"):
        limitation("CN", [date(2020, 1, 1)], [LimitationEvent("phone_call", date(2021, 1, 1))])


def test_an_unknown_jurisdiction_is_refused() -> None:
    with pytest.raises(LimitationError, match="unknown jurisdiction 'FR'"):
        limitation("FR", [date(2020, 1, 1)])


def test_instalments_outside_prc_law_are_refused() -> None:
    with pytest.raises(LimitationError, match="Art. 189"):
        limitation("UK", [date(2020, 1, 1), date(2020, 2, 1)])


@pytest.mark.parametrize("text", ["demand", ":2020-01-01", "demand:2020-02-30", "demand:soon"])
def test_an_event_that_is_not_kind_colon_date_is_refused(text: str) -> None:
    with pytest.raises(LimitationError):
        parse_event(text)


def test_events_are_read_in_every_date_form() -> None:
    assert parse_event("Part_Payment:2023年5月1日") == LimitationEvent("part_payment", date(2023, 5, 1))


# --- properties ---

_dates = st.dates(min_value=date(2005, 1, 1), max_value=date(2060, 12, 31))


@st.composite
def _claims(draw: st.DrawFn, jurisdiction: str) -> tuple[date, list[LimitationEvent]]:
    due = draw(_dates)
    kinds = st.sampled_from(EVENT_KINDS[jurisdiction])
    offsets = st.integers(min_value=-400, max_value=365 * 12)
    events = draw(st.lists(st.tuples(kinds, offsets), max_size=6))
    return due, sorted((LimitationEvent(k, due + timedelta(days=o)) for k, o in events), key=lambda e: e.date)


@settings(max_examples=300, deadline=None)
@given(_claims("CN"))
def test_cn_expiry_is_never_before_the_basis_plus_three_years(claim: tuple[date, list[LimitationEvent]]) -> None:
    due, events = claim
    result = limitation("CN", [due], events, SHIPPED)
    assert result.expires_on >= add_years(result.basis.date, 3)
    assert result.long_stop is not None and result.expires_on <= result.long_stop


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(("CN", "UK", "DE")).flatmap(lambda j: st.tuples(st.just(j), _claims(j))))
def test_an_applied_event_never_moves_expiry_earlier(case: tuple[str, tuple[date, list[LimitationEvent]]]) -> None:
    jurisdiction, (due, events) = case
    previous = limitation(jurisdiction, [due], [], SHIPPED).expires_on
    for count in range(1, len(events) + 1):
        result = limitation(jurisdiction, [due], events[:count], SHIPPED)
        assert result.expires_on >= previous
        previous = result.expires_on
    for applied in limitation(jurisdiction, [due], events, SHIPPED).events_applied:
        assert applied.expires_on > applied.date
