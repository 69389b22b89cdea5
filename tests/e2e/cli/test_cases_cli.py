"""`receivables legal case|credit-event|enforcement-interest|bundle` through the real console script, on SQLite
and PostgreSQL: the flow a legal clerk runs, one-line refusals that write nothing, the bundle read back."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import subprocess
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from receivables.services.users import add_user
from receivables.storage.schema import Allocation, Company, Debtor, Payment, Receivable
from receivables.storage.schema.cases import CreditEvent, LegalCase, LegalCaseDocument, LegalCaseStage
from receivables.storage.schema.legal import LimitationEvent

AS_OF = "2026-11-29"
Run = Callable[..., subprocess.CompletedProcess[str]]
TABLES = (LegalCase, LegalCaseStage, LegalCaseDocument, CreditEvent, LimitationEvent, Payment, Allocation)


@pytest.fixture
def ledger(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    with sessions.begin() as session:
        company = Company(name="华建工程有限公司", jurisdiction="CN", is_default=True)
        debtor = Debtor(code="K1", name="深圳腾达科技有限公司", credit_code="91440300MA5DXXXX1X",
                        address="广东省深圳市南山区科技园1号", legal_representative="张伟")
        session.add_all([company, debtor])
        session.flush()
        for number, due, amount in (("A-1", "2025-03-31", "6000.00"), ("A-2", "2025-06-30", "4000.00")):
            session.execute(insert(Receivable).values(
                company_id=company.id, debtor_id=debtor.id, kind="invoice", number=number, issue_date=date(2025, 1, 1),
                due_date=date.fromisoformat(due), currency="CNY", amount=Decimal(amount), open_amount=Decimal(amount)))
        add_user(session, "lawyer", "legal", "a-long-password", actor="test")
    return sessions


@pytest.fixture
def cli(database_url: str, tmp_path: Path) -> Run:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECEIVABLES_")}
    env.update({"RECEIVABLES_HOME": str(tmp_path / "home"), "RECEIVABLES_USER": "lawyer", "COLUMNS": "200",
                "RECEIVABLES_DATABASE_URL": database_url})
    work = tmp_path / "work"
    work.mkdir()

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["receivables", *args], env=env, cwd=work, capture_output=True, text=True, timeout=300,
                              check=False)
    return run


def _counts(sessions: sessionmaker[Session]) -> dict[str, int]:
    with sessions() as session:
        return {t.__tablename__: session.execute(select(func.count()).select_from(t)).scalar_one() for t in TABLES}


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in result.stderr, result.stderr
    return lines[0]


def _judgment(tmp_path: Path) -> Path:
    from reportlab.pdfgen.canvas import Canvas

    path = tmp_path / "judgment.pdf"
    canvas = Canvas(str(path))
    canvas.drawString(72, 720, "CIVIL JUDGMENT")
    canvas.showPage()
    canvas.save()
    return path


def test_a_case_from_hand_off_to_recovery(cli: Run, ledger: sessionmaker[Session], tmp_path: Path) -> None:
    opened = cli("legal", "case", "open", "K1", "--firm", "上海正衡律师事务所", "--kind", "law_firm", "--commission",
                 "15%", "--on", "2026-09-01", "--as-of", AS_OF)
    assert opened.returncode == 0, opened.stderr
    assert "case 1: K1 handed to 上海正衡律师事务所 (law_firm) on 2026-09-01, 10000.00 CNY referred" in opened.stdout
    judgment = _judgment(tmp_path)
    filed = cli("legal", "case", "stage", "1", "suit_filed", "--on", "2026-10-20", "--court", "深圳市南山区人民法院",
                "--case-number", "（2026）粤0305民初1号", "--document", str(judgment), "--as-of", AS_OF)
    assert filed.returncode == 0, filed.stderr
    assert f"sha256 {hashlib.sha256(judgment.read_bytes()).hexdigest()}" in filed.stdout
    assert "limitation interrupted (legal action) for 2 item(s)" in filed.stdout
    recovered = cli("legal", "case", "recover", "1", "--amount", "7000.01", "--on", "2026-11-20", "--as-of", AS_OF)
    assert recovered.returncode == 0, recovered.stderr
    assert "commission 1050.00 at 15%" in recovered.stdout
    [listed] = json.loads(cli("legal", "case", "list", "--format", "json").stdout)
    assert (listed["stage"], listed["recovered"], listed["commission"], listed["open_now"], listed["commission_rate"]) \
        == ("suit_filed", "7000.01", "1050.00", "2999.99", "0.15")
    shown = json.loads(cli("legal", "case", "show", "1", "--format", "json").stdout)
    assert [s["stage"] for s in shown["stages"]] == ["referred", "suit_filed"]
    assert shown["recoveries"][0]["applied"] == [["A-1", "6000.00"], ["A-2", "1000.01"]]
    with ledger() as session:
        assert session.execute(select(func.count()).select_from(LimitationEvent)
                               .where(LimitationEvent.kind == "legal_action")).scalar_one() == 2


def test_credit_event_and_risk_flag(cli: Run, ledger: sessionmaker[Session]) -> None:
    added = cli("legal", "credit-event", "add", "K1", "dissolution", "2026-11-01", "--source", "国家企业信用信息公示系统",
                "--note", "简易注销公告", "--as-of", AS_OF)
    assert added.returncode == 0, added.stderr and "risk flag raised" in added.stdout
    [event] = json.loads(cli("legal", "credit-event", "list", "--format", "json").stdout)
    assert (event["kind"], event["source"]) == ("dissolution", "国家企业信用信息公示系统")
    with ledger() as session:
        assert session.execute(select(Debtor.risk_flag).where(Debtor.code == "K1")).scalar_one() is True


def test_enforcement_interest_as_json() -> None:
    done = subprocess.run(["receivables", "legal", "enforcement-interest", "--debt", "100000", "--from", "2024-02-28",
                           "--to", "2024-03-09", "--payment", "2024-03-01:50000", "--format", "json"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert (document["days"], document["total"], document["daily_rate"]) == (10, "105.00", "0.000175")
    assert [(s["days"], s["amount"]) for s in document["segments"]] == [(2, "35.00"), (8, "70.00")]
    assert "Art. 264" in document["rule"] and document["assumptions"][-1] == "This is not legal advice."


@pytest.mark.parametrize(("args", "message"), [
    (("legal", "case", "stage", "1", "judgment", "--on", "2026-10-01"), "cannot move to judgment"),
    (("legal", "case", "recover", "1", "--amount", "10000.01", "--on", "2026-11-01"), "more than the 10000.00 CNY open"),
    (("legal", "case", "stage", "1", "payment_order", "--on", "2026-10-01", "--document", "notes.txt"),
     "document notes.txt: not a PDF or an image"),
    (("legal", "case", "open", "K1", "--firm", "X", "--commission", "1.5"), "outside 0..1"),
    (("legal", "credit-event", "add", "K1", "gossip", "2026-10-01", "--source", "x"), "unknown credit event kind"),
])
def test_bad_input_is_one_line_and_writes_nothing(cli: Run, ledger: sessionmaker[Session], tmp_path: Path,
                                                  args: tuple[str, ...], message: str) -> None:
    assert cli("legal", "case", "open", "K1", "--firm", "X", "--commission", "0.1", "--on", "2026-09-01",
               "--as-of", AS_OF).returncode == 0
    (tmp_path / "work" / "notes.txt").write_text("meeting notes")
    before = _counts(ledger)
    assert message in one_line_error(cli(*args, "--as-of", AS_OF))
    assert _counts(ledger) == before
    assert not (tmp_path / "home" / "blobs").exists() or not any((tmp_path / "home" / "blobs").rglob("*"))


def test_the_bundle_is_written_once_and_reads_back(cli: Run, ledger: sessionmaker[Session], tmp_path: Path) -> None:
    out = tmp_path / "work" / "bundle.pdf"
    made = cli("legal", "bundle", "K1", "--out", str(out), "--as-of", AS_OF, "--interest-rule", "daily:0.0005")
    assert made.returncode == 0, made.stderr
    assert "not legal advice" in made.stdout
    reader = PdfReader(io.BytesIO(out.read_bytes()))
    pages = len(reader.pages)
    assert f"{out}: {pages} pages" in made.stdout
    assert f"sha256 {hashlib.sha256(out.read_bytes()).hexdigest()}" in made.stdout
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert f"Bundle page {pages} of {pages}" in text
    for expected in ("91440300MA5DXXXX1X", "张伟", "Interest calculation", "Limitation analysis", "Index of included"):
        assert expected in text
    contents = re.findall(r"^\s*(\d+)\. (.+?)\s{2,}(\d+)\s*$", reader.pages[1].extract_text(extraction_mode="layout"),
                          re.MULTILINE)
    assert len(contents) == 10
    for number, title, page in contents:
        assert f"{number}. {title}" in reader.pages[int(page) - 1].extract_text()
    again = cli("legal", "bundle", "K1", "--out", str(out), "--as-of", AS_OF)
    assert "exists" in one_line_error(again) and "--force" in again.stderr
    assert len(PdfReader(io.BytesIO(out.read_bytes())).pages) == pages
    assert cli("legal", "bundle", "K1", "--out", str(out), "--as-of", AS_OF, "--force").returncode == 0
