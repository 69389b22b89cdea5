"""Finance's dunning path in a real browser (Debian's Chromium, as in test_browser.py): start a proposal, filter
it, leave a debtor out, approve, execute with the progress shown in the page, see the result and download a
letter. A screenshot of each page is kept in test-artifacts/screenshots/."""

from __future__ import annotations

from pathlib import Path

from receivables.bootstrap import start
from receivables.config import Settings
from tests.e2e.web.conftest import PASSWORD
from tests.e2e.web.test_browser import _shot, page, server  # noqa: F401  (the server and page fixtures)
from tests.e2e.web.test_dunning_pages import LAWYER_DEBTOR, LETTER_DEBTORS, debtors_due_letters


def _ledger_due_letters(home: Path) -> None:
    settings = Settings(home=home, database_url=f"sqlite:///{home / 'web.sqlite'}", user="test")
    runtime = start(settings)
    try:
        debtors_due_letters(runtime.sessions)
    finally:
        runtime.close()


def test_finance_runs_approves_and_executes_a_dunning_proposal_and_downloads_a_letter(
        page, server: str, tmp_path: Path) -> None:  # noqa: F811
    _ledger_due_letters(tmp_path)
    page.goto("/signin")
    page.fill("input[name=user_name]", "clerk")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")

    page.click("header nav >> text=催收")
    page.wait_for_url("**/dunning")
    _shot(page, "dunning-01-runs")
    page.fill("#start-run input[name=as_of]", "2026-06-30")
    page.click("#start-run button[type=submit]")
    page.wait_for_url("**/dunning/*")
    run_url = page.url
    for code in (*LETTER_DEBTORS, LAWYER_DEBTOR):
        assert page.locator(f"#proposals tr[data-debtor='{code}']").count() == 1
    _shot(page, "dunning-02-proposal")

    page.fill("#filters input[name=debtor]", LETTER_DEBTORS[0])
    page.click("#filters button[type=submit]")
    page.wait_for_url("**debtor=*")
    assert page.locator("#proposals > tbody > tr").count() == 1
    page.locator("#proposals details summary").first.click()
    assert page.locator("#proposals details table tbody tr").count() >= 1
    assert "周敏" in page.locator("#proposals details").first.inner_text()  # the routed finance contact
    _shot(page, "dunning-03-filtered-with-items")

    page.goto(run_url)
    page.check(f"#proposals input[name=exclude][value='{LETTER_DEBTORS[0]}']")
    page.click("#approve-form button[type=submit]")
    page.wait_for_url("**approved=*")
    assert page.locator("#approved").count() == 1
    assert "legal" in page.locator("#awaiting").inner_text()
    excluded = page.locator(f"#proposals tr[data-debtor='{LETTER_DEBTORS[0]}'] td.proposal-status").inner_text()
    assert excluded.startswith("已排除")
    _shot(page, "dunning-04-approved")

    page.select_option("#execute-form select[name=letter_format]", "pdf")
    page.fill("#execute-form input[name=workers]", "1")
    page.click("#execute-form button[type=submit]")
    page.locator("#progress").wait_for()
    _shot(page, "dunning-05-executing")
    page.locator("#progress[data-state='done']").wait_for(timeout=120_000)  # the page reloads when done
    assert page.locator("#progress-text").inner_text().strip() == "执行完毕"
    assert page.locator("#issued-letters tbody tr").count() == len(LETTER_DEBTORS) - 1
    _shot(page, "dunning-06-result")

    with page.expect_download() as info:
        page.locator("#issued-letters a.download").first.click()
    download = info.value
    assert download.suggested_filename.endswith(".pdf")
    assert Path(download.path()).read_bytes().startswith(b"%PDF")
