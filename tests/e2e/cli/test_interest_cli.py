"""`receivables calc interest` and `receivables rates` through the real console script, on both backends."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def bare(tmp_path: Path) -> Run:
    """The console script with an empty data folder and no database configured (no `init`)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECEIVABLES_")}
    env.update({"RECEIVABLES_HOME": str(tmp_path / "data"), "RECEIVABLES_USER": "tester", "COLUMNS": "200"})
    return lambda *args: subprocess.run(["receivables", *args], env=env, cwd=tmp_path, capture_output=True,
                                        text=True, timeout=120)


@pytest.fixture
def cli(database_url: str, tmp_path: Path) -> Run:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECEIVABLES_")}
    env.update({"RECEIVABLES_HOME": str(tmp_path / "data"), "RECEIVABLES_USER": "tester", "COLUMNS": "200"})
    if database_url.startswith("postgresql"):
        env["RECEIVABLES_DATABASE_URL"] = database_url
    return lambda *args: subprocess.run(["receivables", *args], env=env, cwd=tmp_path, capture_output=True,
                                        text=True, timeout=120)


def ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, result.stderr
    return result


def refused(result: subprocess.CompletedProcess[str], message: str) -> None:
    assert result.returncode == 1, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def interest(run: Run, *args: str) -> dict:  # type: ignore[type-arg]
    document = json.loads(ok(run("calc", "interest", *args, "--format", "json")).stdout)
    assert {"total", "fixed_sum", "segments", "rule", "assumptions"} == set(document)
    return document


def test_the_worked_example_without_a_database(bare: Run, tmp_path: Path) -> None:
    document = interest(bare, "--principal", "58,000.00", "--from", "2026-07-16", "--to", "2026-11-29",
                        "--rule", "daily:0.0005")
    assert document["total"] == "3973.00" and document["fixed_sum"] == "0.00"
    assert document["segments"] == [{"from": "2026-07-16", "to": "2026-11-29", "days": 137,
                                     "principal": "58000.00", "rate": "0.1825", "amount": "3973.00"}]
    assert not (tmp_path / "data").exists()  # nothing was created


def test_lpr_floating_across_the_2024_fixings_without_init(bare: Run, tmp_path: Path) -> None:
    document = interest(bare, "--principal", "100000", "--from", "2024-07-01", "--to", "2024-12-31",
                        "--rule", "lpr-floating:1.5")
    assert [(s["from"], s["to"], s["days"], s["rate"], s["amount"]) for s in document["segments"]] == [
        ("2024-07-01", "2024-07-21", 21, "0.05175", "297.74"),
        ("2024-07-22", "2024-10-20", 91, "0.05025", "1252.81"),
        ("2024-10-21", "2024-12-31", 72, "0.0465", "917.26")]
    assert document["total"] == "2467.81"
    assert any("shipped tables only" in note for note in document["assumptions"])
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize(("principal", "fee"), [("999.99", "40.00"), ("1000.00", "70.00"), ("9999.99", "70.00"),
                                                ("10000.00", "100.00")])
def test_uk_statutory_fixed_sum_tiers(bare: Run, principal: str, fee: str) -> None:
    document = interest(bare, "--principal", principal, "--from", "2026-01-05", "--to", "2026-03-10",
                        "--rule", "uk-statutory")
    assert document["fixed_sum"] == fee
    assert document["segments"][0]["rate"] == "0.1175"  # 3.75 % on 31 December 2025 + 8


def test_payments_act_360_and_the_plain_table(bare: Run) -> None:
    document = interest(bare, "--principal", "10000", "--from", "2026-01-01", "--to", "2026-01-10", "--rule",
                        "annual:0.036", "--basis", "360", "--payment", "2026-01-05:4000", "--payment",
                        "2026-01-10:6000")
    assert [(s["days"], s["principal"], s["amount"]) for s in document["segments"]] == [
        (5, "10000.00", "5.00"), (5, "6000.00", "3.00")]
    table = ok(bare("calc", "interest", "--principal", "10000", "--from", "2026-01-01", "--to", "2026-01-10",
                    "--rule", "de-b2b")).stdout
    assert "Fixed sum: EUR 40.00" in table and "not legal advice" in table and "10.27%" in table


