"""A debtor's account: balances per currency, the oldest overdue item, and DSO."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from receivables.domain.ledger import PaymentLine, balances, oldest_overdue, open_item_line
from receivables.domain.statistics import days_sales_outstanding

AS_OF = date(2026, 6, 30)


def line(number: str, due: str, open_amount: str, currency: str = "CNY", amount: str | None = None,
         kind: str = "invoice"):  # type: ignore[no-untyped-def]
    return open_item_line(number, kind, None, date(2026, 1, 1), date.fromisoformat(due), currency,
                          Decimal(amount or open_amount), Decimal(open_amount), AS_OF)


def payment(reference: str, unapplied: str, currency: str = "CNY") -> PaymentLine:
    return PaymentLine(reference, date(2026, 6, 1), currency, Decimal("1000.00"), Decimal(unapplied), None, ())


def test_open_item_line_knows_its_days_past_due_and_bucket() -> None:
    overdue = line("A", "2026-05-31", "10.00")
    assert overdue.days_past_due == 30 and overdue.bucket == "1-30"
    today = line("B", "2026-06-30", "10.00")
    assert today.days_past_due == 0 and today.bucket == "current"


def test_balance_is_open_items_less_credit_on_account_per_currency() -> None:
    items = [line("A", "2026-05-01", "100.00"), line("B", "2026-07-31", "50.00"),
             line("C", "2026-01-01", "70.00", currency="USD")]
    result = balances(items, [payment("P1", "30.00"), payment("P2", "0.00", currency="EUR")], {})
    by_currency = {b.currency: b for b in result}
    assert list(by_currency) == ["CNY", "USD"]  # a payment with nothing unapplied adds no currency
    cny = by_currency["CNY"]
    assert (cny.open_items, cny.overdue, cny.credit_on_account, cny.balance) == (
        Decimal("150.00"), Decimal("100.00"), Decimal("30.00"), Decimal("120.00"))
    usd = by_currency["USD"]
    assert (usd.open_items, usd.overdue, usd.credit_on_account, usd.balance) == (
        Decimal("70.00"), Decimal("70.00"), Decimal("0"), Decimal("70.00"))


def test_item_due_today_is_not_overdue_in_the_balance() -> None:
    (cny,) = balances([line("A", "2026-06-30", "10.00")], [], {})
    assert cny.overdue == Decimal("0")


def test_credit_on_account_alone_gives_a_negative_balance() -> None:
    (eur,) = balances([], [payment("P", "25.00", currency="EUR")], {})
    assert eur.credit_on_account == Decimal("25.00")
    assert eur.balance == Decimal("-25.00")


def test_credit_notes_reduce_the_open_balance() -> None:
    items = [line("A", "2026-05-01", "100.00"), line("CN", "2026-05-01", "-30.00", kind="credit_note")]
    (cny,) = balances(items, [], {})
    assert cny.open_items == Decimal("70.00")


def test_dso_is_balance_over_window_sales_times_window_days() -> None:
    (cny,) = balances([line("A", "2026-07-31", "300.00")], [], {"CNY": Decimal("900.00")})
    assert cny.dso_days == Decimal("30.0")
    assert days_sales_outstanding(Decimal("100"), Decimal("300"), 90) == Decimal("30.0")
    assert days_sales_outstanding(Decimal("1"), Decimal("3"), 90) == Decimal("30.0")
    assert days_sales_outstanding(Decimal("10"), Decimal("30"), 365) == Decimal("121.7")


def test_dso_is_none_without_sales_in_the_window() -> None:
    assert days_sales_outstanding(Decimal("500.00"), Decimal("0")) is None
    assert days_sales_outstanding(Decimal("500.00"), Decimal("-20.00")) is None
    (cny,) = balances([line("A", "2026-01-31", "500.00")], [], {})
    assert cny.dso_days is None


def test_oldest_overdue_is_the_overdue_item_with_the_earliest_due_date() -> None:
    items = [line("B", "2026-03-01", "10.00"), line("A", "2026-02-01", "10.00"), line("C", "2026-02-01", "5.00"),
             line("F", "2026-08-01", "10.00")]
    oldest = oldest_overdue(items)
    assert oldest is not None and oldest.number == "A"


def test_oldest_overdue_ignores_credit_notes_and_items_not_yet_due() -> None:
    items = [line("CN", "2025-01-01", "-10.00", kind="credit_note"), line("TODAY", "2026-06-30", "10.00"),
             line("LATER", "2026-09-30", "10.00")]
    assert oldest_overdue(items) is None
    assert oldest_overdue([]) is None


def test_dso_rounds_half_up_to_one_decimal_like_every_figure_of_the_product() -> None:
    assert days_sales_outstanding(Decimal("1"), Decimal("40"), 90) == Decimal("2.3")  # 2.25, not 2.2
    assert days_sales_outstanding(Decimal("1"), Decimal("120"), 90) == Decimal("0.8")  # 0.75
