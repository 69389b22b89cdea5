"""The debtor page's actions, through HTTP as a browser sends them: contacts, interactions, disputes, holds;
refusals keep what was typed, write nothing, and never reach another debtor's records."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from receivables.storage.schema import Contact, Debtor, Receivable
from tests.e2e.web.conftest import csrf_of


def _debtor_with_contacts_and_items(web_app) -> tuple[str, str, int]:
    """A debtor code, one of its open item numbers, and one of its contacts' ids."""
    with web_app.state.web.runtime.sessions() as session:
        row = session.execute(
            select(Debtor.code, Receivable.number, Contact.id)
            .join(Receivable, Receivable.debtor_id == Debtor.id).join(Contact, Contact.debtor_id == Debtor.id)
            .where(Receivable.open_amount > 0, Receivable.dunning_block.is_(False)).order_by(Debtor.code).limit(1)
        ).one()
    return row[0], row[1], row[2]


def _post(client: TestClient, code: str, path: str, data: dict[str, str]):
    token = csrf_of(client.get(f"/debtors/{code}").text)
    return client.post(f"/debtors/{code}{path}", data={"csrf_token": token, **data})


def test_the_debtor_page_draws_the_organization_chart_with_the_route_highlighted(web_app, signed_in) -> None:
    code, _, _ = _debtor_with_contacts_and_items(web_app)
    page = signed_in("viewer").get(f"/debtors/{code}").text
    chart = page[page.index('<svg class="orgchart"'):]
    chart = chart[:chart.index("</svg>")]
    assert chart.count("<rect") >= 1 and 'class="person' in chart
    assert "route" in chart  # the demo debtors have a finance contact a demand letter reaches


def test_a_contact_is_added_and_edited_from_the_page(web_app, signed_in) -> None:
    code, _, _ = _debtor_with_contacts_and_items(web_app)
    client = signed_in("finance")
    added = _post(client, code, "/contacts", {"name": "钱会计", "role": "finance", "phone": "021-5555 0101",
                                              "stance": "cooperative", "reports_to": ""})
    assert added.status_code == 303 and added.headers["location"].endswith("saved=contacts#contacts")
    with web_app.state.web.runtime.sessions() as session:
        new_id = session.execute(select(Contact.id).where(Contact.name == "钱会计")).scalar_one()
    edited = _post(client, code, f"/contacts/{new_id}", {"title": "财务经理", "role": "finance", "stance": "gatekeeper",
                                                         "active": "on"})
    assert edited.status_code == 303
    page = client.get(f"/debtors/{code}").text
    assert "钱会计" in page and "财务经理" in page


def test_a_bad_email_is_refused_beside_the_form_and_nothing_is_added(web_app, signed_in) -> None:
    code, _, _ = _debtor_with_contacts_and_items(web_app)
    client = signed_in("finance")
    answer = _post(client, code, "/contacts", {"name": "孙出纳", "role": "finance", "email": "not-an-address"})
    assert answer.status_code == 422 and 'role="alert"' in answer.text
    assert 'value="孙出纳"' in answer.text  # what was typed is kept
    with web_app.state.web.runtime.sessions() as session:
        assert session.execute(select(Contact.id).where(Contact.name == "孙出纳")).first() is None


def test_another_debtors_contact_cannot_be_edited_through_this_debtors_page(web_app, signed_in) -> None:
    code, _, _ = _debtor_with_contacts_and_items(web_app)
    with web_app.state.web.runtime.sessions() as session:
        other_contact, before = session.execute(
            select(Contact.id, Contact.title).join(Debtor, Debtor.id == Contact.debtor_id).where(Debtor.code != code)
            .limit(1)).one()
    answer = _post(signed_in("admin"), code, f"/contacts/{other_contact}", {"title": "hijacked", "role": "boss"})
    assert answer.status_code == 422 and "has no contact" in answer.text
    with web_app.state.web.runtime.sessions() as session:
        assert session.get(Contact, other_contact).title == before


def test_an_interaction_is_logged_and_shows_on_the_timeline(web_app, signed_in) -> None:
    code, _, contact_id = _debtor_with_contacts_and_items(web_app)
    client = signed_in("legal")
    answer = _post(client, code, "/interactions", {
        "channel": "call", "direction": "inbound", "at": "2026-06-29T10:15", "contact": f"#{contact_id}",
        "summary": "对方来电确认下周安排付款", "outcome": "promised", "next_step": "", "next_step_on": "",
        "override_reason": ""})
    assert answer.status_code == 303, answer.text
    assert "对方来电确认下周安排付款" in client.get(f"/debtors/{code}").text


