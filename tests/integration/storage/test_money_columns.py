"""Money columns are exact on both databases: sums of cents never drift."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Date, String, cast, func, insert, literal, select, text, type_coerce
from sqlalchemy.orm import Session, sessionmaker

from receivables.storage.types import Amount
from receivables.storage.schema import Company, Debtor, Receivable
from receivables.storage.types import cents_to_decimal


def _company_and_debtor(session: Session) -> tuple[int, int]:
    company_id = session.execute(insert(Company).values(name="Us").returning(Company.id)).scalar_one()
    debtor_id = session.execute(insert(Debtor).values(code="D1", name="Debtor").returning(Debtor.id)).scalar_one()
    return company_id, debtor_id


def test_sum_of_100000_cents_is_exactly_1000_in_sql(sessions: sessionmaker[Session]) -> None:
    """100,000 items of 0.01, generated inside the database with the column's own type binding the amount."""
    cent = literal(Decimal("0.01"), Amount)
    with sessions.begin() as session:
        company_id, debtor_id = _company_and_debtor(session)
        numbers = select(literal(1).label("i")).cte("numbers", recursive=True)
        numbers = numbers.union_all(select(numbers.c.i + 1).where(numbers.c.i < 100_000))
        session.execute(insert(Receivable).from_select(
            ["company_id", "debtor_id", "number", "kind", "issue_date", "due_date", "currency", "amount",
             "open_amount"],
            select(literal(company_id), literal(debtor_id), literal("N") + cast(numbers.c.i, String),
                   literal("invoice"), literal(date(2026, 1, 1), Date), literal(date(2026, 1, 31), Date),
                   literal("CNY"), cent, cent),
        ))
        assert session.execute(select(func.count()).select_from(Receivable)).scalar_one() == 100_000
    with sessions() as session:
        typed = session.execute(select(func.sum(Receivable.amount))).scalar_one()
        raw = session.execute(text("SELECT SUM(amount) FROM receivable")).scalar_one()
    assert isinstance(typed, Decimal)
    assert typed == Decimal("1000.00")
    assert str(typed) == "1000.00"
    assert not isinstance(raw, float)
    assert cents_to_decimal(raw) == Decimal("1000.00")


@pytest.mark.parametrize("amount", ["0.01", "-0.01", "1234567890123456.78", "-9999999999999999.99", "0.10"])
def test_amounts_round_trip_exactly(sessions: sessionmaker[Session], amount: str) -> None:
    with sessions.begin() as session:
        company_id, debtor_id = _company_and_debtor(session)
        kind = "credit_note" if amount.startswith("-") else "invoice"
        session.execute(insert(Receivable).values(
            company_id=company_id, debtor_id=debtor_id, number="X", kind=kind, issue_date=date(2026, 1, 1),
            due_date=date(2026, 1, 1), currency="CNY", amount=Decimal(amount), open_amount=Decimal(amount)))
    with sessions() as session:
        stored = session.execute(select(Receivable.amount)).scalar_one()
    assert stored == Decimal(amount)
    assert str(stored) == str(Decimal(amount).quantize(Decimal("0.01")))


def test_sub_cent_amount_is_refused_on_sqlite_and_rounded_half_up_on_postgresql(
        sessions: sessionmaker[Session]) -> None:
    """The column types differ here (integer cents vs numeric(18,2)); the domain must never pass one."""
    with sessions() as session:
        company_id, debtor_id = _company_and_debtor(session)
        statement = insert(Receivable).values(
            company_id=company_id, debtor_id=debtor_id, number="X", kind="invoice", issue_date=date(2026, 1, 1),
            due_date=date(2026, 1, 1), currency="CNY", amount=Decimal("0.005"), open_amount=Decimal("0.005"))
        if session.bind.dialect.name == "sqlite":  # type: ignore[union-attr]
            with pytest.raises(Exception, match="more than two decimals"):
                session.execute(statement)
        else:
            session.execute(statement)
            assert session.execute(select(Receivable.amount)).scalar_one() == Decimal("0.01")
        session.rollback()


def test_an_amount_worked_out_in_sql_reads_back_as_exact_cents(sessions: sessionmaker[Session]) -> None:
    """An empty sum falls back to a bare 0 (scale 0 on PostgreSQL, an integer on SQLite); typed as Amount it
    still comes back as 0.00, and a sum of stored amounts as their exact total."""
    nothing = type_coerce(func.coalesce(func.sum(Receivable.amount), literal(0, Amount)), Amount)
    with sessions.begin() as session:
        assert str(session.execute(select(nothing)).scalar_one()) == "0.00"
        company_id, debtor_id = _company_and_debtor(session)
        for number, amount in (("A", "10.10"), ("B", "0.20")):
            session.execute(insert(Receivable).values(
                company_id=company_id, debtor_id=debtor_id, number=number, kind="invoice",
                issue_date=date(2026, 1, 1), due_date=date(2026, 1, 1), currency="CNY", amount=Decimal(amount),
                open_amount=Decimal(amount)))
        rows = session.execute(select(nothing, type_coerce(func.max(Receivable.amount), Amount))).one()
    assert [str(value) for value in rows] == ["10.30", "10.10"]
