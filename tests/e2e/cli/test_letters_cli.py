"""`receivables letters ...` and `calc capital` through the real console script, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from letters import shipped_templates_dir
from receivables.storage.schema import Company, Contact, Debtor, Letter, LetterCounter, Receivable

AS_OF = "2026-11-29"
EXAMPLES = shipped_templates_dir() / "examples"

Run = Callable[..., subprocess.CompletedProcess[str]]


def _receivable(session: Session, company: int, debtor: int, number: str, due: str, amount: str,
                currency: str = "CNY") -> None:
    session.execute(insert(Receivable).values(
        company_id=company, debtor_id=debtor, kind="invoice", number=number, issue_date=date(2026, 1, 1),
        due_date=date.fromisoformat(due), currency=currency, amount=Decimal(amount), open_amount=Decimal(amount)))


@pytest.fixture
def ledger(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """A migrated database with a default company and a few debtors, written in-process."""
    with sessions.begin() as session:
        company = Company(name="华建工程有限公司", address="江苏省苏州市工业园区星湖街218号", phone="0512-62888000",
                          bank_name="中国工商银行苏州工业园区支行", bank_account="1102020109001234567",
                          contact_name="王敏", is_default=True)
        session.add(company)
        session.flush()
        debtors = {}
        for code, name in [("D1", "深圳腾达科技有限公司"), ("D2", "广州华南贸易有限公司"), ("../../evil", "路径测试有限公司"),
                           ("PAID", "已结清有限公司"), ("FX", "Acme Trading Ltd")]:
            debtor = Debtor(code=code, name=name, address="广东省深圳市南山区科技园1号")
            session.add(debtor)
            session.flush()
            debtors[code] = debtor.id
        session.add(Contact(debtor_id=debtors["D1"], name="张伟", role="finance", title="财务总监", is_primary=True))
        _receivable(session, company.id, debtors["D1"], "A-1", "2026-07-01", "100000.00")
        _receivable(session, company.id, debtors["D2"], "B-1", "2026-03-01", "2500.50")
        _receivable(session, company.id, debtors["../../evil"], "X-1", "2026-05-01", "10.00")
        _receivable(session, company.id, debtors["FX"], "F-1", "2026-05-01", "10.00", "CNY")
        _receivable(session, company.id, debtors["FX"], "F-2", "2026-05-01", "20.00", "USD")
    return sessions


@pytest.fixture
def cli(database_url: str, tmp_path: Path) -> Run:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECEIVABLES_")}
    env.update({"RECEIVABLES_HOME": str(tmp_path / "home"), "RECEIVABLES_USER": "tester", "COLUMNS": "200",
                "RECEIVABLES_DATABASE_URL": database_url})
    work = tmp_path / "work"
    work.mkdir()

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["receivables", *args], env=env, cwd=work, capture_output=True, text=True,
                              timeout=180, check=False)
    return run


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_issue_writes_numbered_files_to_out(cli: Run, ledger: sessionmaker[Session], tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = cli("letters", "issue", "demand", "--debtor", "D1", "--debtor", "D2", "--as-of", AS_OF,
                 "--out", str(out), "--workers", "2")
    assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in out.iterdir())
    assert names == ["〔2026〕催字第0001号_D1.docx", "〔2026〕催字第0001号_D1.pdf",
                     "〔2026〕催字第0002号_D2.docx", "〔2026〕催字第0002号_D2.pdf"]
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("〔2026〕催字第0001号  D1  pdf sha256 ")
    assert f"pdf sha256 {sha256(out / names[1])}" in lines[0]
    with ledger() as session:
        assert session.scalar(select(func.count()).select_from(Letter)) == 2
        assert session.scalar(select(Letter.issued_by).limit(1)) == "tester"


def test_a_debtor_code_cannot_lead_the_files_out_of_the_folder(cli: Run, ledger: sessionmaker[Session],
                                                               tmp_path: Path) -> None:
    out = tmp_path / "deep" / "out"
    result = cli("letters", "issue", "reminder", "--debtor", "../../evil", "--as-of", AS_OF, "--out", str(out),
                 "--format", "pdf")
    assert result.returncode == 0, result.stderr
    [written] = list(out.iterdir())
    assert written.parent == out and ".." not in written.name and "/" not in written.name
    assert written.name == "〔2026〕提字第0001号_evil.pdf"
    assert sorted(p.name for p in (tmp_path / "deep").iterdir()) == ["out"]
    assert not list(tmp_path.glob("evil*")) and not list((tmp_path / "deep").glob("evil*"))


def test_issue_json_output(cli: Run, ledger: sessionmaker[Session], tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = cli("letters", "issue", "demand", "--debtor", "D1", "--locale", "en", "--as-of", AS_OF,
                 "--out", str(out), "--output", "json")
    assert result.returncode == 0, result.stderr
    [letter] = json.loads(result.stdout)
    assert set(letter) == {"number", "debtor", "template", "locale", "sha256", "files", "warnings"}
    assert (letter["number"], letter["debtor"], letter["template"], letter["locale"]) == (
        "AR-2026-0001", "D1", "demand", "en")
    assert set(letter["sha256"]) == set(letter["files"]) == {"pdf", "docx"}
    for fmt, path in letter["files"].items():
        assert Path(path).parent == out and sha256(Path(path)) == letter["sha256"][fmt]
    assert isinstance(letter["warnings"], list)


def test_issue_without_out_keeps_the_files_in_the_blob_store(cli: Run, ledger: sessionmaker[Session],
                                                             tmp_path: Path) -> None:
    result = cli("letters", "issue", "demand", "--debtor", "D2", "--as-of", AS_OF, "--format", "docx",
                 "--output", "json")
    assert result.returncode == 0, result.stderr
    [letter] = json.loads(result.stdout)
    stored = Path(letter["files"]["docx"])
    assert stored.is_relative_to(tmp_path / "home" / "blobs") and stored.name == letter["sha256"]["docx"]


def test_extra_data_supplies_what_the_ledger_lacks(cli: Run, ledger: sessionmaker[Session], tmp_path: Path) -> None:
    refused = one_line_error(cli("letters", "issue", "lawyer_letter", "--debtor", "D1", "--as-of", AS_OF))
    assert "needs law_firm" in refused and "--data EXTRA.json" in refused
    result = cli("letters", "issue", "lawyer_letter", "--debtor", "D1", "--as-of", AS_OF, "--format", "pdf",
                 "--data", str(EXAMPLES / "extra" / "lawyer_letter.zh_CN.json"), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("〔2026〕律字第0001号  D1  pdf sha256 ")


@pytest.mark.parametrize("args, message", [
    (["demand", "--debtor", "NOPE"], "error: no debtor with code 'NOPE'"),
    (["demand", "--debtor", "PAID"], "error: debtor PAID has nothing open with 华建工程有限公司 on 2026-11-29"),
    (["demand", "--debtor", "FX"], "error: debtor FX owes in CNY, USD: choose one with --currency"),
    (["demand", "--debtor", "D1", "--company", "别的公司"], "error: unknown company '别的公司'"),
    (["nosuch", "--debtor", "D1"], "error: no template 'nosuch' for locale 'zh_CN'"),
    (["demand", "--debtor", "D1", "--locale", "fr"], "error: unknown locale 'fr'"),
    (["demand", "--debtor", "D1", "--format", "odt"], "error: unknown format odt"),
    (["statement", "--debtor", "D1"], ("error: template statement (zh_CN) needs period, opening_balance, "
                                       "movements, closing_balance, which the ledger does not hold")),
    (["lawyer_letter", "--debtor", "D1", "--data", "missing.json"], "error: cannot read letter data missing.json"),
])
def test_issue_errors_are_one_line_and_write_nothing(cli: Run, ledger: sessionmaker[Session], args: list[str],
                                                     message: str) -> None:
    line = one_line_error(cli("letters", "issue", *args, "--as-of", AS_OF))
    assert line.startswith(message), line
    with ledger() as session:
        assert session.scalar(select(func.count()).select_from(Letter)) == 0
        assert session.scalar(select(func.count()).select_from(LetterCounter)) == 0


def test_templates_as_json(cli: Run) -> None:
    result = cli("letters", "templates", "--format", "json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert {(r["name"], r["locale"]) for r in rows} == {
        (n, loc) for loc in ("zh_CN", "en") for n in ("reminder", "demand", "final_demand", "collection_notice",
                                                       "lawyer_letter", "statement", "payment_plan",
                                                       "retention_release")}
    demand = next(r for r in rows if (r["name"], r["locale"]) == ("demand", "zh_CN"))
    assert demand["kind"] == "demand" and demand["numbering_prefix"] == "催" and demand["source"] == "shipped"
    assert "contract" in demand["fields"] and len(demand["sha256"]) == 64


def test_check_a_template(cli: Run) -> None:
    result = cli("letters", "check", "demand")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "demand (en, zh_CN): ok" or result.stdout.strip() == "demand (zh_CN, en): ok"
    assert one_line_error(cli("letters", "check", "nosuch")).startswith("error: no template 'nosuch'")


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_preview_from_the_examples(cli: Run, tmp_path: Path, locale: str) -> None:
    out = tmp_path / "preview"
    result = cli("letters", "preview", "collection_notice", "--data", str(EXAMPLES / f"collection_notice.{locale}.json"),
                 "--locale", locale, "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == [f"collection_notice.{locale}.docx",
                                                      f"collection_notice.{locale}.pdf"]
    assert (out / f"collection_notice.{locale}.pdf").read_bytes().startswith(b"%PDF-")


@pytest.mark.parametrize("args, output", [
    (["100000"], "人民币壹拾万元整"),
    (["1,409.50"], "人民币壹仟肆佰零玖元伍角"),
    (["16409.02", "--no-prefix"], "壹万陆仟肆佰零玖元零贰分"),
])
def test_calc_capital(cli: Run, args: list[str], output: str) -> None:
    result = cli("calc", "capital", *args)
    assert result.returncode == 0, result.stderr
    assert result.stdout == output + "\n"


def test_calc_capital_refuses_a_negative_or_unreadable_amount(cli: Run) -> None:
    assert one_line_error(cli("calc", "capital", "--", "-5")) == \
        "error: -5 is negative; capital amounts are written for positive sums"
    assert one_line_error(cli("calc", "capital", "abc")) == "error: 'abc' is not an amount"
    without_separator = cli("calc", "capital", "-5")  # read as an option: a usage error, exit 2
    assert without_separator.returncode == 2 and "Traceback" not in without_separator.stderr
