"""Every page renders for every role in both languages, with dates and amounts written for the reader."""

from __future__ import annotations

import re

import pytest

from receivables.services.users import ROLES
from tests.e2e.web.conftest import csrf_of


@pytest.mark.parametrize("role", ROLES)
def test_every_main_page_renders_for_every_role(signed_in, role: str) -> None:
    client = signed_in(role)
    dashboard = client.get("/")
    assert dashboard.status_code == 200 and "<svg" in dashboard.text
    listing = client.get("/debtors", params={"sort": "name", "desc": "false", "page": 2, "per_page": 20})
    assert listing.status_code == 200 and listing.text.count('<tr>') >= 20
    code = re.search(r'href="/debtors/([^"?]+)"', listing.text).group(1)
    debtor = client.get(f"/debtors/{code}")
    assert debtor.status_code == 200 and code in debtor.text
    assert ("/promises" in debtor.text) == (role != "viewer")
    assert client.get("/api/docs").status_code == 200


def test_the_language_is_switched_per_user_and_formats_follow(signed_in) -> None:
    client = signed_in("finance")  # the fixture's users start in English
    english = client.get("/")
    assert "Dashboard" in english.text and re.search(r"As of</small>|As of 2026-06-30", english.text)
    answer = client.post("/language", data={"locale": "zh", "back": "/debtors", "csrf_token": csrf_of(english.text)})
    assert answer.status_code == 303 and answer.headers["location"] == "/debtors"
    chinese = client.get("/")
    assert "总览" in chinese.text and "2026年6月30日" in chinese.text
    assert re.search(r"\d{1,3}(,\d{3})+\.\d{2}", chinese.text)
    other = signed_in("viewer")
    assert "Dashboard" in other.get("/").text  # the choice is the user's own


def test_the_debtor_list_filters_and_pages(signed_in) -> None:
    client = signed_in("viewer")
    everything = client.get("/debtors", params={"per_page": 500}).text
    total = int(re.search(r"of \d+, (\d+) rows", everything).group(1))
    overdue_long = client.get("/debtors", params={"bucket": ">365", "per_page": 500}).text
    shown = int(re.search(r"of \d+, (\d+) rows", overdue_long).group(1))
    assert 0 < shown < total
    ignored = client.get("/debtors", params={"bucket": "nonsense", "per_page": 500}).text  # an unknown bucket: all
    assert int(re.search(r"of \d+, (\d+) rows", ignored).group(1)) == total
    empty = client.get("/debtors", params={"q": "no such debtor anywhere"}).text
    assert "No matching rows" in empty


def test_a_bad_promise_is_refused_with_its_reason_and_nothing_recorded(signed_in) -> None:
    client = signed_in("legal")
    code = re.search(r'href="/debtors/([^"?]+)"', client.get("/debtors").text).group(1)
    page = client.get(f"/debtors/{code}")
    answer = client.post(f"/debtors/{code}/promises", data={"csrf_token": csrf_of(page.text), "amount": "-5",
                                                            "promised_on": "2026-07-10"})
    assert answer.status_code == 422 and 'role="alert"' in answer.text
    assert "pending" not in client.get(f"/debtors/{code}").text


def test_the_dashboard_draws_the_dso_trend_of_the_last_twelve_months(signed_in) -> None:
    page = signed_in("viewer").get("/").text
    section = page[page.index('id="dso-trend-CNY"'):]
    section = section[:section.index("</section>")]
    labels = ["2025-07", "2025-08", "2025-09", "2025-10", "2025-11", "2025-12",
              "2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
    assert [label for label in labels if f">{label}</text>" in section] == labels
    assert "<polyline" in section and "DSO" in section


def test_every_answer_says_how_long_the_server_worked_on_it(signed_in) -> None:
    answer = signed_in("viewer").get("/debtors")
    assert re.fullmatch(r"app;dur=\d+\.\d", answer.headers["Server-Timing"])
