"""An administrator in a real browser (Debian's Chromium via Playwright, as in test_browser.py): adds an LPR
fixing and sees the interest preview change, then looks at every administration page. Screenshots are kept
in test-artifacts/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from receivables.bootstrap import start
from receivables.config import Settings
from receivables.services.users import add_user
from receivables.storage.database import unit_of_work
from tests.e2e.web.conftest import PASSWORD
from tests.e2e.web.test_browser import ARGS, CHROMIUM, _shot, server  # noqa: F401 - `server` is a fixture

# The template editor shows the PDF in Chromium's own viewer, which loads its parts from the browser itself.
BROWSER_INTERNAL = ("chrome://", "chrome-extension://")


@pytest.fixture
def page(server: str) -> Iterator[object]:  # noqa: F811
    """As test_browser.py's page, except that the browser's built-in PDF viewer may load its own parts;
    anything else not from this server fails the test."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1366, "height": 900}, base_url=server)
        outside: list[str] = []
        context.route("**/*", lambda route: (route.continue_() if route.request.url.startswith((server,
                                                                                                *BROWSER_INTERNAL))
                                             else (outside.append(route.request.url), route.abort())))
        yield context.new_page()
        assert outside == [], f"requests outside the application: {outside}"
        browser.close()


@pytest.fixture
def administrator(server: str, tmp_path: Path) -> str:  # noqa: F811 - `server` is the imported fixture
    """An administrator in the server's database (the `server` fixture keeps it in tmp_path/web.sqlite)."""
    runtime = start(Settings(home=tmp_path, database_url=f"sqlite:///{tmp_path / 'web.sqlite'}", user="test"))
    with unit_of_work(runtime.sessions) as session:
        add_user(session, "root", "admin", PASSWORD, actor="test", locale="zh")
    runtime.close()
    return "root"


def test_an_administrator_adds_an_lpr_fixing_and_sees_the_interest_change(
        page, administrator: str) -> None:  # noqa: F811
    page.goto("/admin")
    page.fill("input[name=user_name]", administrator)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/admin")
    assert page.locator("h1").first.inner_text() == "系统管理"
    _shot(page, "admin-01-home")

    page.click("nav.admin-nav >> text=利率表")
    page.wait_for_url("**/admin/rates")
    preview = page.locator("#interest-preview")
    preview.locator("input[name=principal]").fill("100000")
    preview.locator("input[name=first]").fill("2025-07-01")
    preview.locator("input[name=last]").fill("2026-06-30")
    preview.locator("input[name=rule]").fill("lpr-floating:1")
    preview.locator("button[type=submit]").click()
    page.wait_for_url("**rule=lpr-floating*")
    assert page.locator("#interest-total").inner_text() == "CNY 3,000.00"
    _shot(page, "admin-02-rates-before")

    fixing = page.locator("#add-fixing")
    fixing.locator("select[name=series]").select_option("cn_lpr_1y")
    fixing.locator("input[name=effective_on]").fill("2026-01-20")
    fixing.locator("input[name=percent]").fill("3.50")
    fixing.locator("input[name=source]").fill("测试：2026年1月LPR")
    fixing.locator("button[type=submit]").click()
    page.wait_for_url("**done=fixing_added*")
    assert page.locator("p.ok").count() == 1
    assert page.locator("#interest-total").inner_text() == "CNY 3,221.91"
    assert "3.50" in page.locator("#fixings table").inner_text()
    _shot(page, "admin-03-rates-after")

    for section, expected, name in (("用户与角色", "root", "admin-04-users"),
                                    ("节假日", "2026", "admin-05-holidays"),
                                    ("函件模板", "demand", "admin-06-templates"),
                                    ("邮件设置", "RECEIVABLES_SMTP", "admin-08-mail")):
        page.click(f"nav.admin-nav >> text={section}")
        page.locator("main").get_by_text(expected).first.wait_for()
        _shot(page, name)
        if section == "函件模板":
            page.click("#template-list >> text=demand >> nth=0")
            page.wait_for_url("**/admin/templates/*/demand")
            assert "{{" in page.locator("textarea[name=text]").input_value()
            _shot(page, "admin-07-template-editor")

    page.goto("/admin/holidays?day=2026-10-05")
    assert "休息日" in page.locator("#day-result").inner_text()
    page.goto("/admin/audit?actor=root")
    rows = page.locator("#audit-entries tbody tr")
    assert rows.first.inner_text().count("rate.add") == 1
    _shot(page, "admin-09-audit")
