"""Issuing statements of account: balances and movements from the ledger, frozen, numbered, once per period."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from receivables.domain.ledger import balances
from receivables.domain.statements import parse_period
from receivables.services.errors import UnknownRecord
from receivables.services.statements import StatementRefused, issue_statements
from receivables.storage.database import unit_of_work
from receivables.storage.queries.debtors import debtor_open_items, debtor_payments
from receivables.storage.schema import Debtor, Letter, LetterFile
from receivables.storage.schema.reconciliation import Statement
from tests.integration.statements.conftest import AS_OF, Workspace

NOVEMBER = parse_period("2026-11")


def _issue(ws: Workspace, codes: list[str] | None = None, **options: object):  # type: ignore[no-untyped-def]
    with unit_of_work(ws.sessions) as session:
        return issue_statements(session, period=options.pop("period", NOVEMBER), debtor_codes=codes,  # type: ignore[arg-type]
                                as_of=options.pop("as_of", AS_OF), actor="clerk",  # type: ignore[arg-type]
                                **ws.issue_kwargs(), **options)  # type: ignore[arg-type]


def test_statement_runs_from_opening_balance_through_dated_movements_to_closing(workspace: Workspace) -> None:
    batch = _issue(workspace, ["D1"])
    cny = next(s for s in batch.issued if s.currency == "CNY")
    assert (cny.opening_balance, cny.closing_balance, cny.movements) == (Decimal("2000.00"), Decimal("2700.00"), 5)
    with workspace.sessions() as session:
        letter = session.execute(select(Letter).where(Letter.number == cny.number)).scalar_one()
        data = letter.data
    assert letter.template_kind == "statement" and cny.number == "〔2026〕询字第0001号"
    assert data["period"] == {"start": "2026-11-01", "end": "2026-11-30", "label": "2026-11"}
    assert [(m["date"], m["reference"], m["kind"], m["debit"], m["credit"], m["balance"]) for m in data["movements"]] == [
        ("2026-11-05", "F-1105", "invoice", "500.00", "0.00", "2500.00"),
        ("2026-11-12", "P-1112", "payment", "0.00", "1500.00", "1000.00"),
        ("2026-11-20", "CN-1120", "credit_note", "0.00", "100.00", "900.00"),
        ("2026-11-25", "P-1112", "payment_reversal", "1500.00", "0.00", "2400.00"),
        ("2026-11-28", "F-1128", "invoice", "300.00", "0.00", "2700.00"),
    ]
    assert data["movements"][3]["description"] == "收款冲回（退票）"
    assert (data["opening_balance"], data["closing_balance"]) == ("2000.00", "2700.00")


def test_closing_balance_agrees_with_the_ledger_balance_at_period_end(workspace: Workspace) -> None:
    batch = _issue(workspace, ["D1"])
    with workspace.sessions() as session:
        debtor_id = session.execute(select(Debtor.id).where(Debtor.code == "D1")).scalar_one()
        ledger = {b.currency: b.balance for b in balances(debtor_open_items(session, debtor_id, NOVEMBER.end),
                                                           debtor_payments(session, debtor_id, NOVEMBER.end), {})}
    assert {s.currency: s.closing_balance for s in batch.issued} == ledger == {
        "CNY": Decimal("2700.00"), "USD": Decimal("50.00")}


def test_each_currency_gets_its_own_statement_and_files(workspace: Workspace) -> None:
    batch = _issue(workspace, ["D1"])
    assert sorted(s.currency for s in batch.issued) == ["CNY", "USD"]
    with workspace.sessions() as session:
        formats = session.execute(select(LetterFile.format, LetterFile.sha256)).all()
    assert sorted(f for f, _ in formats) == ["docx", "docx", "pdf", "pdf"]
    for _, sha in formats:
        assert workspace.blobs.get(sha)  # stored, and verified against its hash


def test_a_period_is_stated_once_however_often_issue_runs(workspace: Workspace) -> None:
    first = _issue(workspace, ["D1"])
    again = _issue(workspace, ["D1"], as_of=date(2026, 12, 9))
    assert again.issued == ()
    assert sorted(again.already_issued) == sorted(s.id for s in first.issued)
    with workspace.sessions() as session:
        assert session.execute(select(func.count()).select_from(Statement)).scalar_one() == 2
        assert session.execute(select(func.count()).select_from(Letter)).scalar_one() == 2


def test_the_database_refuses_a_second_statement_for_the_same_period(workspace: Workspace) -> None:
    original = _issue(workspace, ["D1"]).issued[0]
    with workspace.sessions() as session:
        row = session.get(Statement, original.id)
        assert row is not None
        values = {c.name: getattr(row, c.name) for c in Statement.__table__.columns if c.name not in ("id", "created_at")}
        with pytest.raises(IntegrityError):
            session.execute(insert(Statement).values(**values))
            session.flush()


def test_debtor_with_no_balance_and_no_movement_gets_no_statement(workspace: Workspace) -> None:
    batch = _issue(workspace, ["D2"])
    assert batch.issued == () and batch.nothing_to_state == ("D2",)


def test_without_named_debtors_every_scheduled_debtor_is_stated(workspace: Workspace) -> None:
    batch = _issue(workspace, None)
    assert {s.debtor for s in batch.issued} == {"D1"} and batch.nothing_to_state == ("D2",)


def test_quarter_and_year_statements_span_their_months(workspace: Workspace) -> None:
    quarter = _issue(workspace, ["D1"], period=parse_period("2026-Q4"), as_of=date(2027, 1, 10))
    cny = next(s for s in quarter.issued if s.currency == "CNY")
    # Q4 starts with F-0901 still open (1000) and includes F-1202 issued in December.
    assert (cny.opening_balance, cny.closing_balance) == (Decimal("1000.00"), Decimal("3699.00"))
    year = _issue(workspace, ["D1"], period=parse_period("2026"), as_of=date(2027, 1, 10))
    assert next(s for s in year.issued if s.currency == "CNY").opening_balance == Decimal("0.00")


def test_english_statement_uses_its_own_numbering_and_descriptions(workspace: Workspace) -> None:
    batch = _issue(workspace, ["D1"], locale="en")
    assert batch.issued[0].number == "ST-2026-0001"
    with workspace.sessions() as session:
        data = session.execute(select(Letter.data).where(Letter.number == "ST-2026-0001")).scalar_one()
    assert {m["description"] for m in data["movements"]} <= {"Invoice", "Payment received", "Credit note",
                                                             "Payment reversed"}


def test_a_period_not_yet_ended_is_refused_and_nothing_is_written(workspace: Workspace) -> None:
    with pytest.raises(StatementRefused, match="2026-12"):
        _issue(workspace, ["D1"], period=parse_period("2026-12"))
    with workspace.sessions() as session:
        assert session.execute(select(func.count()).select_from(Statement)).scalar_one() == 0


def test_an_unknown_debtor_is_refused_before_any_number_is_taken(workspace: Workspace) -> None:
    with pytest.raises(UnknownRecord, match="'NOPE'"):
        _issue(workspace, ["D1", "NOPE"])
    with workspace.sessions() as session:
        assert session.execute(select(func.count()).select_from(Letter)).scalar_one() == 0
    assert _issue(workspace, ["D1"]).issued[0].number.endswith("0001号")
