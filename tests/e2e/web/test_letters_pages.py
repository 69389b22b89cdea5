"""The letters pages through HTTP, on both backends: search, the PDF in the page, downloads, a single letter
previewed (not numbered, not stored) before it is issued, deliveries with proofs that move the limitation date;
roles and CSRF checked on the server, refusals write nothing, files reached only through their recorded hash."""

from __future__ import annotations

import hashlib
import re
from datetime import date
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from receivables.services.letters import LetterRefused, catalog_for, issue_letters
from receivables.storage.blobs import BlobStore
from receivables.storage.database import unit_of_work
from receivables.storage.schema import AuditEntry, Debtor, Letter, LetterFile
from receivables.storage.schema.legal import LetterDelivery, LimitationEvent
from receivables.web import legal_pages
from tests.e2e.web.conftest import AS_OF, csrf_of

PDF_PROOF = b"%PDF-1.4\n% signed receipt scan\n%%EOF\n"
PNG_PROOF = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _sessions(app: FastAPI) -> sessionmaker[Session]:
    return app.state.web.runtime.sessions


def _home(app: FastAPI) -> Path:
    return Path(app.state.web.settings.home)


def _count(app: FastAPI, entity: type) -> int:
    with unit_of_work(_sessions(app)) as session:
        return int(session.execute(select(func.count()).select_from(entity)).scalar_one())


def _files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()} if folder.exists() else set()


def issue_demands(app: FastAPI, how_many: int, as_of: date = AS_OF, actor: str = "finance",
                  codes: list[str] | None = None) -> list[tuple[int, str, str]]:
    """(letter id, number, debtor code) of demands issued to the first debtors (of `codes`, default all) that
    owe something overdue."""
    settings = app.state.web.settings
    issued: list[tuple[int, str, str]] = []
    if codes is None:
        with unit_of_work(_sessions(app)) as session:
            codes = list(session.execute(select(Debtor.code).order_by(Debtor.code)).scalars())
    for code in codes:
        try:
            with unit_of_work(_sessions(app)) as session:
                letter = issue_letters(session, template="demand", debtor_codes=[code], as_of=as_of, locale="zh_CN",
                                       formats=("pdf", "docx"), actor=actor,
                                       catalog=catalog_for(settings.user_templates_dir),
                                       blobs=BlobStore(settings.blob_dir), user_templates=settings.user_templates_dir,
                                       workers=1)[0]
                letter_id = session.execute(select(Letter.id).where(Letter.number == letter.number)).scalar_one()
        except LetterRefused:
            continue
        issued.append((letter_id, letter.number, code))
        if len(issued) == how_many:
            return issued
    raise AssertionError(f"the demo has fewer than {how_many} debtors with overdue items")


@pytest.fixture
def letters(web_app: FastAPI) -> list[tuple[int, str, str]]:
    return issue_demands(web_app, 3)


@pytest.fixture
def finance(signed_in) -> TestClient:
    return signed_in("finance")


def _expiries(html: str) -> dict[str, str]:
    return dict(re.findall(r'<tr data-item="([^"]+)">.*?class="expires">([^<]+)<', html, flags=re.S))


def _deliver(client: TestClient, letter_id: int, *, proof: tuple[str, bytes, str] | None = ("receipt.pdf", PDF_PROOF,
             "application/pdf"), token: str | None = None, **fields: str) -> object:
    data = {"delivered_on": AS_OF.isoformat(), "channel": "courier", "tracking_number": "SF1234567890",
            "signed_by": "王会计", **fields}
    data["csrf_token"] = token if token is not None else csrf_of(client.get(f"/letters/{letter_id}").text)
    return client.post(f"/letters/{letter_id}/deliveries", data=data,
                       files={"proof": proof} if proof is not None else None)


