"""Promises to pay judged against payments: kept, partly kept, broken, pending, with a grace period."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from receivables.domain.promises import (
    PaymentReceived, PromiseTerms, broken_count, evaluate_promises, new_promise_problems,
)

MADE = date(2026, 3, 1)
DUE = date(2026, 3, 10)


def promise(id: int = 1, amount: str = "1000.00", due: date = DUE, made: date = MADE) -> PromiseTerms:
    return PromiseTerms(id, Decimal(amount), "CNY", due, made)


def paid(on: date, amount: str, currency: str = "CNY") -> PaymentReceived:
    return PaymentReceived(on, Decimal(amount), currency)


def status(promises, payments, as_of: date, grace: int = 3) -> list[str]:
    return [o.status for o in evaluate_promises(promises, payments, as_of, grace)]


def test_paid_in_full_by_the_date_is_kept():
    assert status([promise()], [paid(date(2026, 3, 9), "1000.00")], date(2026, 4, 1)) == ["kept"]


def test_paid_in_full_within_the_grace_is_kept():
    assert status([promise()], [paid(date(2026, 3, 13), "1000.00")], date(2026, 4, 1)) == ["kept"]


def test_paid_after_the_grace_does_not_keep_the_promise():
    assert status([promise()], [paid(date(2026, 3, 14), "1000.00")], date(2026, 4, 1)) == ["broken"]


def test_part_paid_by_the_deadline_is_partly_kept():
    outcome = evaluate_promises([promise()], [paid(date(2026, 3, 5), "400.00")], date(2026, 4, 1))[0]
    assert (outcome.status, outcome.paid) == ("partly_kept", Decimal("400.00"))


def test_nothing_paid_after_the_deadline_is_broken():
    assert status([promise()], [], date(2026, 3, 14)) == ["broken"]


def test_before_the_deadline_an_unpaid_promise_is_pending():
    assert status([promise()], [paid(date(2026, 3, 5), "400.00")], date(2026, 3, 13)) == ["pending"]


def test_paid_in_full_early_is_kept_even_before_the_date():
    assert status([promise()], [paid(date(2026, 3, 2), "1000.00")], date(2026, 3, 3)) == ["kept"]


def test_payments_before_the_promise_was_made_do_not_count():
    assert status([promise()], [paid(date(2026, 2, 28), "1000.00")], date(2026, 4, 1)) == ["broken"]


def test_payments_after_as_of_are_not_known_yet():
    assert status([promise()], [paid(date(2026, 3, 9), "1000.00")], date(2026, 3, 8)) == ["pending"]


def test_payments_in_another_currency_do_not_count():
    assert status([promise()], [paid(date(2026, 3, 9), "1000.00", "USD")], date(2026, 4, 1)) == ["broken"]


def test_one_payment_counts_towards_one_promise_only():
    first, second = promise(1, "600.00", date(2026, 3, 5)), promise(2, "600.00", DUE)
    result = status([second, first], [paid(date(2026, 3, 4), "1000.00")], date(2026, 4, 1))
    assert result == ["partly_kept", "kept"]  # in the order given: the earlier promise took its 600 first


def test_broken_promises_are_counted_for_the_dunning_engine():
    outcomes = evaluate_promises([promise(1), promise(2, due=date(2026, 5, 1))], [], date(2026, 4, 1))
    assert broken_count(outcomes) == 1


def test_a_new_promise_needs_a_positive_amount_and_a_date_not_past():
    assert new_promise_problems(Decimal("100"), DUE, DUE) == []
    assert len(new_promise_problems(Decimal("0"), DUE, DUE)) == 1
    assert "already past" in new_promise_problems(Decimal("5"), date(2026, 3, 9), DUE)[0]
