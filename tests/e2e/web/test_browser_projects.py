"""Projects and reconciliations in a real browser (Debian's Chromium, never a downloaded one): a project manager
sees only the contracts they manage, opens one with its milestones and retention schedule, and gets "not found"
for another manager's contract; a finance clerk lists statements and matches an uploaded ledger of the debtor.
Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select, update

from receivables.bootstrap import start
from receivables.config import Settings
from receivables.services.projects import list_projects
from receivables.services.users import add_user
from receivables.storage.database import unit_of_work
from receivables.storage.schema import Contract
from receivables.storage.schema.projects import ConstructionProject
from tests.e2e.web.conftest import AS_OF, PASSWORD
from tests.e2e.web.test_browser import _shot, page, server  # noqa: F401  (the same real server and browser)


@pytest.fixture
def contracts(server: str, tmp_path: Path) -> tuple[tuple[str, str], tuple[str, str]]:  # noqa: F811
    """((debtor, contract) now managed by the user `project_manager`, (debtor, contract) of someone else)."""
    settings = Settings(home=tmp_path, database_url=f"sqlite:///{tmp_path / 'web.sqlite'}", user="test")
    runtime = start(settings)
    try:
        with unit_of_work(runtime.sessions) as session:
            add_user(session, "project_manager", "project_manager", PASSWORD, actor="test", locale="en")
            lines = list_projects(session, AS_OF)
            contract_id = session.execute(select(Contract.id).where(
                Contract.number == lines[0].contract_number)).scalar_one()
            session.execute(update(ConstructionProject).where(ConstructionProject.contract_id == contract_id)
                            .values(project_manager="project_manager"))
    finally:
        runtime.close()
    return (lines[0].debtor_code, lines[0].contract_number), (lines[1].debtor_code, lines[1].contract_number)


def _sign_in(page, name: str) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    page.goto("/signin")
    page.fill("input[name=user_name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def test_a_project_manager_sees_only_their_contracts(page, contracts) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    (debtor, mine), (other_debtor, other) = contracts
    _sign_in(page, "project_manager")
    page.click("header nav >> text=Projects")
    page.wait_for_url("**/projects")
    rows = page.locator("#contracts tbody tr[data-contract]")
    assert rows.count() == 1
    assert rows.first.get_attribute("data-contract") == mine
    assert other not in page.locator("main").inner_text()
    _shot(page, "30-projects-manager")

    page.click(f"#contracts >> text={mine}")
    page.wait_for_url(f"**/projects/{debtor}/{mine}")
    assert page.locator("#milestones").is_visible() and page.locator("#schedule").is_visible()
    _shot(page, "31-project-contract")

    answer = page.goto(f"/projects/{other_debtor}/{other}")
    assert answer is not None and answer.status == 404
    assert page.locator("#figures").count() == 0
    _shot(page, "32-project-of-another-manager")


def test_a_clerk_lists_statements_and_matches_a_debtors_ledger(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    _sign_in(page, "clerk")
    page.click("header nav >> text=对账")
    page.wait_for_url("**/reconciliations")
    _shot(page, "33-reconciliations")
    page.click(".subnav >> text=核对对方账簿")
    page.wait_for_url("**/reconciliations/match")
    ledger = tmp_path / "ledger.csv"
    ledger.write_text("日期,发票号,摘要,借方,贷方\n2026-05-01,NOT-OURS-1,采购,,100.00\n", encoding="utf-8")
    page.fill("#match-form input[name=debtor]", "D00002")
    page.set_input_files("#match-form input[name=ledger]", str(ledger))
    page.click("#match-form button[type=submit]")
    page.locator("#match-report").wait_for()
    assert "NOT-OURS-1" in page.locator("#only-theirs").inner_text()
    _shot(page, "34-reconciliation-match")
    with page.expect_download() as download:
        page.click("#report-download")
    assert download.value.suggested_filename.endswith(".xlsx")