def test_letters_are_found_by_number_debtor_kind_and_date_and_paged(letters, finance: TestClient) -> None:
    listing = finance.get("/letters")
    assert listing.status_code == 200
    for letter_id, number, _code in letters:
        assert f'href="/letters/{letter_id}"' in listing.text and number in listing.text
    letter_id, number, code = letters[1]
    by_number = finance.get("/letters", params={"number": number}).text
    assert re.findall(r'href="/letters/(\d+)"', by_number) == [str(letter_id)]
    by_debtor = finance.get("/letters", params={"debtor": code}).text
    assert re.findall(r'href="/letters/(\d+)"', by_debtor) == [str(letter_id)]
    assert len(re.findall(r'href="/letters/\d+"', finance.get("/letters", params={"kind": "demand"}).text)) == 3
    assert not re.findall(r'href="/letters/\d+"', finance.get("/letters", params={"kind": "reminder"}).text)
    assert not re.findall(r'href="/letters/\d+"', finance.get("/letters", params={"date_to": "2026-06-29"}).text)
    assert len(re.findall(r'href="/letters/\d+"', finance.get("/letters", params={"date_from": "2026-06-30",
                                                                                  "date_to": "2026-06-30"}).text)) == 3
    first, second = (finance.get("/letters", params={"per_page": 2, "page": page}).text for page in (1, 2))
    assert len(re.findall(r'href="/letters/\d+"', first)) == 2 and len(re.findall(r'href="/letters/\d+"', second)) == 1
    wrong = finance.get("/letters", params={"date_from": "30.13.2026"})
    assert wrong.status_code == 200 and 'class="error"' in wrong.text


def test_the_letter_page_frames_its_pdf_inline_and_downloads_each_file_with_its_utf8_name(
        web_app: FastAPI, letters, signed_in) -> None:
    viewer = signed_in("viewer")
    letter_id, number, _code = letters[0]
    page = viewer.get(f"/letters/{letter_id}")
    assert page.status_code == 200
    assert f'<iframe class="pdf" title="{number}" src="/letters/{letter_id}/files/pdf?inline=true">' in page.text
    with unit_of_work(_sessions(web_app)) as session:
        stored = dict(session.execute(select(LetterFile.format, LetterFile.sha256)
                                      .where(LetterFile.letter_id == letter_id)).all())
    framed = viewer.get(f"/letters/{letter_id}/files/pdf", params={"inline": "true"})
    assert framed.status_code == 200 and framed.headers["content-type"] == "application/pdf"
    assert framed.headers["content-disposition"].startswith("inline; ")
    assert hashlib.sha256(framed.content).hexdigest() == stored["pdf"]
    for fmt, media_type in (("pdf", "application/pdf"), ("docx", legal_pages.MEDIA_TYPES["docx"])):
        answer = viewer.get(f"/letters/{letter_id}/files/{fmt}")
        assert answer.status_code == 200 and answer.headers["content-type"] == media_type
        disposition = answer.headers["content-disposition"]
        assert disposition.startswith('attachment; filename="') and "催" not in disposition
        assert disposition.endswith("filename*=UTF-8''" + re.sub(
            r"[^A-Za-z0-9_.~-]", lambda m: "".join(f"%{b:02X}" for b in m.group().encode()), f"{number}.{fmt}"))
        assert hashlib.sha256(answer.content).hexdigest() == stored[fmt]
        assert answer.headers["x-content-type-options"] == "nosniff"
    # A DOCX is never shown inline: it is always an attachment.
    assert viewer.get(f"/letters/{letter_id}/files/docx", params={"inline": "true"}
                      ).headers["content-disposition"].startswith("attachment")


def test_files_are_reached_only_through_the_hash_recorded_with_the_letter(web_app: FastAPI, letters,
                                                                          finance: TestClient) -> None:
    letter_id, _number, _code = letters[0]
    (_home(web_app) / "secret.txt").write_text("not for the browser")
    for tricky in ("..%2F..%2Fsecret.txt", "..%2Fsecret.txt", "pdf%00", "PDF", "sha256", "%2Fetc%2Fpasswd",
                   "pdf.."):
        answer = finance.get(f"/letters/{letter_id}/files/{tricky}")
        assert answer.status_code == 404, (tricky, answer.status_code)
        assert b"not for the browser" not in answer.content
    assert finance.get("/letters/999999/files/pdf").status_code == 404
    assert finance.get("/letters/999999").status_code == 404
    assert finance.get(f"/letters/{letter_id}/deliveries/1/proof").status_code == 404
    # A proof is served only under the letter it was recorded for.
    assert _deliver(finance, letter_id, proof=("../../../etc/receipt.pdf", PDF_PROOF, "application/pdf")
                    ).status_code == 303
    with unit_of_work(_sessions(web_app)) as session:
        delivery = session.execute(select(LetterDelivery)).scalar_one()
    assert delivery.proof_name == "receipt.pdf"
    proof = finance.get(f"/letters/{letter_id}/deliveries/{delivery.id}/proof")
    assert proof.status_code == 200 and proof.content == PDF_PROOF
    assert proof.headers["content-disposition"].startswith("attachment")
    assert finance.get(f"/letters/{letters[1][0]}/deliveries/{delivery.id}/proof").status_code == 404
    assert not [p for p in _home(web_app).rglob("receipt.pdf")]  # the proof is kept by its hash, not its name


