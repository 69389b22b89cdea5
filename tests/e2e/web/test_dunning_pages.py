"""The dunning pages through HTTP, on both backends: finance starts a proposal for a date, reviews it with
filters, excludes a debtor, approves, executes in the background with progress, sees the result and downloads
a letter; a viewer only reads, forms without their CSRF token are refused, and every step is audited."""

from __future__ import annotations

import re
import time
from datetime import date
from urllib.parse import unquote

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from receivables.storage.database import unit_of_work
from receivables.storage.schema import AuditEntry
from receivables.storage.schema.dunning import DunningAction, DunningProposal, DunningRun
from receivables.storage.schema.parties import Debtor
from tests.e2e.web.conftest import AS_OF, SignIn, csrf_of

LETTER_DEBTORS = ("D00039", "D00041", "D00044")
"""Small-demo debtors overdue long enough for a demand letter once they have had their call (level 3)."""
LAWYER_DEBTOR = "D00057"
"""One debtor past the final demand (level 5): its lawyer letter awaits the legal role's approval."""


def debtors_due_letters(sessions: sessionmaker[Session]) -> None:
    """Moves the demo's debtors up the ladder, as earlier runs would have: the next run proposes letters."""
    with unit_of_work(sessions) as session:
        session.execute(update(Debtor).where(Debtor.code.in_(LETTER_DEBTORS))
                        .values(dunning_level=3, dunning_stepped_on=date(2026, 5, 1)))
        session.execute(update(Debtor).where(Debtor.code == LAWYER_DEBTOR)
                        .values(dunning_level=5, dunning_stepped_on=date(2026, 3, 1)))


def _count(app: FastAPI, entity: type) -> int:
    with unit_of_work(app.state.web.runtime.sessions) as session:
        return int(session.execute(select(func.count()).select_from(entity)).scalar_one())


def _audited(app: FastAPI, action: str) -> list[str]:
    with unit_of_work(app.state.web.runtime.sessions) as session:
        return list(session.execute(select(AuditEntry.actor).where(AuditEntry.action == action)).scalars())


def _statuses(app: FastAPI, run_id: int) -> dict[str, str]:
    with unit_of_work(app.state.web.runtime.sessions) as session:
        return {code: status for code, status in session.execute(
            select(Debtor.code, DunningProposal.status).join(Debtor, Debtor.id == DunningProposal.debtor_id)
            .where(DunningProposal.run_id == run_id))}


def _start(client: TestClient) -> int:
    token = csrf_of(client.get("/dunning").text)
    answer = client.post("/dunning", data={"as_of": AS_OF.isoformat(), "csrf_token": token})
    assert answer.status_code == 303, answer.text
    found = re.fullmatch(r"/dunning/(\d+)", answer.headers["location"])
    assert found, answer.headers["location"]
    return int(found.group(1))


def _wait_until_executed(client: TestClient, run_id: int) -> dict[str, object]:
    for _ in range(600):
        job = client.get(f"/dunning/{run_id}/progress").json()
        if job["state"] != "running":
            return job
        time.sleep(0.1)
    raise AssertionError("the execution did not finish")


def test_finance_starts_approves_executes_a_run_and_downloads_a_letter(web_app: FastAPI, signed_in: SignIn) -> None:
    debtors_due_letters(web_app.state.web.runtime.sessions)
    client = signed_in("finance")
    assert client.get("/dunning/1/progress").json() == {"state": "idle"}
    run_id = _start(client)
    page = client.get(f"/dunning/{run_id}").text
    assert {*LETTER_DEBTORS, LAWYER_DEBTOR} <= set(_statuses(web_app, run_id))
    assert all(f'data-debtor="{code}"' in page for code in (*LETTER_DEBTORS, LAWYER_DEBTOR))
    left_out, kept = LETTER_DEBTORS[0], LETTER_DEBTORS[1:]

    token = csrf_of(page)
    answer = client.post(f"/dunning/{run_id}/approve", data={"exclude": [left_out], "csrf_token": token})
    assert answer.status_code == 303, answer.text
    statuses = _statuses(web_app, run_id)
    assert statuses[left_out] == "excluded"
    assert all(statuses[code] == "approved" for code in kept)
    assert statuses[LAWYER_DEBTOR] == "proposed", "a lawyer letter is legal's to approve"
    page = client.get(answer.headers["location"]).text
    assert re.search(r'id="awaiting">[^<]*1 by legal', page)

    answer = client.post(f"/dunning/{run_id}/execute", data={"letter_format": "pdf", "workers": "1",
                                                            "csrf_token": token})
    assert answer.status_code == 303, answer.text
    job = _wait_until_executed(client, run_id)
    assert job["state"] == "done", job
    summary = job["summary"]
    assert isinstance(summary, dict) and summary["letters"] == len(kept)

    page = client.get(f"/dunning/{run_id}").text
    assert 'id="result"' in page and f"{len(kept)} letters issued" in page
    assert f"{summary['emails_sent']} e-mails sent, {summary['emails_queued']} queued" in page
    assert summary["emails_sent"] + summary["emails_queued"] > 0
    links = re.findall(rf'href="(/dunning/{run_id}/letters/\d+/pdf)"', page)
    assert len(links) == len(kept)
    assert not re.search(rf'/dunning/{run_id}/letters/\d+/docx', page)
    download = client.get(links[0])
    assert download.status_code == 200 and download.content.startswith(b"%PDF")
    disposition = download.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    name = unquote(disposition.split("filename*=UTF-8''", 1)[1])
    assert name.endswith(".pdf") and name[:-4] in page
    statuses = _statuses(web_app, run_id)
    assert (statuses[left_out], statuses[LAWYER_DEBTOR]) == ("excluded", "proposed")
    assert all(statuses[code] == "done" for code in kept)
    assert _audited(web_app, "dunning.run.propose") == ["finance"]
    assert _audited(web_app, "dunning.run.approve") == ["finance"]
    assert _audited(web_app, "dunning.run.execute") == ["finance"]


