"""`receivables limitation`, `letters deliver|deliveries`, `legal event add`, `legal firm`, `legal lawyer-letter`
through the real console script, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from receivables.cli import legal as legal_cli
from receivables.cli.output import json_text, print_json
from receivables.domain.limitation import LimitationEvent as Event
from receivables.domain.limitation import limitation
from receivables.services.legal import EventSource, ItemLimitation, set_by
from receivables.services.users import add_user
from receivables.storage.schema import Company, Debtor, Letter, Receivable
from receivables.storage.schema.legal import LetterDelivery, LimitationEvent

AS_OF = "2026-11-29"
Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def ledger(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    with sessions.begin() as session:
        company = Company(name="华建工程有限公司", address="江苏省苏州市", phone="0512-1", is_default=True)
        english = Company(name="Thames Trading Ltd", jurisdiction="UK")
        session.add_all([company, english])
        session.flush()
        for code, owner, due in (("D1", company.id, "2023-12-20"), ("D2", english.id, "2021-01-05")):
            debtor = Debtor(code=code, name=f"{code} 有限公司", address="上海市")
            session.add(debtor)
            session.flush()
            session.execute(insert(Receivable).values(
                company_id=owner, debtor_id=debtor.id, kind="invoice", number=f"{code}-1",
                issue_date=date(2020, 12, 1), due_date=date.fromisoformat(due), currency="CNY",
                amount=Decimal("6000.00"), open_amount=Decimal("6000.00")))
        add_user(session, "lawyer", "legal", "a-long-password", actor="test")
        add_user(session, "clerk", "finance", "a-long-password", actor="test")
    return sessions


@pytest.fixture
def cli(database_url: str, tmp_path: Path) -> Run:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECEIVABLES_")}
    env.update({"RECEIVABLES_HOME": str(tmp_path / "home"), "COLUMNS": "200", "RECEIVABLES_DATABASE_URL": database_url})

    def run(*args: str, user: str = "clerk") -> subprocess.CompletedProcess[str]:
        return subprocess.run(["receivables", *args], env={**env, "RECEIVABLES_USER": user}, cwd=tmp_path,
                              capture_output=True, text=True, timeout=180, check=False)
    return run


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def _count(sessions: sessionmaker[Session], table: type) -> int:
    with sessions() as session:
        return session.execute(select(func.count()).select_from(table)).scalar_one()


def test_a_delivered_demand_with_proof_moves_the_expiry_in_the_listing(
        cli: Run, ledger: sessionmaker[Session], tmp_path: Path) -> None:
    listed = cli("limitation", "--as-of", AS_OF, "--within", "30")
    assert listed.returncode == 0, listed.stderr
    assert "D1-1" in listed.stdout and "2026-12-21" in listed.stdout and "This is not legal advice." in listed.stdout
    assert "Rule: CN: PRC Civil Code Art. 188" in listed.stdout
    issued = cli("letters", "issue", "demand", "--debtor", "D1", "--as-of", "2026-11-20", "--format", "pdf",
                 "--output", "json")
    assert issued.returncode == 0, issued.stderr
    number = json.loads(issued.stdout)[0]["number"]
    not_a_proof = tmp_path / "receipt.pdf"
    not_a_proof.write_bytes(b"PK\x03\x04 a word file")
    refused = cli("letters", "deliver", number, "--delivered-on", "2026-11-24", "--channel", "registered_mail",
                  "--proof", str(not_a_proof), "--as-of", AS_OF)
    assert "not a PDF or an image" in one_line_error(refused)
    assert "in the future" in one_line_error(cli("letters", "deliver", number, "--delivered-on", "2026-12-24",
                                                 "--channel", "hand", "--as-of", AS_OF))
    assert _count(ledger, LetterDelivery) == 0
    scan = tmp_path / "scan.jpg"
    scan.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00 signed receipt")
    delivered = cli("letters", "deliver", number, "--delivered-on", "2026-11-24", "--channel", "registered_mail",
                    "--proof", str(scan), "--tracking", "EMS1", "--signed-by", "王五", "--as-of", AS_OF)
    assert delivered.returncode == 0, delivered.stderr
    assert "limitation interrupted for 1 item(s)" in delivered.stdout
    facts = json.loads(cli("letters", "deliveries", number, "--format", "json").stdout)
    assert facts["deliveries"][0]["proof_media_type"] == "image/jpeg" and facts["deliveries"][0]["evidenced"]
    document = json.loads(cli("limitation", "--as-of", AS_OF, "--format", "json").stdout)
    item = next(i for i in document["items"] if i["receivable"] == "D1-1")
    assert item["expires_on"] == "2029-11-26" and item["runs_from"] == {"kind": "demand", "date": "2026-11-24"}
    assert item["sources"][0]["source"].startswith("letter_delivery:")
    assert document["not_legal_advice"] == "This is not legal advice."


ITEM_KEYS = ["debtor", "debtor_name", "receivable", "open_amount", "currency", "due_date", "jurisdiction",
             "expires_on", "days_left", "band", "expired", "runs_from", "basis", "events_applied", "events_ignored",
             "sources", "long_stop", "waiver", "assumptions"]


def _awkward_lines(as_of: date) -> list[ItemLimitation]:
    """Lines whose text and amounts `json_text` writes in every way it can: escapes, non-ASCII, amounts that are
    not two decimals; analyses shared by several items, with applied and ignored events and a waiver."""
    waived = limitation("CN", [date(2019, 1, 10)], [Event("demand", date(2021, 5, 6)),
                                                    Event("legal_action", date(2021, 5, 6)),
                                                    Event("agreement_to_pay", date(2025, 2, 3))])
    plain = limitation("CN", [date(2024, 2, 1)])
    english = limitation("UK", [date(2021, 1, 5)], [Event("acknowledgment", date(2022, 3, 4))])
    german = limitation("DE", [date(2023, 5, 10)], [Event("legal_action", date(2024, 1, 2))])
    odd = 'Quote " back \\ slash\nnew\tline \x00 \u2028 \U0001f600 长沙德润电器集团'
    sources = (EventSource("part_payment", date(2021, 5, 6), 'payment:R-"7"\\'),
               EventSource("demand", date(2021, 5, 6), "letter_delivery:12"))
    rows = [("D1", "长沙德润电器集团有限公司", "INV-1", Decimal("3064.07"), "CNY", plain, ()),
            ("D1", "长沙德润电器集团有限公司", 'INV-"2"', Decimal(5), "CNY", plain, ()),
            ("D\"2", odd, "INV-3", Decimal("1E+3"), "USD", waived, sources),
            ("D\"2", odd, "INV-4", Decimal("-0.50"), "CNY", waived, ()),
            ("D3", "", "INV-5", Decimal("0.1"), "EUR", german, sources[:1]),
            ("D4", "Thames Trading", "INV-6", Decimal("12.345"), "GBP", english, ()),
            ("D4", "Thames Trading", "INV-7", Decimal("0.00"), "GBP", plain, ())]
    return [ItemLimitation(code, name, number, amount, currency, result.basis.date, result.jurisdiction, result,
                           (result.expires_on - as_of).days, found)
            for code, name, number, amount, currency, result, found in rows]


def _written(stream: io.TextIOWrapper, write: Callable[[], None], monkeypatch: pytest.MonkeyPatch) -> bytes:
    with monkeypatch.context() as patch:
        patch.setattr(sys, "stdout", stream)
        write()
        stream.flush()
    return stream.buffer.getvalue()  # type: ignore[attr-defined]


@pytest.mark.parametrize("count", [0, 1, 2, 3, 5, 7])
def test_the_json_listing_writes_exactly_what_print_json_writes(monkeypatch: pytest.MonkeyPatch, count: int) -> None:
    """The listing writes its JSON in chunks; the bytes are those of print_json over the whole document
    (chunks of two items here, so every boundary is crossed)."""
    as_of = date(2026, 11, 29)
    lines = _awkward_lines(as_of)[:count]
    head = {"as_of": as_of, "rules": ["CN: rule", "UK: rule"], "rest_days": "Rest days: 调休上班",
            "not_legal_advice": "This is not legal advice."}
    document = {**head, "items": [legal_cli._item_document(line, set_by(line.result)) for line in lines]}
    monkeypatch.setattr(legal_cli, "_WRITE_EVERY", 2)
    streamed = _written(io.TextIOWrapper(io.BytesIO(), encoding="utf-8"),
                        lambda: legal_cli._write_json(head, lines, set_by), monkeypatch)
    assert streamed == (json_text(document, pretty=False) + "\n").encode("utf-8")
    assert all(list(item) == ITEM_KEYS for item in json.loads(streamed)["items"])


def test_an_output_that_is_not_utf8_gets_print_json_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    as_of = date(2026, 11, 29)
    lines = _awkward_lines(as_of)
    head = {"as_of": as_of, "rules": [], "rest_days": "", "not_legal_advice": "This is not legal advice."}
    streamed = _written(io.TextIOWrapper(io.BytesIO(), encoding="gb18030"),
                        lambda: legal_cli._write_json(head, lines, set_by), monkeypatch)
    printed = _written(io.TextIOWrapper(io.BytesIO(), encoding="gb18030"), lambda: print_json(
        {**head, "items": [legal_cli._item_document(line, set_by(line.result)) for line in lines]}), monkeypatch)
    assert streamed == printed and "长沙德润电器集团".encode("gb18030") in streamed


def test_a_manual_event_the_creditors_law_does_not_know_is_refused(
        cli: Run, ledger: sessionmaker[Session]) -> None:
    refused = cli("legal", "event", "add", "D2", "demand", "2026-11-01", "--note", "wechat", "--as-of", AS_OF)
    assert "UK does not know the event 'demand'" in one_line_error(refused)
    assert _count(ledger, LimitationEvent) == 0
    added = cli("legal", "event", "add", "D2", "acknowledgment", "2026-11-01", "--item", "D2-1", "--note",
                "signed confirmation", "--as-of", AS_OF)
    assert added.returncode == 0, added.stderr
    document = json.loads(cli("limitation", "--as-of", AS_OF, "--format", "json").stdout)
    item = next(i for i in document["items"] if i["receivable"] == "D2-1")
    assert item["jurisdiction"] == "UK" and item["expires_on"] == "2032-11-01"


def test_only_a_legal_user_issues_a_lawyer_letter(cli: Run, ledger: sessionmaker[Session], tmp_path: Path) -> None:
    added = cli("legal", "firm", "add", "正衡律师事务所", "--address", "上海市黄浦区", "--lawyer", "陈立", "--licence",
                "13101201010123456", "--phone", "021-63218800")
    assert added.returncode == 0, added.stderr
    assert "正衡律师事务所" in cli("legal", "firm", "list").stdout
    refused = cli("legal", "lawyer-letter", "D1", "--firm", "正衡律师事务所", "--as-of", AS_OF, "--format", "pdf")
    assert "needs the role legal; 'clerk' has the role 'finance'" in one_line_error(refused)
    assert _count(ledger, Letter) == 0
    out = tmp_path / "out"
    issued = cli("legal", "lawyer-letter", "D1", "--firm", "正衡律师事务所", "--as-of", AS_OF, "--format", "pdf",
                 "--interest-rule", "daily:0.0005", "--out", str(out), user="lawyer")
    assert issued.returncode == 0, issued.stderr
    assert "律字" in issued.stdout and len(list(out.glob("*.pdf"))) == 1
    with ledger() as session:
        data = session.execute(select(Letter.data)).scalar_one()
    assert data["interest_total"] == "3225.00" and data["deadline"] == "2026-12-06"