def test_a_single_letter_is_previewed_unnumbered_and_unstored_before_it_is_issued(web_app: FastAPI, letters,
                                                                                   finance: TestClient) -> None:
    code = letters[0][2]
    letters_before, blobs_before = _count(web_app, Letter), _files_under(_home(web_app) / "blobs")
    form = finance.get("/letters/new", params={"debtor": code, "template": "demand", "locale": "zh_CN"})
    assert form.status_code == 200 and 'id="issue-form"' in form.text
    frame = re.search(r'<iframe class="pdf" title="[^"]*" src="([^"]+)"', form.text).group(1).replace("&amp;", "&")
    preview = finance.get(frame)
    assert preview.status_code == 200 and preview.content.startswith(b"%PDF-")
    assert preview.headers["content-disposition"].startswith("inline")
    assert (_count(web_app, Letter), _files_under(_home(web_app) / "blobs")) == (letters_before, blobs_before)

    issued = finance.post("/letters/new", data={"csrf_token": csrf_of(form.text), "debtor": code,
                                                "template": "demand", "locale": "zh_CN", "currency": ""})
    assert issued.status_code == 303 and issued.headers["location"].endswith("?saved=issued")
    assert _count(web_app, Letter) == letters_before + 1
    page = finance.get(issued.headers["location"])
    assert "〔2026〕催字第0004号" in page.text  # the next number: the preview took none
    with unit_of_work(_sessions(web_app)) as session:
        entry = session.execute(select(AuditEntry).where(AuditEntry.action == "letter.issue")
                                .order_by(AuditEntry.id.desc())).scalars().first()
    assert entry is not None and entry.actor == "finance" and entry.entity_key == "〔2026〕催字第0004号"


def test_a_letter_the_ledger_cannot_fill_is_explained_beside_the_form_and_nothing_is_issued(
        web_app: FastAPI, letters, finance: TestClient) -> None:
    before = _count(web_app, Letter)
    unknown = finance.get("/letters/new", params={"debtor": "NOPE", "template": "demand", "locale": "zh_CN"})
    assert unknown.status_code == 422 and "no debtor with code" in unknown.text and 'id="issue-form"' not in unknown.text
    token = csrf_of(unknown.text)
    for data in ({"debtor": "NOPE", "template": "demand", "locale": "zh_CN"},
                 {"debtor": letters[0][2], "template": "lawyer_letter", "locale": "zh_CN"},
                 {"debtor": letters[0][2], "template": "demand", "locale": "fr"}):
        answer = finance.post("/letters/new", data={"csrf_token": token, **data})
        assert answer.status_code == 422 and 'class="error"' in answer.text, data
    assert finance.get("/letters/preview.pdf", params={"debtor": "NOPE", "template": "demand"}).status_code == 422
    assert _count(web_app, Letter) == before


def test_an_evidenced_delivery_recorded_in_the_browser_moves_the_items_limitation(web_app: FastAPI, letters,
                                                                                 finance: TestClient) -> None:
    letter_id, number, _code = letters[0]
    before = _expiries(finance.get(f"/letters/{letter_id}").text)
    assert before, "the letter page lists the limitation of the letter's items"
    answer = _deliver(finance, letter_id, sent_on=AS_OF.isoformat())
    assert answer.status_code == 303 and answer.headers["location"].endswith("saved=delivery#deliveries")
    page = finance.get(answer.headers["location"]).text
    after = _expiries(page)
    # Delivered on 2026-06-30: three years from then (2029-06-30 is a Saturday; the next working day counts).
    assert set(after) == set(before) and all(after[item] > before[item] for item in before)
    assert set(after.values()) == {"2029-07-02"}
    assert "SF1234567890" in page and "王会计" in page and "receipt.pdf" in page
    with unit_of_work(_sessions(web_app)) as session:
        events = session.execute(select(LimitationEvent)).scalars().all()
        audit = session.execute(select(AuditEntry).where(AuditEntry.action == "letter.deliver")).scalars().all()
    assert len(events) == len(before) and {e.kind for e in events} == {"demand"}
    assert [(a.actor, a.entity_key) for a in audit] == [("finance", number)]


