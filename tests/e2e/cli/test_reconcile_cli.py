"""`receivables reconcile match` through the real console script, on both backends: JSON, report, bad input."""

from __future__ import annotations

import csv
import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from receivables.services.imports import run_import
from receivables.services.setup import initialise
from receivables.storage.database import make_engine, session_factory
from receivables.storage.schema import AuditEntry
from tests.ledger_files import write_messy_csv

Run = Callable[..., subprocess.CompletedProcess[str]]
KEYS = {"our_balance", "their_balance", "difference", "explained", "matched", "only_ours", "only_theirs",
        "differences"}


def write(path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def cli(database_url: str, tmp_path: Path) -> Run:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECEIVABLES_")}
    env.update({"RECEIVABLES_HOME": str(tmp_path / "data"), "RECEIVABLES_USER": "clerk", "COLUMNS": "200"})
    if database_url.startswith("postgresql"):
        env["RECEIVABLES_DATABASE_URL"] = database_url
    return lambda *args: subprocess.run(["receivables", *args], env=env, cwd=tmp_path, capture_output=True,
                                        text=True, timeout=120)


@pytest.fixture
def db_url(database_url: str, tmp_path: Path) -> str:
    return database_url if database_url.startswith("postgresql") else f"sqlite:///{tmp_path / 'data' / 'receivables.sqlite'}"


def ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, result.stderr
    return result


def refused(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 1, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    for fragment in fragments:
        assert fragment in lines[0], result.stderr


@pytest.fixture
def books(cli: Run, db_url: str, tmp_path: Path) -> Run:
    """Our ledger of D1, loaded through the services (the command under test then reads it)."""
    (tmp_path / "data").mkdir()
    engine = make_engine(db_url)
    sessions = session_factory(engine)
    initialise(engine, sessions, actor="setup", company="华建工程有限公司")
    files = {
        "debtors": write(tmp_path / "d.csv", ["客户编码", "客户名称"], [["D1", "测试客户有限公司"]]),
        "invoices": write(tmp_path / "i.csv", ["客户编码", "发票号", "开票日期", "金额"], [
            ["D1", "OLD-1", "2026-10-01", "800.00"], ["D1", "INV-2026-0001", "2026-11-02", "11,300.00"],
            ["D1", "INV-2026-0002", "2026-11-04", "5,650.00"], ["D1", "INV-2026-0003", "2026-12-01", "2,260.00"],
            ["D1", "INV-2026-0004", "2026-12-10", "1,000.00"]]),
        "payments": write(tmp_path / "p.csv", ["客户编码", "回款单号", "回款日期", "回款金额"], [
            ["D1", "P-0", "2026-10-15", "800.00"], ["D1", "P-1", "2026-11-16", "10,000.00"]]),
    }
    for kind, path in files.items():
        assert run_import(sessions, kind, path, actor="setup").committed
    engine.dispose()
    return cli


def test_match_prints_the_issue_json_and_writes_the_report(books: Run, tmp_path: Path) -> None:
    their_file = write_messy_csv(tmp_path / "应付账款明细账.csv")
    report = tmp_path / "对账结果.xlsx"
    result = ok(books("reconcile", "match", "--debtor", "D1", str(their_file), "--as-of", "2026-12-31",
                      "--out", str(report), "--format", "json"))
    document = json.loads(result.stdout)
    assert set(document) == KEYS
    assert document["our_balance"] == "10210.00" and document["their_balance"] == "9210.00"
    assert document["difference"] == "1000.00" and document["explained"] is True
    assert document["matched"] == 5 and document["only_theirs"] == [] and document["differences"] == []
    assert document["only_ours"] == [{"date": "2026-12-10", "document": "INV-2026-0004", "amount": "1000.00",
                                      "kind": "invoice", "source": "invoice INV-2026-0004", "description": ""}]
    assert report.exists()

    narrow = json.loads(ok(books("reconcile", "match", "--debtor", "D1", str(their_file), "--as-of", "2026-12-31",
                                 "--window", "1", "--format", "json")).stdout)
    assert narrow["matched"] == 4 and narrow["explained"] is True  # P-1 (16th) and their payment (18th) apart
    assert [x["document"] for x in narrow["only_theirs"]] == ["付-0031"]

    table = ok(books("reconcile", "match", "--debtor", "D1", str(their_file), "--as-of", "2026-12-31"))
    assert "INV-2026-0004" in table.stdout and "explained" in table.stdout


def test_the_map_file_reads_a_ledger_with_columns_no_one_could_guess(books: Run, tmp_path: Path) -> None:
    their_file = write(tmp_path / "ap.csv", ["Buchungsdatum", "Beleg", "Soll", "Haben"], [
        ["03.11.2026", "INV-2026-0001", "", "11300"], ["05.11.2026", "INV-2026-0002", "", "5650"]])
    (tmp_path / "map.yaml").write_text("date_format: '%d.%m.%Y'\n"
                                       "columns: {date: Buchungsdatum, document: Beleg, debit: Soll, credit: Haben}\n",
                                       encoding="utf-8")
    document = json.loads(ok(books("reconcile", "match", "--debtor", "D1", str(their_file), "--map",
                                   str(tmp_path / "map.yaml"), "--as-of", "2026-11-30", "--format", "json")).stdout)
    assert document["matched"] == 2 and document["difference"] == "-10000.00" and document["explained"] is True


def test_bad_input_is_one_line_exit_1_and_nothing_written(books: Run, tmp_path: Path, db_url: str) -> None:
    engine = make_engine(db_url)
    with engine.connect() as connection:
        before = connection.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
    report = tmp_path / "report.xlsx"
    good = write_messy_csv(tmp_path / "good.csv")
    refused(books("reconcile", "match", "--debtor", "NOPE", str(good), "--out", str(report)), "NOPE")
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    refused(books("reconcile", "match", "--debtor", "D1", str(tmp_path / "broken.xlsx")), "broken.xlsx",
            "not a readable XLSX")
    refused(books("reconcile", "match", "--debtor", "D1", str(tmp_path / "missing.csv")), "missing.csv",
            "no such file")
    bad = write(tmp_path / "bad.csv", ["日期", "发票号", "借方", "贷方"],
                [["2026-11-05", "INV-2026-0001", "", "11300"], ["2026/13/01", "INV-2026-0002", "", "5650"]],
                encoding="gbk")
    refused(books("reconcile", "match", "--debtor", "D1", str(bad), "--out", str(report)),
            "bad.csv", "row 3", "日期", "2026/13/01")
    assert not report.exists()
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(AuditEntry)).scalar_one() == before
    engine.dispose()
