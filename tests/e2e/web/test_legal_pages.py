"""The legal pages through HTTP, on both backends: the limitation watchlist by band with the events behind each
date, law-firm profiles (legal or admin), lawyer letters (legal role only, checked on the server), cases with
their stages and the evidence bundle; every change audited, refusals write nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from receivables.bootstrap import Runtime
from receivables.services.cases import open_case
from receivables.services.lawyer_letters import add_firm
from receivables.storage.database import unit_of_work
from receivables.storage.schema import AuditEntry, Letter
from receivables.storage.schema.legal import LawFirm
from receivables.web.app import create_app
from tests.e2e.web.conftest import AS_OF, PASSWORD, SECRET, csrf_of
from tests.e2e.web.test_letters_pages import PDF_PROOF, issue_demands

WATCH_DAY = date(2028, 3, 20)
"""Late enough that the small demo's oldest items near the end of their three years."""
FIRM = {"name": "金杜律师事务所", "address": "北京市朝阳区东三环中路1号", "lawyer": "李律师",
        "licence_number": "11101200510012345", "phone": "010-58785588", "email": "li@example.cn"}


def _sessions(app: FastAPI) -> sessionmaker[Session]:
    return app.state.web.runtime.sessions


def _count(app: FastAPI, entity: type) -> int:
    with unit_of_work(_sessions(app)) as session:
        return int(session.execute(select(func.count()).select_from(entity)).scalar_one())


def _audit(app: FastAPI, action: str) -> list[tuple[str, str]]:
    with unit_of_work(_sessions(app)) as session:
        return [(e.actor, e.entity_key) for e in session.execute(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).scalars()]


def _client(app: FastAPI, role: str) -> TestClient:
    client = TestClient(app, follow_redirects=False)
    token = csrf_of(client.get("/signin").text)
    assert client.post("/signin", data={"user_name": role, "password": PASSWORD, "csrf_token": token,
                                        "next": "/"}).status_code == 303
    return client


@pytest.fixture
def later_app(web_app: FastAPI) -> Iterator[FastAPI]:
    """The same ledger, seen on a day when some claims near the end of their limitation period."""
    web = web_app.state.web
    yield create_app(web.settings, runtime=Runtime(web.settings, web.runtime.engine, web.runtime.sessions),
                     secret_key=SECRET, today=lambda: WATCH_DAY)


def _watch_rows(html: str) -> list[tuple[str, int, str, str]]:
    """(expires on, days left, debtor, item) of each row of the watchlist."""
    body = html.split('id="watchlist"', 1)[1].split("</table>", 1)[0]
    return [(expires, int(days), debtor, item) for expires, days, debtor, item in re.findall(
        r"<tr><td>(\d{4}-\d\d-\d\d)</td>\s*<td class=\"num[^\"]*\">(-?\d+)</td>\s*"
        r"<td><a href=\"/debtors/([^\"]+)\">.*?</td>\s*<td>([^<]+)</td>", body, flags=re.S)]


def test_the_watchlist_shows_each_band_with_the_events_behind_each_date_and_the_not_advice_note(
        later_app: FastAPI) -> None:
    client = _client(later_app, "viewer")
    bands = {band: _watch_rows(client.get("/legal", params={"within": band}).text) for band in (30, 90, 180)}
    assert bands[30] and len(bands[30]) <= len(bands[90]) <= len(bands[180])
    for band, rows in bands.items():
        assert all(0 <= days <= band for _expires, days, _debtor, _item in rows), band
        assert [r[0] for r in rows] == sorted(r[0] for r in rows)
    page = client.get("/legal", params={"within": 30}).text
    assert "This is not legal advice." in page and "Due date" in page
    assert f"Expiring within 30 days ({len(bands[30])})" in page
    assert _watch_rows(client.get("/legal", params={"within": 7}).text) == bands[180]  # not a band: the widest


