"""Applying a payment: named items in the order named, else oldest due first; never beyond open; rest is credit."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from receivables.domain.allocation import OpenItem, plan_allocation


def item(item_id: int, number: str, due: str, open_amount: str) -> OpenItem:
    return OpenItem(item_id, number, date.fromisoformat(due), Decimal(open_amount))


ITEMS = [
    item(1, "INV-3", "2026-03-31", "300.00"),
    item(2, "INV-1", "2026-01-31", "100.00"),
    item(3, "INV-2", "2026-02-28", "200.00"),
]


def applied(plan) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [(a.number, str(a.amount)) for a in plan.allocations]


def test_without_names_the_oldest_due_item_is_paid_first() -> None:
    plan = plan_allocation(Decimal("150.00"), ITEMS)
    assert applied(plan) == [("INV-1", "100.00"), ("INV-2", "50.00")]
    assert plan.credit_on_account == Decimal("0.00")


def test_items_due_the_same_day_are_paid_in_number_order_whatever_the_input_order() -> None:
    same_day = [item(1, "B", "2026-01-31", "10.00"), item(2, "A", "2026-01-31", "10.00")]
    assert applied(plan_allocation(Decimal("15.00"), same_day)) == [("A", "10.00"), ("B", "5.00")]
    assert applied(plan_allocation(Decimal("15.00"), same_day[::-1])) == [("A", "10.00"), ("B", "5.00")]


def test_named_items_are_paid_in_the_order_named_even_if_younger() -> None:
    plan = plan_allocation(Decimal("350.00"), ITEMS, ["INV-3", "INV-1"])
    assert applied(plan) == [("INV-3", "300.00"), ("INV-1", "50.00")]
    assert plan.credit_on_account == Decimal("0.00")


def test_what_named_items_do_not_take_is_credit_on_account() -> None:
    plan = plan_allocation(Decimal("250.00"), ITEMS, ["INV-2"])
    assert applied(plan) == [("INV-2", "200.00")]
    assert plan.credit_on_account == Decimal("50.00")


def test_an_item_named_twice_is_paid_once() -> None:
    plan = plan_allocation(Decimal("500.00"), ITEMS, ["INV-1", "INV-1"])
    assert applied(plan) == [("INV-1", "100.00")]
    assert plan.credit_on_account == Decimal("400.00")


def test_an_item_is_never_paid_beyond_its_open_amount_and_the_rest_is_credit() -> None:
    plan = plan_allocation(Decimal("1000.00"), ITEMS)
    assert applied(plan) == [("INV-1", "100.00"), ("INV-2", "200.00"), ("INV-3", "300.00")]
    assert plan.credit_on_account == Decimal("400.00")


def test_a_payment_with_no_open_items_is_all_credit_on_account() -> None:
    plan = plan_allocation(Decimal("99.99"), [])
    assert plan.allocations == ()
    assert plan.credit_on_account == Decimal("99.99")


def test_credit_notes_and_settled_items_take_nothing() -> None:
    items = [item(1, "CN-1", "2026-01-01", "-50.00"), item(2, "PAID", "2026-01-02", "0.00"),
             item(3, "INV-9", "2026-01-03", "80.00")]
    plan = plan_allocation(Decimal("100.00"), items)
    assert applied(plan) == [("INV-9", "80.00")]
    assert plan.credit_on_account == Decimal("20.00")
    named = plan_allocation(Decimal("100.00"), items, ["CN-1", "PAID"])
    assert named.allocations == ()
    assert named.credit_on_account == Decimal("100.00")


@pytest.mark.parametrize("amount", ["0.00", "-10.00"])
def test_a_zero_or_negative_payment_allocates_nothing_and_makes_no_credit(amount: str) -> None:
    plan = plan_allocation(Decimal(amount), ITEMS)
    assert plan.allocations == ()
    assert plan.credit_on_account == Decimal("0.00")


AMOUNT = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("10000"), places=2)


@settings(max_examples=200, deadline=None)
@given(AMOUNT, st.lists(st.tuples(st.integers(min_value=0, max_value=400),
                                  st.decimals(min_value=Decimal("-100"), max_value=Decimal("5000"), places=2)),
                        max_size=12))
def test_allocations_plus_credit_equal_the_payment_and_no_item_is_overpaid(amount: Decimal, specs) -> None:  # type: ignore[no-untyped-def]
    items = [OpenItem(i, f"N{i:03d}", date(2026, 1, 1).fromordinal(date(2026, 1, 1).toordinal() + d), o)
             for i, (d, o) in enumerate(specs)]
    plan = plan_allocation(amount, items)
    by_id = {i.item_id: i for i in items}
    assert sum((a.amount for a in plan.allocations), Decimal(0)) + plan.credit_on_account == amount
    assert plan.credit_on_account >= 0
    for allocation in plan.allocations:
        assert Decimal(0) < allocation.amount <= by_id[allocation.item_id].open_amount
    if plan.credit_on_account > 0:  # credit is left only when every positive item is fully paid
        paid = {a.item_id: a.amount for a in plan.allocations}
        assert all(paid.get(i.item_id) == i.open_amount for i in items if i.open_amount > 0)
