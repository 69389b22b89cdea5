"""`receivables calc limitation` and `receivables holidays`, run as a user runs them: JSON, tables, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

Run = Callable[..., subprocess.CompletedProcess[str]]
KEYS = {"expires_on", "basis", "events_applied", "events_ignored", "assumptions", "long_stop", "waiver"}


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def cli(home: Path, tmp_path: Path) -> Run:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECEIVABLES_")}
    env.update({"RECEIVABLES_HOME": str(home), "RECEIVABLES_USER": "tester", "COLUMNS": "200"})
    return lambda *args: subprocess.run(["receivables", *args], env=env, cwd=tmp_path, capture_output=True,
                                        text=True, timeout=120)


def _user_year(home: Path, year: int, document: object) -> Path:
    folder = home / "holidays" / "cn"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{year}.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def _schedule(year: int, first: str, last: str) -> dict[str, object]:
    return {"year": year, "notices": [{"title": f"国务院办公厅关于{year}年部分节假日安排的通知", "url": "https://www.gov.cn/"}],
            "source": "typed in from the notice", "holidays": [{"name": "国庆节", "first": first, "last": last}],
            "working_days": []}


def test_domain_example_as_json_has_exactly_the_documented_keys(cli: Run) -> None:
    done = cli("calc", "limitation", "--due", "2021-03-15", "--format", "json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert set(document) == KEYS
    assert document["expires_on"] == "2024-03-15"
    assert document["basis"] == {"kind": "due", "date": "2021-03-15"}
    assert document["events_applied"] == [] and document["events_ignored"] == []
    assert document["assumptions"][-1] == "This is not legal advice."
    assert document["long_stop"] == "2041-03-15" and document["waiver"] is None


def test_a_demand_after_expiry_is_listed_as_ignored_with_its_reason(cli: Run) -> None:
    done = cli("calc", "limitation", "--due", "2021-03-15", "--event", "demand:2023-05-01",
               "--event", "demand:2027-01-01", "--event", "agreement_to_pay:2027-06-01", "--format", "json")
    document = json.loads(done.stdout)
    assert [e["kind"] for e in document["events_applied"]] == ["demand", "agreement_to_pay"]
    assert document["events_ignored"] == [{"kind": "demand", "date": "2027-01-01", "reason":
                                           "after expiry: a demand cannot revive an expired claim (Art. 192); "
                                           "only the debtor's agreement to pay can"}]
    assert document["waiver"]["date"] == "2027-06-01"
    assert document["expires_on"] == "2030-06-03"  # 2030-06-01 is a Saturday


def test_the_table_says_it_is_not_legal_advice(cli: Run) -> None:
    done = cli("calc", "limitation", "--due", "2021-10-02", "--event", "demand:2021-09-01")
    assert done.returncode == 0, done.stderr
    assert "expires on 2024-10-08 (Tuesday)" in done.stdout
    assert "Events ignored" in done.stdout and "before the period began" in done.stdout
    assert done.stdout.rstrip().endswith("This is not legal advice.")


def test_weekends_can_be_set_not_to_count_as_rest_days(cli: Run) -> None:
    default = json.loads(cli("calc", "limitation", "--due", "2021-03-16", "--format", "json").stdout)
    plain = json.loads(cli("calc", "limitation", "--due", "2021-03-16", "--no-weekends-rest",
                           "--format", "json").stdout)
    assert (default["expires_on"], plain["expires_on"]) == ("2024-03-18", "2024-03-16")
    assert any("only official holidays" in a for a in plain["assumptions"])


def test_instalments_run_from_the_last_due_date(cli: Run) -> None:
    document = json.loads(cli("calc", "limitation", "--due", "2021-01-31", "--due", "2021-03-31",
                              "--format", "json").stdout)
    assert document["basis"] == {"kind": "last_instalment", "date": "2021-03-31"}


def test_uk_and_de(cli: Run) -> None:
    uk = json.loads(cli("calc", "limitation", "--due", "2010-01-05", "--jurisdiction", "uk", "--event",
                        "acknowledgment:2017-01-01", "--format", "json").stdout)
    assert uk["expires_on"] == "2016-01-05" and uk["long_stop"] is None
    assert "s.29(7)" in uk["events_ignored"][0]["reason"]
    de = json.loads(cli("calc", "limitation", "--due", "2023-05-10", "--jurisdiction", "DE",
                        "--format", "json").stdout)
    assert de["expires_on"] == "2026-12-31"


@pytest.mark.parametrize(("args", "message"), [
    (("--due", "2021-03-15", "--event", "phone_call:2022-01-01"), "unknown event kind 'phone_call' for CN"),
    (("--due", "2021-03-15", "--jurisdiction", "UK", "--event", "demand:2022-01-01"), "UK does not know"),
    (("--due", "2021-03-15", "--jurisdiction", "FR"), "unknown jurisdiction 'FR'"),
    (("--due", "2021-02-30",), "--due: not a calendar date"),
    (("--due", "2021-03-15", "--event", "demand"), "expected KIND:DATE"),
])
def test_bad_input_is_one_line_and_exit_1(cli: Run, args: tuple[str, ...], message: str) -> None:
    done = cli("calc", "limitation", *args)
    assert done.returncode == 1
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert done.stdout == ""


def test_a_year_the_user_adds_is_used(cli: Run, home: Path) -> None:
    before = json.loads(cli("calc", "limitation", "--due", "2027-10-04", "--format", "json").stdout)
    assert before["expires_on"] == "2030-10-04"  # a Friday with no 2030 schedule
    _user_year(home, 2030, _schedule(2030, "2030-10-01", "2030-10-07"))
    after = json.loads(cli("calc", "limitation", "--due", "2027-10-04", "--format", "json").stdout)
    assert after["expires_on"] == "2030-10-08"
    listed = json.loads(cli("holidays", "list", "--format", "json").stdout)
    assert [(y["year"], y["origin"]) for y in listed][-1] == (2030, "user")


def test_a_bad_user_file_stops_the_calculation_naming_file_and_field(cli: Run, home: Path) -> None:
    _user_year(home, 2030, _schedule(2030, "2030-10-01", "2030-10-32"))
    done = cli("calc", "limitation", "--due", "2027-10-04")
    assert done.returncode == 1
    assert "2030.json: holidays[0].last: not a date" in done.stderr


def test_holidays_list_shows_every_shipped_year_and_one_years_days(cli: Run) -> None:
    listed = json.loads(cli("holidays", "list", "--format", "json").stdout)
    assert [y["year"] for y in listed] == list(range(2010, 2027))
    year = json.loads(cli("holidays", "list", "--year", "2024", "--format", "json").stdout)
    assert {"name": "春节", "first": "2024-02-10", "last": "2024-02-17"} in year["holidays"]
    assert {"date": "2024-10-12", "name": "国庆节"} in year["working_days"]
    table = cli("holidays", "list", "--year", "2026")
    assert table.returncode == 0 and "2026-02-15" in table.stdout and "gov.cn" in table.stdout
    missing = cli("holidays", "list", "--year", "2099")
    assert missing.returncode == 1 and "no holiday schedule for 2099" in missing.stderr


def test_holidays_check_accepts_a_good_file_and_names_the_field_of_a_bad_one(cli: Run, tmp_path: Path) -> None:
    good = tmp_path / "2031.json"
    good.write_text(json.dumps(_schedule(2031, "2031-10-01", "2031-10-07")), encoding="utf-8")
    done = cli("holidays", "check", str(good))
    assert done.returncode == 0 and done.stdout.startswith("valid: 2031, 1 holidays")
    bad = tmp_path / "2032.json"
    bad.write_text(json.dumps(_schedule(2031, "2031-10-01", "2031-10-07")), encoding="utf-8")
    done = cli("holidays", "check", str(bad))
    assert done.returncode == 1 and "2032.json: year: 2031 does not match the file name" in done.stderr
