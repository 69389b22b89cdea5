"""Late-payment interest: rules, segments, day counts, payments, rounding and the refusals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from receivables.domain.interest import InterestError, PaymentIn, late_interest, parse_payment, parse_rule
from receivables.domain.rates import Fixing, RateSeries

D = Decimal


def series(name: str, *rows: tuple[str, str]) -> RateSeries:
    return RateSeries(name, tuple(Fixing(date.fromisoformat(d), D(p), f"test {d}") for d, p in rows))


LPR = series("cn_lpr_1y", ("2015-10-24", "4.35"), ("2019-08-20", "4.25"), ("2023-08-21", "3.45"),
             ("2024-07-22", "3.35"), ("2024-10-21", "3.10"), ("2025-05-20", "3.00"))
BOE = series("boe_base", ("2025-02-06", "4.50"), ("2025-05-08", "4.25"), ("2025-08-07", "4.00"),
             ("2025-12-18", "3.75"))
DE = series("de_basiszins", ("2024-07-01", "3.37"), ("2025-01-01", "2.27"), ("2025-07-01", "1.27"),
            ("2026-01-01", "1.27"))
ECB = series("ecb_mro", ("2024-12-18", "3.15"), ("2025-06-11", "2.15"))
RATES = {s.name: s for s in (LPR, BOE, DE, ECB)}


def run(principal: str, first: str, last: str, rule: str, **kwargs):  # type: ignore[no-untyped-def]
    kwargs.setdefault("rates", RATES)
    kwargs["payments"] = [PaymentIn(date.fromisoformat(d), D(a)) for d, a in kwargs.get("payments", [])]
    return late_interest(D(principal), date.fromisoformat(first), date.fromisoformat(last), parse_rule(rule),
                         **kwargs)


def spans(result) -> list[tuple[str, str, int, str, str, str]]:  # type: ignore[no-untyped-def]
    return [(s.first.isoformat(), s.last.isoformat(), s.days, str(s.principal), str(s.rate.normalize()),
             str(s.amount)) for s in result.segments]


def test_the_worked_example_58000_at_wan_fen_zhi_wu_for_137_days() -> None:
    result = run("58000.00", "2026-07-16", "2026-11-29", "daily:0.0005")
    assert spans(result) == [("2026-07-16", "2026-11-29", 137, "58000.00", "0.1825", "3973.00")]
    assert result.total == D("3973.00") and result.fixed_sum == D("0.00") and result.currency == "CNY"
    assert any("137 days" in note for note in result.assumptions)
    assert any("not legal advice" in note for note in result.assumptions)


def test_a_one_day_period_counts_one_day() -> None:
    result = run("10000.00", "2026-03-01", "2026-03-01", "daily:0.0005")
    assert spans(result) == [("2026-03-01", "2026-03-01", 1, "10000.00", "0.1825", "5.00")]


def test_act_365_keeps_365_days_in_a_leap_year() -> None:
    result = run("10000.00", "2024-01-01", "2024-12-31", "annual:0.0365")
    assert result.segments[0].days == 366
    assert result.total == D("366.00")  # 10,000 × 3.65% × 366 / 365
    assert any("365 in leap years too" in note for note in result.assumptions)


def test_act_360_on_request() -> None:
    result = run("10000.00", "2024-01-01", "2024-12-31", "annual:0.036", basis=360)
    assert result.total == D("366.00")  # 10,000 × 3.6% × 366 / 360
    assert any("ACT/360" in note for note in result.assumptions)


def test_a_daily_rate_is_per_day_whatever_the_basis() -> None:
    on_365 = run("58000.00", "2026-07-16", "2026-11-29", "daily:0.0005")
    on_360 = run("58000.00", "2026-07-16", "2026-11-29", "daily:0.0005", basis=360)
    assert on_360.total == on_365.total == D("3973.00")
    assert on_360.segments[0].rate == D("0.18")


def test_a_payment_on_the_first_day_leaves_that_day_at_the_old_principal() -> None:
    result = run("10000.00", "2026-01-01", "2026-01-10", "daily:0.001", payments=[("2026-01-01", "4000.00")])
    assert spans(result) == [("2026-01-01", "2026-01-01", 1, "10000.00", "0.365", "10.00"),
                             ("2026-01-02", "2026-01-10", 9, "6000.00", "0.365", "54.00")]
    assert result.total == D("64.00")
    assert any("end of its day" in note for note in result.assumptions)


def test_a_payment_on_the_last_day_changes_nothing() -> None:
    result = run("10000.00", "2026-01-01", "2026-01-10", "daily:0.001", payments=[("2026-01-10", "4000.00")])
    assert spans(result) == [("2026-01-01", "2026-01-10", 10, "10000.00", "0.365", "100.00")]


def test_the_principal_going_to_zero_ends_the_interest() -> None:
    result = run("10000.00", "2026-01-01", "2026-01-31", "daily:0.001",
                 payments=[("2026-01-03", "2500.00"), ("2026-01-05", "7500.00")])
    assert spans(result) == [("2026-01-01", "2026-01-03", 3, "10000.00", "0.365", "30.00"),
                             ("2026-01-04", "2026-01-05", 2, "7500.00", "0.365", "15.00")]
    assert result.total == D("45.00")


def test_two_payments_on_one_day_are_one_change() -> None:
    result = run("10000.00", "2026-01-01", "2026-01-10", "daily:0.001",
                 payments=[("2026-01-05", "1000.00"), ("2026-01-05", "2000.00")])
    assert [s.principal for s in result.segments] == [D("10000.00"), D("7000.00")]


def test_each_segment_is_rounded_half_up_and_the_total_is_their_sum() -> None:
    # 1,000.10 × 0.0005 × 1 = 0.50005 → 0.50; 1,001.00 × 0.0005 × 1 = 0.5005 → 0.50; 1,010 → 0.505 → 0.51
    result = run("1010.00", "2026-01-01", "2026-01-02", "daily:0.0005", payments=[("2026-01-01", "9.00")])
    assert [s.amount for s in result.segments] == [D("0.51"), D("0.50")]
    assert result.total == D("1.01")


def test_lpr_floating_splits_at_each_fixing() -> None:
    result = run("100000.00", "2024-07-01", "2024-12-31", "lpr-floating:1.5")
    assert spans(result) == [("2024-07-01", "2024-07-21", 21, "100000.00", "0.05175", "297.74"),
                             ("2024-07-22", "2024-10-20", 91, "100000.00", "0.05025", "1252.81"),
                             ("2024-10-21", "2024-12-31", 72, "100000.00", "0.0465", "917.26")]
    assert result.total == D("2467.81")
    assert any("3.35% from 2024-07-22" in note for note in result.assumptions)


def test_lpr_fixed_takes_the_rate_of_the_first_day_of_delay() -> None:
    result = run("100000.00", "2024-07-01", "2024-12-31", "lpr:1.5")
    assert spans(result) == [("2024-07-01", "2024-12-31", 184, "100000.00", "0.05175", "2608.77")]
    assert any("fixed for the whole period" in note for note in result.assumptions)


def test_before_the_lpr_reform_the_benchmark_rate_stands_in() -> None:
    result = run("100000.00", "2019-08-01", "2019-08-31", "lpr-floating:1")
    assert [(s.days, s.rate) for s in result.segments] == [(19, D("0.0435")), (12, D("0.0425"))]
    assert any("benchmark lending rate" in note for note in result.assumptions)


def test_a_rate_change_and_a_payment_in_one_period() -> None:
    result = run("100000.00", "2024-10-01", "2024-10-31", "lpr-floating:1", payments=[("2024-10-10", "40000.00")])
    assert [(s.first.day, s.last.day, s.principal, s.rate) for s in result.segments] == [
        (1, 10, D("100000.00"), D("0.0335")), (11, 20, D("60000.00"), D("0.0335")),
        (21, 31, D("60000.00"), D("0.0310"))]


def test_uk_statutory_uses_the_base_rate_of_the_last_31_december_fixed_for_the_debt() -> None:
    result = run("5000.00", "2026-01-05", "2026-03-10", "uk-statutory")
    assert spans(result) == [("2026-01-05", "2026-03-10", 65, "5000.00", "0.1175", "104.62")]
    assert result.currency == "GBP" and result.fixed_sum == D("70.00")
    assert any("2025-12-31" in note for note in result.assumptions)


def test_uk_statutory_from_july_uses_30_june_and_ignores_later_changes() -> None:
    result = run("5000.00", "2025-07-01", "2025-12-31", "uk-statutory")
    assert [(s.days, s.rate) for s in result.segments] == [(184, D("0.1225"))]  # 4.25 % on 30 June + 8


@pytest.mark.parametrize(("principal", "fee"), [("999.99", "40.00"), ("1000.00", "70.00"), ("9999.99", "70.00"),
                                                ("10000.00", "100.00"), ("250000.00", "100.00")])
def test_uk_fixed_sum_tiers(principal: str, fee: str) -> None:
    assert run(principal, "2026-01-05", "2026-01-05", "uk-statutory").fixed_sum == D(fee)


def test_de_b2b_floats_per_half_year_with_eur_40() -> None:
    result = run("10000.00", "2025-06-01", "2025-07-31", "de-b2b")
    assert [(s.days, s.rate) for s in result.segments] == [(30, D("0.1127")), (31, D("0.1027"))]
    assert result.fixed_sum == D("40.00") and result.currency == "EUR"


def test_de_b2b_does_not_split_when_the_half_year_rate_is_unchanged() -> None:
    result = run("10000.00", "2025-10-01", "2026-03-31", "de-b2b")
    assert [(s.days, s.rate) for s in result.segments] == [(182, D("0.1027"))]


def test_de_b2b_reads_the_base_rate_only_on_1_january_and_1_july() -> None:
    odd = {**RATES, "de_basiszins": series("de_basiszins", ("2025-01-01", "2.27"), ("2025-03-15", "5.00"))}
    result = run("10000.00", "2025-02-01", "2025-05-31", "de-b2b", rates=odd)
    assert [s.rate for s in result.segments] == [D("0.1127")]


def test_eu_statutory_uses_the_ecb_rate_of_the_half_years_first_day() -> None:
    result = run("10000.00", "2025-06-01", "2025-07-31", "eu-statutory")
    # the 11 June 2025 cut counts only from 1 July
    assert [(s.days, s.rate) for s in result.segments] == [(30, D("0.1115")), (31, D("0.1015"))]
    assert result.fixed_sum == D("40.00")


@pytest.mark.parametrize(("text", "kind", "figure"), [
    ("daily:0.0005", "daily", "0.0005"), ("daily:0.05%", "daily", "0.0005"), ("Annual:6%", "annual", "0.06"),
    ("annual:0.06", "annual", "0.06"), ("LPR:1.5", "lpr", "1.5"), ("lpr", "lpr", "1"),
    ("lpr-floating:1.3", "lpr-floating", "1.3"), (" uk-statutory ", "uk-statutory", None),
    ("de-b2b", "de-b2b", None), ("eu-statutory", "eu-statutory", None),
])
def test_rules_parse(text: str, kind: str, figure: str | None) -> None:
    rule = parse_rule(text)
    assert rule.kind == kind
    assert (rule.figure is None and figure is None) or rule.figure == D(figure or "0")


@pytest.mark.parametrize(("text", "message"), [
    ("weekly:0.01", "unknown interest rule"), ("daily:abc", "not a number"), ("daily:0.05", "write daily:0.0005"),
    ("annual:6", "write annual:0.06"), ("daily:-0.0005", "must be a positive"), ("lpr:0", "must be a positive"),
    ("lpr:12", "more than 10 times"), ("uk-statutory:1", "takes no value"), ("", "unknown interest rule"),
])
def test_bad_rules_are_refused_clearly(text: str, message: str) -> None:
    with pytest.raises(InterestError, match=message):
        parse_rule(text)


def test_payments_parse_and_bad_ones_are_refused() -> None:
    assert parse_payment("2026-09-01:10,000.50") == PaymentIn(date(2026, 9, 1), D("10000.50"))
    for text, message in [("2026-09-01", "DATE:AMOUNT"), ("2026-13-01:5", "not a calendar date"),
                          ("2026-09-01:x", "not an amount")]:
        with pytest.raises(InterestError, match=message):
            parse_payment(text)


@pytest.mark.parametrize(("principal", "first", "last", "kwargs", "message"), [
    ("0.00", "2026-01-01", "2026-01-31", {}, "principal must be positive"),
    ("-5.00", "2026-01-01", "2026-01-31", {}, "principal must be positive"),
    ("100.00", "2026-02-01", "2026-01-31", {}, "is after the last day"),
    ("100.00", "2026-01-01", "2026-01-31", {"basis": 366}, "365 or 360"),
    ("100.00", "2026-01-01", "2026-01-31", {"payments": [("2025-12-31", "10.00")]}, "outside the period"),
    ("100.00", "2026-01-01", "2026-01-31", {"payments": [("2026-02-01", "10.00")]}, "outside the period"),
    ("100.00", "2026-01-01", "2026-01-31", {"payments": [("2026-01-05", "60.00"), ("2026-01-06", "60.00")]},
     "exceed the principal"),
    ("100.00", "2026-01-01", "2026-01-31", {"payments": [("2026-01-05", "0.00")]}, "must be positive"),
])
def test_bad_input_is_refused(principal: str, first: str, last: str, kwargs: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(InterestError, match=message):
        run(principal, first, last, "daily:0.0005", **kwargs)


def test_a_rate_before_the_series_starts_is_refused_with_the_way_to_add_one() -> None:
    with pytest.raises(InterestError, match="boe_base: no fixing in force on 2024-12-31.*rates add boe_base"):
        run("100.00", "2025-01-10", "2025-01-31", "uk-statutory")


def test_a_missing_series_is_refused() -> None:
    with pytest.raises(InterestError, match="needs the cn_lpr_1y rate series"):
        run("100.00", "2025-01-10", "2025-01-31", "lpr:1", rates={})


def test_currency_defaults_by_rule_and_statutory_fixed_sums_keep_theirs() -> None:
    assert run("100.00", "2026-01-01", "2026-01-02", "daily:0.0005", currency="rmb").currency == "CNY"
    assert run("100.00", "2026-01-01", "2026-01-02", "annual:0.06", currency="usd").currency == "USD"
    with pytest.raises(InterestError, match="fixed sum in EUR"):
        run("100.00", "2026-01-01", "2026-01-02", "de-b2b", currency="CNY")
    with pytest.raises(InterestError, match="not a currency code"):
        run("100.00", "2026-01-01", "2026-01-02", "daily:0.0005", currency="yuan!")
