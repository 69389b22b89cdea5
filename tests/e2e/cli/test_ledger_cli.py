"""The `receivables` console script, run as a user runs it: exit codes, one-line errors, JSON and XLSX output."""

from __future__ import annotations

import csv
import json
import os
import subprocess
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest

from receivables.domain.identifiers import make_credit_code
from receivables.services.imports import run_import
from receivables.services.payments import reverse_payment
from receivables.services.setup import initialise
from receivables.storage.database import make_engine, session_factory

CREDIT_CODE = make_credit_code("91440300708461136")
BUCKETS = ["current", "1-30", "31-60", "61-90", "91-180", "181-365", ">365"]

Run = Callable[..., subprocess.CompletedProcess[str]]


def _run(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["receivables", *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def cli_env(database_url: str, home: Path) -> dict[str, str]:
    """The environment of a user: a data folder; for PostgreSQL, the database URL too."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECEIVABLES_")}
    env.update({"RECEIVABLES_HOME": str(home), "RECEIVABLES_USER": "tester", "COLUMNS": "200"})
    if database_url.startswith("postgresql"):
        env["RECEIVABLES_DATABASE_URL"] = database_url
    return env


@pytest.fixture
def db_url(database_url: str, home: Path) -> str:
    """The URL the CLI will use: the default SQLite file in the data folder, or the PostgreSQL schema."""
    return database_url if database_url.startswith("postgresql") else f"sqlite:///{home / 'receivables.sqlite'}"


@pytest.fixture
def cli(cli_env: dict[str, str], tmp_path: Path) -> Run:
    return lambda *args: _run(cli_env, tmp_path, *args)


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def files(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return {
        "debtors": write_csv(folder / "debtors.csv", ["code", "name", "credit_code"], [
            ["D1", "深圳腾达科技有限公司", CREDIT_CODE], ["D2", "Acme Ltd", ""]]),
        "contracts": write_csv(folder / "contracts.csv", ["debtor", "number", "title", "payment_terms_days"], [
            ["D1", "K-1", "机房工程", "30"]]),
        "invoices": write_csv(folder / "invoices.csv",
                              ["debtor", "number", "issue_date", "due_date", "amount", "currency", "contract"], [
            ["D1", "A-1", "2026-01-01", "2026-01-31", "1,000.00", "CNY", "K-1"],
            ["D1", "A-2", "2026-03-01", "2026-06-30", "250.50", "CNY", ""],
            ["D2", "B-1", "2025-01-01", "2025-01-31", "99.99", "USD", ""],
        ]),
        "payments": write_csv(folder / "payments.csv", ["debtor", "reference", "date", "amount", "currency", "applies_to"], [
            ["D1", "P-1", "2026-02-15", "400.00", "CNY", "A-1"],
            ["D1", "P-2", "2026-03-10", "300.00", "CNY", "A-1"],
        ]),
    }


@pytest.fixture
def populated(db_url: str, tmp_path: Path) -> Iterator[str]:
    """The ledger loaded through the services (the CLI commands under test then read it)."""
    engine = make_engine(db_url)
    sessions = session_factory(engine)
    initialise(engine, sessions, actor="setup", company="Our Co")
    for kind, path in files(tmp_path / "in").items():
        assert run_import(sessions, kind, path, actor="setup").committed
    with sessions.begin() as session:
        reverse_payment(session, "P-2", date(2026, 3, 20), "bounced", actor="setup")
    engine.dispose()
    yield db_url


def test_init_and_imports_through_the_console_script(cli: Run, tmp_path: Path) -> None:
    result = cli("init", "--company", "Our Co")
    assert result.returncode == 0, result.stderr
    assert "company 'Our Co' created the default creditor" in result.stdout
    inputs = files(tmp_path / "in")
    for kind in ("debtors", "contracts", "invoices"):
        result = cli("import", kind, str(inputs[kind]))
        assert result.returncode == 0, result.stderr
        assert result.stderr == ""
        assert f"{kind} imported:" in result.stdout
    result = cli("import", "invoices", str(inputs["invoices"]), "--format", "json")
    assert result.returncode == 0
    outcome = json.loads(result.stdout)
    assert (outcome["rows"], outcome["inserted"], outcome["unchanged"], outcome["problems"]) == (3, 0, 3, [])


def test_a_bad_file_exits_1_with_one_line_per_problem_and_writes_nothing(
        cli: Run, populated: str, tmp_path: Path) -> None:
    bad = write_csv(tmp_path / "bad.csv", ["debtor", "number", "issue_date", "amount"], [
        ["D1", "N-1", "2026-02-30", "10.00"],
        ["D9", "N-2", "2026-01-01", "10.00"],
        ["D1", "N-3", "2026-01-01", "1.234"],
        ["D1", "N-4", "2026-01-01", "5.00"],
    ])
    errors = tmp_path / "out" / "errors.csv"
    result = cli("import", "invoices", str(bad), "--errors", str(errors))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[:3] == [
        f"{bad} row 2 column issue_date: value '2026-02-30' not a calendar date: '2026-02-30'",
        f"{bad} row 3 column debtor: value 'D9' unknown debtor code (import debtors first)",
        f"{bad} row 4 column amount: value '1.234' more than two decimals: '1.234'",
    ]
    assert lines[3] == f"error: 3 problems in {bad}; nothing was written"
    assert len(lines) == 4
    with errors.open(encoding="utf-8-sig", newline="") as handle:
        written = list(csv.reader(handle))
    assert written[0] == ["file", "row", "column", "value", "reason"]
    assert [r[1:4] for r in written[1:]] == [["2", "issue_date", "2026-02-30"], ["3", "debtor", "D9"],
                                             ["4", "amount", "1.234"]]
    assert all(r[0] == str(bad) and r[4] for r in written[1:])
    aging = cli("aging", "--as-of", "2026-12-31", "--format", "json")
    assert "N-4" not in aging.stdout
    assert [r["key"] for r in json.loads(aging.stdout)["rows"]] == ["D1", "D2"]


def test_a_file_that_cannot_be_read_exits_1_with_one_line(cli: Run, populated: str, tmp_path: Path) -> None:
    missing = write_csv(tmp_path / "cols.csv", ["debtor", "number"], [["D1", "X"]])
    result = cli("import", "invoices", str(missing))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"error: {missing}: missing column 'issue_date' (开票日期 / 单据日期), 'amount' (金额 / 发票金额)"]


def test_aging_json_has_the_documented_shape(cli: Run, populated: str) -> None:
    result = cli("aging", "--as-of", "2026-03-15", "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document == {
        "as_of": "2026-03-15",
        "buckets": BUCKETS,
        "rows": [
            {"key": "D1", "name": "深圳腾达科技有限公司", "currency": "CNY", "total": "550.50",
             "buckets": {**dict.fromkeys(BUCKETS, "0.00"), "current": "250.50", "31-60": "300.00"}},
            {"key": "D2", "name": "Acme Ltd", "currency": "USD", "total": "99.99",
             "buckets": {**dict.fromkeys(BUCKETS, "0.00"), ">365": "99.99"}},
        ],
        "totals": {
            "CNY": {"total": "550.50", "buckets": {**dict.fromkeys(BUCKETS, "0.00"), "current": "250.50",
                                                   "31-60": "300.00"}},
            "USD": {"total": "99.99", "buckets": {**dict.fromkeys(BUCKETS, "0.00"), ">365": "99.99"}},
        },
    }
    # After the reversal of P-2 (2026-03-20) A-1 owes 600 again; 2026年3月31日 is accepted as the date.
    later = json.loads(cli("aging", "--as-of", "2026年3月31日", "--format", "json").stdout)
    assert later["as_of"] == "2026-03-31"
    assert later["rows"][0]["buckets"]["31-60"] == "600.00"


def test_aging_by_contract_and_by_company(cli: Run, populated: str) -> None:
    by_contract = json.loads(cli("aging", "--as-of", "2026-03-15", "--by", "contract", "--format", "json").stdout)
    assert {(r["key"], r["name"], r["currency"], r["total"]) for r in by_contract["rows"]} == {
        ("D1/K-1", "机房工程", "CNY", "300.00"), ("(no contract)", "(no contract)", "CNY", "250.50"),
        ("(no contract)", "(no contract)", "USD", "99.99")}
    by_company = json.loads(cli("aging", "--as-of", "2026-03-15", "--by", "company", "--format", "json").stdout)
    assert [(r["key"], r["currency"], r["total"]) for r in by_company["rows"]] == [
        ("Our Co", "CNY", "550.50"), ("Our Co", "USD", "99.99")]


def test_aging_xlsx_is_a_real_workbook_with_number_formats_and_a_frozen_header(
        cli: Run, populated: str, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "reports" / "aging.xlsx"
    result = cli("aging", "--as-of", "2026-03-15", "--format", "xlsx", "--out", str(out))
    assert result.returncode == 0, result.stderr
    sheet = load_workbook(out).active
    assert sheet.freeze_panes == "A2"
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("debtor", "name", "currency", "total", *BUCKETS)
    assert rows[1][:4] == ("D1", "深圳腾达科技有限公司", "CNY", 550.5)
    assert [r[0] for r in rows[1:]] == ["D1", "D2", "TOTAL", "TOTAL"]
    for row in sheet.iter_rows(min_row=2, min_col=4, max_col=4 + len(BUCKETS)):
        for cell in row:
            assert isinstance(cell.value, (int, float))
            assert cell.number_format == "#,##0.00"


def test_debtor_show_json_has_items_payments_balance_oldest_overdue_credit_and_dso(cli: Run, populated: str) -> None:
    result = cli("debtor", "show", "D1", "--as-of", "2026-03-15", "--format", "json")
    assert result.returncode == 0, result.stderr
    account = json.loads(result.stdout)
    assert (account["code"], account["name"], account["credit_code"], account["as_of"]) == (
        "D1", "深圳腾达科技有限公司", CREDIT_CODE, "2026-03-15")
    assert [(i["number"], i["open_amount"], i["days_past_due"], i["bucket"]) for i in account["open_items"]] == [
        ("A-1", "300.00", 43, "31-60"), ("A-2", "250.50", -107, "current")]
    assert [(p["reference"], p["amount"], p["unapplied"], p["reversed_on"], p["applied_to"])
            for p in account["payments"]] == [("P-1", "400.00", "0.00", None, ["A-1"]),
                                               ("P-2", "300.00", "0.00", None, ["A-1"])]
    (balance,) = account["balances"]
    assert (balance["currency"], balance["open_items"], balance["overdue"], balance["credit_on_account"],
            balance["balance"]) == ("CNY", "550.50", "300.00", "0.00", "550.50")
    assert balance["dso_days"] is not None
    assert account["oldest_overdue"]["number"] == "A-1"


def test_a_database_without_schema_says_to_run_init(cli: Run) -> None:
    result = cli("aging")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "error: the database has no receivables schema yet: run `receivables init --company NAME`"]


# --- commands that need no database (run once, not per backend) ------------------------------------------------

@pytest.fixture
def plain(tmp_path: Path) -> Run:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECEIVABLES_")}
    env["RECEIVABLES_HOME"] = str(tmp_path / "data")
    return lambda *args, extra=None: _run({**env, **(extra or {})}, tmp_path, *args)


def test_an_unreachable_postgresql_url_exits_1_saying_it_cannot_reach_the_database(plain: Run) -> None:
    result = plain("aging", extra={"RECEIVABLES_DATABASE_URL": "postgresql://nobody:secret@127.0.0.1:1/none"})
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: cannot reach the database at postgresql+psycopg://nobody")
    assert "secret" not in result.stderr


def test_calc_credit_code_says_valid_for_a_valid_code(plain: Run) -> None:
    result = plain("calc", "credit-code", CREDIT_CODE.lower())
    assert (result.returncode, result.stdout.strip(), result.stderr) == (0, "valid", "")


def test_calc_credit_code_names_the_broken_rule_for_a_wrong_code(plain: Run) -> None:
    wrong = CREDIT_CODE[:17] + ("0" if CREDIT_CODE[17] != "0" else "1")
    result = plain("calc", "credit-code", wrong)
    assert result.returncode == 1
    assert result.stderr.strip() == (f"error: invalid: check: the check character is {wrong[17]!r}, "
                                     f"expected {CREDIT_CODE[17]!r}")


def test_an_unknown_option_is_a_usage_error_with_exit_status_2(plain: Run) -> None:
    result = plain("aging", "--no-such-option")
    assert result.returncode == 2
    assert "No such option" in result.stderr
    assert "internal error" not in result.stderr


def test_a_bad_as_of_date_is_a_usage_error_with_exit_status_2(plain: Run) -> None:
    result = plain("aging", "--as-of", "2026-02-30")
    assert result.returncode == 2
    assert "not a calendar date" in result.stderr


def test_help_lists_every_ledger_command(plain: Run) -> None:
    result = plain("--help")
    assert result.returncode == 0
    for command in ("init", "import", "aging", "debtor", "payments", "demo", "calc"):
        assert f" {command} " in result.stdout
