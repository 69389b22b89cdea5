"""DSO over time: month-end points and the balance/billing each point is computed from."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from receivables.domain.statistics import dso_trend, month_end_points


def test_points_are_as_of_and_the_previous_month_ends_oldest_first() -> None:
    assert month_end_points(date(2026, 3, 15), 4) == (
        date(2025, 12, 31), date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 15))


def test_month_end_points_cross_a_leap_february() -> None:
    assert month_end_points(date(2024, 3, 31), 2) == (date(2024, 2, 29), date(2024, 3, 31))


def test_a_single_point_is_as_of_itself() -> None:
    assert month_end_points(date(2026, 1, 1), 1) == (date(2026, 1, 1),)


def test_dso_is_balance_over_window_billing_times_window_days() -> None:
    billed = {date(2026, 1, 10): Decimal("900.00"), date(2026, 3, 1): Decimal("900.00")}
    received = {date(2026, 2, 1): Decimal("600.00")}
    (point,) = dso_trend([date(2026, 3, 31)], billed, received)
    # balance 1,200.00; billed in the 90 days to 31 March (from 1 January): 1,800.00 -> 1200/1800*90 = 60.0
    assert (point.balance, point.sales_in_window, point.dso_days) == (
        Decimal("1200.00"), Decimal("1800.00"), Decimal("60.0"))


def test_billing_on_the_first_day_of_the_window_counts_and_the_day_before_does_not() -> None:
    billed = {date(2026, 1, 1): Decimal("100.00"), date(2025, 12, 31): Decimal("50.00")}
    (point,) = dso_trend([date(2026, 3, 31)], billed, {})
    assert point.sales_in_window == Decimal("100.00")
    assert point.balance == Decimal("150.00")


def test_movements_after_a_point_do_not_count_for_it() -> None:
    billed = {date(2026, 1, 5): Decimal("100.00"), date(2026, 2, 5): Decimal("300.00")}
    received = {date(2026, 2, 1): Decimal("100.00")}
    january, february = dso_trend([date(2026, 1, 31), date(2026, 2, 28)], billed, received)
    assert january.balance == Decimal("100.00") and january.dso_days == Decimal("90.0")
    assert february.balance == Decimal("300.00") and february.dso_days == Decimal("67.5")


def test_nothing_billed_in_the_window_leaves_dso_undefined_not_zero() -> None:
    (point,) = dso_trend([date(2026, 12, 31)], {date(2025, 1, 1): Decimal("100.00")}, {})
    assert point.dso_days is None and point.balance == Decimal("100.00")


def test_a_reversal_day_adds_back_what_was_received() -> None:
    billed = {date(2026, 1, 1): Decimal("100.00")}
    received = {date(2026, 1, 10): Decimal("100.00"), date(2026, 1, 20): Decimal("-100.00")}
    before, after = dso_trend([date(2026, 1, 15), date(2026, 1, 25)], billed, received)
    assert before.balance == Decimal("0.00") and after.balance == Decimal("100.00")
