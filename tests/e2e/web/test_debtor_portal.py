"""The debtor's link pages through HTTP: no sign-in, one answer for every bad link, CSRF, upload limits and
hostile file names, guessing slowed down, and the inbox where finance sees the answers."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from receivables.services.debtor_links import create_link, resolve_link, revoke_link
from receivables.storage.database import unit_of_work
from receivables.storage.queries.debtors import debtor_open_items
from receivables.storage.schema import AuditEntry, Debtor, Promise
from receivables.storage.schema.debtor_links import DebtorAnswer
from receivables.web.debtor_portal import FAILURES_ALLOWED
from tests.e2e.web.conftest import AS_OF, csrf_of


def _sessions(app: FastAPI):  # type: ignore[no-untyped-def]
    return app.state.web.runtime.sessions


def _debtor_with_items(app: FastAPI) -> str:
    with _sessions(app)() as session:
        for debtor_id, code in session.execute(select(Debtor.id, Debtor.code).order_by(Debtor.code).limit(40)):
            if debtor_open_items(session, debtor_id, AS_OF):
                return str(code)
    raise AssertionError("the demo has no debtor with open items")


def _token(app: FastAPI, code: str | None = None, *, days: int = 30) -> str:
    with unit_of_work(_sessions(app)) as session:
        path, _ = create_link(session, code or _debtor_with_items(app), days=days, as_of=AS_OF, actor="finance")
    return path.removeprefix("/d/")


def _answers(app: FastAPI) -> int:
    with _sessions(app)() as session:
        return session.execute(select(func.count()).select_from(DebtorAnswer)).scalar_one()


def test_the_link_page_needs_no_sign_in_and_speaks_chinese_then_english(web_app: FastAPI,
                                                                        anonymous: TestClient) -> None:
    code = _debtor_with_items(web_app)
    token = _token(web_app, code)
    page = anonymous.get(f"/d/{token}")
    assert page.status_code == 200
    assert 'name="viewport"' in page.text and "未清项目" in page.text and "确认余额" in page.text
    assert page.headers["referrer-policy"] == "no-referrer" and page.headers["cache-control"] == "no-store"
    english = anonymous.get(f"/d/{token}?lang=en")
    assert "Open items" in english.text and "Confirm the balance" in english.text
    assert 'name="item"' in english.text  # the items can be ticked for a dispute


def test_a_wrong_expired_or_revoked_link_gets_the_same_answer(web_app: FastAPI, anonymous: TestClient) -> None:
    expired = _token(web_app, days=1)
    revoked = _token(web_app)
    with unit_of_work(_sessions(web_app)) as session:
        revoke_link(session, resolve_link(session, revoked, AS_OF).link_id, as_of=AS_OF, actor="finance")
    web_app.state.web.today = lambda: AS_OF + timedelta(days=2)
    answers = [anonymous.get(f"/d/{token}") for token in ("not-a-real-token", expired, revoked)]
    assert {a.status_code for a in answers} == {404}
    assert len({a.text for a in answers}) == 1 and "expired" not in answers[0].text.lower().replace("已过期", "")
    posted = anonymous.post(f"/d/{revoked}/confirm", data={"signer": "x"})
    assert posted.status_code == 404 and posted.text == answers[0].text


def test_a_form_without_its_csrf_token_is_refused_and_with_it_the_answer_is_recorded(web_app: FastAPI,
                                                                                      anonymous: TestClient) -> None:
    token = _token(web_app)
    page = anonymous.get(f"/d/{token}")
    refused = anonymous.post(f"/d/{token}/promise", data={"amount": "100", "promised_on": "2026-07-20",
                                                          "currency": "CNY"})
    assert refused.status_code == 403 and _answers(web_app) == 0
    wrong = anonymous.post(f"/d/{token}/promise", data={"amount": "100", "promised_on": "2026-07-20",
                                                        "currency": "CNY", "csrf_token": "forged"})
    assert wrong.status_code == 403 and _answers(web_app) == 0
    done = anonymous.post(f"/d/{token}/promise", data={"amount": "100", "promised_on": "2026-07-20", "currency": "CNY",
                                                       "csrf_token": csrf_of(page.text), "lang": "en"})
    assert done.status_code == 303 and "done=promise" in done.headers["location"]
    assert "Thank you" in anonymous.get(done.headers["location"]).text
    with _sessions(web_app)() as session:
        answer = session.execute(select(DebtorAnswer)).scalar_one()
        promise = session.execute(select(Promise).order_by(Promise.id.desc())).scalars().first()
    assert answer.kind == "promise" and answer.client_address == "testclient"
    assert promise is not None and promise.recorded_by == f"debtor-link:{answer.link_id}"


def test_a_bad_answer_comes_back_with_the_reason_and_writes_nothing(web_app: FastAPI, anonymous: TestClient) -> None:
    token = _token(web_app)
    csrf = csrf_of(anonymous.get(f"/d/{token}").text)
    answer = anonymous.post(f"/d/{token}/promise", data={"amount": "abc", "promised_on": "2026-07-20",
                                                         "csrf_token": csrf})
    assert answer.status_code == 303 and "error=" in answer.headers["location"]
    assert "not understood" in anonymous.get(answer.headers["location"]).text
    other = anonymous.post(f"/d/{token}/dispute", data={"item": "NOT-OURS-1", "reason": "x", "csrf_token": csrf})
    assert "error=" in other.headers["location"] and _answers(web_app) == 0


def test_uploads_are_size_limited_and_their_names_are_never_paths(web_app: FastAPI, anonymous: TestClient,
                                                                  signed_in) -> None:
    token = _token(web_app)
    csrf = csrf_of(anonymous.get(f"/d/{token}").text)
    home = web_app.state.web.settings.home
    too_big = anonymous.post(f"/d/{token}/ledger", data={"csrf_token": csrf},
                             files={"file": ("big.csv", b"a,b\n" * (2 * 1024 * 1024), "text/csv")})
    assert too_big.status_code == 413 and _answers(web_app) == 0
    binary = anonymous.post(f"/d/{token}/ledger", data={"csrf_token": csrf},
                            files={"file": ("x.csv", b"\x7fELF\x00\x01\x02", "text/csv")})
    assert "error=" in binary.headers["location"] and _answers(web_app) == 0
    hostile = "../../../outside.csv"
    stored = anonymous.post(f"/d/{token}/ledger", data={"csrf_token": csrf},
                            files={"file": (hostile, "日期,发票号,借方,贷方\n2026-06-01,X-1,,10.00\n".encode(), "text/csv")})
    assert stored.status_code == 303 and "done=ledger" in stored.headers["location"]
    assert not (home.parent / "outside.csv").exists() and not list(home.parent.parent.glob("outside.csv"))
    with _sessions(web_app)() as session:
        answer = session.execute(select(DebtorAnswer)).scalar_one()
    assert answer.file_name == "outside.csv" and answer.file_sha256
    download = signed_in("finance").get(f"/inbox/{answer.id}/file")
    assert download.status_code == 200 and download.content.startswith("日期".encode())
    assert download.headers["content-disposition"] == "attachment; filename*=UTF-8''outside.csv"


def test_guessing_tokens_is_stopped_after_a_few_failures(web_app: FastAPI, anonymous: TestClient) -> None:
    token = _token(web_app)
    for attempt in range(FAILURES_ALLOWED):
        assert anonymous.get(f"/d/guess-{attempt}").status_code == 404
    assert anonymous.get(f"/d/{token}").status_code == 429  # even a right one, from that address, for a while


def test_finance_sees_the_answer_in_the_inbox_and_marks_it_handled(web_app: FastAPI, anonymous: TestClient,
                                                                   signed_in) -> None:
    token = _token(web_app)
    csrf = csrf_of(anonymous.get(f"/d/{token}").text)
    assert anonymous.post(f"/d/{token}/confirm", data={"signer": "王芳", "csrf_token": csrf}).status_code == 303
    assert anonymous.get("/inbox").status_code == 303  # the inbox itself needs a sign-in
    viewer = signed_in("viewer")
    listing = viewer.get("/inbox")
    assert listing.status_code == 200 and "王芳" in listing.text and "testclient" in listing.text
    answer_id = re.search(r'action="/inbox/(\d+)/handled"', listing.text).group(1)
    assert viewer.post(f"/inbox/{answer_id}/handled", data={"csrf_token": csrf_of(listing.text)}).status_code == 403
    finance = signed_in("finance")
    page = finance.get("/inbox")
    assert finance.post(f"/inbox/{answer_id}/handled", data={"csrf_token": csrf_of(page.text)}).status_code == 303
    assert "王芳" not in finance.get("/inbox").text and "王芳" in finance.get("/inbox?state=handled").text
    with _sessions(web_app)() as session:
        assert session.execute(select(AuditEntry.actor).where(AuditEntry.action == "debtor_answer.handled")
                               ).scalar_one() == "finance"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_debtor_page_has_one_narrow_column(web_app: FastAPI, anonymous: TestClient, lang: str) -> None:
    page = anonymous.get(f"/d/{_token(web_app)}?lang={lang}")
    assert '<link rel="stylesheet" href="/static/portal.css">' in page.text
    assert "max-width: 640px" in anonymous.get("/static/portal.css").text


def test_the_guess_limiter_forgets_failures_after_its_window() -> None:
    from receivables.web.debtor_portal import GuessLimiter

    now = [0.0]
    limiter = GuessLimiter(allowed=2, window=60, clock=lambda: now[0])
    limiter.failed("a")
    limiter.failed("a")
    assert limiter.blocked("a") and not limiter.blocked("b")
    now[0] = 61.0
    assert not limiter.blocked("a")
