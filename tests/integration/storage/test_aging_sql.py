"""Aging for a date counts only what was open then: later items, later payments and later reversals are ignored."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session, sessionmaker

from receivables.services.payments import reverse_payment
from receivables.services.reports import aging_report

INVOICES = ["debtor", "number", "issue_date", "due_date", "amount", "currency", "contract", "kind"]
PAYMENTS = ["debtor", "reference", "date", "amount", "currency", "applies_to"]


def _rows(sessions: sessionmaker[Session], as_of: str, by: str = "debtor") -> dict[tuple[str, str], dict[str, str]]:
    with sessions() as session:
        report = aging_report(session, date.fromisoformat(as_of), by)  # type: ignore[arg-type]
    return {(r.key, r.currency): {"total": str(r.total), **{b: str(v) for b, v in r.buckets.items() if v}}
            for r in report.rows}


def _setup(write_csv, import_file) -> None:  # type: ignore[no-untyped-def]
    assert import_file("debtors", write_csv("d.csv", ["code", "name"], [["D1", "Alpha"], ["D2", "Beta"]])).committed
    assert import_file("invoices", write_csv("i.csv", INVOICES, [
        ["D1", "A-1", "2026-01-01", "2026-01-31", "1000.00", "CNY", "", ""],
        ["D1", "A-2", "2026-03-01", "2026-03-31", "500.00", "CNY", "", ""],
        ["D2", "B-1", "2026-01-15", "2026-02-14", "300.00", "USD", "", ""],
    ])).committed


def test_aging_for_a_past_date_ignores_later_items_and_later_payments(ledger, write_csv, import_file) -> None:  # type: ignore[no-untyped-def]
    _setup(write_csv, import_file)
    assert import_file("payments", write_csv("p.csv", PAYMENTS, [
        ["D1", "P-1", "2026-04-10", "1000.00", "CNY", "A-1"]])).committed
    # On 2026-02-28 only A-1 and B-1 existed, both unpaid.
    assert _rows(ledger, "2026-02-28") == {
        ("D1", "CNY"): {"total": "1000.00", "1-30": "1000.00"},
        ("D2", "USD"): {"total": "300.00", "1-30": "300.00"},
    }
    # On 2026-04-09 the payment had not arrived yet; A-2 is 9 days overdue.
    assert _rows(ledger, "2026-04-09") == {
        ("D1", "CNY"): {"total": "1500.00", "61-90": "1000.00", "1-30": "500.00"},
        ("D2", "USD"): {"total": "300.00", "31-60": "300.00"},
    }
    # From the payment date on, A-1 is settled.
    assert _rows(ledger, "2026-04-10") == {
        ("D1", "CNY"): {"total": "500.00", "1-30": "500.00"},
        ("D2", "USD"): {"total": "300.00", "31-60": "300.00"},
    }
    # Before anything was issued, nothing is open.
    assert _rows(ledger, "2025-12-31") == {}


def test_aging_before_between_and_after_a_reversal(ledger, write_csv, import_file) -> None:  # type: ignore[no-untyped-def]
    _setup(write_csv, import_file)
    assert import_file("payments", write_csv("p.csv", PAYMENTS, [
        ["D1", "P-1", "2026-02-10", "400.00", "CNY", ""]])).committed
    with ledger.begin() as session:
        reverse_payment(session, "P-1", date(2026, 2, 20), "cheque bounced", actor="test")
    assert _rows(ledger, "2026-02-09")[("D1", "CNY")] == {"total": "1000.00", "1-30": "1000.00"}
    assert _rows(ledger, "2026-02-10")[("D1", "CNY")] == {"total": "600.00", "1-30": "600.00"}
    assert _rows(ledger, "2026-02-19")[("D1", "CNY")] == {"total": "600.00", "1-30": "600.00"}
    assert _rows(ledger, "2026-02-20")[("D1", "CNY")] == {"total": "1000.00", "1-30": "1000.00"}
    assert _rows(ledger, "2026-06-30")[("D1", "CNY")] == {"total": "1500.00", "91-180": "1500.00"}


def test_a_debtor_fully_paid_between_payment_and_reversal_has_no_aging_row(ledger, write_csv, import_file) -> None:  # type: ignore[no-untyped-def]
    _setup(write_csv, import_file)
    assert import_file("payments", write_csv("p.csv", PAYMENTS, [
        ["D2", "P-9", "2026-02-01", "300.00", "USD", "B-1"]])).committed
    with ledger.begin() as session:
        reverse_payment(session, "P-9", date(2026, 3, 1), "bounced", actor="test")
    # On 2026-02-15 B-1 was paid in full: D2 owed nothing, so it is not a row of the report.
    assert ("D2", "USD") not in _rows(ledger, "2026-02-15")
    assert _rows(ledger, "2026-03-01")[("D2", "USD")] == {"total": "300.00", "1-30": "300.00"}


def test_a_payment_larger_than_the_debt_leaves_nothing_open_and_the_rest_is_not_aged(
        ledger, write_csv, import_file) -> None:  # type: ignore[no-untyped-def]
    _setup(write_csv, import_file)
    assert import_file("payments", write_csv("p.csv", PAYMENTS, [
        ["D2", "P-2", "2026-02-01", "999.00", "USD", ""]])).committed
    assert ("D2", "USD") not in _rows(ledger, "2026-02-01")
    assert ("D2", "USD") in _rows(ledger, "2026-01-31")


def test_aging_by_contract_and_company_groups_the_same_amounts(ledger, write_csv, import_file) -> None:  # type: ignore[no-untyped-def]
    assert import_file("debtors", write_csv("d.csv", ["code", "name"], [["D1", "Alpha"]])).committed
    assert import_file("contracts", write_csv("c.csv", ["debtor", "number", "title"],
                                              [["D1", "K-1", "Tower"]])).committed
    assert import_file("invoices", write_csv("i.csv", INVOICES, [
        ["D1", "A-1", "2026-01-01", "2026-01-31", "100.00", "CNY", "K-1", ""],
        ["D1", "A-2", "2026-01-01", "2026-01-31", "50.00", "CNY", "", ""],
    ])).committed
    assert _rows(ledger, "2026-01-31", "contract") == {
        ("D1/K-1", "CNY"): {"total": "100.00", "current": "100.00"},
        ("(no contract)", "CNY"): {"total": "50.00", "current": "50.00"},
    }
    assert _rows(ledger, "2026-01-31", "company") == {
        ("Our Trading Co", "CNY"): {"total": "150.00", "current": "150.00"}}


def test_credit_notes_reduce_aging_in_their_own_bucket(ledger, write_csv, import_file) -> None:  # type: ignore[no-untyped-def]
    assert import_file("debtors", write_csv("d.csv", ["code", "name"], [["D1", "Alpha"]])).committed
    assert import_file("invoices", write_csv("i.csv", INVOICES, [
        ["D1", "A-1", "2026-01-01", "2026-01-31", "100.00", "CNY", "", ""],
        ["D1", "CN-1", "2026-03-01", "2026-03-01", "30.00", "CNY", "", "credit_note"],
    ])).committed
    assert _rows(ledger, "2026-03-05") == {("D1", "CNY"): {"total": "70.00", "31-60": "100.00", "1-30": "-30.00"}}
    assert Decimal("70.00") == sum(Decimal(v) for k, v in _rows(ledger, "2026-03-05")[("D1", "CNY")].items()
                                   if k != "total")