@pytest.mark.parametrize(("args", "message"), [
    (["--principal", "100", "--from", "2026-02-01", "--to", "2026-01-01", "--rule", "daily:0.0005"],
     "is after the last day"),
    (["--principal", "0", "--from", "2026-01-01", "--to", "2026-01-31", "--rule", "daily:0.0005"],
     "principal must be positive"),
    (["--principal", "100", "--from", "2026-01-01", "--to", "2026-01-31", "--rule", "weekly:1"],
     "unknown interest rule"),
    (["--principal", "100", "--from", "2026-01-01", "--to", "2026-01-31", "--rule", "daily:0.05"],
     "write daily:0.0005"),
    (["--principal", "100", "--from", "2026-01-01", "--to", "2026-01-31", "--rule", "daily:0.0005", "--payment",
      "2026-01-05"], "expected DATE:AMOUNT"),
    (["--principal", "abc", "--from", "2026-01-01", "--to", "2026-01-31", "--rule", "daily:0.0005"],
     "--principal: not an amount"),
    (["--principal", "100", "--from", "2026-13-01", "--to", "2026-01-31", "--rule", "daily:0.0005"],
     "not a calendar date"),
    (["--principal", "100", "--from", "2008-01-01", "--to", "2008-01-31", "--rule", "uk-statutory"],
     "boe_base: no fixing in force on 2007-12-31"),
    (["--principal", "100", "--from", "2026-01-01", "--to", "2026-01-31", "--rule", "uk-statutory", "--currency",
      "EUR"], "fixed sum in GBP"),
])
def test_bad_input_is_one_line(bare: Run, args: list[str], message: str) -> None:
    refused(bare("calc", "interest", *args), message)


def test_rates_list_works_without_a_database(bare: Run, tmp_path: Path) -> None:
    rows = json.loads(ok(bare("rates", "list", "de_basiszins", "--format", "json")).stdout)
    assert rows[-1] == {"series": "de_basiszins", "date": "2026-01-01", "percent": "1.27", "origin": "shipped",
                        "source": rows[-1]["source"], "added_by": None}
    refused(bare("rates", "list", "libor"), "unknown rate series 'libor'")
    assert not (tmp_path / "data").exists()


def test_added_fixings_drive_the_calculator(cli: Run) -> None:
    ok(cli("init", "--company", "Our Co"))
    added = ok(cli("rates", "add", "cn_lpr_1y", "2026-08-20", "2.95", "--source", "NIFC 2026-08-20")).stdout
    assert "added cn_lpr_1y 2026-08-20 2.95%" in added
    ok(cli("rates", "add", "de_basiszins", "2026/7/1", "-0.50"))
    refused(cli("rates", "add", "cn_lpr_1y", "2026-08-20", "2.90"), "already has a fixing on 2026-08-20")
    refused(cli("rates", "add", "cn_lpr_1y", "2025-05-20", "2.90"), "already has a fixing on 2025-05-20")
    refused(cli("rates", "add", "fed", "2026-08-20", "2.90"), "unknown rate series 'fed'")
    refused(cli("rates", "add", "cn_lpr_1y", "2026-09-20", "lots"), "not a percentage")
    document = interest(cli, "--principal", "100000", "--from", "2026-08-01", "--to", "2026-09-30",
                        "--rule", "lpr-floating:1.5")
    assert [(s["from"], s["rate"], s["amount"]) for s in document["segments"]] == [
        ("2026-08-01", "0.045", "234.25"), ("2026-08-20", "0.04425", "509.18")]
    assert any("fixings added in the database" in note for note in document["assumptions"])
    german = interest(cli, "--principal", "1000", "--from", "2026-06-30", "--to", "2026-07-01", "--rule", "de-b2b")
    assert [s["rate"] for s in german["segments"]] == ["0.1027", "0.085"]
    listed = json.loads(ok(cli("rates", "list", "cn_lpr_1y", "--format", "json")).stdout)
    assert listed[-1] == {"series": "cn_lpr_1y", "date": "2026-08-20", "percent": "2.95",
                          "source": "NIFC 2026-08-20", "origin": "user", "added_by": "tester"}


def test_adding_a_fixing_needs_an_initialised_database(cli: Run) -> None:
    refused(cli("rates", "add", "cn_lpr_1y", "2026-08-20", "2.95"), "receivables init")
