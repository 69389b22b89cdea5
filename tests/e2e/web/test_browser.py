"""The web application in a real browser (Debian's Chromium driven by Playwright; no browser is downloaded):
sign in, look at the dashboard and the debtor list, open a debtor, record a promise and find it on the
timeline. A screenshot of each main page is kept in test-artifacts/screenshots/."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from receivables.bootstrap import start
from receivables.config import Settings
from receivables.services.demo import load_demo
from receivables.services.setup import initialise
from receivables.services.users import add_user
from receivables.storage.database import unit_of_work
from receivables.web.app import create_app
from tests.e2e.web.conftest import AS_OF, PASSWORD, SECRET

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "screenshots"


def _need_chromium() -> None:
    if not CHROMIUM.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI must run the browser tests: /usr/bin/chromium is missing (apt-get install chromium)")
        pytest.skip("/usr/bin/chromium is not installed (apt-get install chromium); browser tests skipped")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """A real uvicorn on 127.0.0.1 and a random port, over a SQLite demo ledger."""
    import uvicorn

    _need_chromium()
    settings = Settings(home=tmp_path, database_url=f"sqlite:///{tmp_path / 'web.sqlite'}", user="test")
    runtime = start(settings)
    initialise(runtime.engine, runtime.sessions, actor="test")
    load_demo(runtime.sessions, size="small", as_of=AS_OF, actor="test")
    with unit_of_work(runtime.sessions) as session:
        add_user(session, "clerk", "finance", PASSWORD, actor="test", locale="zh")
    app = create_app(settings, runtime=runtime, secret_key=SECRET, today=lambda: AS_OF)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    runtime.close()


@pytest.fixture
def page(server: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1366, "height": 900}, base_url=server)
        # Nothing may come from outside this server: any other request fails the test.
        outside: list[str] = []
        context.route("**/*", lambda route: (route.continue_() if route.request.url.startswith(server)
                                             else (outside.append(route.request.url), route.abort())))
        yield context.new_page()
        assert outside == [], f"requests outside the application: {outside}"
        browser.close()


def _shot(page: object, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def test_a_clerk_signs_in_opens_a_debtor_and_records_a_promise(page) -> None:
    page.goto("/")
    assert "/signin" in page.url
    _shot(page, "01-signin")
    page.fill("input[name=user_name]", "clerk")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")
    assert page.locator("svg.chart").count() >= 1
    assert page.locator("h1").first.inner_text().startswith("总览")
    _shot(page, "02-dashboard")

    page.click("header nav >> text=客户")
    page.wait_for_url("**/debtors")
    rows = page.locator("table.list tbody tr")
    assert rows.count() == 50
    _shot(page, "03-debtors")
    page.fill("input[name=q]", page.locator("table.list tbody tr td a").first.inner_text())
    page.click("form.filters button[type=submit]")
    assert page.locator("table.list tbody tr").count() >= 1

    page.locator("table.list tbody tr td a").first.click()
    page.wait_for_url("**/debtors/*")
    assert page.locator("text=未清项目").count() == 1
    _shot(page, "04-debtor")

    page.fill("input[name=amount]", "8888.00")
    page.fill("input[name=promised_on]", "2026-07-15")
    page.fill("input[name=note]", "财务经理电话承诺")
    page.click("#promises button[type=submit]")
    page.wait_for_url("**saved=promise*")
    assert page.locator("#promises .ok").count() == 1
    assert page.locator("#promises table").inner_text().count("8,888.00") == 1
    assert "8,888.00" in page.locator("#timeline").inner_text()
    _shot(page, "05-debtor-promise")

    page.select_option("select[name=locale]", "en")  # the page script submits the choice
    page.locator("h2", has_text="Open items").wait_for(timeout=15_000)
    page.goto("/api/docs")
    _shot(page, "06-api-docs")
    page.click("text=Sign out")
    page.wait_for_url("**/signin")