def test_a_letter_is_downloaded_only_through_the_run_that_issued_it(web_app: FastAPI, signed_in: SignIn) -> None:
    client = signed_in("finance")
    assert client.get("/dunning/999/letters/1/pdf").status_code == 404
    assert client.get("/dunning/999").status_code == 404


def test_the_review_filters_by_debtor_and_level(web_app: FastAPI, signed_in: SignIn) -> None:
    debtors_due_letters(web_app.state.web.runtime.sessions)
    client = signed_in("viewer")
    run_id = _start(signed_in("finance"))
    codes = sorted(_statuses(web_app, run_id))
    page = client.get(f"/dunning/{run_id}", params={"debtor": codes[0]}).text
    assert re.findall(r'data-debtor="([^"]+)"', page) == [codes[0]]
    shown = client.get(f"/dunning/{run_id}", params={"level": "4"}).text
    assert sorted(re.findall(r'data-debtor="([^"]+)"', shown)) == sorted(LETTER_DEBTORS)
    shown = client.get(f"/dunning/{run_id}", params={"approver": "legal"}).text
    assert re.findall(r'data-debtor="([^"]+)"', shown) == [LAWYER_DEBTOR]


def test_a_viewer_reads_the_runs_but_cannot_start_approve_or_execute(web_app: FastAPI, signed_in: SignIn) -> None:
    run_id = _start(signed_in("finance"))
    viewer = signed_in("viewer")
    page = viewer.get(f"/dunning/{run_id}").text
    assert viewer.get("/dunning").status_code == 200 and 'id="approve-form"' not in page
    token = csrf_of(page)
    runs, actions = _count(web_app, DunningRun), _count(web_app, DunningAction)
    assert viewer.post("/dunning", data={"csrf_token": token}).status_code == 403
    assert viewer.post(f"/dunning/{run_id}/approve", data={"csrf_token": token}).status_code == 403
    assert viewer.post(f"/dunning/{run_id}/execute", data={"csrf_token": token,
                                                           "letter_format": "pdf"}).status_code == 403
    assert (_count(web_app, DunningRun), _count(web_app, DunningAction)) == (runs, actions)
    assert set(_statuses(web_app, run_id).values()) == {"proposed"}


def test_dunning_forms_without_their_csrf_token_are_refused(web_app: FastAPI, signed_in: SignIn) -> None:
    client = signed_in("finance")
    run_id = _start(client)
    assert client.post("/dunning", data={"as_of": AS_OF.isoformat()}).status_code == 403
    assert client.post(f"/dunning/{run_id}/approve", data={"csrf_token": "forged"}).status_code == 403
    assert client.post(f"/dunning/{run_id}/execute", data={"letter_format": "pdf"}).status_code == 403
    assert _count(web_app, DunningRun) == 1
    assert set(_statuses(web_app, run_id).values()) == {"proposed"}
    assert _count(web_app, DunningAction) == 0


def test_excluding_a_debtor_the_run_does_not_propose_is_refused_and_approves_nothing(
        web_app: FastAPI, signed_in: SignIn) -> None:
    client = signed_in("finance")
    run_id = _start(client)
    answer = client.post(f"/dunning/{run_id}/approve", data={"exclude_codes": "NO-SUCH-DEBTOR",
                                                            "csrf_token": csrf_of(client.get("/dunning").text)})
    assert answer.status_code == 422 and "NO-SUCH-DEBTOR" in answer.text
    assert set(_statuses(web_app, run_id).values()) == {"proposed"}
    assert _audited(web_app, "dunning.run.approve") == []


def test_a_bad_date_or_letter_format_is_refused_with_a_message(web_app: FastAPI, signed_in: SignIn) -> None:
    client = signed_in("finance")
    token = csrf_of(client.get("/dunning").text)
    answer = client.post("/dunning", data={"as_of": "2026-02-30", "csrf_token": token})
    assert answer.status_code == 422 and "date" in answer.text
    assert _count(web_app, DunningRun) == 0
    run_id = _start(client)
    answer = client.post(f"/dunning/{run_id}/execute", data={"letter_format": "odt", "csrf_token": token})
    assert answer.status_code == 422 and "odt" in answer.text
    assert client.get(f"/dunning/{run_id}/progress").json() == {"state": "idle"}


def test_executing_a_superseded_run_fails_in_the_background_with_the_reason_and_does_nothing(
        web_app: FastAPI, signed_in: SignIn) -> None:
    client = signed_in("finance")
    first = _start(client)
    _start(client)
    answer = client.post(f"/dunning/{first}/execute", data={"letter_format": "pdf", "workers": "1",
                                                           "csrf_token": csrf_of(client.get("/dunning").text)})
    assert answer.status_code == 303
    job = _wait_until_executed(client, first)
    assert job["state"] == "failed" and "superseded" in str(job["error"])
    assert _count(web_app, DunningAction) == 0
    assert "superseded" in client.get(f"/dunning/{first}").text
