"""Security of the web application: every route needs a session or token, roles are checked on the server,
forms need their CSRF token, cookies are HttpOnly/SameSite, sign-in guessing is slowed, nothing escapes the
static folder, and the session secret cannot be a placeholder."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from receivables.services.users import disable_user, set_password
from receivables.storage.database import unit_of_work
from receivables.web.pages import PUBLIC_PATHS
from receivables.web.security import SESSION_COOKIE, SecretKeyError, load_secret_key
from tests.e2e.web.conftest import PASSWORD, csrf_of


def _routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path with parameters filled in) of every route, including those of included routers."""
    found = []
    for route in app.routes:
        # FastAPI >= 0.16x keeps included routers as one entry that yields its routes' contexts
        nested = getattr(route, "effective_route_contexts", None)
        for each in (list(nested()) if callable(nested) else [route]):
            methods = getattr(each, "methods", None)
            if not methods:
                continue  # the static files mount: checked by the path tests below
            path = re.sub(r"\{[^}]+\}", "X", each.path)
            found.extend((method, path) for method in sorted(set(methods) - {"HEAD"}))
    return found


def _a_debtor(client: TestClient) -> str:
    return re.search(r'href="/debtors/([^"?]+)"', client.get("/debtors").text).group(1)


def test_every_route_without_a_session_is_refused_or_sent_to_sign_in(web_app: FastAPI,
                                                                     anonymous: TestClient) -> None:
    routes = _routes(web_app)
    assert len(routes) >= 15
    checked = 0
    public = [(m, p) for m, p in routes if any(p == x or p.startswith(x + "/") for x in PUBLIC_PATHS)]
    for method, path in routes:
        if (method, path) in public:
            continue
        answer = anonymous.request(method, path, params={"debtor": "X"}, data={"x": "1"} if method == "POST" else None)
        if path.startswith("/api/"):
            assert answer.status_code == 401, (method, path, answer.status_code)
            assert set(answer.json()) == {"message", "field"}
        else:
            assert answer.status_code == 303, (method, path, answer.status_code)
            assert answer.headers["location"].startswith("/signin?next=")
        checked += 1
    assert checked == len(routes) - len(public)  # /signin and the debtor's link pages (/d/...)


def test_a_wrong_or_tampered_credential_counts_as_none(anonymous: TestClient, signed_in) -> None:
    assert anonymous.get("/api/v1/debtors", headers={"Authorization": "Bearer rcv_guess"}).status_code == 401
    client = signed_in("viewer")
    cookie = client.cookies[SESSION_COOKIE]
    tampered = TestClient(anonymous.app, follow_redirects=False, cookies={SESSION_COOKIE: cookie[:-3] + "abc"})
    assert tampered.get("/").status_code == 303


def test_the_session_cookie_is_http_only_and_same_site(web_app: FastAPI, anonymous: TestClient) -> None:
    token = csrf_of(anonymous.get("/signin").text)
    answer = anonymous.post("/signin", data={"user_name": "viewer", "password": PASSWORD, "csrf_token": token})
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
    web_app.state.web.secure_cookies = True
    answer = anonymous.get("/signin")
    assert "secure" in answer.headers["set-cookie"].lower()


def test_a_viewer_reads_everything_and_changes_nothing(signed_in, bearer, anonymous: TestClient) -> None:
    client = signed_in("viewer")
    code = _a_debtor(client)
    page = client.get(f"/debtors/{code}")
    assert page.status_code == 200 and 'action="/debtors/' not in page.text  # no promise form for a viewer
    refused = client.post(f"/debtors/{code}/promises", data={"csrf_token": csrf_of(page.text), "amount": "10",
                                                             "promised_on": "2026-07-10"})
    assert refused.status_code == 403
    api = anonymous.post("/api/v1/receivables", headers=bearer("viewer"), json={
        "debtor": code, "number": "V-1", "issue_date": "2026-06-01", "amount": "1"})
    assert api.status_code == 403 and set(api.json()) == {"message", "field"}
    for role in ("legal", "project_manager"):
        assert anonymous.post("/api/v1/payments", headers=bearer(role), json={}).status_code == 403


