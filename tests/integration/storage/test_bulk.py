"""The bulk insert path stores values exactly as the ORM does (it converts amounts and dates itself)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session, sessionmaker

from receivables.storage.bulk import insert_new_only, insert_rows
from receivables.storage.schema import Company, Debtor, Receivable


def _ledger(session: Session) -> tuple[int, int]:
    company = session.execute(insert(Company).values(name="C").returning(Company.id)).scalar_one()
    debtor = session.execute(insert(Debtor).values(code="D", name="D").returning(Debtor.id)).scalar_one()
    return company, debtor


def _item(company: int, debtor: int, number: str, amount: str, due: date | None = None) -> dict:
    return {"company_id": company, "debtor_id": debtor, "number": number, "kind": "invoice",
            "issue_date": date(2024, 2, 29), "due_date": due or date(2024, 3, 31), "currency": "CNY",
            "amount": Decimal(amount), "open_amount": Decimal(amount)}


def test_bulk_rows_are_stored_byte_for_byte_like_orm_rows(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        company, debtor = _ledger(session)
        session.add(Receivable(**_item(company, debtor, "ORM", "1234567.89")))
        session.flush()
        insert_rows(session, Receivable.__table__, [_item(company, debtor, "BULK", "1234567.89")])
    with sessions() as session:
        raw = {number: rest for number, *rest in session.execute(text(
            "SELECT number, issue_date, due_date, amount, open_amount FROM receivable ORDER BY number"))}
        assert raw["BULK"] == raw["ORM"]
        loaded = {r.number: (r.issue_date, r.due_date, r.amount) for r in session.execute(select(Receivable)).scalars()}
        assert loaded["BULK"] == loaded["ORM"] == (date(2024, 2, 29), date(2024, 3, 31), Decimal("1234567.89"))


def test_bulk_insert_skips_existing_keys_and_counts_what_went_in(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        company, debtor = _ledger(session)
        assert insert_new_only(session, Receivable.__table__, [_item(company, debtor, "A", "1.00")]) == 1
        went_in = insert_new_only(session, Receivable.__table__, [_item(company, debtor, "A", "9.99"),
                                                                   _item(company, debtor, "B", "2.00")])
        assert went_in == 1
    with sessions() as session:
        amounts = dict(session.execute(select(Receivable.number, Receivable.amount)).all())
        assert amounts == {"A": Decimal("1.00"), "B": Decimal("2.00")}
