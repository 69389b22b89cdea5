"""Rate series: lookups, merging, the shipped tables, and properties of the interest segments built on them."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from receivables.domain.interest import PaymentIn, late_interest, parse_rule
from receivables.domain.rates import SERIES, Fixing, RateError, RateSeries, merge_fixings, parse_percent, \
    read_fixings_csv
from receivables.files.rate_tables import all_shipped

D = Decimal
SHIPPED = {name: merge_fixings(name, fixings) for name, fixings in all_shipped().items()}


def fixing(day: str, percent: str, origin: str = "shipped") -> Fixing:
    return Fixing(date.fromisoformat(day), D(percent), "test", origin)


def test_the_rate_in_force_is_the_last_fixing_on_or_before_the_day() -> None:
    lpr = SHIPPED["cn_lpr_1y"]
    assert lpr.fixing_on(date(2024, 7, 21)).percent == D("3.45")
    assert lpr.fixing_on(date(2024, 7, 22)).percent == D("3.35")
    assert lpr.fixing_on(date(2026, 6, 30)).percent == D("3.00")
    assert lpr.fixing_on(date(2019, 8, 19)).percent == D("4.35")  # the benchmark rate before the LPR
    assert lpr.fixing_on(date(2024, 7, 22)).rate == D("0.0335")


def test_no_fixing_before_the_first_is_an_error_naming_the_series() -> None:
    with pytest.raises(RateError, match=r"cn_lpr_1y: no fixing in force on 2015-10-23 \(first fixing: 2015-10-24\)"):
        SHIPPED["cn_lpr_1y"].fixing_on(date(2015, 10, 23))


def test_changes_within_excludes_the_first_day_and_includes_the_last() -> None:
    lpr = SHIPPED["cn_lpr_1y"]
    assert lpr.changes_within(date(2024, 7, 22), date(2024, 10, 21)) == (date(2024, 10, 21),)
    assert lpr.changes_within(date(2024, 7, 21), date(2024, 10, 20)) == (date(2024, 7, 22),)


def test_merging_refuses_two_fixings_on_one_date_and_keeps_date_order() -> None:
    merged = merge_fixings("cn_lpr_1y", [fixing("2025-05-20", "3.00")], [fixing("2024-01-01", "3.45", "user")])
    assert [f.effective_on for f in merged.fixings] == [date(2024, 1, 1), date(2025, 5, 20)]
    with pytest.raises(RateError, match="two fixings on 2025-05-20"):
        merge_fixings("cn_lpr_1y", [fixing("2025-05-20", "3.00")], [fixing("2025-05-20", "2.90", "user")])
    with pytest.raises(RateError, match="date order"):
        RateSeries("cn_lpr_1y", (fixing("2025-05-20", "3.00"), fixing("2024-01-01", "3.45")))


@pytest.mark.parametrize(("text", "value"), [("3.35", "3.35"), ("3.35%", "3.35"), (" -0.88 ", "-0.88"),
                                             ("0", "0"), ("1.23456789", "1.23456789")])
def test_percentages_parse(text: str, value: str) -> None:
    assert parse_percent(text) == D(value)


@pytest.mark.parametrize(("text", "message"), [("abc", "not a percentage"), ("", "not a percentage"),
                                               ("NaN", "not a percentage"), ("1.234567891", "more than 8"),
                                               ("100", "out of range"), ("-150", "out of range")])
def test_bad_percentages_are_refused(text: str, message: str) -> None:
    with pytest.raises(RateError, match=message):
        parse_percent(text)


def test_csv_reading_skips_comments_and_reports_bad_rows() -> None:
    text = "# a comment\n\ndate,percent,source\n2025-01-01,2.27,Bundesbank\n"
    assert read_fixings_csv(text, "x") == (Fixing(date(2025, 1, 1), D("2.27"), "Bundesbank"),)
    with pytest.raises(RateError, match="header must be date,percent,source"):
        read_fixings_csv("day,rate\n2025-01-01,2.27\n", "x")
    with pytest.raises(RateError, match="x: data row 3: not a percentage"):
        read_fixings_csv("date,percent,source\n2025-01-01,2.27,a\n2025-07-01,lots,b\n", "x")


def test_every_known_series_ships_with_sources_in_date_order() -> None:
    assert set(SHIPPED) == set(SERIES) == {"cn_lpr_1y", "boe_base", "de_basiszins", "ecb_mro"}
    for series in SHIPPED.values():
        assert series.fixings and all(f.source for f in series.fixings)


@pytest.mark.parametrize(("name", "day", "percent"), [
    ("cn_lpr_1y", "2019-08-20", "4.25"), ("cn_lpr_1y", "2019-09-20", "4.20"), ("cn_lpr_1y", "2019-11-20", "4.15"),
    ("cn_lpr_1y", "2020-02-20", "4.05"), ("cn_lpr_1y", "2020-04-20", "3.85"), ("cn_lpr_1y", "2021-12-20", "3.80"),
    ("cn_lpr_1y", "2022-01-20", "3.70"), ("cn_lpr_1y", "2022-08-22", "3.65"), ("cn_lpr_1y", "2023-06-20", "3.55"),
    ("cn_lpr_1y", "2023-08-21", "3.45"), ("cn_lpr_1y", "2024-07-22", "3.35"), ("cn_lpr_1y", "2024-10-21", "3.10"),
    ("cn_lpr_1y", "2025-05-20", "3.00"), ("cn_lpr_1y", "2015-10-24", "4.35"),
    ("boe_base", "2025-05-08", "4.25"), ("boe_base", "2025-08-07", "4.00"), ("boe_base", "2025-12-18", "3.75"),
    ("de_basiszins", "2025-01-01", "2.27"), ("de_basiszins", "2025-07-01", "1.27"),
    ("de_basiszins", "2026-01-01", "1.27"), ("ecb_mro", "2025-06-11", "2.15"),
])
def test_the_shipped_tables_hold_the_values_of_the_domain_notes(name: str, day: str, percent: str) -> None:
    found = SHIPPED[name].fixing_on(date.fromisoformat(day))
    assert (found.effective_on, found.percent) == (date.fromisoformat(day), D(percent))


def test_the_german_base_rate_changes_only_on_1_january_and_1_july() -> None:
    assert all((f.effective_on.month, f.effective_on.day) in ((1, 1), (7, 1)) for f in SHIPPED["de_basiszins"].fixings)


RULES = ["daily:0.0005", "daily:0.0003", "annual:0.0735", "lpr:1.5", "lpr-floating:1.5", "lpr-floating:1",
         "uk-statutory", "de-b2b", "eu-statutory"]


@st.composite
def cases(draw: st.DrawFn) -> tuple[Decimal, date, date, str, int, list[PaymentIn]]:
    principal = D(draw(st.integers(min_value=1, max_value=10**10))).scaleb(-2)
    first = draw(st.dates(min_value=date(2020, 1, 1), max_value=date(2026, 6, 30)))
    last = first + timedelta(days=draw(st.integers(min_value=0, max_value=900)))
    payments, left = [], principal
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        if left <= D("0.01"):
            break
        amount = D(draw(st.integers(min_value=1, max_value=int(left * 100)))).scaleb(-2)
        day = first + timedelta(days=draw(st.integers(min_value=0, max_value=(last - first).days)))
        payments.append(PaymentIn(day, amount))
        left -= amount
    return principal, first, last, draw(st.sampled_from(RULES)), draw(st.sampled_from([365, 360])), payments


@settings(max_examples=300, deadline=None)
@given(cases())
def test_segments_tile_the_period_and_their_amounts_sum_to_the_total(case) -> None:  # type: ignore[no-untyped-def]
    principal, first, last, rule, basis, payments = case
    result = late_interest(principal, first, last, parse_rule(rule), basis=basis, payments=payments, rates=SHIPPED)
    assert sum((s.amount for s in result.segments), D("0.00")) == result.total
    assert result.segments[0].first == first
    for before, after in zip(result.segments, result.segments[1:]):
        assert after.first == before.last + timedelta(days=1)
        assert (after.principal, after.rate) != (before.principal, before.rate)
    for segment in result.segments:
        assert segment.days == (segment.last - segment.first).days + 1 and segment.principal > 0
        assert segment.amount == segment.amount.quantize(D("0.01"))
    if sum((p.amount for p in payments), D(0)) < principal:
        assert result.segments[-1].last == last


@settings(max_examples=300, deadline=None)
@given(cases(), st.integers(min_value=0, max_value=900))
def test_splitting_a_period_changes_the_total_by_at_most_a_cent_per_extra_segment(case, offset: int) -> None:  # type: ignore[no-untyped-def]
    principal, first, last, rule, basis, payments = case
    if first == last:
        return
    if parse_rule(rule).kind in ("lpr", "uk-statutory"):  # fixed for the whole period from its first day
        rule = "lpr-floating:1.5" if rule.startswith("lpr") else "annual:0.0735"
    cut = first + timedelta(days=offset % (last - first).days)  # the last day of the first part
    parsed = parse_rule(rule)
    whole = late_interest(principal, first, last, parsed, basis=basis, payments=payments, rates=SHIPPED)
    head = late_interest(principal, first, cut, parsed, basis=basis, rates=SHIPPED,
                         payments=[p for p in payments if p.on <= cut])
    rest = principal - sum((p.amount for p in payments if p.on <= cut), D("0.00"))
    tail_total, tail_segments = D("0.00"), 0
    if rest > 0:
        tail = late_interest(rest, cut + timedelta(days=1), last, parsed, basis=basis, rates=SHIPPED,
                             payments=[p for p in payments if p.on > cut])
        tail_total, tail_segments = tail.total, len(tail.segments)
    extra = len(head.segments) + tail_segments - len(whole.segments)
    assert extra in (0, 1)
    assert abs(head.total + tail_total - whole.total) <= D("0.01") * extra
