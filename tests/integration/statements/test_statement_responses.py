"""The debtor's answer to a statement: a signed confirmation (an acknowledgment of the debt), a dispute, or silence."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from receivables.domain.statements import parse_period
from receivables.services.errors import UnknownRecord
from receivables.services.statement_responses import (
    ResponseRefused,
    awaiting_reply,
    debtor_schedules,
    list_statements,
    next_statement_day,
    record_response,
    set_schedule,
)
from receivables.services.statements import issue_statements
from receivables.storage.database import unit_of_work
from receivables.storage.schema import AuditEntry
from receivables.storage.schema.legal import LimitationEvent
from receivables.storage.schema.reconciliation import StatementResponse
from tests.integration.statements.conftest import AS_OF, Workspace

SLIP = b"%PDF-1.4\n% signed and stamped slip\n" + bytes(range(200))


@pytest.fixture
def numbers(workspace: Workspace) -> dict[str, str]:
    with unit_of_work(workspace.sessions) as session:
        batch = issue_statements(session, period=parse_period("2026-11"), debtor_codes=["D1"], as_of=AS_OF,
                                 actor="clerk", **workspace.issue_kwargs())  # type: ignore[arg-type]
    return {s.currency: s.number for s in batch.issued}


def _respond(ws: Workspace, number: str, **fields: object):  # type: ignore[no-untyped-def]
    with unit_of_work(ws.sessions) as session:
        return record_response(session, number, actor="clerk", blobs=ws.blobs, **fields)  # type: ignore[arg-type]


def _counts(ws: Workspace) -> tuple[int, int]:
    with ws.sessions() as session:
        return (session.execute(select(func.count()).select_from(StatementResponse)).scalar_one(),
                session.execute(select(func.count()).select_from(LimitationEvent)).scalar_one())


def test_confirmation_stores_the_slip_by_hash_and_acknowledges_the_debt(workspace: Workspace,
                                                                       numbers: dict[str, str]) -> None:
    response = _respond(workspace, numbers["CNY"], kind="confirmed", responded_on=date(2026, 12, 12),
                        signer="张伟", slip=SLIP, slip_name="回执.pdf")
    assert response.slip_sha256 == hashlib.sha256(SLIP).hexdigest()
    assert workspace.blobs.get(response.slip_sha256) == SLIP
    assert response.their_balance == response.our_balance == Decimal("2700.00")
    with workspace.sessions() as session:
        row = session.get(StatementResponse, response.id)
        event = session.execute(select(LimitationEvent)).scalar_one()
    assert row is not None and (row.kind, row.signer, row.slip_media_type) == ("confirmed", "张伟", "application/pdf")
    assert (event.kind, event.occurred_on, event.receivable_id, event.source) == \
        ("acknowledgment", date(2026, 12, 12), None, f"statement_response:{response.id}")


def test_dispute_records_their_balance_and_notes_without_acknowledgment(workspace: Workspace,
                                                                       numbers: dict[str, str]) -> None:
    response = _respond(workspace, numbers["CNY"], kind="disputed", responded_on=date(2026, 12, 10),
                        their_balance=Decimal("1200.00"), notes="P-1112 我方已付，未见退票")
    assert (response.their_balance, response.our_balance) == (Decimal("1200.00"), Decimal("2700.00"))
    assert _counts(workspace) == (1, 0)


@pytest.mark.parametrize(("fields", "message"), [
    ({"kind": "confirmed", "responded_on": date(2026, 12, 12), "signer": "张伟", "slip": b"PK\x03\x04 a docx",
      "slip_name": "回执.docx"}, "回执.docx is not a PDF or an image"),
    ({"kind": "confirmed", "responded_on": date(2026, 12, 12), "signer": "张伟"}, "signed slip"),
    ({"kind": "confirmed", "responded_on": date(2026, 12, 12), "slip": SLIP}, "who signed"),
    ({"kind": "confirmed", "responded_on": date(2026, 12, 1), "signer": "张伟", "slip": SLIP}, "before statement"),
    ({"kind": "disputed", "responded_on": date(2026, 12, 12), "notes": "x"}, "--their-balance"),
    ({"kind": "disputed", "responded_on": date(2026, 12, 12), "their_balance": Decimal(1)}, "--notes"),
    ({"kind": "no_reply", "responded_on": date(2026, 12, 12)}, "not one of"),
])
def test_incomplete_or_wrong_response_is_refused_and_nothing_is_written(
        workspace: Workspace, numbers: dict[str, str], fields: dict[str, object], message: str) -> None:
    with pytest.raises(ResponseRefused, match=message):
        _respond(workspace, numbers["CNY"], **fields)
    assert _counts(workspace) == (0, 0)
    assert not (workspace.blobs.root / hashlib.sha256(b"PK\x03\x04 a docx").hexdigest()[:2]).exists()


def test_a_statement_is_answered_once(workspace: Workspace, numbers: dict[str, str]) -> None:
    _respond(workspace, numbers["CNY"], kind="disputed", responded_on=date(2026, 12, 10),
             their_balance=Decimal("1200.00"), notes="差异")
    with pytest.raises(ResponseRefused, match="already has a response"):
        _respond(workspace, numbers["CNY"], kind="confirmed", responded_on=date(2026, 12, 12), signer="张伟",
                 slip=SLIP)


def test_unknown_statement_number_is_refused(workspace: Workspace, numbers: dict[str, str]) -> None:
    with pytest.raises(UnknownRecord, match="no statement numbered"):
        _respond(workspace, "〔2026〕询字第9999号", kind="confirmed", responded_on=date(2026, 12, 12))


def test_statements_without_reply_after_the_set_days_are_proposed_for_a_reminder(
        workspace: Workspace, numbers: dict[str, str]) -> None:
    with workspace.sessions() as session:
        assert awaiting_reply(session, as_of=date(2026, 12, 20), days=15) == []
        overdue = awaiting_reply(session, as_of=date(2026, 12, 21), days=15)
    assert sorted(r.number for r in overdue) == sorted(numbers.values())
    _respond(workspace, numbers["USD"], kind="confirmed", responded_on=date(2026, 12, 12), signer="Zhang Wei",
             slip=b"\x89PNG\r\n\x1a\n" + b"scan")
    with workspace.sessions() as session:
        assert [r.number for r in awaiting_reply(session, as_of=date(2026, 12, 21), days=15)] == [numbers["CNY"]]
        listed = {r.number: r for r in list_statements(session)}
    assert listed[numbers["USD"]].response == "confirmed" and listed[numbers["CNY"]].email == "not_sent"


def test_schedule_change_is_validated_and_audited(workspace: Workspace) -> None:
    with unit_of_work(workspace.sessions) as session:
        assert set_schedule(session, "D1", frequency="quarterly", day=31, actor="clerk") == \
            {"debtor": "D1", "frequency": "quarterly", "day": 31}
    with workspace.sessions() as session:
        assert debtor_schedules(session, ["D1"]) == [("D1", "quarterly", 31)]
        entry = session.execute(select(AuditEntry).where(AuditEntry.action == "debtor.reconciliation_schedule")
                                .order_by(AuditEntry.id.desc())).scalars().first()
    assert entry is not None and entry.before == {"frequency": "monthly", "day": 5}
    for frequency, day, message in (("weekly", 5, "not one of"), ("monthly", 32, "1 to 31"),
                                    ("monthly", 0, "1 to 31")):
        with pytest.raises(ResponseRefused, match=message), unit_of_work(workspace.sessions) as session:
            set_schedule(session, "D1", frequency=frequency, day=day, actor="clerk")
    with workspace.sessions() as session:
        assert debtor_schedules(session, ["D1"]) == [("D1", "quarterly", 31)]


def test_next_statement_day_follows_the_cycle_and_month_ends() -> None:
    assert next_statement_day("quarterly", 31, date(2026, 2, 1)) == date(2026, 4, 30)
    assert next_statement_day("monthly", 31, date(2026, 2, 1)) == date(2026, 2, 28)
    assert next_statement_day("yearly", 5, date(2026, 1, 6)) == date(2027, 1, 5)
    assert next_statement_day("none", 5, date(2026, 1, 6)) is None
