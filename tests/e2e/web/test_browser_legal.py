"""Legal's main path in a real browser (Debian's Chromium, as in test_browser.py): preview and issue a demand,
record its delivery with a proof file, and see the items' limitation date move; then the watchlist, law firms,
lawyer letters and cases. A screenshot of each page is kept in test-artifacts/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from sqlalchemy import select

from receivables.bootstrap import start
from receivables.config import Settings
from receivables.services.letter_preview import preview_data
from receivables.services.letters import LetterRefused, catalog_for
from receivables.services.users import add_user
from receivables.storage.blobs import BlobStore
from receivables.storage.database import unit_of_work
from receivables.storage.schema import Debtor
from tests.e2e.web.conftest import AS_OF, PASSWORD
from tests.e2e.web.test_browser import ARGS, CHROMIUM, _shot, server  # noqa: F401  (the server fixture)

PROOF = b"%PDF-1.4\n% EMS signed receipt\n%%EOF\n"
BUILT_IN = ("chrome://", "chrome-extension://")
"""Chromium's own PDF viewer loads its parts from inside the browser: not the network."""


@pytest.fixture
def page(server: str) -> Iterator[object]:  # noqa: F811
    """As test_browser's page, except that the browser's built-in PDF viewer (which shows the letter in its
    frame) may load its own parts; anything fetched from another web address still fails the test."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1366, "height": 900}, base_url=server)
        outside: list[str] = []
        context.route("**/*", lambda route: (route.continue_() if route.request.url.startswith((server, *BUILT_IN))
                                             else (outside.append(route.request.url), route.abort())))
        yield context.new_page()
        assert outside == [], f"requests outside the application: {outside}"
        browser.close()


def _legal_user_and_a_debtor_to_demand(home: Path) -> str:
    """Adds the user `counsel` (legal role) to the server's ledger; the first debtor a demand can be issued to."""
    settings = Settings(home=home, database_url=f"sqlite:///{home / 'web.sqlite'}", user="test")
    runtime = start(settings)
    try:
        with unit_of_work(runtime.sessions) as session:
            add_user(session, "counsel", "legal", PASSWORD, actor="test", locale="zh")
            for code in session.execute(select(Debtor.code).order_by(Debtor.code)).scalars():
                try:
                    preview_data(session, template="demand", debtor_code=code, as_of=AS_OF, locale="zh_CN",
                                 catalog=catalog_for(settings.user_templates_dir), blobs=BlobStore(settings.blob_dir))
                except LetterRefused:
                    continue
                return code
    finally:
        runtime.close()
    raise AssertionError("the demo has no debtor with an overdue item")


def _expiries(page) -> list[str]:
    return page.locator("#limitation td.expires").all_inner_texts()


def test_legal_records_a_delivery_with_a_proof_and_sees_the_limitation_date_move(page, server: str,  # noqa: F811
                                                                                  tmp_path: Path) -> None:
    debtor = _legal_user_and_a_debtor_to_demand(tmp_path)
    page.goto("/signin")
    page.fill("input[name=user_name]", "counsel")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")

    page.click("header nav >> text=函件")
    page.wait_for_url("**/letters")
    _shot(page, "30-letters")
    page.click("text=开具函件")
    page.wait_for_url("**/letters/new")
    page.fill("input[name=debtor]", debtor)
    page.select_option("select[name=template]", "demand")
    page.click("#letter-choice button[type=submit]")
    page.wait_for_selector("#issue-form")
    assert page.locator("iframe.pdf").count() == 1
    _shot(page, "31-letter-preview")
    page.click("#issue-form button[type=submit]")
    page.wait_for_url("**/letters/*?saved=issued")
    assert page.locator("p.ok").count() == 1
    before = _expiries(page)
    assert before, "the letter page lists its items' limitation"
    _shot(page, "32-letter")

    proof = tmp_path / "签收回执.pdf"
    proof.write_bytes(PROOF)
    delivered = AS_OF
    page.fill("input[name=delivered_on]", delivered.isoformat())
    page.select_option("select[name=channel]", "registered_mail")
    page.fill("input[name=tracking_number]", "1190012345678")
    page.fill("input[name=signed_by]", "张会计")
    page.set_input_files("input[name=proof]", str(proof))
    page.click("#delivery-form button[type=submit]")
    page.wait_for_url("**saved=delivery*")
    after = _expiries(page)
    assert len(after) == len(before)
    assert all(date.fromisoformat(a) > date.fromisoformat(b) for a, b in zip(after, before))
    # Three years from the evidenced delivery (moved past a weekend or holiday to the next working day).
    three_years = date(delivered.year + 3, delivered.month, delivered.day)
    assert all(three_years <= date.fromisoformat(a) <= three_years + timedelta(days=10) for a in after)
    facts = page.locator("#deliveries table").first.inner_text()
    assert "有据送达" in facts and "签收回执.pdf" in facts and "1190012345678" in facts
    _shot(page, "33-letter-delivered")

    page.click("header nav >> text=法务")
    page.wait_for_url("**/legal")
    assert page.locator("#watchlist").count() == 1 and page.locator("text=以上计算不构成法律意见").count() == 1
    _shot(page, "34-legal-watchlist")
    page.click("nav.subnav >> text=律师事务所")
    page.wait_for_url("**/legal/firms")
    page.fill("#add-firm input[name=name]", "金杜律师事务所")
    page.fill("#add-firm input[name=address]", "北京市朝阳区东三环中路1号")
    page.fill("#add-firm input[name=lawyer]", "李律师")
    page.fill("#add-firm input[name=licence_number]", "11101200510012345")
    page.fill("#add-firm input[name=phone]", "010-58785588")
    page.click("#add-firm button[type=submit]")
    page.wait_for_url("**saved=added")
    assert "金杜律师事务所" in page.locator("#firms").inner_text()
    _shot(page, "35-legal-firms")
    page.click("nav.subnav >> text=律师函")
    page.wait_for_url("**/legal/lawyer-letters")
    _shot(page, "36-legal-lawyer-letters")
    page.click("nav.subnav >> text=案件")
    page.wait_for_url("**/legal/cases")
    _shot(page, "37-legal-cases")
