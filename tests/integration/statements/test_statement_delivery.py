"""E-mailing statements to a real local SMTP server: what arrives equals what is stored; failures are recorded."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from sqlalchemy import func, select, update

from receivables.config import Settings
from receivables.domain.statements import parse_period
from receivables.services.mail import SmtpSettings, send_mail
from receivables.services.statements import issue_scheduled_statements, issue_statements, send_statements
from receivables.storage.database import unit_of_work
from receivables.storage.schema import Contact, Letter, LetterFile
from receivables.storage.schema.legal import LetterDelivery
from receivables.storage.schema.reconciliation import Statement
from tests.integration.statements.conftest import AS_OF, FINANCE_EMAIL, Workspace
from tests.smtp_capture import CapturingHandler, smtp_server

SENT_AT = datetime(2026, 12, 5, 9, 30)


def _smtp(port: int) -> SmtpSettings:
    return SmtpSettings(host="127.0.0.1", port=port, security="none", user=None, password=None,
                        sender="ar@huajian.example")


def _issue(ws: Workspace, locale: str = "zh_CN", delivery: str = "email") -> list[int]:
    with unit_of_work(ws.sessions) as session:
        batch = issue_statements(session, period=parse_period("2026-11"), debtor_codes=["D1"], as_of=AS_OF,
                                 actor="clerk", locale=locale, delivery=delivery, **ws.issue_kwargs())  # type: ignore[arg-type]
    return [s.id for s in batch.issued]


def _no_wait(smtp: SmtpSettings, mail):  # type: ignore[no-untyped-def]
    return send_mail(smtp, mail, sleep=lambda _: None)


def _deliveries(ws: Workspace) -> list[tuple[str, str | None, str | None, str | None]]:
    with ws.sessions() as session:
        return [tuple(r) for r in session.execute(  # type: ignore[misc]
            select(LetterDelivery.status, LetterDelivery.recipient, LetterDelivery.message_id, LetterDelivery.error)
            .order_by(LetterDelivery.id))]


def test_statement_email_carries_the_stored_files_byte_for_byte(workspace: Workspace) -> None:
    ids = _issue(workspace)
    handler = CapturingHandler()
    with smtp_server(handler) as port:
        outcomes = send_statements(workspace.sessions, ids, smtp=_smtp(port), blobs=workspace.blobs, actor="clerk",
                                   cc=("sales@huajian.example",), clock=lambda: SENT_AT)
    assert [o.status for o in outcomes] == ["sent", "sent"]
    assert len(handler.arrived) == 2
    with workspace.sessions() as session:
        letter = session.execute(select(Letter).join(Statement, Statement.letter_id == Letter.id)
                                 .where(Statement.id == ids[0])).scalar_one()
        stored = {fmt: workspace.blobs.get(sha) for fmt, sha in session.execute(
            select(LetterFile.format, LetterFile.sha256).where(LetterFile.letter_id == letter.id))}
        delivery = session.execute(select(LetterDelivery).where(LetterDelivery.letter_id == letter.id)).scalar_one()
    arrival = next(a for a in handler.arrived if letter.number in a.message["Subject"])
    message = arrival.message
    assert arrival.recipients == [FINANCE_EMAIL, "sales@huajian.example"]
    assert message["To"] == FINANCE_EMAIL and message["Cc"] == "sales@huajian.example"
    assert message["Subject"] == f"往来款项对账确认函 {letter.number}（2026-11）— Our Trading Co"
    body = message.get_body(("plain",))
    assert body is not None and "期末余额CNY 2700.00" in body.get_content()
    attachments = {part.get_filename(): part.get_content() for part in message.iter_attachments()}
    assert attachments == {f"往来款项对账确认函-{letter.number}.pdf": stored["pdf"],
                           f"往来款项对账确认函-{letter.number}.docx": stored["docx"]}
    assert (delivery.channel, delivery.status, delivery.recipient, delivery.sent_at) == \
        ("email", "sent", FINANCE_EMAIL, SENT_AT)
    assert delivery.message_id == message["Message-ID"]


def test_english_statement_email_has_english_subject(workspace: Workspace) -> None:
    ids = _issue(workspace, locale="en")
    handler = CapturingHandler()
    with smtp_server(handler) as port:
        send_statements(workspace.sessions, ids[:1], smtp=_smtp(port), blobs=workspace.blobs, actor="clerk")
    assert handler.arrived[0].message["Subject"].startswith("Statement of account ST-2026-000")


def test_a_refusing_server_is_retried_then_recorded_failed_and_nothing_marked_sent(workspace: Workspace) -> None:
    ids = _issue(workspace)[:1]
    handler = CapturingHandler(refuse_first=99)
    with smtp_server(handler) as port:
        outcomes = send_statements(workspace.sessions, ids, smtp=_smtp(port), blobs=workspace.blobs,
                                   actor="clerk", send=_no_wait)
    assert handler.attempts == 3 and handler.arrived == []
    assert outcomes[0].status == "failed" and "451" in (outcomes[0].error or "")
    [(status, recipient, message_id, error)] = _deliveries(workspace)
    assert (status, recipient, message_id) == ("failed", FINANCE_EMAIL, None) and "after 3 attempt" in (error or "")
    # The next run sends what failed, once; the run after that sends nothing.
    working = CapturingHandler()
    with smtp_server(working) as port:
        send_statements(workspace.sessions, ids, smtp=_smtp(port), blobs=workspace.blobs, actor="clerk")
        send_statements(workspace.sessions, ids, smtp=_smtp(port), blobs=workspace.blobs, actor="clerk")
    assert len(working.arrived) == 1
    assert [d[0] for d in _deliveries(workspace)] == ["failed", "sent"]


def test_debtor_without_a_finance_email_is_recorded_failed_without_sending(workspace: Workspace) -> None:
    ids = _issue(workspace)[:1]
    with unit_of_work(workspace.sessions) as session:
        session.execute(update(Contact).values(email=None))
    handler = CapturingHandler()
    with smtp_server(handler) as port:
        [outcome] = send_statements(workspace.sessions, ids, smtp=_smtp(port), blobs=workspace.blobs, actor="clerk")
    assert handler.attempts == 0 and outcome.status == "failed"
    assert "no active finance contact" in (outcome.error or "")


def test_statements_marked_for_printing_are_not_emailed(workspace: Workspace) -> None:
    ids = _issue(workspace, delivery="print")
    handler = CapturingHandler()
    with smtp_server(handler) as port:
        assert send_statements(workspace.sessions, ids, smtp=_smtp(port), blobs=workspace.blobs, actor="clerk") == []
    assert handler.attempts == 0


def test_scheduled_run_issues_and_sends_once_however_often_it_runs(workspace: Workspace, tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, database_url="unused", user="scheduler")
    handler = CapturingHandler()
    with smtp_server(handler) as port:
        env = {"RECEIVABLES_SMTP_HOST": "127.0.0.1", "RECEIVABLES_SMTP_PORT": str(port),
               "RECEIVABLES_SMTP_FROM": "ar@huajian.example", "RECEIVABLES_STATEMENT_CC": "boss@huajian.example"}
        before = issue_scheduled_statements(workspace.sessions, settings, date(2026, 12, 4), "scheduler", env=env)
        first = issue_scheduled_statements(workspace.sessions, settings, AS_OF, "scheduler", env=env)
        second = issue_scheduled_statements(workspace.sessions, settings, date(2026, 12, 6), "scheduler", env=env)
    assert before.startswith("statements 2026-12-04: 0 debtor(s) due")
    assert "2 issued" in first and "2 e-mailed, 0 failed" in first
    assert "0 issued, 2 already issued; 0 e-mailed" in second
    assert len(handler.arrived) == 2
    assert all(a.recipients == [FINANCE_EMAIL, "boss@huajian.example"] for a in handler.arrived)
    with workspace.sessions() as session:
        assert session.execute(select(func.count()).select_from(Statement)).scalar_one() == 2


def test_scheduled_run_without_smtp_marks_statements_for_printing(workspace: Workspace, tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, database_url="unused", user="scheduler")
    summary = issue_scheduled_statements(workspace.sessions, settings, AS_OF, "scheduler", env={})
    assert "marked for printing" in summary
    with workspace.sessions() as session:
        assert set(session.execute(select(Statement.delivery)).scalars()) == {"print"}


def test_a_malformed_finance_address_is_recorded_failed_and_the_batch_goes_on(workspace: Workspace) -> None:
    ids = _issue(workspace)
    with unit_of_work(workspace.sessions) as session:
        session.execute(update(Contact).values(email="caiwu at tengda"))
    handler = CapturingHandler()
    with smtp_server(handler) as port:
        outcomes = send_statements(workspace.sessions, ids, smtp=_smtp(port), blobs=workspace.blobs, actor="clerk")
    assert [o.status for o in outcomes] == ["failed", "failed"] and handler.attempts == 0
    assert "is not an e-mail address" in (outcomes[0].error or "")
