"""Collection statistics: days sales outstanding."""

from __future__ import annotations

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
