"""Aging buckets by days past due on an as-of date, and the aging report built from cells."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from receivables.domain.aging import (
    BUCKETS, AgingCell, AgingReport, aging_bucket, aging_row, aging_rows_from_cells, bucket_bounds, build_aging_report,
    days_past_due,
)
from receivables.domain.money import ZERO

AS_OF = date(2026, 6, 30)


def bucket_on(due: date, as_of: date = AS_OF) -> str:
    return aging_bucket(days_past_due(due, as_of))


def test_the_buckets_are_the_issues_labels_in_order() -> None:
    assert BUCKETS == ("current", "1-30", "31-60", "61-90", "91-180", "181-365", ">365")


def test_item_due_today_is_current() -> None:
    assert days_past_due(AS_OF, AS_OF) == 0
    assert bucket_on(AS_OF) == "current"


def test_item_not_yet_due_is_current() -> None:
    assert days_past_due(AS_OF + timedelta(days=10), AS_OF) == -10
    assert bucket_on(AS_OF + timedelta(days=400)) == "current"


@pytest.mark.parametrize(("days", "label"), [
    (1, "1-30"), (30, "1-30"), (31, "31-60"), (60, "31-60"), (61, "61-90"), (90, "61-90"),
    (91, "91-180"), (180, "91-180"), (181, "181-365"), (365, "181-365"), (366, ">365"), (5000, ">365"),
])
def test_bucket_edges_by_days_past_due(days: int, label: str) -> None:
    assert aging_bucket(days) == label
    assert bucket_on(AS_OF - timedelta(days=days)) == label


def test_item_due_yesterday_is_one_day_past_due() -> None:
    assert days_past_due(date(2026, 6, 29), AS_OF) == 1
    assert bucket_on(date(2026, 6, 29)) == "1-30"


def test_february_29_counts_as_a_day_in_a_leap_year() -> None:
    # 2024-01-30 to 2024-02-29 is 30 days; to 2024-03-01 is 31 days (the leap day counts).
    assert bucket_on(date(2024, 1, 30), date(2024, 2, 29)) == "1-30"
    assert days_past_due(date(2024, 1, 31), date(2024, 3, 1)) == 30
    assert bucket_on(date(2024, 1, 31), date(2024, 3, 1)) == "1-30"
    assert bucket_on(date(2024, 1, 30), date(2024, 3, 1)) == "31-60"
    # In 2026 the same calendar span is one day shorter.
    assert days_past_due(date(2026, 1, 31), date(2026, 3, 1)) == 29


def test_a_year_spanning_february_29_is_366_days_and_past_365() -> None:
    assert days_past_due(date(2024, 1, 1), date(2025, 1, 1)) == 366
    assert bucket_on(date(2024, 1, 1), date(2025, 1, 1)) == ">365"
    assert bucket_on(date(2025, 1, 1), date(2026, 1, 1)) == "181-365"  # no leap day: 365 days


def test_item_due_on_february_29_ages_from_that_day() -> None:
    assert bucket_on(date(2024, 2, 29), date(2024, 2, 29)) == "current"
    assert bucket_on(date(2024, 2, 29), date(2024, 3, 30)) == "1-30"
    assert bucket_on(date(2024, 2, 29), date(2024, 3, 31)) == "31-60"


def test_bucket_bounds_are_due_date_thresholds_for_the_as_of_date() -> None:
    bounds = bucket_bounds(AS_OF)
    assert [b.label for b in bounds] == list(BUCKETS)
    assert bounds[0].earliest_due == AS_OF
    assert bounds[1].earliest_due == AS_OF - timedelta(days=30)
    assert bounds[-1].earliest_due is None


def _bucket_by_bounds(due: date, as_of: date) -> str:
    for bound in bucket_bounds(as_of):
        if bound.earliest_due is None or due >= bound.earliest_due:
            return bound.label
    raise AssertionError("the last bound has no limit")


@settings(max_examples=500, deadline=None)
@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2060, 12, 31)),
       st.integers(min_value=-800, max_value=800))
def test_bucket_bounds_agree_with_aging_bucket_for_any_dates(as_of: date, offset: int) -> None:
    due = as_of - timedelta(days=offset)
    assert _bucket_by_bounds(due, as_of) == aging_bucket(days_past_due(due, as_of))


def _report(as_of: date, by: str, cells: list[AgingCell]) -> AgingReport:
    return build_aging_report(as_of, by, aging_rows_from_cells(cells))


def _cell(key: str, currency: str, bucket: str, amount: str, name: str | None = None) -> AgingCell:
    return AgingCell(key, name or f"name of {key}", currency, bucket, Decimal(amount))


def test_report_keeps_one_row_per_group_and_currency_never_mixing_currencies() -> None:
    report = _report(AS_OF, "debtor", [
        _cell("D1", "CNY", "current", "100.00"),
        _cell("D1", "USD", "1-30", "50.00"),
        _cell("D1", "CNY", "1-30", "20.00"),
    ])
    assert [(r.key, r.currency) for r in report.rows] == [("D1", "CNY"), ("D1", "USD")]
    cny, usd = report.rows
    assert cny.total == Decimal("120.00")
    assert cny.buckets["current"] == Decimal("100.00") and cny.buckets["1-30"] == Decimal("20.00")
    assert usd.total == Decimal("50.00") and usd.buckets["1-30"] == Decimal("50.00")
    assert set(report.totals) == {"CNY", "USD"}
    assert report.totals["CNY"].total == Decimal("120.00")
    assert report.totals["USD"].total == Decimal("50.00")


def test_every_row_has_every_bucket_and_its_total_is_their_sum() -> None:
    report = _report(AS_OF, "debtor", [
        _cell("D1", "CNY", "current", "1.10"), _cell("D1", "CNY", ">365", "2.20"),
        _cell("D2", "CNY", "91-180", "-0.30"), _cell("D2", "CNY", "61-90", "7.00"),
    ])
    for row in report.rows:
        assert list(row.buckets) == list(BUCKETS)
        assert row.total == sum(row.buckets.values())


def test_totals_are_the_sum_of_the_rows_per_currency_and_bucket() -> None:
    cells = [
        _cell("D1", "CNY", "current", "100.01"), _cell("D2", "CNY", "current", "0.99"),
        _cell("D2", "CNY", "181-365", "5.00"), _cell("D3", "EUR", "31-60", "3.33"),
        _cell("D3", "CNY", ">365", "-40.00"),
    ]
    report = _report(AS_OF, "debtor", cells)
    for currency, totals in report.totals.items():
        rows = [r for r in report.rows if r.currency == currency]
        for label in BUCKETS:
            assert totals.buckets[label] == sum((r.buckets[label] for r in rows), Decimal(0))
        assert totals.total == sum(r.total for r in rows)
    assert report.totals["CNY"].buckets["current"] == Decimal("101.00")
    assert report.totals["CNY"].total == Decimal("66.00")


def test_rows_are_ordered_by_currency_then_largest_total_then_key() -> None:
    report = _report(AS_OF, "debtor", [
        _cell("B", "USD", "current", "10.00"), _cell("A", "CNY", "current", "5.00"),
        _cell("C", "CNY", "current", "50.00"), _cell("B", "CNY", "current", "5.00"),
    ])
    assert [(r.currency, r.key) for r in report.rows] == [("CNY", "C"), ("CNY", "A"), ("CNY", "B"), ("USD", "B")]
    assert list(report.totals) == ["CNY", "USD"]


def test_report_of_nothing_has_no_rows_and_no_totals() -> None:
    report = _report(AS_OF, "contract", [])
    assert report.rows == () and dict(report.totals) == {}
    assert report.as_of == AS_OF and report.by == "contract"


def test_aging_row_totals_its_amounts_in_bucket_order() -> None:
    amounts = [Decimal("1.10"), ZERO, Decimal("-0.10"), ZERO, ZERO, ZERO, Decimal("5.00")]
    row = aging_row("D1", "Debtor", "CNY", amounts)
    assert row.total == Decimal("6.00")
    assert list(row.buckets) == list(BUCKETS)
    assert row.buckets["31-60"] == Decimal("-0.10") and row.buckets[">365"] == Decimal("5.00")


def test_aging_row_with_a_missing_bucket_is_refused() -> None:
    with pytest.raises(ValueError, match="7 buckets, got 6"):
        aging_row("D1", "Debtor", "CNY", [ZERO] * 6)