def test_forms_without_their_csrf_token_are_refused(signed_in, anonymous: TestClient) -> None:
    client = signed_in("finance")
    code = _a_debtor(client)
    form = {"amount": "100", "promised_on": "2026-07-10", "currency": "CNY"}
    assert client.post(f"/debtors/{code}/promises", data=form).status_code == 403
    assert client.post(f"/debtors/{code}/promises", data={**form, "csrf_token": "forged"}).status_code == 403
    assert client.post("/signout", data={}).status_code == 403
    assert client.post("/language", data={"locale": "zh"}).status_code == 403
    # a JSON write carried by the cookie needs the header token too
    assert client.post("/api/v1/payments", json={}).status_code == 403
    assert anonymous.post("/signin", data={"user_name": "finance", "password": PASSWORD}).status_code == 403
    good = client.post(f"/debtors/{code}/promises", data={**form, "csrf_token": csrf_of(client.get("/").text)})
    assert good.status_code == 303


def test_records_named_in_urls_are_checked(signed_in) -> None:
    client = signed_in("finance")
    token = csrf_of(client.get("/").text)
    assert client.get("/debtors/NO-SUCH").status_code == 404
    answer = client.post("/debtors/NO-SUCH/promises", data={"csrf_token": token, "amount": "1",
                                                            "promised_on": "2026-07-10"})
    assert answer.status_code == 404


def test_sign_in_redirects_only_within_the_site(anonymous: TestClient) -> None:
    token = csrf_of(anonymous.get("/signin").text)
    answer = anonymous.post("/signin", data={"user_name": "viewer", "password": PASSWORD, "csrf_token": token,
                                             "next": "//evil.example/x"})
    assert answer.status_code == 303 and answer.headers["location"] == "/"


def test_repeated_failed_sign_ins_make_the_next_attempt_wait(anonymous: TestClient) -> None:
    token = csrf_of(anonymous.get("/signin").text)
    for _ in range(3):
        wrong = anonymous.post("/signin", data={"user_name": "admin", "password": "nope", "csrf_token": token})
        assert wrong.status_code == 401
    throttled = anonymous.post("/signin", data={"user_name": "admin", "password": PASSWORD, "csrf_token": token})
    assert throttled.status_code == 401 and "登录失败次数过多" in throttled.text
    other_user = anonymous.post("/signin", data={"user_name": "viewer", "password": PASSWORD, "csrf_token": token})
    assert other_user.status_code == 303


def test_a_disabled_user_or_a_changed_password_ends_open_sessions(web_app: FastAPI, signed_in) -> None:
    sessions: sessionmaker[Session] = web_app.state.web.runtime.sessions
    finance, legal = signed_in("finance"), signed_in("legal")
    assert finance.get("/").status_code == 200 and legal.get("/").status_code == 200
    with unit_of_work(sessions) as session:
        disable_user(session, "finance", actor="test")
        set_password(session, "legal", "another long password", actor="test")
    assert finance.get("/").status_code == 303 and legal.get("/").status_code == 303


def test_sign_out_ends_the_session(signed_in) -> None:
    client = signed_in("viewer")
    answer = client.post("/signout", data={"csrf_token": csrf_of(client.get("/").text)})
    assert answer.status_code == 303 and answer.headers["location"] == "/signin"
    assert client.get("/").status_code == 303


@pytest.mark.parametrize("path", ["/static/../app.py", "/static/%2e%2e/app.py", "/static/..%2fsecurity.py",
                                  "/static/%2e%2e/%2e%2e/config.py", "/static//etc/passwd",
                                  "/static/..%5c..%5capp.py", "/static/web-secret-key"])
def test_file_names_cannot_escape_the_static_folder(signed_in, path: str) -> None:
    answer = signed_in("admin").get(path)
    assert answer.status_code in (400, 404), (path, answer.status_code)
    assert "import" not in answer.text


def test_the_session_secret_is_never_a_placeholder(tmp_path: Path) -> None:
    with pytest.raises(SecretKeyError):
        load_secret_key(tmp_path, {"RECEIVABLES_SECRET_KEY": "changeme"})
    with pytest.raises(SecretKeyError):
        load_secret_key(tmp_path, {"RECEIVABLES_SECRET_KEY": "short"})
    generated = load_secret_key(tmp_path, {})
    assert len(generated) >= 32 and load_secret_key(tmp_path, {}) == generated
    assert stat.S_IMODE((tmp_path / "web-secret-key").stat().st_mode) == 0o600
