"""The debtor's side in a real browser on a phone-sized screen (Debian's Chromium, never a downloaded one): the
debtor opens the personal link of a statement, switches the language, confirms the balance; a finance user
then finds the confirmation in the inbox. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from receivables.bootstrap import start
from receivables.config import Settings
from receivables.domain.statements import parse_period
from receivables.services.debtor_links import create_link
from receivables.services.letters import catalog_for
from receivables.services.statements import issue_statements
from receivables.storage.blobs import BlobStore
from receivables.storage.database import unit_of_work
from receivables.storage.queries.debtors import debtor_open_items
from receivables.storage.schema import Debtor
from tests.e2e.web.conftest import AS_OF, PASSWORD
from tests.e2e.web.test_browser import ARGS, CHROMIUM, _shot, server  # noqa: F401  (the same real server)

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}


@pytest.fixture
def statement_link(server: str, tmp_path: Path) -> str:  # noqa: F811
    """The URL path of a personal link to the May statement of a demo debtor that owes something."""
    from sqlalchemy import select

    settings = Settings(home=tmp_path, database_url=f"sqlite:///{tmp_path / 'web.sqlite'}", user="test")
    runtime = start(settings)
    try:
        with unit_of_work(runtime.sessions) as session:
            code = next(c for i, c in session.execute(select(Debtor.id, Debtor.code).order_by(Debtor.code))
                        if debtor_open_items(session, i, AS_OF))
            batch = issue_statements(session, period=parse_period("2026-05"), debtor_codes=[code], as_of=AS_OF,
                                     actor="clerk", catalog=catalog_for(settings.user_templates_dir),
                                     blobs=BlobStore(settings.blob_dir), user_templates=settings.user_templates_dir,
                                     workers=1)
            path, _ = create_link(session, code, statement_id=batch.issued[0].id, as_of=AS_OF, actor="clerk")
    finally:
        runtime.close()
    return path


@pytest.fixture
def browser(server: str) -> Iterator[object]:  # noqa: F811
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        outside: list[str] = []

        def context(**options: object) -> object:
            made = chromium.new_context(base_url=server, **options)
            made.route("**/*", lambda route: (route.continue_() if route.request.url.startswith(server)
                                              else (outside.append(route.request.url), route.abort())))
            return made
        yield context
        assert outside == [], f"requests outside the application: {outside}"
        chromium.close()


def test_the_debtor_confirms_a_balance_by_phone_and_finance_sees_it_in_the_inbox(browser, statement_link: str) -> None:
    phone = browser(**PHONE).new_page()
    phone.goto(statement_link)
    assert phone.locator("h2", has_text="对账单").count() == 1
    assert phone.locator("#statement table").is_visible()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is wider than the phone ({width}px)"
    _shot(phone, "20-debtor-link-zh")
    phone.click("text=English")
    phone.locator("h2", has_text="Open items").wait_for()
    closing = phone.locator("#closing").inner_text()
    _shot(phone, "21-debtor-link-en")

    phone.fill("#confirmed input[name=signer]", "Wang Fang 王芳")
    phone.click("#confirmed button[type=submit]")
    phone.wait_for_url("**done=confirmed*")
    assert phone.locator("p.ok", has_text="your confirmation is recorded").count() == 1
    assert phone.locator("#confirmed").count() == 0  # answered: the form is gone
    _shot(phone, "22-debtor-link-confirmed")

    desk = browser(viewport={"width": 1366, "height": 900}).new_page()
    desk.goto("/inbox")
    desk.fill("input[name=user_name]", "clerk")
    desk.fill("input[name=password]", PASSWORD)
    desk.click("button[type=submit]")
    desk.wait_for_url("**/inbox")
    row = desk.locator("#answers tr.kind-confirmed")
    assert row.count() == 1
    text = row.inner_text()
    assert "余额确认" in text and "Wang Fang 王芳" in text and "127.0.0.1" in text
    assert closing.replace(",", "") in text.replace(",", "")
    _shot(desk, "23-inbox-confirmation")