@pytest.mark.parametrize("proof, fields, message", [
    (("receipt.docx", b"PK\x03\x04 a word file", "application/pdf"), {}, "not a PDF or an image"),
    (("empty.pdf", b"", "application/pdf"), {}, "the file is empty"),
    (("receipt.png", PNG_PROOF, "image/png"), {"delivered_on": "2026-07-01"}, "in the future"),
    (("receipt.png", PNG_PROOF, "image/png"), {"delivered_on": ""}, "give the day the letter arrived"),
    (("receipt.png", PNG_PROOF, "image/png"), {"delivered_on": "31.06.2026"}, "delivered on"),
    (("receipt.png", PNG_PROOF, "image/png"), {"channel": "pigeon"}, "unknown channel"),
    (("receipt.png", PNG_PROOF, "image/png"), {"sent_on": "2026-06-01"}, "before the letter"),
])
def test_a_refused_delivery_is_explained_beside_the_form_and_writes_nothing(
        web_app: FastAPI, letters, finance: TestClient, proof, fields, message) -> None:
    letter_id = letters[0][0]
    blobs = _files_under(_home(web_app) / "blobs")
    answer = _deliver(finance, letter_id, proof=proof, **fields)
    assert answer.status_code == 422
    error = re.search(r'<p class="error" role="alert">([^<]+)</p>', answer.text)
    assert error and message in error.group(1).replace("&#39;", "'"), answer.text[-3000:]
    assert 'id="delivery-form"' in answer.text and "SF1234567890" in answer.text  # what was typed is kept
    assert _count(web_app, LetterDelivery) == 0 and _count(web_app, LimitationEvent) == 0
    assert _files_under(_home(web_app) / "blobs") == blobs


def test_a_proof_larger_than_the_limit_is_refused_unread(web_app: FastAPI, letters, finance: TestClient,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(legal_pages, "MAX_PROOF_BYTES", 1024)
    answer = _deliver(finance, letters[0][0], proof=("scan.pdf", b"%PDF-" + b"0" * 2000, "application/pdf"))
    assert answer.status_code == 422 and "larger than" in answer.text
    assert _count(web_app, LetterDelivery) == 0


@pytest.mark.parametrize("role", ["viewer", "project_manager"])
def test_readers_see_letters_but_cannot_issue_preview_or_record_deliveries(web_app: FastAPI, letters, signed_in,
                                                                            role: str) -> None:
    client = signed_in(role)
    letter_id, _number, code = letters[0]
    page = client.get(f"/letters/{letter_id}")
    assert page.status_code == 200 and 'id="delivery-form"' not in page.text
    assert 'href="/letters/new"' not in client.get("/letters").text
    token = csrf_of(page.text)
    assert _deliver(client, letter_id, token=token).status_code == 403
    assert client.get("/letters/new").status_code == 403
    assert client.get("/letters/preview.pdf", params={"debtor": code, "template": "demand"}).status_code == 403
    assert client.post("/letters/new", data={"csrf_token": token, "debtor": code, "template": "demand",
                                             "locale": "zh_CN"}).status_code == 403
    assert _count(web_app, LetterDelivery) == 0 and _count(web_app, Letter) == 3


def test_a_delivery_without_its_csrf_token_is_refused_and_writes_nothing(web_app: FastAPI, letters,
                                                                         finance: TestClient) -> None:
    assert _deliver(finance, letters[0][0], token="").status_code == 403
    assert _deliver(finance, letters[0][0], token="forged").status_code == 403
    assert _count(web_app, LetterDelivery) == 0


def test_legal_staff_record_deliveries_too(web_app: FastAPI, letters, signed_in) -> None:
    assert _deliver(signed_in("legal"), letters[2][0]).status_code == 303
    with unit_of_work(_sessions(web_app)) as session:
        assert session.execute(select(LetterDelivery.recorded_by)).scalar_one() == "legal"


def test_search_wildcards_typed_by_the_user_are_taken_literally(web_app: FastAPI, letters, signed_in) -> None:
    page = signed_in("viewer").get("/letters", params={"number": "%_"})
    assert page.status_code == 200 and not re.findall(r'href="/letters/\d+"', page.text)
