"""Promises to pay: whether each was kept, partly kept, broken or is still pending, judged from payments.

A promise is judged on `as_of` against the payments received from the day it was made until its
promised date plus a grace (days for the bank transfer to arrive). Each payment counts towards one
promise only: promises take payments in the order of their promised dates.
- kept: the payments reached the promised amount (whenever within the window, even before the date);
- pending: not yet reached, and the window is still open on `as_of`;
- partly_kept: the window has closed with something but not all paid;
- broken: the window has closed with nothing paid.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from receivables.domain.money import ZERO

STATUSES = ("kept", "partly_kept", "broken", "pending")
DEFAULT_GRACE_DAYS = 3


@dataclass(frozen=True, slots=True)
class PromiseTerms:
    promise_id: int
    amount: Decimal
    currency: str
    promised_on: date
    made_on: date


@dataclass(frozen=True, slots=True)
class PaymentReceived:
    received_on: date
    amount: Decimal
    currency: str


@dataclass(frozen=True, slots=True)
class PromiseOutcome:
    promise_id: int
    status: str
    paid: Decimal
    deadline: date


def new_promise_problems(amount: Decimal, promised_on: date, as_of: date) -> list[str]:
    """Why a promise cannot be recorded: a non-positive amount, or a promised date already past."""
    problems = []
    if amount <= ZERO:
        problems.append(f"a promised amount must be positive, not {amount}")
    if promised_on < as_of:
        problems.append(f"the promised date {promised_on} is already past (today is {as_of})")
    return problems


def evaluate_promises(promises: Sequence[PromiseTerms], payments: Iterable[PaymentReceived], as_of: date,
                      grace_days: int = DEFAULT_GRACE_DAYS) -> list[PromiseOutcome]:
    """The outcome of each promise on `as_of`, in the order given (see the module's rules)."""
    remaining: list[list[object]] = [[p.received_on, p.amount, p.currency]
                                     for p in sorted(payments, key=lambda p: p.received_on)
                                     if p.received_on <= as_of]
    outcomes: dict[int, PromiseOutcome] = {}
    for promise in sorted(promises, key=lambda p: (p.promised_on, p.made_on, p.promise_id)):
        deadline = promise.promised_on + timedelta(days=grace_days)
        paid = ZERO
        for entry in remaining:
            received_on, available, currency = entry
            assert isinstance(received_on, date) and isinstance(available, Decimal)
            if paid >= promise.amount:
                break
            if currency != promise.currency or available <= ZERO:
                continue
            if not promise.made_on <= received_on <= deadline:
                continue
            taken = min(available, promise.amount - paid)
            entry[1] = available - taken
            paid += taken
        outcomes[promise.promise_id] = PromiseOutcome(promise.promise_id, _status(promise, paid, deadline, as_of),
                                                      paid, deadline)
    return [outcomes[p.promise_id] for p in promises]


def _status(promise: PromiseTerms, paid: Decimal, deadline: date, as_of: date) -> str:
    if paid >= promise.amount:
        return "kept"
    if as_of <= deadline:
        return "pending"
    return "partly_kept" if paid > ZERO else "broken"


def broken_count(outcomes: Iterable[PromiseOutcome]) -> int:
    """How many promises were broken outright (what makes the dunning engine escalate faster)."""
    return sum(1 for o in outcomes if o.status == "broken")
