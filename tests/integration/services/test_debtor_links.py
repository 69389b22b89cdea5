"""The debtor's personal links on SQLite and PostgreSQL: expiry, revocation, one debtor only, and the answers
given through a link (recorded with time, link and address; a confirmation is an acknowledgment of the debt)."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from receivables.domain.statements import parse_period
from receivables.services.debtor_links import (
    Arrival,
    LinkInvalid,
    LinkRefused,
    confirm_balance,
    create_link,
    dispute_items,
    list_answers,
    list_links,
    mark_handled,
    portal_view,
    promise_to_pay,
    public_url,
    resolve_link,
    revoke_link,
    statement_pdf,
    upload_ledger,
)
from receivables.services.errors import Refused, UnknownRecord
from receivables.services.promises import PromiseRefused
from receivables.services.statements import issue_statements
from receivables.services.users import RoleRequired, add_user
from receivables.storage.database import unit_of_work
from receivables.storage.schema import AuditEntry, Dispute, Promise
from receivables.storage.schema.debtor_links import DebtorAnswer, DebtorLink
from receivables.storage.schema.legal import LimitationEvent
from receivables.storage.schema.reconciliation import Statement, StatementResponse
from tests.integration.statements.conftest import AS_OF, Workspace, workspace  # noqa: F401

ANSWERED_AT = datetime(2026, 12, 8, 9, 30)
ARRIVAL = Arrival(ANSWERED_AT, "203.0.113.7", date(2026, 12, 8))


@pytest.fixture
def books(workspace: Workspace, write_csv) -> Workspace:  # type: ignore[no-untyped-def]  # noqa: F811
    """The statements ledger (D1 owes; its November statement issued) plus an open item of D2."""
    from receivables.services.imports import run_import

    path = write_csv("d2.csv", ["debtor", "number", "issue_date", "due_date", "amount", "currency"],
                     [["D2", "Q-77", "2026-11-01", "2026-11-30", "777.00", "CNY"]])
    assert not run_import(workspace.sessions, "invoices", path, actor="test").problems
    with unit_of_work(workspace.sessions) as session:
        issue_statements(session, period=parse_period("2026-11"), debtor_codes=["D1"], as_of=AS_OF, actor="clerk",
                         **workspace.issue_kwargs())  # type: ignore[arg-type]
    return workspace


def _statement_id(session: Session, code: str = "D1", currency: str = "CNY") -> int:
    from receivables.storage.schema import Debtor

    return session.execute(select(Statement.id).join(Debtor, Debtor.id == Statement.debtor_id)
                           .where(Debtor.code == code, Statement.currency == currency)).scalar_one()


def _link(ws: Workspace, code: str = "D1", *, statement: bool = False, days: int = 30) -> str:
    with unit_of_work(ws.sessions) as session:
        path, _ = create_link(session, code, statement_id=_statement_id(session) if statement else None, days=days,
                              as_of=AS_OF, actor="clerk")
    assert path.startswith("/d/")
    return path.removeprefix("/d/")


def _count(ws: Workspace, table: type) -> int:
    with ws.sessions() as session:
        return session.execute(select(func.count()).select_from(table)).scalar_one()


def test_a_link_works_through_its_last_day_and_not_after(books: Workspace) -> None:
    token = _link(books, days=30)
    with books.sessions() as session:
        assert resolve_link(session, token, AS_OF + timedelta(days=30)).debtor_code == "D1"
        with pytest.raises(LinkInvalid) as refused:
            resolve_link(session, token, AS_OF + timedelta(days=31))
        assert refused.value.reason == "expired"
        assert [x.status for x in list_links(session, as_of=AS_OF + timedelta(days=31))] == ["expired"]


def test_only_the_hash_of_the_token_is_stored_and_an_unknown_token_is_refused(books: Workspace) -> None:
    token = _link(books)
    with books.sessions() as session:
        stored = session.execute(select(DebtorLink.token_sha256)).scalar_one()
        assert stored == hashlib.sha256(token.encode()).hexdigest() and token not in stored
        for guess in (token[:-1] + ("A" if token[-1] != "A" else "B"), stored, "", "x" * 5000):
            with pytest.raises(LinkInvalid) as refused:
                resolve_link(session, guess, AS_OF)
            assert refused.value.reason == "unknown"


def test_a_revoked_link_stops_working_at_once_and_is_revoked_only_once(books: Workspace) -> None:
    token = _link(books)
    with unit_of_work(books.sessions) as session:
        link_id = resolve_link(session, token, AS_OF).link_id
        assert revoke_link(session, link_id, as_of=AS_OF, actor="clerk").status == "revoked"
    with books.sessions() as session:
        with pytest.raises(LinkInvalid) as refused:
            resolve_link(session, token, AS_OF)
        assert refused.value.reason == "revoked"
        with pytest.raises(LinkRefused, match="already revoked"):
            revoke_link(session, link_id, as_of=AS_OF, actor="clerk")
        actions = session.execute(select(AuditEntry.action).where(AuditEntry.entity == "debtor_link")).scalars()
        assert sorted(actions) == ["debtor_link.create", "debtor_link.revoke"]


def test_a_link_cannot_be_made_for_another_debtors_statement(books: Workspace) -> None:
    with unit_of_work(books.sessions) as session:
        with pytest.raises(LinkRefused, match="not addressed to debtor D2"):
            create_link(session, "D2", statement_id=_statement_id(session), as_of=AS_OF, actor="clerk")
        with pytest.raises(LinkRefused, match="1 to 366 days"):
            create_link(session, "D1", days=0, as_of=AS_OF, actor="clerk")
    assert _count(books, DebtorLink) == 0


def test_a_link_shows_only_its_own_debtors_items_and_cannot_dispute_another_debtors(books: Workspace) -> None:
    token = _link(books, "D1")
    with books.sessions() as session:
        view = portal_view(session, token, AS_OF)
    numbers = {item.number for item in view.open_items}
    assert "F-1105" in numbers and "Q-77" not in numbers
    assert view.statement is None
    with unit_of_work(books.sessions) as session, pytest.raises(UnknownRecord, match="D1 has no item 'Q-77'"):
        dispute_items(session, token, ["Q-77"], reason="not ours", arrival=ARRIVAL)
    assert (_count(books, Dispute), _count(books, DebtorAnswer)) == (0, 0)


def test_a_statement_link_shows_the_statement_and_its_pdf(books: Workspace) -> None:
    token = _link(books, statement=True)
    with books.sessions() as session:
        view = portal_view(session, token, AS_OF)
        name, content = statement_pdf(session, token, AS_OF, books.blobs)
        other = _link(books, "D2")
        with pytest.raises(UnknownRecord):
            statement_pdf(session, other, AS_OF, books.blobs)
    assert view.statement is not None and view.statement.closing_balance == Decimal("2700.00")
    assert view.statement.movements and view.statement.response is None
    assert content.startswith(b"%PDF") and name.endswith(".pdf")


def test_confirming_a_statement_through_its_link_records_the_response_and_the_acknowledgment(books: Workspace) -> None:
    token = _link(books, statement=True)
    with unit_of_work(books.sessions) as session:
        answer = confirm_balance(session, token, signer="张伟", arrival=ARRIVAL, blobs=books.blobs)
    assert (answer.kind, answer.client_address, answer.answered_at, answer.signer) == (
        "confirmed", "203.0.113.7", ANSWERED_AT, "张伟")
    with books.sessions() as session:
        response = session.execute(select(StatementResponse)).scalar_one()
        event = session.execute(select(LimitationEvent)).scalar_one()
        link_id = session.execute(select(DebtorLink.id)).scalar_one()
        actors = set(session.execute(select(AuditEntry.actor).where(AuditEntry.action.in_(
            ["statement.confirmed", "debtor_answer.confirmed"]))).scalars())
    assert answer.link_id == link_id and answer.record == f"statement_response:{response.id}"
    assert (response.kind, response.signer, response.their_balance) == ("confirmed", "张伟", Decimal("2700.00"))
    assert books.blobs.get(response.slip_sha256 or "").startswith(b"%PDF")
    assert (event.kind, event.occurred_on, event.source) == ("acknowledgment", ARRIVAL.as_of,
                                                             f"statement_response:{response.id}")
    assert actors == {f"debtor-link:{link_id}"}
    with unit_of_work(books.sessions) as session, pytest.raises(Refused, match="already has a response"):
        confirm_balance(session, token, signer="张伟", arrival=ARRIVAL, blobs=books.blobs)
    assert _count(books, DebtorAnswer) == 1


def test_confirming_without_a_statement_acknowledges_the_open_balance(books: Workspace) -> None:
    token = _link(books)
    with unit_of_work(books.sessions) as session:
        answer = confirm_balance(session, token, signer="李娜", arrival=ARRIVAL, blobs=books.blobs)
    with books.sessions() as session:
        event = session.execute(select(LimitationEvent)).scalar_one()
    assert answer.record == f"limitation_event:{event.id}" and event.source == f"debtor_answer:{answer.id}"
    assert event.kind == "acknowledgment" and "李娜" in (event.note or "")
    assert set(answer.detail["balances"]) == {"CNY", "USD"}


def test_a_confirmation_without_a_name_writes_nothing(books: Workspace) -> None:
    token = _link(books, statement=True)
    with unit_of_work(books.sessions) as session, pytest.raises(LinkRefused, match="name of who confirms"):
        confirm_balance(session, token, signer="  ", arrival=ARRIVAL, blobs=books.blobs)
    assert (_count(books, StatementResponse), _count(books, LimitationEvent), _count(books, DebtorAnswer)) == (0, 0, 0)


def test_a_dispute_and_a_promise_through_the_link_reach_the_inbox(books: Workspace) -> None:
    token = _link(books)
    with unit_of_work(books.sessions) as session:
        dispute_items(session, token, ["F-1105"], reason="货物短少 goods missing", arrival=ARRIVAL)
        promise_to_pay(session, token, amount=Decimal("300.00"), promised_on=date(2026, 12, 20), arrival=ARRIVAL)
    with books.sessions() as session:
        answers = list_answers(session, state="open")
        promise = session.execute(select(Promise)).scalar_one()
        dispute = session.execute(select(Dispute)).scalar_one()
    assert [a.kind for a in answers] == ["promise", "disputed"]
    assert answers[0].record == f"promise:{promise.id}" and answers[1].record == f"dispute:{dispute.id}"
    assert promise.recorded_by == dispute.opened_by == f"debtor-link:{answers[0].link_id}"
    assert all(a.client_address == "203.0.113.7" and a.answered_at == ANSWERED_AT for a in answers)


def test_a_promise_in_the_past_is_refused_and_writes_nothing(books: Workspace) -> None:
    token = _link(books)
    with unit_of_work(books.sessions) as session, pytest.raises(PromiseRefused):
        promise_to_pay(session, token, amount=Decimal("300.00"), promised_on=date(2026, 12, 1), arrival=ARRIVAL)
    assert (_count(books, Promise), _count(books, DebtorAnswer)) == (0, 0)


def test_an_uploaded_ledger_is_kept_by_hash_under_a_harmless_name_and_matched(books: Workspace) -> None:
    token = _link(books)
    content = "日期,发票号,摘要,借方,贷方\n2026-11-05,F-1105,采购,,500.00\n2026-11-28,F-1128,采购,,300.00\n".encode()
    with unit_of_work(books.sessions) as session:
        answer = upload_ledger(session, token, content, "../../etc/passwd\x00.csv", arrival=ARRIVAL, blobs=books.blobs)
    assert answer.file_sha256 == hashlib.sha256(content).hexdigest()
    assert books.blobs.get(answer.file_sha256) == content
    assert "/" not in (answer.file_name or "") and "\x00" not in (answer.file_name or "")
    assert answer.detail["match"]["status"] == "matched", answer.detail
    assert int(answer.detail["match"]["matched"]) + int(answer.detail["match"]["only_theirs"]) >= 1


def test_a_file_that_is_no_ledger_is_refused_and_nothing_is_kept(books: Workspace) -> None:
    token = _link(books)
    for content, problem in ((b"\x7fELF\x00\x00binary", "not a CSV or XLSX"), (b"", "is empty"),
                             (b"a" * (5 * 1024 * 1024 + 1), "larger than 5 MB")):
        with unit_of_work(books.sessions) as session, pytest.raises(LinkRefused, match=problem):
            upload_ledger(session, token, content, "ledger.csv", arrival=ARRIVAL, blobs=books.blobs)
    assert _count(books, DebtorAnswer) == 0
    assert not books.blobs.root.exists() or not any(p.is_file() and len(p.name) == 64 and p.stat().st_size > 5_000_000
                                                    for p in books.blobs.root.rglob("*"))


def test_marking_an_answer_handled_needs_finance_or_legal_and_is_audited(books: Workspace) -> None:
    token = _link(books)
    with unit_of_work(books.sessions) as session:
        add_user(session, "kim", "finance", "a long password 1", actor="test")
        add_user(session, "val", "viewer", "a long password 2", actor="test")
        answer = promise_to_pay(session, token, amount=Decimal("1.00"), promised_on=date(2026, 12, 9), arrival=ARRIVAL)
    with unit_of_work(books.sessions) as session, pytest.raises(RoleRequired):
        mark_handled(session, answer.id, at=ANSWERED_AT, actor="val")
    with unit_of_work(books.sessions) as session:
        handled = mark_handled(session, answer.id, at=ANSWERED_AT, actor="kim", note="called back")
    assert handled.handled_by == "kim"
    with books.sessions() as session:
        assert list_answers(session, state="open") == []
        assert session.execute(select(AuditEntry.actor).where(AuditEntry.action == "debtor_answer.handled")
                               ).scalar_one() == "kim"


def test_the_public_address_is_put_in_front_of_the_path_when_known() -> None:
    assert public_url("/d/abc", "https://ar.example.com/") == "https://ar.example.com/d/abc"
    assert public_url("/d/abc", None) == "/d/abc"


def test_a_statement_e_mail_carries_a_working_personal_link_when_the_public_address_is_known(books: Workspace) -> None:
    from receivables.services.mail import SmtpSettings
    from receivables.services.statements import send_statement

    sent: list[str] = []

    def capture(smtp: SmtpSettings, mail) -> str:  # type: ignore[no-untyped-def]
        sent.append(mail.body)
        return "<id@test>"
    smtp = SmtpSettings(host="127.0.0.1", port=25, security="none", user=None, password=None, sender="ar@example.com")
    with unit_of_work(books.sessions) as session:
        send_statement(session, _statement_id(session), smtp=smtp, blobs=books.blobs, actor="clerk", send=capture,
                       clock=lambda: datetime(2026, 12, 6, 8, 0), public_url="https://ar.example.com")
        send_statement(session, _statement_id(session, currency="USD"), smtp=smtp, blobs=books.blobs, actor="clerk",
                       send=capture, public_url="")
    url = next(line for line in sent[0].splitlines() if line.startswith("https://ar.example.com/d/"))
    assert "https://" not in sent[1]
    with books.sessions() as session:
        access = resolve_link(session, url.removeprefix("https://ar.example.com/d/"), date(2027, 1, 5))
        assert access.debtor_code == "D1" and access.statement_id == _statement_id(session)
        assert access.expires_on == date(2027, 1, 5)
