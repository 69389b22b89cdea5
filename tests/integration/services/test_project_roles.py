"""Recording a project's facts needs the project_manager or finance role (admin always may), by hand and by
import; a refused user writes nothing. On both backends."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from receivables.services import projects
from receivables.services.imports import run_import
from receivables.services.users import RoleRequired, add_user
from receivables.storage.database import unit_of_work
from receivables.storage.schema import AuditEntry, Contract, Debtor, Receivable
from receivables.storage.schema.projects import (
    ConstructionProject,
    ContractVariation,
    MilestoneBilling,
    ProjectMilestone,
    ProjectSettlement,
)

D = Decimal
TABLES = (Contract, Receivable, ConstructionProject, ContractVariation, ProjectMilestone, MilestoneBilling,
          ProjectSettlement, AuditEntry)
USERS = {"pm": "project_manager", "fin": "finance", "boss": "admin", "guest": "viewer", "lawyer": "legal"}
ALLOWED = ("pm", "fin", "boss")
REFUSED = ("guest", "lawyer", "nobody")  # `nobody` is not a user at all

ACTIONS: dict[str, tuple[str, Callable[[Session, str], Any]]] = {
    "add_project": ("recording a construction project", lambda s, actor: projects.add_project(
        s, debtor="ZJ", number="HT-03", actor=actor, amount=D("100000.00"), project_manager="张工")),
    "edit_project": ("changing a project's terms", lambda s, actor: projects.edit_project(
        s, "HT-01", {"project_manager": "李工"}, actor=actor)),
    "record_acceptance": ("recording completion acceptance", lambda s, actor: projects.record_acceptance(
        s, "HT-01", actor=actor, accepted_on=date(2026, 2, 28))),
    "add_variation": ("recording a contract variation", lambda s, actor: projects.add_variation(
        s, "HT-01", reference="BG-1", amount=D("50000.00"), signed_on=date(2025, 3, 1), actor=actor)),
    "add_milestone": ("adding a project milestone", lambda s, actor: projects.add_milestone(
        s, "HT-01", code="M2", actor=actor, percent=D(50))),
    "bill_milestone": ("billing a project milestone", lambda s, actor: projects.bill_milestone(
        s, "HT-01", "M1", billed_on=date(2025, 6, 30), actor=actor)),
    "settle": ("recording a project settlement", lambda s, actor: projects.settle(
        s, "HT-02", settled_on=date(2026, 3, 31), settled_amount=D("500000.00"), actor=actor)),
}

IMPORTS: dict[str, tuple[str, list[str], list[str]]] = {
    "projects": ("importing projects", ["客户编码", "合同编号", "合同金额", "项目经理"], ["ZJ", "HT-09", "800000", "王工"]),
    "milestones": ("importing project milestones", ["debtor", "contract", "code", "percent", "amount"],
                   ["ZJ", "HT-01", "M2", "50", ""]),
    "settlements": ("importing project settlements", ["debtor", "contract", "settled_on", "settled_amount"],
                    ["ZJ", "HT-02", "2026-03-31", "500000"]),
}


def refusal(doing: str, actor: str) -> str:
    """What `require_role` says to `actor` (a registered user of another role, or an unknown name)."""
    if actor == "nobody":
        return f"{doing} needs a user with the role project_manager or finance; 'nobody' is not an active user"
    return f"{doing} needs the role project_manager or finance; '{actor}' has the role '{USERS[actor]}'"


@pytest.fixture
def site(ledger: sessionmaker[Session]) -> sessionmaker[Session]:
    """Debtor ZJ with HT-01 (milestone M1 at 30%, not accepted) and HT-02 (accepted, ready to settle), both
    recorded by `pm`; one user per role (see USERS)."""
    with unit_of_work(ledger) as session:
        for name, role in USERS.items():
            add_user(session, name, role, "a-long-password", actor="test")
        session.add(Debtor(code="ZJ", name="中建置业有限公司"))
        session.flush()
        projects.add_project(session, debtor="ZJ", number="HT-01", actor="pm", amount=D("1000000.00"),
                             signed_on=date(2025, 1, 10), payment_terms_days=30, project_manager="王工")
        projects.add_milestone(session, "HT-01", code="M1", actor="pm", percent=D(30))
        projects.add_project(session, debtor="ZJ", number="HT-02", actor="pm", amount=D("500000.00"),
                             signed_on=date(2025, 1, 10))
        projects.record_acceptance(session, "HT-02", actor="pm", accepted_on=date(2026, 1, 31))
    return ledger


def written(sessions: sessionmaker[Session]) -> dict[str, Any]:
    with sessions() as session:
        found: dict[str, Any] = {t.__tablename__: session.execute(select(func.count()).select_from(t)).scalar_one()
                                 for t in TABLES}
        found["facts"] = sorted(session.execute(select(ConstructionProject.contract_id,
                                                       ConstructionProject.project_manager,
                                                       ConstructionProject.accepted_on)).all())
    return found


def last_actor(sessions: sessionmaker[Session]) -> str:
    with sessions() as session:
        return str(session.execute(select(AuditEntry.actor).order_by(AuditEntry.id.desc()).limit(1)).scalar_one())


@pytest.mark.parametrize("action", ACTIONS)
def test_recording_project_facts_needs_the_project_manager_or_finance_role(site: sessionmaker[Session],
                                                                           action: str) -> None:
    doing, act = ACTIONS[action]
    before = written(site)
    for actor in REFUSED:
        with pytest.raises(RoleRequired) as refused, unit_of_work(site) as session:
            act(session, actor)
        assert str(refused.value).startswith(refusal(doing, actor))
    assert written(site) == before


@pytest.mark.parametrize("actor", ALLOWED)
@pytest.mark.parametrize("action", ACTIONS)
def test_project_managers_finance_and_admin_may_record_project_facts(site: sessionmaker[Session], action: str,
                                                                     actor: str) -> None:
    before = written(site)
    with unit_of_work(site) as session:
        ACTIONS[action][1](session, actor)
    assert written(site) != before
    assert last_actor(site) == actor


@pytest.mark.parametrize("kind", IMPORTS)
def test_importing_project_facts_needs_the_project_manager_or_finance_role(
        site: sessionmaker[Session], write_csv: Callable[..., Path], kind: str) -> None:
    doing, header, row = IMPORTS[kind]
    path = write_csv(f"{kind}.csv", header, [row])
    before = written(site)
    for actor in REFUSED:
        with pytest.raises(RoleRequired) as refused:
            run_import(site, kind, path, actor=actor)
        assert str(refused.value).startswith(refusal(doing, actor))
    assert written(site) == before
    outcome = run_import(site, kind, path, actor="fin")
    assert outcome.committed and outcome.inserted == 1, outcome.problems
    assert last_actor(site) == "fin"


def test_reading_projects_needs_no_recording_role(site: sessionmaker[Session]) -> None:
    """Lists, one project and the retention report take no actor: every reading role sees them (the web and the
    CLI check only that the caller may read)."""
    with site() as session:
        assert sorted(line.contract_number for line in projects.list_projects(session, date(2026, 4, 1))) == \
            ["HT-01", "HT-02"]
        assert projects.show_project(session, "HT-01", date(2026, 4, 1)).line.contract_number == "HT-01"
        assert projects.retention_due(session, date(2026, 4, 1)) == []