def test_a_dispute_is_opened_on_an_item_and_resolved(web_app, signed_in) -> None:
    code, number, _ = _debtor_with_contacts_and_items(web_app)
    client = signed_in("finance")
    opened = _post(client, code, "/disputes", {"items": number, "reason": "质量问题，对方要求扣款"})
    assert opened.status_code == 303, opened.text
    page = client.get(f"/debtors/{code}").text
    dispute_id = re.search(r'/disputes/(\d+)/resolve', page).group(1)
    resolved = _post(client, code, f"/disputes/{dispute_id}/resolve", {"resolution": "rejected", "note": "验收合格"})
    assert resolved.status_code == 303
    assert "rejected" in client.get(f"/debtors/{code}").text


def test_a_dispute_of_another_debtor_cannot_be_resolved_here(web_app, signed_in) -> None:
    code, number, _ = _debtor_with_contacts_and_items(web_app)
    client = signed_in("finance")
    _post(client, code, "/disputes", {"items": number, "reason": "数量不符"})
    dispute_id = re.search(r'/disputes/(\d+)/resolve', client.get(f"/debtors/{code}").text).group(1)
    with web_app.state.web.runtime.sessions() as session:
        other = session.execute(select(Debtor.code).where(Debtor.code != code).limit(1)).scalar_one()
    answer = _post(client, other, f"/disputes/{dispute_id}/resolve", {"resolution": "withdrawn"})
    assert answer.status_code == 422
    assert "resolve" in client.get(f"/debtors/{code}").text  # still open: its resolve form is still there


def test_an_item_is_held_out_of_dunning_and_released_with_a_reason(web_app, signed_in) -> None:
    code, number, _ = _debtor_with_contacts_and_items(web_app)
    client = signed_in("finance")
    held = _post(client, code, "/holds", {"number": number, "hold": "1", "reason": "对方已提交付款审批"})
    assert held.status_code == 303
    with web_app.state.web.runtime.sessions() as session:
        assert session.execute(select(Receivable.dunning_block).where(Receivable.number == number)).scalar_one()
    again = _post(client, code, "/holds", {"number": number, "hold": "1", "reason": "again"})
    assert again.status_code == 422 and "already on hold" in again.text
    released = _post(client, code, "/holds", {"number": number, "hold": "0", "reason": "审批被退回"})
    assert released.status_code == 303
    with web_app.state.web.runtime.sessions() as session:
        assert not session.execute(select(Receivable.dunning_block).where(Receivable.number == number)).scalar_one()


def test_a_viewer_can_change_nothing_on_the_debtor_page(web_app, signed_in) -> None:
    code, number, _ = _debtor_with_contacts_and_items(web_app)
    client = signed_in("viewer")
    page = client.get(f"/debtors/{code}").text
    assert "/holds" not in page and "/contacts\"" not in page and "/interactions" not in page
    for path, data in (("/holds", {"number": number, "hold": "1", "reason": "x"}),
                       ("/contacts", {"name": "x", "role": "finance"}),
                       ("/disputes", {"items": number, "reason": "x"})):
        assert _post(client, code, path, data).status_code == 403, path


def test_the_debtor_page_shows_the_risk_flag_and_the_collector(web_app, signed_in) -> None:
    from datetime import date

    from sqlalchemy import update

    code, _, _ = _debtor_with_contacts_and_items(web_app)
    with web_app.state.web.runtime.sessions.begin() as session:
        session.execute(update(Debtor).where(Debtor.code == code).values(
            risk_flag=True, risk_flagged_on=date(2026, 6, 1), collector="小李"))
    page = signed_in("viewer").get(f"/debtors/{code}").text
    header = page[page.index("<h1>"):page.index("</h1>")]
    assert "Risk" in header and "2026-06-01" in header
    assert "小李" in page
    listing = signed_in("viewer").get("/debtors", params={"collector": "小李"}).text
    assert f'href="/debtors/{code}"' in listing and listing.count('<tr>') >= 1