def test_an_evidenced_demand_takes_its_items_off_the_30_day_watch_and_shows_as_the_event_behind_the_date(
        later_app: FastAPI) -> None:
    legal = _client(later_app, "legal")
    soonest = _watch_rows(legal.get("/legal", params={"within": 30}).text)
    watched = {item for _e, _d, _debtor, item in soonest}
    letter_id, number, _code = issue_demands(later_app, 1, as_of=WATCH_DAY, actor="legal",
                                             codes=[debtor for _e, _d, debtor, _i in soonest])[0]
    with unit_of_work(_sessions(later_app)) as session:
        demanded = {line["number"] for line in session.get(Letter, letter_id).data["items"]}
    assert demanded & watched
    page = legal.get(f"/letters/{letter_id}").text
    answer = legal.post(f"/letters/{letter_id}/deliveries", data={
        "csrf_token": csrf_of(page), "delivered_on": WATCH_DAY.isoformat(), "channel": "registered_mail"},
        files={"proof": ("回执.pdf", PDF_PROOF, "application/pdf")})
    assert answer.status_code == 303
    after = {item for _e, _d, _debtor, item in _watch_rows(legal.get("/legal", params={"within": 30}).text)}
    assert after == watched - demanded
    # Restarted from the delivery: three years from now, far outside the watch, so no row shows that demand.
    assert "Demand delivered" not in legal.get("/legal", params={"within": 180}).text
    assert _audit(later_app, "letter.deliver") == [("legal", number)]


def test_legal_staff_add_and_change_law_firms_and_each_change_is_audited(web_app: FastAPI, signed_in) -> None:
    legal = signed_in("legal")
    page = legal.get("/legal/firms")
    assert page.status_code == 200 and 'action="/legal/firms"' in page.text
    added = legal.post("/legal/firms", data={"csrf_token": csrf_of(page.text), **FIRM})
    assert added.status_code == 303 and added.headers["location"] == "/legal/firms?saved=added"
    listed = legal.get("/legal/firms").text
    assert FIRM["name"] in listed and FIRM["licence_number"] in listed
    changed = legal.post("/legal/firms/edit", data={"csrf_token": csrf_of(listed), **FIRM, "phone": "010-1",
                                                    "active": "on"})
    assert changed.status_code == 303
    with unit_of_work(_sessions(web_app)) as session:
        firm = session.execute(select(LawFirm)).scalar_one()
    assert (firm.phone, firm.active) == ("010-1", True)
    assert _audit(web_app, "law_firm.add") == [("legal", FIRM["name"])]
    assert _audit(web_app, "law_firm.edit") == [("legal", FIRM["name"])]
    admin = signed_in("admin")
    retired = admin.post("/legal/firms/edit", data={"csrf_token": csrf_of(admin.get("/legal/firms").text),
                                                    **FIRM, "phone": "010-1"})
    assert retired.status_code == 303
    assert _audit(web_app, "law_firm.edit")[-1] == ("admin", FIRM["name"])


def test_a_refused_firm_change_is_explained_and_writes_nothing(web_app: FastAPI, signed_in) -> None:
    legal = signed_in("legal")
    token = csrf_of(legal.get("/legal/firms").text)
    answer = legal.post("/legal/firms", data={"csrf_token": token, **FIRM, "email": "not an address"})
    assert answer.status_code == 422 and "is not an e-mail address" in answer.text
    assert "北京市朝阳区东三环中路1号" in answer.text  # what was typed is kept
    missing = legal.post("/legal/firms/edit", data={"csrf_token": token, **FIRM})
    assert missing.status_code == 422 and "no law firm named" in missing.text
    assert _count(web_app, LawFirm) == 0 and _audit(web_app, "law_firm.add") == []


