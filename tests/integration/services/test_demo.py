"""Demo data: the same seed gives the same ledger, every aging bucket is filled, and the ledger rules hold."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from receivables.domain.aging import BUCKETS, aging_bucket, days_past_due
from receivables.domain.identifiers import check_credit_code
from receivables.services.demo import DemoError, DemoSummary, load_demo
from receivables.storage.schema import (
    Allocation,
    AuditEntry,
    Company,
    Contact,
    Contract,
    Debtor,
    Payment,
    Receivable,
    ReceivableKind,
)
from receivables.storage.schema.projects import ConstructionProject

AS_OF = date(2026, 6, 30)
SEED = 7


def load_small(sessions: sessionmaker[Session], seed: int = SEED) -> DemoSummary:
    return load_demo(sessions, size="small", seed=seed, as_of=AS_OF, actor="test")


@pytest.fixture
def demo(session_factory: sessionmaker[Session]) -> DemoSummary:
    return load_small(session_factory)


def ledger_digest(session: Session) -> str:
    """SHA-256 over debtors, receivables, payments and allocations in id order (record timestamps left out)."""
    digest = hashlib.sha256()
    statements = (
        select(Debtor.id, Debtor.code, Debtor.name, Debtor.credit_code, Debtor.address, Debtor.segment)
        .order_by(Debtor.id),
        select(Receivable.id, Receivable.debtor_id, Receivable.contract_id, Receivable.kind, Receivable.number,
               Receivable.issue_date, Receivable.due_date, Receivable.currency, Receivable.amount,
               Receivable.open_amount).order_by(Receivable.id),
        select(Payment.id, Payment.debtor_id, Payment.reference, Payment.received_on, Payment.currency,
               Payment.amount, Payment.reversed_on).order_by(Payment.id),
        select(Allocation.id, Allocation.payment_id, Allocation.receivable_id, Allocation.amount,
               Allocation.applied_on, Allocation.reversed_on).order_by(Allocation.id),
    )
    for statement in statements:
        for row in session.execute(statement):
            digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def empty_ledger(session: Session) -> None:
    """Everything but the audit log, which is append-only."""
    for table in (Allocation, Payment, Receivable, ConstructionProject, Contract, Contact, Debtor, Company):
        session.execute(delete(table))
    session.commit()


def test_the_same_seed_gives_the_same_rows_and_another_seed_other_rows(
        session_factory: sessionmaker[Session]) -> None:
    first = load_small(session_factory)
    with session_factory() as session:
        first_digest = ledger_digest(session)
        empty_ledger(session)
    again = load_small(session_factory)
    with session_factory() as session:
        assert ledger_digest(session) == first_digest
        empty_ledger(session)
    assert again == first
    load_small(session_factory, seed=SEED + 1)
    with session_factory() as session:
        assert ledger_digest(session) != first_digest


def test_small_has_about_sixty_debtors_and_1500_receivables_a_third_open(demo: DemoSummary) -> None:
    assert demo.debtors == 60
    assert demo.receivables == 1500
    assert demo.companies == 2
    assert 0.2 <= demo.open_fraction <= 0.45


def test_the_summary_counts_what_was_written_and_the_audit_log_records_it(
        demo: DemoSummary, session_factory: sessionmaker[Session]) -> None:
    with session_factory() as session:
        def count(table: type) -> int:
            return session.execute(select(func.count()).select_from(table)).scalar_one()

        assert (count(Debtor), count(Contact), count(Contract), count(Receivable), count(Payment),
                count(Allocation)) == (demo.debtors, demo.contacts, demo.contracts, demo.receivables,
                                       demo.payments, demo.allocations)
        open_items = session.execute(
            select(func.count()).select_from(Receivable).where(Receivable.open_amount != 0)).scalar_one()
        assert open_items == demo.open_receivables
        entry = session.execute(select(AuditEntry).where(AuditEntry.action == "demo.load")).scalar_one()
    assert entry.actor == "test"
    assert entry.detail is not None
    assert entry.detail["size"] == "small" and entry.detail["seed"] == SEED
    assert entry.detail["receivables"] == 1500 and entry.detail["as_of"] == AS_OF.isoformat()


def test_every_aging_bucket_holds_open_items(demo: DemoSummary, session_factory: sessionmaker[Session]) -> None:
    with session_factory() as session:
        due_dates = session.execute(
            select(Receivable.due_date).where(Receivable.open_amount != 0)).scalars().all()
    filled = {aging_bucket(days_past_due(due, AS_OF)) for due in due_dates}
    assert filled == set(BUCKETS)


def test_every_credit_code_is_valid(demo: DemoSummary, session_factory: sessionmaker[Session]) -> None:
    with session_factory() as session:
        codes = [*session.execute(select(Debtor.credit_code)).scalars(),
                 *session.execute(select(Company.credit_code)).scalars()]
    assert len(codes) == demo.debtors + 2
    assert [(code, check_credit_code(code or "").problem) for code in codes
            if not check_credit_code(code or "").valid] == []


def test_open_amount_is_amount_less_active_allocations_on_every_item(
        demo: DemoSummary, session_factory: sessionmaker[Session]) -> None:
    active = (
        select(Allocation.receivable_id, func.sum(Allocation.amount).label("allocated"))
        .where(Allocation.reversed_on.is_(None)).group_by(Allocation.receivable_id).subquery()
    )
    with session_factory() as session:
        wrong = session.execute(
            select(Receivable.number, Receivable.amount, Receivable.open_amount, active.c.allocated)
            .outerjoin(active, active.c.receivable_id == Receivable.id)
            .where(Receivable.open_amount != Receivable.amount - func.coalesce(active.c.allocated, 0))
        ).all()
    assert wrong == []


def test_allocations_follow_the_ledger_rules(demo: DemoSummary, session_factory: sessionmaker[Session]) -> None:
    with session_factory() as session:
        rows = session.execute(
            select(Allocation.amount, Allocation.applied_on, Allocation.reversed_on, Payment.received_on,
                   Payment.reversed_on, Payment.debtor_id, Payment.currency, Receivable.issue_date,
                   Receivable.debtor_id, Receivable.currency, Receivable.kind)
            .join(Payment, Payment.id == Allocation.payment_id)
            .join(Receivable, Receivable.id == Allocation.receivable_id)
        ).all()
        overpaid = session.execute(
            select(Receivable.number).join(Allocation, Allocation.receivable_id == Receivable.id)
            .where(Allocation.reversed_on.is_(None)).group_by(Receivable.id, Receivable.number, Receivable.amount)
            .having(func.sum(Allocation.amount) > Receivable.amount)
        ).scalars().all()
        overspent = session.execute(
            select(Payment.reference).join(Allocation, Allocation.payment_id == Payment.id)
            .group_by(Payment.id, Payment.reference, Payment.amount)
            .having(func.sum(Allocation.amount) > Payment.amount)
        ).scalars().all()
    assert rows
    for (amount, applied_on, reversed_on, received_on, payment_reversed_on, payer, payment_currency,
         issue_date, debtor, currency, kind) in rows:
        assert amount > 0
        assert applied_on == max(received_on, issue_date)
        assert (payer, payment_currency) == (debtor, currency)
        assert reversed_on == payment_reversed_on
        assert kind != ReceivableKind.credit_note.value
        assert received_on <= AS_OF
    assert overpaid == []
    assert overspent == []


def test_credit_notes_are_negative_and_items_dated_on_or_before_as_of(
        demo: DemoSummary, session_factory: sessionmaker[Session]) -> None:
    with session_factory() as session:
        items = session.execute(
            select(Receivable.kind, Receivable.amount, Receivable.open_amount, Receivable.issue_date,
                   Receivable.due_date)).all()
    kinds = {kind for kind, *_ in items}
    assert kinds <= {k.value for k in ReceivableKind}
    assert {"invoice", "credit_note", "progress", "settlement_balance", "retention"} <= kinds
    for kind, amount, open_amount, issue_date, due_date in items:
        assert issue_date <= AS_OF and due_date >= issue_date
        if kind == ReceivableKind.credit_note.value:
            assert amount < 0 and open_amount == amount
        else:
            assert amount > 0 and 0 <= open_amount <= amount


def test_a_bounced_payment_is_reversed_with_all_its_allocations(
        demo: DemoSummary, session_factory: sessionmaker[Session]) -> None:
    with session_factory() as session:
        bounced = session.execute(select(Payment).where(Payment.reversed_on.is_not(None))).scalars().all()
        assert bounced and len(bounced) == demo.reversed_payments
        for payment in bounced:
            assert payment.received_on <= payment.reversed_on <= AS_OF  # type: ignore[operator]
            assert payment.reversal_reason
            allocations = session.execute(
                select(Allocation.reversed_on).where(Allocation.payment_id == payment.id)).scalars().all()
            assert allocations and set(allocations) == {payment.reversed_on}


def test_some_payments_leave_credit_on_account_and_some_items_are_paid_in_part(
        demo: DemoSummary, session_factory: sessionmaker[Session]) -> None:
    allocated = (
        select(Allocation.payment_id, func.sum(Allocation.amount).label("allocated"))
        .group_by(Allocation.payment_id).subquery()
    )
    with session_factory() as session:
        with_credit = session.execute(
            select(func.count()).select_from(Payment).join(allocated, allocated.c.payment_id == Payment.id)
            .where(Payment.amount > allocated.c.allocated)).scalar_one()
        partly_paid = session.execute(
            select(func.count()).select_from(Receivable)
            .where(Receivable.open_amount > 0, Receivable.open_amount < Receivable.amount)).scalar_one()
    assert with_credit == demo.payments_with_credit > 0
    assert partly_paid > 0


def test_debtors_look_real(demo: DemoSummary, session_factory: sessionmaker[Session]) -> None:
    with session_factory() as session:
        debtors = session.execute(select(Debtor)).scalars().all()
        contacts = session.execute(select(Contact.debtor_id, Contact.role)).all()
        currencies = set(session.execute(select(Receivable.currency).distinct()).scalars())
        terms = set(session.execute(select(Contract.payment_terms_days).distinct()).scalars())
        contract_kinds = set(session.execute(select(Contract.kind).distinct()).scalars())
    assert any(d.name.endswith("有限公司") for d in debtors)
    assert any(d.name.isascii() for d in debtors) or "CNY" not in currencies
    assert all(d.address and d.legal_representative and d.credit_code for d in debtors)
    assert {d.segment for d in debtors} <= {"construction", "distribution", "retail", "public"}
    per_debtor: dict[int, list[str]] = {}
    for debtor_id, role in contacts:
        per_debtor.setdefault(debtor_id, []).append(role)
    assert set(per_debtor) == {d.id for d in debtors}
    assert all(1 <= len(roles) <= 3 and "finance" in roles for roles in per_debtor.values())
    assert {role for _, role in contacts} <= {"finance", "procurement", "boss", "front_desk"}
    assert "CNY" in currencies and currencies & {"USD", "EUR"}
    assert terms <= {30, 60, 90}
    assert "construction" in contract_kinds and "sale" in contract_kinds


def test_progress_is_reported_up_to_the_last_receivable(session_factory: sessionmaker[Session]) -> None:
    calls: list[tuple[int, int]] = []
    load_demo(session_factory, size="small", seed=SEED, as_of=AS_OF, progress=lambda d, t: calls.append((d, t)))
    assert calls[-1] == (1500, 1500)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


def test_a_database_that_already_has_debtors_is_refused(
        demo: DemoSummary, session_factory: sessionmaker[Session]) -> None:
    with pytest.raises(DemoError, match="already holds data"):
        load_small(session_factory)
    with session_factory() as session:
        assert session.execute(select(func.count()).select_from(Debtor)).scalar_one() == demo.debtors


def test_an_unknown_size_is_refused(session_factory: sessionmaker[Session]) -> None:
    with pytest.raises(DemoError, match="unknown demo size"):
        load_demo(session_factory, size="huge", seed=1, as_of=AS_OF)  # type: ignore[arg-type]


def test_new_records_get_fresh_ids_after_the_demo(demo: DemoSummary, engine: Engine,
                                                  session_factory: sessionmaker[Session]) -> None:
    """Explicit demo ids must not collide with ids the database hands out later (PostgreSQL sequences)."""
    with session_factory() as session:
        debtor = Debtor(code="NEW-1", name="新客户有限公司")
        session.add(debtor)
        session.flush()
        session.add(Contact(debtor_id=debtor.id, name="王伟"))
        session.commit()
        assert debtor.id > demo.debtors
