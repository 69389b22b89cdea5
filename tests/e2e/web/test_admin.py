"""The administration pages through HTTP, on both backends: only administrators reach them, every change is
audited under the signed-in administrator, refusals write nothing, and nothing escapes its folder."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from letters import shipped_templates_dir
from receivables.storage.database import unit_of_work
from receivables.storage.schema import AuditEntry, User
from receivables.storage.schema.admin import TemplateVersion
from tests.e2e.web.conftest import PASSWORD, csrf_of
from tests.e2e.web.test_security import _routes
from tests.smtp_capture import CapturingHandler, free_port, smtp_server


def _sessions(app: FastAPI) -> sessionmaker[Session]:
    return app.state.web.runtime.sessions


def _home(app: FastAPI) -> Path:
    return Path(app.state.web.settings.home)


def _audit(app: FastAPI, action: str) -> list[AuditEntry]:
    with unit_of_work(_sessions(app)) as session:
        return list(session.execute(select(AuditEntry).where(AuditEntry.action == action)
                                    .order_by(AuditEntry.id)).scalars())


def _count(app: FastAPI, entity: type) -> int:
    with unit_of_work(_sessions(app)) as session:
        return int(session.execute(select(func.count()).select_from(entity)).scalar_one())


@pytest.fixture
def admin(signed_in) -> TestClient:
    return signed_in("admin")


def _token(client: TestClient, path: str = "/admin") -> str:
    return csrf_of(client.get(path).text)


def _admin_routes(app: FastAPI) -> list[tuple[str, str]]:
    return [(m, p) for m, p in _routes(app) if p.startswith("/admin")]


def test_every_admin_page_refuses_other_roles_and_anonymous_callers(web_app: FastAPI, signed_in,
                                                                     anonymous: TestClient) -> None:
    routes = _admin_routes(web_app)
    assert len(routes) >= 18
    for role in ("viewer", "finance", "legal", "project_manager"):
        client = signed_in(role)
        token = csrf_of(client.get("/").text)
        assert 'href="/admin"' not in client.get("/").text
        for method, path in routes:
            answer = client.request(method, path, data={"csrf_token": token} if method == "POST" else None)
            assert answer.status_code == 403, (role, method, path, answer.status_code)
    for method, path in routes:
        answer = anonymous.request(method, path)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/signin?next="), (method, path)


def test_admin_forms_without_their_csrf_token_are_refused_and_write_nothing(web_app: FastAPI, admin) -> None:
    users, entries = _count(web_app, User), _count(web_app, AuditEntry)
    assert admin.post("/admin/users", data={"name": "mallory", "role": "admin"}).status_code == 403
    assert admin.post("/admin/users", data={"name": "mallory", "role": "admin", "csrf_token": "forged"}
                      ).status_code == 403
    assert admin.post("/admin/rates", data={"series": "cn_lpr_1y", "effective_on": "2026-03-20",
                                            "percent": "9"}).status_code == 403
    assert _count(web_app, User) == users and _count(web_app, AuditEntry) == entries
    for path in ("/admin/users", "/admin/rates", "/admin/holidays", "/admin/templates/zh_CN/demand", "/admin/mail"):
        page = admin.get(path).text
        assert page.count('method="post"') == page.count('name="csrf_token"') >= 3, path  # 2 in the header


def test_the_header_links_administrators_to_the_administration(admin) -> None:
    assert 'href="/admin"' in admin.get("/").text
    assert admin.get("/admin").status_code == 200


def test_an_added_user_gets_a_password_shown_once_and_can_sign_in(web_app: FastAPI, admin,
                                                                   anonymous: TestClient) -> None:
    answer = admin.post("/admin/users", data={"name": "zhao.lei", "role": "legal", "locale": "zh", "password": "",
                                              "csrf_token": _token(admin)})
    assert answer.status_code == 200
    password = re.search(r'id="shown-password">.*?<code>([^<]+)</code>', answer.text, re.S).group(1)
    assert password not in admin.get("/admin/users").text
    token = csrf_of(anonymous.get("/signin").text)
    signed = anonymous.post("/signin", data={"user_name": "zhao.lei", "password": password, "csrf_token": token})
    assert signed.status_code == 303
    [entry] = _audit(web_app, "user.add")[-1:]
    assert entry.actor == "admin" and entry.entity_key == "zhao.lei" and password not in json.dumps(entry.after)


def test_a_user_added_with_a_bad_name_is_refused_with_the_reason(web_app: FastAPI, admin) -> None:
    users = _count(web_app, User)
    answer = admin.post("/admin/users", data={"name": "two words", "role": "viewer", "password": "",
                                              "csrf_token": _token(admin)})
    assert answer.status_code == 422 and "without spaces" in answer.text
    assert _count(web_app, User) == users


def test_an_admin_changes_a_role_resets_a_password_and_disables_a_user(web_app: FastAPI, admin, signed_in) -> None:
    viewer = signed_in("viewer")
    token = _token(admin)
    assert admin.post("/admin/users/viewer/role", data={"role": "finance", "csrf_token": token}).status_code == 303
    assert viewer.get("/").status_code == 200  # a new role keeps the session
    [role_change] = _audit(web_app, "user.role")
    assert (role_change.actor, role_change.before, role_change.after) == ("admin", {"role": "viewer"},
                                                                          {"role": "finance"})
    typed = admin.post("/admin/users/viewer/password", data={"password": "a brand new password",
                                                             "csrf_token": token})
    assert typed.status_code == 303
    assert viewer.get("/").status_code == 303  # the old session ended with the old password
    assert admin.post("/admin/users/legal/active", data={"active": "0", "csrf_token": token}).status_code == 303
    with unit_of_work(_sessions(web_app)) as session:
        legal = session.execute(select(User).where(User.name == "legal")).scalar_one()
        assert legal.active is False
    assert [e.actor for e in _audit(web_app, "user.disable")] == ["admin"]
    assert [e.actor for e in _audit(web_app, "user.passwd")] == ["admin"]


def test_the_last_administrator_can_neither_be_demoted_nor_disable_themselves(web_app: FastAPI, admin) -> None:
    token = _token(admin)
    demoted = admin.post("/admin/users/admin/role", data={"role": "viewer", "csrf_token": token})
    assert demoted.status_code == 422 and "only active administrator" in demoted.text
    disabled = admin.post("/admin/users/admin/active", data={"active": "0", "csrf_token": token})
    assert disabled.status_code == 422
    assert admin.get("/admin").status_code == 200
    assert _audit(web_app, "user.role") == [] and _audit(web_app, "user.disable") == []


PREVIEW = {"principal": "100000", "first": "2025-07-01", "last": "2026-06-30", "rule": "lpr-floating:1"}


def _interest(page: str) -> str:
    return re.search(r'id="interest-total"[^>]*>([^<]+)<', page).group(1).strip()


def test_an_lpr_fixing_added_by_an_admin_changes_the_interest_preview(web_app: FastAPI, admin) -> None:
    before = admin.get("/admin/rates", params={"series": "cn_lpr_1y", **PREVIEW})
    assert before.status_code == 200 and _interest(before.text) == "CNY 3,000.00"  # 3.00 % all year
    answer = admin.post("/admin/rates", data={"series": "cn_lpr_1y", "effective_on": "2026-01-20", "percent": "3.50",
                                              "source": "test", "csrf_token": _token(admin), **PREVIEW})
    assert answer.status_code == 303
    after = admin.get(answer.headers["location"])
    assert "fixing_added" in answer.headers["location"]
    # 203 days at 3.00 % and 162 days at 3.50 % on 100,000 over 365 days
    assert _interest(after.text) == "CNY 3,221.91"
    assert "3.50" in after.text and ">admin<" in after.text
    [entry] = _audit(web_app, "rate.add")
    assert entry.actor == "admin" and entry.entity_key == "cn_lpr_1y@2026-01-20"


def test_a_fixing_on_a_date_the_series_has_is_refused_and_nothing_is_written(web_app: FastAPI, admin) -> None:
    answer = admin.post("/admin/rates", data={"series": "cn_lpr_1y", "effective_on": "2025-05-20", "percent": "9",
                                              "csrf_token": _token(admin)})
    assert answer.status_code == 422 and "already has a fixing on 2025-05-20" in answer.text
    bad = admin.post("/admin/rates", data={"series": "cn_lpr_1y", "effective_on": "2026-02-30", "percent": "3",
                                           "csrf_token": _token(admin)})
    assert bad.status_code == 422 and "not a calendar date" in bad.text
    assert _audit(web_app, "rate.add") == []


def test_a_bad_interest_rule_is_explained_on_the_page(admin) -> None:
    answer = admin.get("/admin/rates", params={**PREVIEW, "rule": "monthly:2"})
    assert answer.status_code == 200 and "unknown interest rule" in answer.text


def _year(year: int, **changes: object) -> bytes:
    document = {"year": year, "notices": [{"title": f"国务院办公厅关于{year}年部分节假日安排的通知",
                                           "url": "https://www.gov.cn/"}],
                "source": "test", "holidays": [{"name": "国庆节", "first": f"{year}-10-01", "last": f"{year}-10-07"}],
                "working_days": [{"date": f"{year}-09-26", "name": "国庆节"}]}
    return json.dumps({**document, **changes}, ensure_ascii=False).encode()


def test_a_holiday_year_uploaded_as_its_file_is_added_and_days_are_checked_against_it(web_app: FastAPI,
                                                                                      admin) -> None:
    before = admin.get("/admin/holidays", params={"day": "2031-10-06"})
    assert "not_covered" not in before.text and "No holiday schedule loaded" in before.text
    answer = admin.post("/admin/holidays", data={"csrf_token": _token(admin)},
                        files={"schedule": ("2031.json", _year(2031), "application/json")})
    assert answer.status_code == 303, answer.text
    assert (_home(web_app) / "holidays" / "cn" / "2031.json").read_bytes() == _year(2031)
    page = admin.get("/admin/holidays", params={"year": 2031, "day": "2031-10-06"}).text
    assert "2031" in page and ">user<" in page and "国庆节" in page
    day = re.search(r'id="day-result">(.*?)</p>', page, re.S).group(1)
    assert "Rest day" in day and "2031-10-08" in day
    [entry] = _audit(web_app, "holiday.add_year")
    assert entry.actor == "admin" and entry.entity_key == "2031"


@pytest.mark.parametrize(("name", "content", "message"), [
    ("2031.json", b"{not json", "2031.json: not valid JSON"),
    ("2031.json", _year(2031, holidays=[{"name": "x", "first": "2031-10-07", "last": "2031-10-01"}]),
     "2031.json: holidays[0].last"),
    ("2032.json", _year(2031), "does not match the file name"),
    ("holidays.json", _year(2031), "named after its year"),
])
def test_a_bad_holiday_file_is_refused_naming_the_field_and_nothing_is_written(
        web_app: FastAPI, admin, name: str, content: bytes, message: str) -> None:
    answer = admin.post("/admin/holidays", data={"csrf_token": _token(admin)},
                        files={"schedule": (name, content, "application/json")})
    assert answer.status_code == 422 and message in answer.text
    folder = _home(web_app) / "holidays" / "cn"
    assert not folder.exists() or list(folder.iterdir()) == []
    assert _audit(web_app, "holiday.add_year") == []


def test_an_uploaded_file_name_cannot_leave_the_holiday_folder(web_app: FastAPI, admin) -> None:
    answer = admin.post("/admin/holidays", data={"csrf_token": _token(admin)},
                        files={"schedule": ("../../../2031.json", _year(2031), "application/json")})
    assert answer.status_code == 303
    assert [p.name for p in (_home(web_app) / "holidays" / "cn").iterdir()] == ["2031.json"]
    assert not (_home(web_app).parent / "2031.json").exists() and not (_home(web_app) / "2031.json").exists()


SHIPPED_DEMAND = shipped_templates_dir() / "zh_CN" / "demand.md"


def _edited(text: str) -> str:
    return text.replace("特此函告", "特此函告（已修改）", 1) if "特此函告" in text else text + "\n（已修改）\n"


def test_a_template_saved_in_the_browser_keeps_every_version_and_an_earlier_one_can_be_restored(
        web_app: FastAPI, admin) -> None:
    shipped = SHIPPED_DEMAND.read_text(encoding="utf-8")
    editor = admin.get("/admin/templates/zh_CN/demand")
    assert editor.status_code == 200 and 'src="/admin/templates/zh_CN/demand/preview.pdf"' in editor.text
    token = csrf_of(editor.text)
    saved = admin.post("/admin/templates/zh_CN/demand", data={"text": _edited(shipped), "csrf_token": token})
    assert saved.status_code == 303 and saved.headers["location"].endswith("?saved=2")
    user_file = Path(web_app.state.web.settings.user_templates_dir) / "zh_CN" / "demand.md"
    assert user_file.read_text(encoding="utf-8") == _edited(shipped)
    listing = admin.get("/admin/templates").text
    assert re.search(r">demand</a></td><td>zh_CN</td>.*?<td>user</td><td class=\"num\">2</td>", listing, re.S)
    first = admin.get("/admin/templates/zh_CN/demand/versions/1")
    assert first.status_code == 200 and "shipped" in first.text
    restored = admin.post("/admin/templates/zh_CN/demand/versions/1/restore", data={"csrf_token": token})
    assert restored.status_code == 303 and restored.headers["location"].endswith("?saved=3")
    assert user_file.read_text(encoding="utf-8") == shipped.replace("\r\n", "\n")
    with unit_of_work(_sessions(web_app)) as session:
        versions = session.execute(select(TemplateVersion.version, TemplateVersion.origin,
                                          TemplateVersion.restored_from).order_by(TemplateVersion.version)).all()
    assert [tuple(v) for v in versions] == [(1, "shipped", None), (2, "saved", None), (3, "restored", 1)]
    assert [(e.actor, e.entity_key) for e in _audit(web_app, "template.save")] == [("admin", "zh_CN/demand")]
    assert [e.after["version"] for e in _audit(web_app, "template.restore")] == [3]


def test_a_template_with_a_mistake_is_not_saved_and_the_error_names_the_line(web_app: FastAPI, admin) -> None:
    shipped = SHIPPED_DEMAND.read_text(encoding="utf-8")
    broken = shipped + "\n{% if %}\n"
    line = broken.count("\n") - 1 + 1
    answer = admin.post("/admin/templates/zh_CN/demand", data={"text": broken, "csrf_token": _token(admin)})
    assert answer.status_code == 422
    assert f"templates/zh_CN/demand.md line {line}" in answer.text
    assert "{% if %}" in answer.text  # what was typed is kept in the editor
    assert not (Path(web_app.state.web.settings.user_templates_dir) / "zh_CN" / "demand.md").exists()
    assert _count(web_app, TemplateVersion) == 0 and _audit(web_app, "template.save") == []


def test_the_live_preview_renders_the_typed_text_as_a_pdf_or_names_its_mistake(admin) -> None:
    shipped = SHIPPED_DEMAND.read_text(encoding="utf-8")
    token = _token(admin)
    pdf = admin.post("/admin/templates/zh_CN/demand/preview", data={"text": _edited(shipped), "csrf_token": token})
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-") and pdf.headers["content-disposition"].startswith("inline")
    wrong = admin.post("/admin/templates/zh_CN/demand/preview",
                       data={"text": shipped.replace("{{", "{{ )", 1), "csrf_token": token})
    assert wrong.status_code == 422 and "templates/zh_CN/demand.md line" in wrong.text
    assert admin.get("/admin/templates/en/reminder/preview.pdf").content.startswith(b"%PDF-")


@pytest.mark.parametrize("path", ["/admin/templates/zh_CN/..%2F..%2Fconfig", "/admin/templates/..%2F..%2Fx/demand",
                                  "/admin/templates/zh_CN/no_such_template", "/admin/templates/de/demand",
                                  "/admin/templates/zh_CN/demand/versions/7"])
def test_template_paths_cannot_escape_the_templates_folder(web_app: FastAPI, admin, path: str) -> None:
    assert admin.get(path).status_code == 404
    answer = admin.post(path if "versions" not in path else path + "/restore",
                        data={"text": "---\n---\n", "csrf_token": _token(admin)})
    assert answer.status_code == 404
    home = _home(web_app)
    assert not (home / "templates").exists() or not any((home / "templates").rglob("*.md"))
    assert _count(web_app, TemplateVersion) == 0


@pytest.fixture
def mail_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[CapturingHandler]:
    handler = CapturingHandler()
    with smtp_server(handler) as port:
        monkeypatch.setenv("RECEIVABLES_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("RECEIVABLES_SMTP_PORT", str(port))
        monkeypatch.setenv("RECEIVABLES_SMTP_TLS", "none")
        monkeypatch.setenv("RECEIVABLES_SMTP_FROM", "ar@example.com")
        monkeypatch.setenv("RECEIVABLES_SMTP_PASSWORD", "s3cret-smtp-password")
        yield handler


def test_the_mail_page_shows_the_settings_but_never_the_password_and_sends_a_test_email(
        web_app: FastAPI, admin, mail_server: CapturingHandler) -> None:
    page = admin.get("/admin/mail")
    assert "127.0.0.1" in page.text and "ar@example.com" in page.text and "s3cret" not in page.text
    sent = admin.post("/admin/mail/test", data={"to": "it@example.com", "csrf_token": csrf_of(page.text)})
    assert sent.status_code == 200 and "Message-ID" in sent.text and "s3cret" not in sent.text
    [arrival] = mail_server.arrived
    assert arrival.recipients == ["it@example.com"] and "test" in arrival.message["Subject"]
    [entry] = _audit(web_app, "mail.test")
    assert entry.actor == "admin" and entry.detail["result"] == "sent"


def test_a_test_email_the_server_cannot_take_shows_the_error_and_is_audited(
        web_app: FastAPI, admin, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RECEIVABLES_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("RECEIVABLES_SMTP_PORT", str(free_port()))  # nobody listens there
    monkeypatch.setenv("RECEIVABLES_SMTP_FROM", "ar@example.com")
    answer = admin.post("/admin/mail/test", data={"to": "it@example.com", "csrf_token": _token(admin)})
    assert answer.status_code == 422 and "did not accept the message" in answer.text
    [entry] = _audit(web_app, "mail.test")
    assert entry.detail["result"] == "failed" and "ConnectionRefusedError" in entry.detail["error"]


def test_without_a_mail_server_the_page_says_so(admin, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RECEIVABLES_SMTP_HOST", raising=False)
    assert "No mail server is configured" in admin.get("/admin/mail").text
    answer = admin.post("/admin/mail/test", data={"to": "it@example.com", "csrf_token": _token(admin)})
    assert answer.status_code == 422 and "RECEIVABLES_SMTP_HOST" in answer.text


def _rows(page: str) -> list[list[str]]:
    body = re.search(r'<table class="list" id="audit-entries">.*?<tbody>(.*?)</tbody>', page, re.S).group(1)
    return [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def test_the_audit_log_filters_by_actor_action_entity_and_date_and_pages_newest_first(admin) -> None:
    token = _token(admin)
    for n in range(12):
        admin.post("/admin/users", data={"name": f"temp{n:02d}", "role": "viewer", "password": "a long password!",
                                         "csrf_token": token})
    admin.post("/admin/users/temp03/role", data={"role": "legal", "csrf_token": token})
    mine = _rows(admin.get("/admin/audit", params={"actor": "admin", "per_page": 10}).text)
    assert len(mine) == 10 and mine[0][2] == "user.role" and mine[1][4] == "temp11"
    second = _rows(admin.get("/admin/audit", params={"actor": "admin", "per_page": 10, "page": 2}).text)
    assert [r[4] for r in second] == ["temp02", "temp01", "temp00"]
    by_prefix = _rows(admin.get("/admin/audit", params={"action": "user.r", "entity": "user"}).text)
    assert [(r[1], r[4]) for r in by_prefix] == [("admin", "temp03")]
    assert _rows(admin.get("/admin/audit", params={"action": "user%"}).text)[0][0].startswith(("No", "没有"))
    from_test = _rows(admin.get("/admin/audit", params={"actor": "test", "per_page": 500}).text)
    assert from_test and all(r[1] == "test" for r in from_test)
    assert _rows(admin.get("/admin/audit", params={"actor": "admin", "last": "2000-01-01"}).text)[0][0] \
        .startswith(("No", "没有"))
    bad = admin.get("/admin/audit", params={"first": "yesterday"})
    assert bad.status_code == 422 and "not a date" in bad.text


def test_dunning_policies_are_listed_downloaded_as_yaml_and_imported_from_an_upload(web_app: FastAPI, admin) -> None:
    from receivables.storage.schema.dunning import DunningPolicy

    page = admin.get("/admin/policies")
    assert page.status_code == 200 and "standard" in page.text and "payment reminder" in page.text
    assert _count(web_app, DunningPolicy) == 0  # looking stores nothing
    download = admin.get("/admin/policies/standard.yaml")
    assert download.status_code == 200 and download.headers["content-disposition"].startswith("attachment")
    changed = download.text.replace("name: standard", "name: construction", 1) \
        .replace("default: true", "default: false", 1).replace("segments: []", "segments: [construction]", 1)
    answer = admin.post("/admin/policies", data={"csrf_token": _token(admin)},
                        files={"policy": ("construction.yaml", changed.encode(), "application/yaml")})
    assert answer.status_code == 303, answer.text
    assert "construction" in admin.get("/admin/policies").text
    assert ("admin", "construction") in [(e.actor, e.entity_key) for e in _audit(web_app, "dunning.policy.save")]


def test_a_bad_policy_file_is_refused_naming_the_file_and_nothing_is_written(web_app: FastAPI, admin) -> None:
    from receivables.storage.schema.dunning import DunningPolicy

    answer = admin.post("/admin/policies", data={"csrf_token": _token(admin)},
                        files={"policy": ("mine.yaml", b"name: mine\nlevels: [: bad", "application/yaml")})
    assert answer.status_code == 422 and "mine.yaml" in answer.text and "receivables-policy-" not in answer.text
    assert _count(web_app, DunningPolicy) == 0 and _audit(web_app, "dunning.policy.save") == []
