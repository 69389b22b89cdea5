"""The reconciliation pages through HTTP, on both backends: statements by status, recording the debtor's response
with the signed slip (finance or admin, CSRF checked, refusals write nothing), and matching an uploaded ledger of
the debtor against ours with the XLSX report to download."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from receivables.domain.statements import parse_period
from receivables.services.letters import catalog_for
from receivables.services.reconcile import our_lines
from receivables.services.statements import issue_statements
from receivables.storage.blobs import BlobStore
from receivables.storage.database import unit_of_work
from receivables.storage.queries.debtors import debtor_open_items
from receivables.storage.schema import AuditEntry, Debtor
from receivables.storage.schema.reconciliation import StatementResponse
from tests.e2e.web.conftest import AS_OF, SignIn, csrf_of

PDF_SLIP = b"%PDF-1.4\n% signed statement slip\n%%EOF\n"


def _sessions(app: FastAPI) -> sessionmaker[Session]:
    return app.state.web.runtime.sessions


def _count(app: FastAPI, entity: type, *conditions: object) -> int:
    with unit_of_work(_sessions(app)) as session:
        return int(session.execute(select(func.count()).select_from(entity).where(*conditions)).scalar_one())


@pytest.fixture
def statement(web_app: FastAPI) -> Iterator[tuple[str, str]]:
    """(debtor code, statement number) of a May statement issued for e-mail and not sent yet."""
    settings = web_app.state.web.settings
    with unit_of_work(_sessions(web_app)) as session:
        code = next(c for i, c in session.execute(select(Debtor.id, Debtor.code).order_by(Debtor.code))
                    if debtor_open_items(session, i, AS_OF))
        batch = issue_statements(session, period=parse_period("2026-05"), debtor_codes=[code], as_of=AS_OF,
                                 actor="finance", catalog=catalog_for(settings.user_templates_dir),
                                 blobs=BlobStore(settings.blob_dir), user_templates=settings.user_templates_dir,
                                 formats=("pdf",), workers=1)
    yield code, batch.issued[0].number


def _respond(client: TestClient, number: str, files: dict[str, tuple[str, bytes, str]] | None = None,
             **fields: str) -> object:
    page = client.get(f"/reconciliations/statements/{number}")
    return client.post(f"/reconciliations/statements/{number}/response",
                       data={"csrf_token": csrf_of(page.text), **fields}, files=files or {})


def test_statements_are_listed_by_status_and_a_confirmation_with_its_slip_moves_one(
        web_app: FastAPI, signed_in: SignIn, statement: tuple[str, str]) -> None:
    code, number = statement
    client = signed_in("finance")
    waiting = client.get("/reconciliations", params={"status": "to_send"})
    assert waiting.status_code == 200 and number in waiting.text
    assert number not in client.get("/reconciliations", params={"status": "confirmed"}).text
    page = client.get(f"/reconciliations/statements/{number}")
    assert page.status_code == 200 and 'id="response-form"' in page.text and "Movements" in page.text
    answer = _respond(client, number, {"slip": ("回执.pdf", PDF_SLIP, "application/pdf")}, kind="confirmed",
                      responded_on="2026-07-01", signer="王芳")
    assert answer.status_code == 303
    shown = client.get(answer.headers["location"]).text
    assert "Response recorded" in shown and "王芳" in shown and 'id="response-form"' not in shown
    assert number in client.get("/reconciliations", params={"status": "confirmed", "debtor": code}).text
    with unit_of_work(_sessions(web_app)) as session:
        entry = session.execute(select(AuditEntry).where(AuditEntry.action == "statement.confirmed")).scalar_one()
    assert (entry.actor, entry.entity_key) == ("finance", number)


def test_a_dispute_records_their_balance_and_notes(web_app: FastAPI, signed_in: SignIn,
                                                   statement: tuple[str, str]) -> None:
    _, number = statement
    answer = _respond(signed_in("admin"), number, kind="disputed", responded_on="2026-07-02",
                      their_balance="1,000.00", notes="发票 INV-1 未收到")
    assert answer.status_code == 303
    assert _count(web_app, StatementResponse, StatementResponse.kind == "disputed") == 1


@pytest.mark.parametrize(("slip", "message"), [
    (("scan.txt", b"just some text", "application/pdf"), "is not a PDF or an image"),
    (None, "needs the signed slip"),
])
def test_a_confirmation_without_a_proper_slip_is_refused_and_writes_nothing(
        web_app: FastAPI, signed_in: SignIn, statement: tuple[str, str], slip: tuple[str, bytes, str] | None,
        message: str) -> None:
    _, number = statement
    answer = _respond(signed_in("finance"), number, {"slip": slip} if slip else None, kind="confirmed",
                      responded_on="2026-07-01", signer="王芳")
    assert answer.status_code == 422 and message in answer.text  # type: ignore[attr-defined]
    assert _count(web_app, StatementResponse) == 0
    assert _count(web_app, AuditEntry, AuditEntry.action.in_(("statement.confirmed", "statement.disputed"))) == 0


def test_a_viewer_may_read_statements_but_not_record_a_response_and_forms_need_their_token(
        web_app: FastAPI, signed_in: SignIn, statement: tuple[str, str]) -> None:
    _, number = statement
    viewer = signed_in("viewer")
    page = viewer.get(f"/reconciliations/statements/{number}")
    assert page.status_code == 200 and 'id="response-form"' not in page.text
    assert _respond(viewer, number, kind="disputed", responded_on="2026-07-02", their_balance="1",
                    notes="x").status_code == 403  # type: ignore[attr-defined]
    assert viewer.get("/reconciliations/match").status_code == 403
    forged = signed_in("finance").post(f"/reconciliations/statements/{number}/response",
                                       data={"kind": "disputed", "responded_on": "2026-07-02",
                                             "their_balance": "1", "notes": "x"})
    assert forged.status_code == 403
    assert _count(web_app, StatementResponse) == 0


def _their_ledger(web_app: FastAPI, code: str) -> tuple[bytes, int]:
    """Their AP ledger as CSV: every invoice of ours but the last, which they have not booked; and our line count."""
    with unit_of_work(_sessions(web_app)) as session:
        debtor_id = session.execute(select(Debtor.id).where(Debtor.code == code)).scalar_one()
        ours = sorted(our_lines(session, debtor_id, "CNY", AS_OF), key=lambda x: (x.on, x.document))
    invoices = [line for line in ours if line.kind == "invoice"]
    assert len(invoices) >= 2
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["日期", "发票号", "摘要", "借方", "贷方"])
    for line in invoices[:-1]:
        writer.writerow([line.on.isoformat(), line.document, "采购", "", f"{line.amount:.2f}"])
    return buffer.getvalue().encode("utf-8"), len(invoices) - 1


def _match(client: TestClient, code: str, content: bytes, name: str = "../../etc/应付账款.csv") -> object:
    page = client.get("/reconciliations/match")
    return client.post("/reconciliations/match", data={"csrf_token": csrf_of(page.text), "debtor": code,
                                                       "currency": "CNY", "window_days": "7"},
                       files={"ledger": (name, content, "text/csv")})


def test_an_uploaded_ledger_is_matched_and_the_report_downloads_as_xlsx(
        web_app: FastAPI, signed_in: SignIn, statement: tuple[str, str]) -> None:
    code, _ = statement
    content, booked = _their_ledger(web_app, code)
    client = signed_in("finance")
    answer = _match(client, code, content)
    assert answer.status_code == 200, answer.text  # type: ignore[attr-defined]
    html = answer.text  # type: ignore[attr-defined]
    for shown in ('id="our-balance"', 'id="their-balance"', 'id="difference"', 'id="explained"',
                  'id="only-ours"', 'id="only-theirs"', 'id="differences"'):
        assert shown in html
    assert f'id="matched">{booked}<' in html
    link = html.split('id="report-download" href="')[1].split('"')[0].replace("&amp;", "&")
    report = client.get(link)
    assert report.status_code == 200 and report.content.startswith(b"PK")
    assert "attachment" in report.headers["content-disposition"]
    assert signed_in("viewer").get(link).status_code == 403
    home = web_app.state.web.settings.home
    assert not (home.parent / "etc").exists() and not list(home.rglob("应付账款*"))
    with unit_of_work(_sessions(web_app)) as session:
        entry = session.execute(select(AuditEntry).where(AuditEntry.action == "reconcile.match")).scalar_one()
    assert (entry.actor, entry.entity_key) == ("finance", code)


@pytest.mark.parametrize(("content", "message"), [
    (b"\x00\x01\x02 not a ledger", "neither CSV text nor an XLSX workbook"),
    (b"", "is empty"),
    ("名称,备注\n甲,乙\n".encode(), "their-ledger.csv"),
])
def test_a_ledger_that_cannot_be_read_is_named_and_nothing_is_written(
        web_app: FastAPI, signed_in: SignIn, statement: tuple[str, str], content: bytes, message: str) -> None:
    code, _ = statement
    answer = _match(signed_in("finance"), code, content, name="their.csv")
    assert answer.status_code == 422
    text = answer.text  # type: ignore[attr-defined]
    assert ("their.csv" in text) and (message not in text if message.startswith("their-") else message in text)
    assert _count(web_app, AuditEntry, AuditEntry.action == "reconcile.match") == 0
    assert not (web_app.state.web.settings.home / "reconcile_reports").exists()


def test_a_report_that_does_not_exist_is_404(signed_in: SignIn) -> None:
    assert signed_in("finance").get("/reconciliations/reports/" + "0" * 64 + ".xlsx").status_code == 404
    assert signed_in("finance").get("/reconciliations/reports/..%2Fx.xlsx").status_code == 404


def test_a_ledger_over_the_size_limit_is_refused_and_nothing_is_written(
        web_app: FastAPI, signed_in: SignIn, statement: tuple[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    from receivables.web import reconciliation_pages

    code, _ = statement
    content, _ = _their_ledger(web_app, code)
    monkeypatch.setattr(reconciliation_pages, "MAX_LEDGER_BYTES", len(content) - 1)
    answer = _match(signed_in("finance"), code, content, name="big.csv")
    assert answer.status_code == 422 and "big.csv is larger than" in answer.text  # type: ignore[attr-defined]
    assert _count(web_app, AuditEntry, AuditEntry.action == "reconcile.match") == 0