@pytest.mark.parametrize("role", ["finance", "viewer", "project_manager"])
def test_only_legal_staff_and_administrators_change_firms_or_issue_lawyer_letters(web_app: FastAPI, signed_in,
                                                                                  role: str) -> None:
    with unit_of_work(_sessions(web_app)) as session:
        add_firm(session, FIRM["name"], actor="test", **{k: v for k, v in FIRM.items() if k != "name"})
    client = signed_in(role)
    page = client.get("/legal/firms")
    assert page.status_code == 200 and 'action="/legal/firms"' not in page.text
    token = csrf_of(page.text)
    code = issue_demands(web_app, 1)[0][2]
    letters = _count(web_app, Letter)
    assert client.post("/legal/firms", data={"csrf_token": token, **FIRM, "name": "Other"}).status_code == 403
    assert client.post("/legal/firms/edit", data={"csrf_token": token, **FIRM, "phone": "1"}).status_code == 403
    assert client.get("/legal/lawyer-letters").status_code == 403
    assert client.post("/legal/lawyer-letters", data={"csrf_token": token, "debtor": code,
                                                      "firm": FIRM["name"]}).status_code == 403
    assert 'href="/legal/lawyer-letters"' not in client.get("/legal").text
    assert _count(web_app, LawFirm) == 1 and _count(web_app, Letter) == letters
    assert _audit(web_app, "law_firm.edit") == [] and _audit(web_app, "lawyer_letter.issue") == []


def test_legal_staff_issue_a_lawyer_letter_on_the_firms_letterhead(web_app: FastAPI, signed_in) -> None:
    with unit_of_work(_sessions(web_app)) as session:
        add_firm(session, FIRM["name"], actor="test", **{k: v for k, v in FIRM.items() if k != "name"})
    code = issue_demands(web_app, 1)[0][2]
    legal = signed_in("legal")
    form = legal.get("/legal/lawyer-letters")
    assert form.status_code == 200 and FIRM["name"] in form.text
    refused = legal.post("/legal/lawyer-letters", data={"csrf_token": csrf_of(form.text), "debtor": code,
                                                        "firm": FIRM["name"], "fees": "律师费 5000"})
    assert refused.status_code == 422 and "expected DESCRIPTION:AMOUNT" in refused.text
    before = _count(web_app, Letter)
    issued = legal.post("/legal/lawyer-letters", data={
        "csrf_token": csrf_of(form.text), "debtor": code, "firm": FIRM["name"], "locale": "zh_CN",
        "deadline_days": "7", "fees": "律师费（合同第十二条）:5000", "clauses": "第十二条 违约责任"})
    assert issued.status_code == 303, issued.text[-2000:]
    assert _count(web_app, Letter) == before + 1
    page = legal.get(issued.headers["location"])
    assert "Lawyer letter" in page.text and "/files/pdf?inline=true" in page.text
    assert [actor for actor, _key in _audit(web_app, "lawyer_letter.issue")] == ["legal"]
    listed = legal.get("/legal/lawyer-letters").text
    assert re.search(r'href="/letters/\d+"', listed)


def test_cases_show_their_stages_and_the_evidence_bundle_downloads_as_an_audited_pdf(web_app: FastAPI,
                                                                                      signed_in) -> None:
    code = issue_demands(web_app, 1)[0][2]
    with unit_of_work(_sessions(web_app)) as session:
        case = open_case(session, debtor_code=code, agent_name=FIRM["name"], agent_kind="law_firm",
                         commission_rate=Decimal("0.1"), opened_on=AS_OF, as_of=AS_OF, actor="legal")
    viewer = signed_in("viewer")
    listing = viewer.get("/legal/cases")
    assert listing.status_code == 200 and f'href="/legal/cases/{case.id}"' in listing.text
    assert 'action="/legal/bundle"' not in listing.text
    detail = viewer.get(f"/legal/cases/{case.id}")
    assert detail.status_code == 200 and "Referred" in detail.text and FIRM["name"] in detail.text
    assert viewer.get("/legal/cases/999999").status_code == 404
    assert viewer.post("/legal/bundle", data={"csrf_token": csrf_of(detail.text), "debtor": code}).status_code == 403

    legal = signed_in("legal")
    page = legal.get(f"/legal/cases/{case.id}")
    bundle = legal.post("/legal/bundle", data={"csrf_token": csrf_of(page.text), "debtor": code})
    assert bundle.status_code == 200 and bundle.content.startswith(b"%PDF-")
    assert bundle.headers["content-disposition"].startswith(f'attachment; filename="evidence-bundle-{code}-')
    assert _audit(web_app, "legal.bundle") == [("legal", code)]
    unknown = legal.post("/legal/bundle", data={"csrf_token": csrf_of(page.text), "debtor": "NOPE"})
    assert unknown.status_code == 422 and "no debtor" in unknown.text
    assert legal.post("/legal/bundle", data={"debtor": code}).status_code == 403  # no CSRF token


