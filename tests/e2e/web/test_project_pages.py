"""The project pages through HTTP, on both backends: contracts with billed, received, open, overdue and retention;
a contract's milestones and retention schedule with each date's rule; targets against recovered; and a project
manager who sees only the contracts they manage (another manager's contract is 404)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from fastapi import FastAPI
from sqlalchemy import select, update

from receivables.services.projects import list_projects
from receivables.services.targets import set_target
from receivables.storage.database import unit_of_work
from receivables.storage.schema import Contract
from receivables.storage.schema.projects import ConstructionProject
from tests.e2e.web.conftest import AS_OF, SignIn


def _assign(app: FastAPI, number: str, manager: str) -> None:
    with unit_of_work(app.state.web.runtime.sessions) as session:
        contract_id = session.execute(select(Contract.id).where(Contract.number == number)).scalar_one()
        session.execute(update(ConstructionProject).where(ConstructionProject.contract_id == contract_id)
                        .values(project_manager=manager))


@pytest.fixture
def contracts(web_app: FastAPI) -> list[tuple[str, str, str | None]]:
    """(debtor, contract, manager) of the demo's construction contracts; the first now managed by `project_manager`."""
    with unit_of_work(web_app.state.web.runtime.sessions) as session:
        lines = list_projects(session, AS_OF)
    assert len(lines) > 3
    _assign(web_app, lines[0].contract_number, "project_manager")
    return [(x.debtor_code, x.contract_number, "project_manager" if i == 0 else x.project_manager)
            for i, x in enumerate(lines)]


def test_a_viewer_sees_every_contract_with_billed_received_open_overdue_and_retention(
        web_app: FastAPI, signed_in: SignIn, contracts: list[tuple[str, str, str | None]]) -> None:
    page = signed_in("viewer").get("/projects")
    assert page.status_code == 200
    for _, number, _ in contracts:
        assert f'data-contract="{number}"' in page.text
    for heading in ("Billed", "Received", "Open", "Overdue", "Retention held", "Retention due", "Open retention"):
        assert heading in page.text


def test_a_contract_page_shows_milestones_and_the_retention_schedule_with_its_rules(
        web_app: FastAPI, signed_in: SignIn, contracts: list[tuple[str, str, str | None]]) -> None:
    client = signed_in("finance")
    shown = 0
    for debtor, number, _ in contracts[:6]:
        page = client.get(f"/projects/{debtor}/{number}")
        assert page.status_code == 200
        assert number in page.text and 'id="milestones"' in page.text and 'id="schedule"' in page.text
        shown += "retention due" in page.text
    assert shown, "no demo contract shows a retention due date with its rule"


def test_a_project_manager_sees_only_their_own_contracts_and_retention(
        web_app: FastAPI, signed_in: SignIn, contracts: list[tuple[str, str, str | None]]) -> None:
    mine = [c for c in contracts if c[2] == "project_manager"]
    others = [c for c in contracts if c[2] != "project_manager"]
    client = signed_in("project_manager")
    page = client.get("/projects")
    assert page.status_code == 200
    assert page.text.count("data-contract=") == len(mine) == 1
    assert f'data-contract="{mine[0][1]}"' in page.text
    for _, number, _ in others:
        assert number not in page.text  # neither in the list nor in the retention table
    assert client.get(f"/projects/{mine[0][0]}/{mine[0][1]}").status_code == 200
    debtor, number, _ = others[0]
    refused = client.get(f"/projects/{debtor}/{number}")
    assert refused.status_code == 404
    assert 'id="figures"' not in refused.text and 'id="milestones"' not in refused.text


def test_targets_show_what_was_recovered_and_a_manager_sees_only_their_contracts_targets(
        web_app: FastAPI, signed_in: SignIn, contracts: list[tuple[str, str, str | None]]) -> None:
    mine, other = contracts[0][1], contracts[1][1]
    with unit_of_work(web_app.state.web.runtime.sessions) as session:
        for number in (mine, other):
            set_target(session, scope="contract", name=number, period="2026", amount=Decimal("1000000.00"),
                       actor="test")
    everything = signed_in("viewer").get("/projects", params={"period": "2026"}).text
    targets = everything.split('id="targets"')[1]
    assert mine in targets and other in targets and "1,000,000.00" in targets
    own = signed_in("project_manager").get("/projects", params={"period": "2026"}).text.split('id="targets"')[1]
    assert mine in own and other not in own


def test_a_wrong_period_is_named_and_the_page_still_answers(web_app: FastAPI, signed_in: SignIn) -> None:
    page = signed_in("viewer").get("/projects", params={"period": "2026-13"})
    assert page.status_code == 200
    assert 'role="alert"' in page.text and "2026-13" in page.text


def test_projects_need_a_signed_in_user(anonymous) -> None:  # type: ignore[no-untyped-def]
    answer = anonymous.get("/projects")
    assert answer.status_code == 303 and answer.headers["location"].startswith("/signin")
