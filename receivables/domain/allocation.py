"""Applying a payment to open items: named items first, then oldest due; the rest is credit on account."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from receivables.domain.money import ZERO


@dataclass(frozen=True, slots=True)
class OpenItem:
    """An item that can take payment: its key, due date and open amount on the payment date."""

    item_id: int
    number: str
    due_date: date
    open_amount: Decimal


@dataclass(frozen=True, slots=True)
class PlannedAllocation:
    item_id: int
    number: str
    amount: Decimal


@dataclass(frozen=True, slots=True)
class AllocationPlan:
    allocations: tuple[PlannedAllocation, ...]
    credit_on_account: Decimal


def plan_allocation(amount: Decimal, open_items: Sequence[OpenItem],
                    named_numbers: Sequence[str] = ()) -> AllocationPlan:
    """Spread `amount` over items, never beyond an item's open amount.

    Items named by the payer are paid in the order named; with no names, items are paid oldest due
    first (then by number, so the result never depends on the order rows came from the database).
    Items with nothing open (or credit notes, whose open amount is negative) take nothing.
    """
    if amount <= ZERO:
        return AllocationPlan((), ZERO)
    if named_numbers:
        by_number = {item.number: item for item in open_items}
        ordered = [by_number[n] for n in dict.fromkeys(named_numbers) if n in by_number]
    else:
        ordered = sorted(open_items, key=lambda item: (item.due_date, item.number))
    remaining = amount
    planned: list[PlannedAllocation] = []
    for item in ordered:
        if remaining <= ZERO:
            break
        if item.open_amount <= ZERO:
            continue
        applied = min(remaining, item.open_amount)
        planned.append(PlannedAllocation(item.item_id, item.number, applied))
        remaining -= applied
    return AllocationPlan(tuple(planned), remaining)
