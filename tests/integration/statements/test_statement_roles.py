"""Statements need the finance role (admin always may): issuing, sending and recording the debtor's response; a
refused user writes, numbers and sends nothing. The scheduler and the debtor's own link act without a user.
On both backends."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from receivables.config import Settings
from receivables.domain.statements import parse_period
from receivables.services.debtor_links import create_link, resolve_link
from receivables.services.mail import OutgoingMail, SmtpSettings
from receivables.services.statement_responses import (
    ResponseRefused,
    record_link_confirmation,
    record_response,
)
from receivables.services.statements import (
    IssuedStatement,
    issue_scheduled_statements,
    issue_statements,
    send_statement,
    send_statements,
)
from receivables.services.users import RoleRequired, add_user
from receivables.storage.database import unit_of_work
from receivables.storage.schema import AuditEntry, Letter, LetterFile, User
from receivables.storage.schema.debtor_links import DebtorLink
from receivables.storage.schema.legal import LetterDelivery, LimitationEvent
from receivables.storage.schema.reconciliation import Statement, StatementResponse
from tests.integration.statements.conftest import AS_OF, CLERK, FINANCE_EMAIL, Workspace

TABLES = (Statement, Letter, LetterFile, LetterDelivery, StatementResponse, LimitationEvent, DebtorLink, AuditEntry)
OTHER_ROLES = ("viewer", "legal", "project_manager")
REFUSED = (*OTHER_ROLES, "nobody")  # users named after their role; `nobody` is not a user at all
ALLOWED = (CLERK, "admin")  # finance, and the administrator
SMTP = SmtpSettings(host="127.0.0.1", port=25, security="none", user=None, password=None,
                    sender="ar@huajian.example")
SLIP = b"%PDF-1.4\n% signed and stamped slip\n"


def refusal(doing: str, actor: str) -> str:
    """What `require_role` says to `actor` (a registered user of another role, or an unknown name)."""
    if actor == "nobody":
        return f"{doing} needs a user with the role finance; 'nobody' is not an active user"
    return f"{doing} needs the role finance; '{actor}' has the role '{actor}'"


@pytest.fixture
def people(workspace: Workspace) -> Workspace:
    """The statements ledger with one user per role besides the finance clerk, each named after the role."""
    with unit_of_work(workspace.sessions) as session:
        for role in ("admin", *OTHER_ROLES):
            add_user(session, role, role, "a-long-password", actor="test")
    return workspace


def written(ws: Workspace) -> dict[str, Any]:
    """Row counts of everything statements write, and the files in the blob store."""
    with ws.sessions() as session:
        found: dict[str, Any] = {t.__tablename__: session.execute(select(func.count()).select_from(t)).scalar_one()
                                 for t in TABLES}
    found["blobs"] = sorted(p.name for p in ws.blobs.root.rglob("*") if p.is_file()) if ws.blobs.root.exists() else []
    return found


def _issue(ws: Workspace, actor: str) -> tuple[IssuedStatement, ...]:
    with unit_of_work(ws.sessions) as session:
        return issue_statements(session, period=parse_period("2026-11"), debtor_codes=["D1"], as_of=AS_OF,
                                actor=actor, **ws.issue_kwargs()).issued  # type: ignore[arg-type]


def _mailbox() -> tuple[list[OutgoingMail], Any]:
    sent: list[OutgoingMail] = []

    def send(smtp: SmtpSettings, mail: OutgoingMail) -> str:
        sent.append(mail)
        return f"<{len(sent)}@test>"
    return sent, send


@pytest.mark.parametrize("actor", REFUSED)
def test_issuing_statements_needs_the_finance_role_and_a_refusal_writes_nothing(people: Workspace,
                                                                                actor: str) -> None:
    before = written(people)
    with pytest.raises(RoleRequired) as refused:
        _issue(people, actor)
    assert str(refused.value).startswith(refusal("issuing statements of account", actor))
    assert written(people) == before


@pytest.mark.parametrize("actor", ALLOWED)
def test_finance_and_admin_may_issue_statements(people: Workspace, actor: str) -> None:
    issued = _issue(people, actor)
    assert sorted(s.currency for s in issued) == ["CNY", "USD"]
    with people.sessions() as session:
        assert set(session.execute(select(Statement.issued_by)).scalars()) == {actor}
        assert set(session.execute(select(AuditEntry.actor).where(AuditEntry.action == "statement.issue"))
                   .scalars()) == {actor}


@pytest.mark.parametrize("actor", REFUSED)
def test_sending_statements_needs_the_finance_role_and_a_refusal_sends_nothing(people: Workspace,
                                                                               actor: str) -> None:
    ids = [s.id for s in _issue(people, CLERK)]
    before = written(people)
    sent, send = _mailbox()
    with pytest.raises(RoleRequired) as refused:
        send_statements(people.sessions, ids, smtp=SMTP, blobs=people.blobs, actor=actor, send=send)
    assert str(refused.value).startswith(refusal("sending statements of account", actor))
    with pytest.raises(RoleRequired, match="sending statements of account needs"), \
            unit_of_work(people.sessions) as session:
        send_statement(session, ids[0], smtp=SMTP, blobs=people.blobs, actor=actor, send=send, public_url="")
    assert sent == []
    assert written(people) == before


@pytest.mark.parametrize("actor", ALLOWED)
def test_finance_and_admin_may_send_statements(people: Workspace, actor: str) -> None:
    ids = [s.id for s in _issue(people, CLERK)]
    sent, send = _mailbox()
    outcomes = send_statements(people.sessions, ids[:1], smtp=SMTP, blobs=people.blobs, actor=actor, send=send)
    with unit_of_work(people.sessions) as session:
        outcomes.append(send_statement(session, ids[1], smtp=SMTP, blobs=people.blobs, actor=actor, send=send,
                                       public_url=""))
    assert [o.status for o in outcomes] == ["sent", "sent"]
    assert [m.to for m in sent] == [(FINANCE_EMAIL,), (FINANCE_EMAIL,)]
    with people.sessions() as session:
        assert set(session.execute(select(LetterDelivery.recorded_by)).scalars()) == {actor}


@pytest.mark.parametrize("actor", REFUSED)
def test_recording_a_response_needs_the_finance_role_and_a_refusal_writes_nothing(people: Workspace,
                                                                                  actor: str) -> None:
    number = _issue(people, CLERK)[0].number
    before = written(people)
    answers: list[dict[str, Any]] = [
        {"kind": "confirmed", "signer": "张伟", "slip": SLIP, "slip_name": "slip.pdf"},
        {"kind": "disputed", "their_balance": 0, "notes": "paid", "slip": SLIP, "slip_name": "slip.pdf"},
    ]
    for answer in answers:
        with pytest.raises(RoleRequired) as refused, unit_of_work(people.sessions) as session:
            record_response(session, number, responded_on=date(2026, 12, 10), actor=actor, blobs=people.blobs,
                            **answer)
        assert str(refused.value).startswith(refusal("recording a debtor's response to a statement", actor))
    assert written(people) == before  # no response, no acknowledgment, no slip in the blob store


@pytest.mark.parametrize("actor", ALLOWED)
def test_finance_and_admin_may_record_a_response(people: Workspace, actor: str) -> None:
    number = _issue(people, CLERK)[0].number
    with unit_of_work(people.sessions) as session:
        recorded = record_response(session, number, kind="confirmed", responded_on=date(2026, 12, 10), actor=actor,
                                   blobs=people.blobs, signer="张伟", slip=SLIP, slip_name="slip.pdf")
    assert recorded.limitation_event_id is not None
    with people.sessions() as session:
        assert session.execute(select(StatementResponse.recorded_by)).scalar_one() == actor


def test_the_scheduled_run_needs_no_registered_user(people: Workspace, tmp_path: Path) -> None:
    """The scheduler acts on the schedule an administrator set; `scheduler` is no user, and it still issues
    and sends."""
    with people.sessions() as session:
        assert session.execute(select(User.id).where(User.name == "scheduler")).first() is None
    sent, send = _mailbox()
    settings = Settings(home=tmp_path, database_url="unused", user="scheduler")
    env = {"RECEIVABLES_SMTP_HOST": "127.0.0.1", "RECEIVABLES_SMTP_FROM": "ar@huajian.example"}
    summary = issue_scheduled_statements(people.sessions, settings, AS_OF, "scheduler", env=env, send=send)
    assert "2 issued" in summary and "2 e-mailed, 0 failed" in summary
    assert len(sent) == 2
    with people.sessions() as session:
        assert set(session.execute(select(Statement.issued_by)).scalars()) == {"scheduler"}


def test_a_debtor_link_confirms_its_own_statement_without_a_user_and_no_other(people: Workspace) -> None:
    issued = {s.currency: s for s in _issue(people, CLERK)}
    with unit_of_work(people.sessions) as session:
        path, _ = create_link(session, "D1", statement_id=issued["CNY"].id, as_of=AS_OF, actor=CLERK)
    with unit_of_work(people.sessions) as session:
        access = resolve_link(session, path.removeprefix("/d/"), date(2026, 12, 8))
        with pytest.raises(ResponseRefused, match="does not reach statement"):
            record_link_confirmation(session, access, issued["USD"].number, responded_on=date(2026, 12, 8),
                                     blobs=people.blobs, signer="张伟", receipt=SLIP, receipt_name="receipt.pdf",
                                     notes="online")
        recorded = record_link_confirmation(session, access, issued["CNY"].number, responded_on=date(2026, 12, 8),
                                            blobs=people.blobs, signer="张伟", receipt=SLIP,
                                            receipt_name="receipt.pdf", notes="online")
    assert recorded.kind == "confirmed" and recorded.number == issued["CNY"].number
    with people.sessions() as session:
        assert session.execute(select(StatementResponse.recorded_by)).scalar_one() == f"debtor-link:{access.link_id}"
