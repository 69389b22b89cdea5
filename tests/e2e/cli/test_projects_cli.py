"""Projects, retention and targets through the real `receivables` console script: a PM records a contract from
signing to settlement, lists and shows it, finds the retention coming due, sets and reports targets; bad input is
one line, exit 1, and writes nothing."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from receivables.services import projects
from receivables.services.setup import initialise
from receivables.services.users import add_user
from receivables.storage.database import make_engine, session_factory, unit_of_work
from receivables.storage.schema import AuditEntry, Debtor, Receivable
from receivables.storage.schema.projects import (
    CollectionTarget,
    ConstructionProject,
    ContractVariation,
    ProjectMilestone,
    ProjectSettlement,
)

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def cli(database_url: str, home: Path, tmp_path: Path) -> Run:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECEIVABLES_")}
    env.update({"RECEIVABLES_HOME": str(home), "RECEIVABLES_USER": "pm", "COLUMNS": "200"})
    if database_url.startswith("postgresql"):
        env["RECEIVABLES_DATABASE_URL"] = database_url

    def run(*args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["receivables", *args], env={**env, **extra_env}, cwd=tmp_path, capture_output=True,
                              text=True, timeout=120, check=False)
    return run


@pytest.fixture
def sessions(database_url: str, home: Path) -> Iterator[sessionmaker[Session]]:
    url = database_url if database_url.startswith("postgresql") else f"sqlite:///{home / 'receivables.sqlite'}"
    engine = make_engine(url)
    factory = session_factory(engine)
    initialise(engine, factory, actor="setup", company="华建工程")
    with unit_of_work(factory) as session:
        session.add(Debtor(code="ZJ", name="中建置业有限公司"))
        add_user(session, "pm", "project_manager", "a-long-password", actor="setup")  # RECEIVABLES_USER of `cli`
        add_user(session, "guest", "viewer", "a-long-password", actor="setup")
    yield factory
    engine.dispose()


def written(sessions: sessionmaker[Session]) -> dict[str, int]:
    with sessions() as session:
        return {t.__tablename__: session.execute(select(func.count()).select_from(t)).scalar_one()
                for t in (ConstructionProject, ContractVariation, ProjectMilestone, ProjectSettlement, Receivable,
                          CollectionTarget, AuditEntry)}


def ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, result.stderr
    return result


def refused(result: subprocess.CompletedProcess[str], message: str) -> None:
    assert result.returncode == 1, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_a_contract_from_signing_to_retention_release(cli: Run, sessions: sessionmaker[Session]) -> None:
    added = ok(cli("project", "add", "HT-01", "--debtor", "ZJ", "--amount", "1,000,000.00", "--title", "科技园一期",
                   "--terms-days", "30", "--pm", "王工", "--retention-rate", "5%", "--defect-months", "24"))
    assert "above the 3% cap" in added.stdout
    ok(cli("project", "variation", "HT-01", "BG-1", "--amount", "-100000", "--on", "2025-03-01"))
    ok(cli("project", "milestone", "HT-01", "M1", "--percent", "40", "--title", "主体封顶"))
    billed = ok(cli("project", "bill", "HT-01", "M1", "--on", "2025-06-30"))
    assert "360,000.00 due 2025-07-30" in billed.stdout
    ok(cli("project", "accept", "HT-01", "--report", "2025-10-31"))
    settled = ok(cli("project", "settle", "HT-01", "--on", "2026-03-31", "--amount", "900000", "--yes"))
    assert "retention 45,000.00, balance 495,000.00" in settled.stdout
    # Acceptance delayed: the period starts 90 days after the report (29 January 2026), 24 months, +14 +14.
    assert "retention HT-01-retention: 45,000.00 due 2028-02-26" in settled.stdout

    listed = json.loads(ok(cli("projects", "--pm", "王工", "--as-of", "2026-04-01", "--format", "json")).stdout)
    assert [(p["contract"], p["value"], p["billed"], p["overdue"], p["retention_held"], p["retention_due_date"])
            for p in listed] == [("HT-01", "900000.00", "900000.00", "360000.00", "45000.00", "2028-02-26")]
    assert json.loads(ok(cli("projects", "--pm", "李工", "--format", "json")).stdout) == []

    shown = json.loads(ok(cli("project", "show", "HT-01", "--as-of", "2026-04-01", "--format", "json")).stdout)
    dates = {d["what"]: d for d in shown["dates"]}
    assert dates["defect-liability period starts"]["date"] == "2026-01-29"
    assert "90 days after the completion report" in dates["defect-liability period starts"]["rule"]
    assert dates["retention claimable from"]["date"] == "2028-01-29"
    assert shown["milestones"][0]["billings"][0]["receivable"] == "HT-01-M1"
    assert any("project.settle" in h["what"] for h in shown["history"])
    assert ok(cli("project", "show", "HT-01")).stdout.count("HT-01-retention") >= 1

    due = json.loads(ok(cli("retention", "--within", "30", "--as-of", "2028-02-01", "--format", "json")).stdout)
    assert [(r["receivable"], r["amount"], r["status"], r["days_to_due"]) for r in due] == [
        ("HT-01-retention", "45000.00", "coming due", 25)]
    assert json.loads(ok(cli("retention", "--within", "30", "--as-of", "2027-12-01", "--format", "json")).stdout) == []
    assert "HT-01-retention" in ok(cli("retention", "--as-of", "2028-03-01")).stdout


def test_targets_set_and_report(cli: Run, sessions: sessionmaker[Session]) -> None:
    ok(cli("project", "add", "HT-01", "--debtor", "ZJ", "--amount", "1000000", "--pm", "王工"))
    ok(cli("project", "milestone", "HT-01", "M1", "--amount", "200000"))
    ok(cli("project", "bill", "HT-01", "M1", "--on", "2026-10-08"))
    set_ = ok(cli("targets", "set", "--scope", "contract", "--name", "HT-01", "--period", "2026-Q4",
                  "--amount", "150000"))
    assert "target set: contract HT-01 2026-Q4 CNY 150,000.00" in set_.stdout
    report = json.loads(ok(cli("targets", "report", "--period", "2026-Q4", "--format", "json")).stdout)
    assert report == [{"scope": "contract", "name": "HT-01", "period": "2026-Q4", "currency": "CNY",
                       "target": "150000.00", "recovered": "0.00", "rate_percent": "0.00", "open_left": "200000.00"}]
    assert "HT-01" in ok(cli("targets", "report", "--period", "2026-Q4")).stdout


@pytest.mark.parametrize(("args", "message"), [
    (("project", "variation", "HT-01", "BG-9", "--amount", "-1000000.01", "--on", "2025-03-01"), "below zero"),
    (("project", "edit", "HT-01", "--retention-rate", "101"), "outside 0% to 100%"),
    (("project", "milestone", "HT-01", "M2", "--percent", "60.5"), "more than 100%"),
    (("project", "settle", "HT-01", "--on", "2026-01-30", "--amount", "1", "--yes"), "before completion acceptance"),
    (("project", "bill", "HT-01", "M1", "--on", "2026-01-01"), "already billed"),
    (("project", "show", "NOPE"), "no contract 'NOPE'"),
    (("targets", "set", "--scope", "team", "--name", "x", "--period", "2026", "--amount", "1"), "unknown scope"),
])
def test_bad_input_is_one_line_exit_1_and_writes_nothing(cli: Run, sessions: sessionmaker[Session],
                                                         args: tuple[str, ...], message: str) -> None:
    with unit_of_work(sessions) as session:  # set up in-process: the command under test is the one refused
        projects.add_project(session, debtor="ZJ", number="HT-01", actor="pm", amount=Decimal("1000000.00"))
        projects.add_milestone(session, "HT-01", code="M1", actor="pm", percent=Decimal(40))
        projects.bill_milestone(session, "HT-01", "M1", billed_on=date(2025, 12, 1), actor="pm")
        projects.record_acceptance(session, "HT-01", actor="pm", accepted_on=date(2026, 1, 31))
    before = written(sessions)
    refused(cli(*args), message)
    assert written(sessions) == before


def test_settlement_without_confirmation_writes_nothing(cli: Run, sessions: sessionmaker[Session]) -> None:
    with unit_of_work(sessions) as session:
        projects.add_project(session, debtor="ZJ", number="HT-01", actor="pm", amount=Decimal("1000000.00"))
        projects.record_acceptance(session, "HT-01", actor="pm", accepted_on=date(2026, 1, 31))
    before = written(sessions)
    result = cli("project", "settle", "HT-01", "--on", "2026-03-31", "--amount", "1000000")
    assert result.returncode == 1
    assert written(sessions) == before


def test_import_projects_through_the_cli(cli: Run, sessions: sessionmaker[Session], tmp_path: Path) -> None:
    path = tmp_path / "projects.csv"
    path.write_text("客户编码,合同编号,合同金额,项目经理,质保金比例\nZJ,HT-09,800000,王工,3\n", encoding="utf-8")
    ok(cli("import", "projects", str(path)))
    listed = json.loads(ok(cli("projects", "--format", "json")).stdout)
    assert [(p["contract"], p["project_manager"], p["value"]) for p in listed] == [("HT-09", "王工", "800000.00")]


def test_a_viewer_cannot_record_or_import_project_facts_but_can_read_them(cli: Run, sessions: sessionmaker[Session],
                                                                          tmp_path: Path) -> None:
    with unit_of_work(sessions) as session:
        projects.add_project(session, debtor="ZJ", number="HT-01", actor="pm", amount=Decimal("1000000.00"),
                             project_manager="王工")
    before = written(sessions)
    needs = "needs the role project_manager or finance; 'guest' has the role 'viewer'"
    refused(cli("project", "add", "HT-02", "--debtor", "ZJ", "--amount", "500000", RECEIVABLES_USER="guest"),
            f"recording a construction project {needs}")
    refused(cli("project", "milestone", "HT-01", "M1", "--percent", "30", RECEIVABLES_USER="guest"),
            f"adding a project milestone {needs}")
    path = tmp_path / "projects.csv"
    path.write_text("客户编码,合同编号,合同金额,项目经理\nZJ,HT-09,800000,王工\n", encoding="utf-8")
    refused(cli("import", "projects", str(path), RECEIVABLES_USER="guest"), f"importing projects {needs}")
    assert written(sessions) == before
    listed = json.loads(ok(cli("projects", "--format", "json", RECEIVABLES_USER="guest")).stdout)
    assert [p["contract"] for p in listed] == ["HT-01"]
    ok(cli("retention", "--format", "json", RECEIVABLES_USER="guest"))
