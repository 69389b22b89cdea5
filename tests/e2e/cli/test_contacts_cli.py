"""The organization-map commands through the real `receivables` console script: contacts, import, route, chart,
interactions under hygiene, promises, disputes and the debtor timeline; bad input is one line, exit 1."""

from __future__ import annotations

import csv
import json
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from receivables.services.imports import run_import
from receivables.services.setup import initialise
from receivables.storage.database import make_engine, session_factory
from receivables.storage.schema import AuditEntry, Contact, Dispute, DisputeItem, Interaction, Promise

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def cli(database_url: str, home: Path, tmp_path: Path) -> Run:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECEIVABLES_")}
    env.update({"RECEIVABLES_HOME": str(home), "RECEIVABLES_USER": "tester", "COLUMNS": "200"})
    if database_url.startswith("postgresql"):
        env["RECEIVABLES_DATABASE_URL"] = database_url
    return lambda *args: subprocess.run(["receivables", *args], env=env, cwd=tmp_path, capture_output=True,
                                        text=True, timeout=120)


@pytest.fixture
def sessions(database_url: str, home: Path) -> Iterator[sessionmaker[Session]]:
    """In-process access to the database the CLI uses (to set up data quickly and to check what was written)."""
    url = database_url if database_url.startswith("postgresql") else f"sqlite:///{home / 'receivables.sqlite'}"
    engine = make_engine(url)
    factory = session_factory(engine)
    initialise(engine, factory, actor="setup", company="Our Co")
    yield factory
    engine.dispose()


def written(sessions: sessionmaker[Session]) -> dict[str, int]:
    with sessions() as session:
        return {t.__tablename__: session.execute(select(func.count()).select_from(t)).scalar_one()
                for t in (Contact, Interaction, Promise, Dispute, DisputeItem, AuditEntry)}


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, result.stderr
    return result


def refused(result: subprocess.CompletedProcess[str], message: str) -> None:
    assert result.returncode == 1, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert "Traceback" not in result.stderr


@pytest.fixture
def mapped(cli: Run, sessions: sessionmaker[Session], tmp_path: Path) -> Run:
    """Debtor HD (two items, one paid) and its people imported from a CSV file; set up in-process."""
    folder = tmp_path / "files"
    folder.mkdir()
    for kind, header, rows in (
        ("debtors", ["code", "name"], [["HD", "华东建设集团"], ["XB", "西北贸易"]]),
        ("invoices", ["debtor", "number", "issue_date", "due_date", "amount"],
         [["HD", "A-1", "2026-01-01", "2026-01-31", "1000.00"], ["HD", "A-2", "2026-01-02", "2026-02-01", "300.00"]]),
        ("payments", ["debtor", "reference", "date", "amount", "applies_to"],
         [["HD", "P-1", "2026-02-10", "300.00", "A-2"]]),
        ("contacts", ["debtor", "name", "role", "title", "department", "phone", "email", "address", "stance",
                      "reports_to", "decision_maker", "active"], [
            ["HD", "赵建国", "boss", "总经理", "", "", "", "", "evasive", "王董事长", "yes", "yes"],
            ["HD", "王董事长", "other", "董事长", "", "", "", "", "decisive", "", "no", "yes"],
            ["HD", "钱晓红", "finance", "财务经理", "财务部", "021-5555", "qian@hd.cn", "", "cooperative", "赵建国",
             "no", "yes"],
            ["HD", "李前台", "front_desk", "前台", "", "", "", "", "gatekeeper", "赵建国", "no", "yes"],
            ["XB", "外人", "finance", "", "", "", "", "", "", "", "no", "yes"]]),
    ):
        outcome = run_import(sessions, kind, write_csv(folder / f"{kind}.csv", header, rows), actor="setup")
        assert outcome.committed, outcome.problems
    return cli


def test_contacts_are_listed_added_edited_and_shown(mapped: Run) -> None:
    listed = json.loads(ok(mapped("contacts", "list", "HD", "--format", "json")).stdout)
    assert [c["name"] for c in listed] == ["赵建国", "王董事长", "钱晓红", "李前台"]
    ok(mapped("contacts", "add", "HD", "--name", "孙会计", "--role", "财务", "--reports-to", "钱晓红",
              "--email", "sun@hd.cn", "--hours", "09:00-17:00"))
    ok(mapped("contacts", "edit", "HD", "孙会计", "--stance", "cooperative", "--active", "no"))
    shown = json.loads(ok(mapped("contacts", "show", "HD", "孙会计", "--format", "json")).stdout)
    assert (shown["role"], shown["reports_to"], shown["stance"], shown["active"]) == \
        ("finance", "钱晓红", "cooperative", False)
    assert "孙会计" in ok(mapped("contacts", "list")).stdout


def test_the_route_as_json_has_recipients_and_gaps(mapped: Run) -> None:
    document = json.loads(ok(mapped("contacts", "route", "HD", "--roles", "finance,boss,legal_rep",
                                    "--format", "json")).stdout)
    assert list(document) == ["recipients", "gaps"]
    assert [(r["name"], r["role"]) for r in document["recipients"]] == [("钱晓红", "finance"), ("王董事长", "other")]
    assert "evasive" in document["recipients"][1]["reason"]
    assert document["gaps"] == ["no legal representative contact mapped for 华东建设集团"]
    table = ok(mapped("contacts", "route", "HD", "--roles", "legal_rep"))
    assert "gap: no legal representative" in table.stderr


