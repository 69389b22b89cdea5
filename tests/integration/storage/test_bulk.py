"""The bulk insert path stores values exactly as the ORM does (it converts amounts and dates itself)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session, sessionmaker

from receivables.storage.bulk import BulkInsert, insert_new_only, insert_rows
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


def test_a_column_sharing_objects_with_another_is_bound_once_and_stored_exactly(sessions: sessionmaker[Session]) -> None:
    shared = Decimal("700.10")
    with sessions.begin() as session:
        company, debtor = _ledger(session)
        rows = [_item(company, debtor, "SAME", "700.10"), _item(company, debtor, "PART", "500.00")]
        rows[0]["amount"] = rows[0]["open_amount"] = shared  # one object in both columns
        rows[1]["open_amount"] = Decimal("123.45")  # the other row differs, so the column is bound by itself
        insert_rows(session, Receivable.__table__, rows)
    with sessions() as session:
        stored = {r.number: (r.amount, r.open_amount) for r in session.execute(select(Receivable)).scalars()}
        assert stored == {"SAME": (Decimal("700.10"), Decimal("700.10")),
                          "PART": (Decimal("500.00"), Decimal("123.45"))}


def test_an_amount_with_more_than_two_decimals_is_refused_by_the_sqlite_bulk_path(
        sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        if session.get_bind().dialect.name != "sqlite":
            pytest.skip("only SQLite binds amounts as cents in the bulk path")
        company, debtor = _ledger(session)
        row = _item(company, debtor, "X", "1.00")
        row["amount"] = row["open_amount"] = Decimal("1.005")
        with pytest.raises(ValueError, match="1.005 has more than two decimals"):
            insert_rows(session, Receivable.__table__, [row])


def test_a_bound_row_reads_back_as_the_values_it_was_bound_from(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        row = _item(1, 2, "N", "-1234567.05", due=date(2024, 2, 29))
        insert = BulkInsert.of(session.get_bind().dialect, Receivable.__table__, tuple(row), skip_existing=True)
        (bound,) = insert.bind([tuple(row.values())])
        assert insert.readable(bound) == row
