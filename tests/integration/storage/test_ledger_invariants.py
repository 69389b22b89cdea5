"""Open amounts stay equal to amount less active allocations, and SQL aging agrees with the domain's rules.

A seeded random ledger is built through the real services (imports and reversals); after every step the
stored open amounts are checked, and aging from SQL is compared with a plain-Python reference computed
from the rows with the domain functions, for many as-of dates around payments and reversals.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from receivables.domain.aging import (
    AgingCell, AgingReport, aging_bucket, aging_rows_from_cells, build_aging_report, days_past_due,
)
from receivables.services.payments import reverse_payment
from receivables.services.reports import aging_report
from receivables.storage.ledger import open_amount_mismatches
from receivables.storage.queries.aging import NO_CONTRACT
from receivables.storage.schema import Allocation, Company, Contract, Debtor, Payment, Receivable

START = date(2025, 1, 1)


def reference_report(session: Session, as_of: date, by: str) -> AgingReport:
    """Aging computed in Python from the raw rows: open on `as_of` = amount less allocations counted then."""
    allocations = session.execute(select(Allocation)).scalars().all()
    counted: dict[int, Decimal] = defaultdict(Decimal)
    for a in allocations:
        if a.applied_on <= as_of and (a.reversed_on is None or a.reversed_on > as_of):
            counted[a.receivable_id] += a.amount
    debtors = {d.id: d for d in session.execute(select(Debtor)).scalars()}
    companies = {c.id: c for c in session.execute(select(Company)).scalars()}
    contracts = {c.id: c for c in session.execute(select(Contract)).scalars()}
    cells = []
    for item in session.execute(select(Receivable)).scalars():
        if item.issue_date > as_of:
            continue
        open_amount = item.amount - counted[item.id]
        if open_amount == 0:
            continue
        if by == "debtor":
            key, name = debtors[item.debtor_id].code, debtors[item.debtor_id].name
        elif by == "company":
            key = name = companies[item.company_id].name
        else:
            contract = contracts.get(item.contract_id)  # type: ignore[arg-type]
            key = f"{debtors[contract.debtor_id].code}/{contract.number}" if contract else NO_CONTRACT
            name = (contract.title or contract.number) if contract else NO_CONTRACT
        bucket = aging_bucket(days_past_due(item.due_date, as_of))
        cells.append(AgingCell(key, name, item.currency, bucket, open_amount))
    return build_aging_report(as_of, by, aging_rows_from_cells(cells))


def assert_open_amounts_consistent(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        assert open_amount_mismatches(session) == []
        active: dict[int, Decimal] = defaultdict(Decimal)
        for a in session.execute(select(Allocation).where(Allocation.reversed_on.is_(None))).scalars():
            active[a.receivable_id] += a.amount
        for item in session.execute(select(Receivable)).scalars():
            assert item.open_amount == item.amount - active[item.id], item.number
            if item.kind != "credit_note":
                assert Decimal(0) <= item.open_amount <= item.amount, item.number
        for payment in session.execute(select(Payment)).scalars():
            applied = sum((a.amount for a in session.execute(
                select(Allocation).where(Allocation.payment_id == payment.id)).scalars()), Decimal(0))
            assert applied <= payment.amount, payment.reference


def build_random_ledger(seed: int, ledger: sessionmaker[Session], write_csv, import_file) -> list[date]:  # type: ignore[no-untyped-def]
    """Imports and reversals in random order; returns the dates worth aging on (around every event)."""
    rng = random.Random(seed)
    debtors = [f"D{i}" for i in range(1, 5)]
    outcome = import_file("debtors", write_csv("debtors.csv", ["code", "name"],
                                               [[d, f"Debtor {d}"] for d in debtors]))
    assert outcome.committed, outcome.problems
    outcome = import_file("contracts", write_csv("contracts.csv", ["debtor", "number", "title", "currency"],
                                                 [["D1", "K-1", "Tower A", "CNY"], ["D2", "K-2", "Depot", "CNY"]]))
    assert outcome.committed, outcome.problems
    events: set[date] = set()
    numbers = 0
    payments: list[tuple[str, date]] = []
    for step in range(6):
        rows = []
        for _ in range(rng.randint(3, 8)):
            numbers += 1
            debtor = rng.choice(debtors)
            issued = START + timedelta(days=rng.randint(0, 500))
            due = issued + timedelta(days=rng.choice([0, 15, 30, 60, 90]))
            kind = "credit_note" if rng.random() < 0.1 else "invoice"
            currency = "USD" if debtor == "D4" else "CNY"
            contract = {"D1": "K-1", "D2": "K-2"}.get(debtor, "") if rng.random() < 0.6 else ""
            amount = Decimal(rng.randint(1, 500_000)) / 100
            rows.append([debtor, f"INV-{numbers:04d}", issued, due, amount, currency, contract, kind])
            events.update({issued, due})
        outcome = import_file("invoices", write_csv(f"invoices{step}.csv", [
            "debtor", "number", "issue_date", "due_date", "amount", "currency", "contract", "kind"], rows))
        assert outcome.committed, outcome.problems
        assert_open_amounts_consistent(ledger)

        rows = []
        for _ in range(rng.randint(2, 6)):
            reference = f"PAY-{len(payments) + len(rows) + 1:04d}"
            debtor = rng.choice(debtors)
            received = START + timedelta(days=rng.randint(0, 560))
            with ledger() as session:
                candidates = session.execute(
                    select(Receivable.number).join(Debtor).where(Debtor.code == debtor)).scalars().all()
            named = ";".join(rng.sample(candidates, min(len(candidates), rng.randint(1, 2)))) \
                if candidates and rng.random() < 0.3 else ""
            amount = Decimal(rng.randint(1, 800_000)) / 100
            rows.append([debtor, reference, received, amount, "USD" if debtor == "D4" else "CNY", named])
            events.add(received)
        outcome = import_file("payments", write_csv(f"payments{step}.csv", [
            "debtor", "reference", "date", "amount", "currency", "applies_to"], rows))
        assert outcome.committed, outcome.problems
        payments.extend((r[1], r[2]) for r in rows)
        assert_open_amounts_consistent(ledger)

        for reference, received in rng.sample(payments, k=min(len(payments), rng.randint(0, 2))):
            with ledger.begin() as session:
                if session.execute(select(Payment.reversed_on).where(Payment.reference == reference)).scalar():
                    continue
                reversed_on = received + timedelta(days=rng.randint(0, 40))
                reverse_payment(session, reference, reversed_on, "cheque bounced", actor="test")
            events.update({reversed_on - timedelta(days=1), reversed_on})
            assert_open_amounts_consistent(ledger)
    return sorted(events | {e - timedelta(days=1) for e in events} | {START - timedelta(days=1), date(2027, 6, 30)})


@pytest.mark.parametrize("seed", [1, 2])
def test_open_amounts_equal_amount_less_active_allocations_after_random_imports_and_reversals(
        seed: int, ledger, write_csv, import_file) -> None:  # type: ignore[no-untyped-def]
    build_random_ledger(seed, ledger, write_csv, import_file)
    assert_open_amounts_consistent(ledger)
    with ledger() as session:
        assert session.execute(select(Allocation).where(Allocation.reversed_on.is_not(None))).first() is not None


@pytest.mark.parametrize("seed", [3, 4])
def test_sql_aging_agrees_with_the_python_reference_on_every_event_date(
        seed: int, ledger, write_csv, import_file) -> None:  # type: ignore[no-untyped-def]
    dates = build_random_ledger(seed, ledger, write_csv, import_file)
    sample = random.Random(seed).sample(dates, k=min(len(dates), 40))
    with ledger() as session:
        for as_of in sorted(sample):
            for by in ("debtor", "contract", "company"):
                assert aging_report(session, as_of, by) == reference_report(session, as_of, by), (as_of, by)