@pytest.mark.parametrize("suffix", [".svg", ".png"])
def test_the_chart_is_written_as_svg_or_png(mapped: Run, tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"chart{suffix}"
    ok(mapped("contacts", "chart", "HD", "--out", str(out), "--roles", "front_desk,finance,boss"))
    content = out.read_bytes()
    assert content.startswith(b"\x89PNG") if suffix == ".png" else b"<svg" in content[:2000]
    assert len(content) > 10_000


@pytest.mark.parametrize("args, message", [
    (["contacts", "add", "HD", "--name", "新人", "--role", "cfo"], "unknown role 'cfo'"),
    (["contacts", "add", "HD", "--name", "新人", "--role", "finance", "--stance", "hostile"], "unknown stance"),
    (["contacts", "add", "HD", "--name", "新人", "--role", "finance", "--email", "x@y"], "malformed e-mail"),
    (["contacts", "add", "HD", "--name", "新人", "--role", "finance", "--reports-to", "外人"], "another debtor"),
    (["contacts", "edit", "HD", "王董事长", "--reports-to", "钱晓红"], "cycle"),
    (["contacts", "route", "HD", "--roles", "cfo"], "unknown role"),
    (["promises", "add", "HD", "--amount", "0", "--by", "2026-04-01", "--on", "2026-03-10"], "must be positive"),
    (["promises", "add", "HD", "--amount", "100", "--by", "2026-03-01", "--on", "2026-03-10"], "already past"),
    (["disputes", "open", "HD", "--item", "A-2", "--reason", "质量"], "is paid"),
    (["contacts", "chart", "HD", "--out", "chart.pdf"], "must end in .svg or .png"),
])
def test_bad_input_is_one_line_exit_1_and_writes_nothing(mapped: Run, sessions: sessionmaker[Session],
                                                        args: list[str], message: str) -> None:
    before = written(sessions)
    refused(mapped(*args), message)
    assert written(sessions) == before


def test_a_bad_contacts_file_is_refused_whole(mapped: Run, sessions: sessionmaker[Session], tmp_path: Path) -> None:
    before = written(sessions)
    bad = write_csv(tmp_path / "bad.csv", ["debtor", "name", "role", "reports_to"],
                    [["HD", "新人", "finance", ""], ["HD", "甲", "cfo", ""], ["HD", "乙", "finance", "外人"]])
    result = mapped("import", "contacts", str(bad))
    assert result.returncode == 1
    assert "unknown role" in result.stderr and "another debtor" in result.stderr
    assert "nothing was written" in result.stderr
    assert written(sessions) == before


def test_interactions_respect_hygiene_unless_overridden(mapped: Run) -> None:
    refused(mapped("interactions", "log", "HD", "--channel", "call", "--summary", "催款",
                   "--at", "2026-03-10 22:15"), "outside the allowed hours")
    logged = ok(mapped("interactions", "log", "HD", "--channel", "call", "--summary", "催款", "--contact", "钱晓红",
                       "--at", "2026-03-10 22:15", "--override-reason", "debtor asked to call after the site shift"))
    assert "override" in logged.stdout
    ok(mapped("contacts", "hygiene", "HD", "--per-day", "1", "--per-week", "2"))
    ok(mapped("interactions", "log", "HD", "--channel", "message", "--summary", "提醒", "--at", "2026-03-11 10:00"))
    refused(mapped("interactions", "log", "HD", "--channel", "message", "--summary", "提醒",
                   "--at", "2026-03-11 11:00"), "limit 1 a day")
    listed = json.loads(ok(mapped("interactions", "list", "HD", "--format", "json")).stdout)
    assert [i["override_reason"] for i in listed] == ["debtor asked to call after the site shift", None]


def test_promises_disputes_and_the_timeline(mapped: Run) -> None:
    ok(mapped("promises", "add", "HD", "--amount", "500", "--by", "2026-03-20", "--on", "2026-03-10",
              "--contact", "钱晓红"))
    broken = json.loads(ok(mapped("promises", "--status", "broken", "--as-of", "2026-04-01",
                                  "--format", "json")).stdout)
    assert [(p["debtor"], p["amount"], p["status"]) for p in broken] == [("HD", "500.00", "broken")]
    assert json.loads(ok(mapped("promises", "--due-by", "2026-03-01", "--format", "json")).stdout) == []
    ok(mapped("disputes", "open", "HD", "--item", "A-1=400", "--reason", "质量问题", "--on", "2026-03-11"))
    listed = json.loads(ok(mapped("disputes", "--as-of", "2026-03-21", "--format", "json")).stdout)
    assert [(d["id"], d["age_days"], d["status"]) for d in listed] == [(1, 10, "open")]
    ok(mapped("disputes", "resolve", "1", "--resolution", "credit_note", "--on", "2026-03-25"))
    refused(mapped("disputes", "resolve", "1", "--resolution", "withdrawn"), "already resolved")
    document = json.loads(ok(mapped("debtor", "timeline", "HD", "--as-of", "2026-04-01", "--format", "json")).stdout)
    kinds = [e["kind"] for e in document["entries"]]
    assert kinds == ["item", "item", "payment", "promise", "dispute_opened", "dispute_resolved"]
    assert [e["on"] for e in document["entries"]] == sorted(e["on"] for e in document["entries"])
    assert "HD" in ok(mapped("debtor", "timeline", "HD", "--as-of", "2026-04-01")).stdout
