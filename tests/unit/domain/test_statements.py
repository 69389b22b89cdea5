"""Statements of account: periods, movements in order, balances, and the day a debtor is due one."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from receivables.domain.statements import (
    LedgerEntry,
    Period,
    describe,
    opening_balance,
    parse_period,
    period_due,
    previous_period,
    reply_overdue,
    scheduled_day,
    statement_of_account,
)

D = Decimal


@pytest.mark.parametrize(("text", "start", "end"), [
    ("2026-11", date(2026, 11, 1), date(2026, 11, 30)),
    ("2026-02", date(2026, 2, 1), date(2026, 2, 28)),
    ("2028-02", date(2028, 2, 1), date(2028, 2, 29)),
    ("2026-1", date(2026, 1, 1), date(2026, 1, 31)),
    ("2026-Q4", date(2026, 10, 1), date(2026, 12, 31)),
    ("2026-q1", date(2026, 1, 1), date(2026, 3, 31)),
    ("2026Q2", date(2026, 4, 1), date(2026, 6, 30)),
    ("2026", date(2026, 1, 1), date(2026, 12, 31)),
])
def test_period_text_names_its_first_and_last_day(text: str, start: date, end: date) -> None:
    assert parse_period(text) == Period(start, end)


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "2026-Q5", "26", "November", "", "2026-11-01"])
def test_malformed_period_is_refused_naming_the_text(text: str) -> None:
    with pytest.raises(ValueError, match="not a period"):
        parse_period(text)


@pytest.mark.parametrize("text", ["2026-11", "2026-Q4", "2026"])
def test_period_label_reads_as_typed(text: str) -> None:
    assert parse_period(text).label == text


@pytest.mark.parametrize(("frequency", "on", "expected"), [
    ("monthly", date(2026, 12, 5), "2026-11"),
    ("monthly", date(2026, 1, 1), "2025-12"),
    ("quarterly", date(2026, 1, 10), "2025-Q4"),
    ("quarterly", date(2026, 12, 31), "2026-Q3"),
    ("quarterly", date(2026, 4, 1), "2026-Q1"),
    ("yearly", date(2026, 3, 1), "2025"),
])
def test_previous_period_is_the_cycle_just_ended(frequency: str, on: date, expected: str) -> None:
    assert previous_period(frequency, on) == parse_period(expected)


@pytest.mark.parametrize(("day", "on", "expected"), [
    (31, date(2026, 2, 10), date(2026, 2, 28)),
    (30, date(2026, 2, 10), date(2026, 2, 28)),
    (29, date(2026, 2, 10), date(2026, 2, 28)),
    (29, date(2028, 2, 10), date(2028, 2, 29)),
    (31, date(2026, 4, 10), date(2026, 4, 30)),
    (31, date(2026, 5, 10), date(2026, 5, 31)),
    (1, date(2026, 5, 10), date(2026, 5, 1)),
])
def test_a_day_the_month_lacks_falls_on_its_last_day(day: int, on: date, expected: date) -> None:
    assert scheduled_day("monthly", day, on) == expected


def test_monthly_debtor_is_due_from_its_day_until_the_cycle_ends() -> None:
    assert period_due("monthly", 5, date(2026, 12, 4)) is None
    assert period_due("monthly", 5, date(2026, 12, 5)) == parse_period("2026-11")
    # A scheduler that was down on the 5th still issues it later in the month.
    assert period_due("monthly", 5, date(2026, 12, 31)) == parse_period("2026-11")


def test_day_31_in_february_is_due_on_the_last_day_of_february() -> None:
    assert period_due("monthly", 31, date(2026, 2, 27)) is None
    assert period_due("monthly", 31, date(2026, 2, 28)) == parse_period("2026-01")
    assert period_due("monthly", 30, date(2028, 2, 29)) == parse_period("2028-01")


def test_quarterly_debtor_is_due_only_in_the_quarters_first_month_schedule() -> None:
    assert period_due("quarterly", 10, date(2027, 1, 9)) is None
    assert period_due("quarterly", 10, date(2027, 1, 10)) == parse_period("2026-Q4")
    assert period_due("quarterly", 10, date(2027, 2, 10)) == parse_period("2026-Q4")


def test_yearly_debtor_is_due_in_january_for_last_year() -> None:
    assert period_due("yearly", 15, date(2027, 1, 15)) == parse_period("2026")
    assert period_due("yearly", 15, date(2027, 1, 14)) is None


def test_debtor_without_reconciliation_is_never_due() -> None:
    assert period_due("none", 1, date(2026, 12, 1)) is None


def test_reconciliation_day_outside_1_to_31_is_refused() -> None:
    with pytest.raises(ValueError, match="1 to 31"):
        scheduled_day("monthly", 32, date(2026, 1, 1))
    with pytest.raises(ValueError, match="1 to 31"):
        scheduled_day("monthly", 0, date(2026, 1, 1))


def test_opening_balance_counts_only_what_happened_before_the_period() -> None:
    entries = [LedgerEntry(date(2026, 10, 31), "invoice", "F1", D("100.00")),
               LedgerEntry(date(2026, 10, 31), "payment", "P1", D("-30.00")),
               LedgerEntry(date(2026, 11, 1), "invoice", "F2", D("50.00"))]
    assert opening_balance(entries, date(2026, 11, 1)) == D("70.00")


def test_movements_run_in_date_order_from_opening_to_closing() -> None:
    period = parse_period("2026-11")
    entries = [
        LedgerEntry(date(2026, 11, 20), "payment", "P2", D("-500.00")),
        LedgerEntry(date(2026, 11, 3), "invoice", "F9", D("1200.00")),
        LedgerEntry(date(2026, 11, 20), "invoice", "F10", D("300.00")),
        LedgerEntry(date(2026, 11, 25), "payment_reversal", "P2", D("500.00")),
        LedgerEntry(date(2026, 11, 26), "credit_note", "CN1", D("-200.00")),
    ]
    statement = statement_of_account(period, D("1000.00"), entries)
    assert [(m.on.day, m.reference) for m in statement.movements] == [
        (3, "F9"), (20, "F10"), (20, "P2"), (25, "P2"), (26, "CN1")]
    assert [m.balance for m in statement.movements] == [
        D("2200.00"), D("2500.00"), D("2000.00"), D("2500.00"), D("2300.00")]
    assert statement.movements[2].credit == D("500.00") and statement.movements[2].debit == D("0.00")
    assert statement.movements[4].credit == D("200.00")
    assert statement.closing_balance == D("2300.00")
    assert statement.opening_balance + sum(m.debit - m.credit for m in statement.movements) == \
        statement.closing_balance


def test_a_quiet_period_keeps_the_opening_balance() -> None:
    statement = statement_of_account(parse_period("2026-11"), D("-40.00"), [])
    assert statement.closing_balance == D("-40.00") and not statement.is_empty


def test_nothing_owed_and_nothing_moved_is_an_empty_statement() -> None:
    assert statement_of_account(parse_period("2026-11"), D("0.00"), []).is_empty


def test_an_entry_outside_the_period_is_refused() -> None:
    with pytest.raises(ValueError, match="outside 2026-11"):
        statement_of_account(parse_period("2026-11"), D("0.00"),
                             [LedgerEntry(date(2026, 12, 1), "invoice", "F1", D("1.00"))])


def test_movements_are_described_in_the_letters_language() -> None:
    assert describe("payment_reversal", "zh_CN") == "收款冲回（退票）"
    assert describe("credit_note", "en") == "Credit note"
    assert describe("something_new", "en") == "something_new"


def test_reply_is_overdue_only_after_the_full_number_of_days() -> None:
    assert not reply_overdue(date(2026, 12, 1), 15, date(2026, 12, 16))
    assert reply_overdue(date(2026, 12, 1), 15, date(2026, 12, 17))
