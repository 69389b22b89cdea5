"""Collection statistics: days sales outstanding."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from receivables.domain.money import ZERO

DSO_WINDOW_DAYS = 90


def days_sales_outstanding(open_balance: Decimal, sales_in_window: Decimal,
                           window_days: int = DSO_WINDOW_DAYS) -> Decimal | None:
    """DSO = open balance / sales billed in the window x days in the window, to one decimal (half-up).

    None when nothing was billed in the window (DSO is undefined, not zero or infinite).
    """
    if sales_in_window <= ZERO:
        return None
    return (open_balance / sales_in_window * window_days).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class DsoPoint:
    """DSO on one day: the balance then (billed less received) over the window's billing."""

    on: date
    balance: Decimal
    sales_in_window: Decimal
    dso_days: Decimal | None


def month_end_points(as_of: date, months: int = 12) -> tuple[date, ...]:
    """`as_of` and the last days of the `months - 1` months before it, oldest first."""
    points = [as_of]
    month_start = as_of.replace(day=1)
    for _ in range(months - 1):
        month_end = month_start - timedelta(days=1)
        points.append(month_end)
        month_start = month_end.replace(day=1)
    return tuple(reversed(points))


def dso_trend(points: Sequence[date], billed_by_day: Mapping[date, Decimal], received_by_day: Mapping[date, Decimal],
              window_days: int = DSO_WINDOW_DAYS) -> tuple[DsoPoint, ...]:
    """DSO on each day of `points` (ascending), from daily totals of one currency.

    The balance on a day is everything billed up to it (credit notes net) less everything received up to it
    (reversed payments taken out on their reversal day): open items less unapplied credit, as a debtor's
    own DSO counts it, without replaying allocations.
    """
    billed_days = sorted(billed_by_day)
    received_days = sorted(received_by_day)
    result = []
    for on in points:
        billed = sum((billed_by_day[d] for d in billed_days if d <= on), ZERO)
        received = sum((received_by_day[d] for d in received_days if d <= on), ZERO)
        window_start = on - timedelta(days=window_days - 1)
        sales = sum((billed_by_day[d] for d in billed_days if window_start <= d <= on), ZERO)
        balance = billed - received
        result.append(DsoPoint(on, balance, sales, days_sales_outstanding(balance, sales, window_days)))
    return tuple(result)