def test_every_letters_and_legal_route_refuses_anonymous_callers(web_app: FastAPI, anonymous: TestClient) -> None:
    for method, path in (("GET", "/letters"), ("GET", "/letters/1"), ("GET", "/letters/1/files/pdf"),
                         ("GET", "/letters/new"), ("GET", "/letters/preview.pdf"), ("POST", "/letters/new"),
                         ("POST", "/letters/1/deliveries"), ("GET", "/letters/1/deliveries/1/proof"),
                         ("GET", "/legal"), ("GET", "/legal/firms"), ("POST", "/legal/firms"),
                         ("POST", "/legal/firms/edit"), ("GET", "/legal/lawyer-letters"),
                         ("POST", "/legal/lawyer-letters"), ("GET", "/legal/cases"), ("GET", "/legal/cases/1"),
                         ("POST", "/legal/bundle"), ("POST", "/legal/cases/1/stages")):
        answer = anonymous.request(method, path)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/signin?next="), (method, path)


def test_legal_records_a_suit_with_its_documents_and_the_items_limitation_restarts(web_app: FastAPI,
                                                                                  signed_in) -> None:
    code = issue_demands(web_app, 1)[0][2]
    with unit_of_work(_sessions(web_app)) as session:
        case = open_case(session, debtor_code=code, agent_name=FIRM["name"], agent_kind="law_firm",
                         commission_rate=Decimal("0.1"), opened_on=AS_OF, as_of=AS_OF, actor="legal")
    finance = signed_in("finance")
    page = finance.get(f"/legal/cases/{case.id}")
    assert 'id="stage-form"' not in page.text
    suit = {"step": "suit_filed", "occurred_on": AS_OF.isoformat(), "court": "北京市朝阳区人民法院",
            "case_number": "（2026）京0105民初123号"}
    assert finance.post(f"/legal/cases/{case.id}/stages", data={"csrf_token": csrf_of(page.text), **suit}
                        ).status_code == 403
    legal = signed_in("legal")
    token = csrf_of(legal.get(f"/legal/cases/{case.id}").text)
    refused = legal.post(f"/legal/cases/{case.id}/stages", data={"csrf_token": token, **suit},
                         files=[("documents", ("起诉状.docx", b"PK\x03\x04", "application/pdf"))])
    assert refused.status_code == 422 and "not a PDF or an image" in refused.text
    assert _audit(web_app, "case.stage") == []
    filed = legal.post(f"/legal/cases/{case.id}/stages", data={"csrf_token": token, **suit},
                       files=[("documents", ("起诉状.pdf", PDF_PROOF, "application/pdf"))])
    assert filed.status_code == 303
    page = legal.get(f"/legal/cases/{case.id}").text
    assert "Suit filed" in page and "起诉状.pdf" in page and "（2026）京0105民初123号" in page
    assert _audit(web_app, "case.stage") == [("legal", str(case.id))]
    assert legal.post("/legal/cases/999999/stages", data={"csrf_token": token, **suit}).status_code == 404
