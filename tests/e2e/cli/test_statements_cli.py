"""`receivables statements ...` through the real console script, e-mailing to a local SMTP server, on both backends."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from receivables.storage.schema import Debtor
from receivables.storage.schema.reconciliation import Statement
from tests.smtp_capture import CapturingHandler, smtp_server

Run = Callable[..., subprocess.CompletedProcess[str]]
SLIP = b"%PDF-1.4\n% the debtor's signed slip\n"


def _csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def smtp() -> Iterator[tuple[CapturingHandler, int]]:
    handler = CapturingHandler()
    with smtp_server(handler) as port:
        yield handler, port


@pytest.fixture
def cli(database_url: str, tmp_path: Path, smtp: tuple[CapturingHandler, int]) -> Run:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECEIVABLES_")}
    env.update({"RECEIVABLES_HOME": str(tmp_path / "home"), "RECEIVABLES_USER": "tester", "COLUMNS": "200",
                "RECEIVABLES_DATABASE_URL": database_url, "RECEIVABLES_SMTP_HOST": "127.0.0.1",
                "RECEIVABLES_SMTP_PORT": str(smtp[1]), "RECEIVABLES_SMTP_FROM": "ar@huajian.example",
                "RECEIVABLES_STATEMENT_CC": "sales@huajian.example"})
    work = tmp_path / "work"
    work.mkdir()

    def run(*args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["receivables", *args], env={**env, **extra_env}, cwd=work, capture_output=True,
                              text=True, timeout=180, check=False)
    return run


@pytest.fixture
def books(database_url: str, tmp_path: Path) -> str:
    """A creditor, two debtors with November movements, D1's finance contact, monthly statements on the 5th,
    the acting user `tester` (finance) and a viewer `guest` (written in-process through the services, to keep
    the test quick)."""
    from receivables.services.imports import run_import
    from receivables.services.setup import initialise
    from receivables.services.statement_responses import set_schedule
    from receivables.services.users import add_user
    from receivables.storage.database import make_engine, session_factory
    from receivables.storage.schema import Contact

    engine = make_engine(database_url)
    sessions = session_factory(engine)
    initialise(engine, sessions, actor="test", company="华建工程有限公司")
    files = {
        "debtors": _csv(tmp_path / "d.csv", ["code", "name"], [["D1", "深圳腾达科技有限公司"], ["D2", "广州华南贸易有限公司"]]),
        "invoices": _csv(tmp_path / "i.csv", ["debtor", "number", "issue_date", "due_date", "amount", "currency"],
                         [["D1", "F-1003", "2026-10-03", "2026-11-03", "2000.00", "CNY"],
                          ["D1", "F-1105", "2026-11-05", "2026-12-05", "500.00", "CNY"],
                          ["D2", "G-1101", "2026-11-01", "2026-12-01", "80.00", "CNY"]]),
        "payments": _csv(tmp_path / "p.csv", ["debtor", "reference", "date", "amount", "currency"],
                         [["D1", "P-1112", "2026-11-12", "1500.00", "CNY"]]),
    }
    for kind, path in files.items():
        assert not run_import(sessions, kind, path, actor="test").problems
    with sessions.begin() as session:
        d1 = session.execute(select(Debtor.id).where(Debtor.code == "D1")).scalar_one()
        session.add(Contact(debtor_id=d1, name="张伟", role="finance", email="caiwu@tengda.example"))
        add_user(session, "tester", "finance", "a-long-password", actor="test")
        add_user(session, "guest", "viewer", "a-long-password", actor="test")
        set_schedule(session, "D1", frequency="monthly", day=5, actor="tester")
        set_schedule(session, "D2", frequency="monthly", day=31, actor="tester")
    engine.dispose()
    return database_url


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def _schedule(database_url: str, code: str) -> tuple[str, int]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            frequency, day = connection.execute(select(Debtor.reconciliation_frequency, Debtor.reconciliation_day)
                                                .where(Debtor.code == code)).one()
            return str(frequency), int(day)
    finally:
        engine.dispose()


def _statement_count(database_url: str) -> int:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(Statement)).scalar_one())
    finally:
        engine.dispose()


def test_issue_and_send_mails_the_finance_contact_once(cli: Run, books: str, database_url: str,
                                                        smtp: tuple[CapturingHandler, int]) -> None:
    handler, _ = smtp
    result = cli("statements", "issue", "--period", "2026-11", "--as-of", "2026-12-05", "--send", "--format", "json")
    assert "1 of 2 e-mail(s) were not accepted" in one_line_error(result)
    report = json.loads(result.stdout)
    assert [(s["debtor"], s["opening_balance"], s["closing_balance"]) for s in report["issued"]] == [
        ("D1", "2000.00", "1000.00"), ("D2", "0.00", "80.00")]
    assert [(e["debtor"], e["status"]) for e in report["emails"]] == [("D1", "sent"), ("D2", "failed")]
    assert "no active finance contact" in report["emails"][1]["error"]
    [arrival] = handler.arrived
    assert arrival.recipients == ["caiwu@tengda.example", "sales@huajian.example"]
    stored = {part.get_filename()[-4:]: part.get_content() for part in arrival.message.iter_attachments()}
    sha = report["issued"][0]["files"]
    assert hashlib.sha256(stored[".pdf"]).hexdigest() == sha["pdf"]
    assert hashlib.sha256(stored["docx"]).hexdigest() == sha["docx"]
    # Issuing again sends only what failed (D2 still has no address), never D1 twice; the exit status says so.
    again = cli("statements", "issue", "--period", "2026-11", "--as-of", "2026-12-06", "--send")
    assert again.returncode == 1 and "2026-11: 0 issued, 2 already issued" in again.stdout
    assert len(handler.arrived) == 1
    assert _statement_count(database_url) == 2


def test_respond_list_and_awaiting_reply(cli: Run, books: str, tmp_path: Path) -> None:
    issued = cli("statements", "issue", "--period", "2026-11", "--as-of", "2026-12-05", "--print", "--format", "json")
    numbers = {s["debtor"]: s["number"] for s in json.loads(issued.stdout)["issued"]}
    slip = tmp_path / "回执.pdf"
    slip.write_bytes(SLIP)
    confirmed = cli("statements", "respond", numbers["D1"], "--confirmed", "--on", "2026-12-12", "--signer", "张伟",
                    "--slip", str(slip), "--format", "json")
    assert confirmed.returncode == 0, confirmed.stderr
    answer = json.loads(confirmed.stdout)
    assert answer["slip_sha256"] == hashlib.sha256(SLIP).hexdigest() and answer["limitation_event_id"]
    assert (tmp_path / "home" / "blobs" / answer["slip_sha256"][:2] / answer["slip_sha256"]).read_bytes() == SLIP
    waiting = json.loads(cli("statements", "awaiting-reply", "--days", "15", "--as-of", "2026-12-21",
                             "--format", "json").stdout)
    assert [w["number"] for w in waiting] == [numbers["D2"]]
    listed = json.loads(cli("statements", "list", "--period", "2026-11", "--format", "json").stdout)
    assert {r["debtor"]: r["response"] for r in listed} == {"D1": "confirmed", "D2": None}
    disputed = cli("statements", "respond", numbers["D2"], "--disputed", "--on", "2026-12-20", "--their-balance",
                   "0", "--notes", "已于11月30日付清")
    assert disputed.returncode == 0 and "difference 80.00" in disputed.stdout


BAD_REQUESTS = [
    (("statements", "issue", "--period", "2026-12", "--as-of", "2026-12-05"), "ends on 2026-12-31"),
    (("statements", "issue", "--period", "2026-11", "--as-of", "2026-12-05", "--debtor", "NOPE"), "'NOPE'"),
    (("statements", "issue", "--period", "2026-11", "--as-of", "2026-12-05", "--send", "--print"), "not both"),
    (("statements", "respond", "〔2026〕询字第0099号", "--confirmed", "--signer", "x"), "no statement numbered"),
    (("statements", "schedule", "D1", "--frequency", "weekly"), "weekly"),
    (("statements", "schedule", "D1", "--frequency", "monthly", "--day", "32"), "1 to 31"),
    (("statements", "issue", "--period", "2026-11", "--as-of", "2026-12-05", "--send"), "RECEIVABLES_SMTP_HOST"),
]


def test_bad_requests_exit_1_with_one_line_and_write_nothing(cli: Run, books: str, database_url: str) -> None:
    for args, message in BAD_REQUESTS:
        extra = {"RECEIVABLES_SMTP_HOST": ""} if message == "RECEIVABLES_SMTP_HOST" else {}
        assert message in one_line_error(cli(*args, **extra)), args
    assert _statement_count(database_url) == 0
    result = cli("statements", "issue", "--period", "2026-13")
    assert result.returncode == 2 and "not a period" in result.stderr


def test_a_slip_that_is_not_a_pdf_or_image_is_refused(cli: Run, books: str, tmp_path: Path) -> None:
    issued = cli("statements", "issue", "--period", "2026-11", "--as-of", "2026-12-05", "--print", "--format", "json")
    number = json.loads(issued.stdout)["issued"][0]["number"]
    slip = tmp_path / "slip.txt"
    slip.write_text("confirmed")
    result = cli("statements", "respond", number, "--confirmed", "--on", "2026-12-12", "--signer", "张伟",
                 "--slip", str(slip))
    assert "slip.txt is not a PDF or an image" in one_line_error(result)


def test_a_user_without_the_finance_role_is_refused_in_one_line_and_nothing_is_written(
        cli: Run, books: str, database_url: str, smtp: tuple[CapturingHandler, int], tmp_path: Path) -> None:
    handler, _ = smtp
    issue = ("statements", "issue", "--period", "2026-11", "--as-of", "2026-12-05", "--send")
    assert "issuing statements of account needs the role finance; 'guest' has the role 'viewer'" in \
        one_line_error(cli(*issue, RECEIVABLES_USER="guest"))
    assert "'stranger' is not an active user" in one_line_error(cli(*issue, RECEIVABLES_USER="stranger"))
    assert _statement_count(database_url) == 0 and handler.arrived == []
    issued = cli("statements", "issue", "--period", "2026-11", "--as-of", "2026-12-05", "--print", "--format", "json")
    number = json.loads(issued.stdout)["issued"][0]["number"]
    slip = tmp_path / "回执.pdf"
    slip.write_bytes(SLIP)
    respond = cli("statements", "respond", number, "--confirmed", "--on", "2026-12-12", "--signer", "张伟",
                  "--slip", str(slip), RECEIVABLES_USER="guest")
    assert "recording a debtor's response to a statement needs the role finance" in one_line_error(respond)
    schedule = cli("statements", "schedule", "D1", "--frequency", "quarterly", RECEIVABLES_USER="guest")
    assert "changing a debtor's statement schedule needs the role finance" in one_line_error(schedule)
    assert _schedule(database_url, "D1") == ("monthly", 5)
    listed = cli("statements", "list", "--format", "json", RECEIVABLES_USER="guest")  # reading stays open
    assert listed.returncode == 0 and [r["response"] for r in json.loads(listed.stdout)] == [None, None]
