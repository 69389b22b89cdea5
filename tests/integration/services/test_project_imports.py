"""Importing construction contracts, milestones and settlements: all or nothing, every bad row reported."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from receivables.services import projects
from receivables.services.users import add_user
from receivables.storage.database import unit_of_work
from receivables.storage.schema import AuditEntry, Contract, Debtor, Receivable
from receivables.storage.schema.projects import ConstructionProject, ProjectMilestone, ProjectSettlement

D = Decimal
PROJECT_HEADER = ["客户编码", "合同编号", "合同名称", "合同金额", "签订日期", "账期", "项目经理", "质保金比例", "缺陷责任期",
                  "竣工验收日期"]


@pytest.fixture
def debtors(ledger: sessionmaker[Session]) -> sessionmaker[Session]:
    """Debtors ZJ and HY; `test` (who runs the imports: finance) and `pm` (project_manager) may record projects."""
    with unit_of_work(ledger) as session:
        add_user(session, "test", "finance", "a-long-password", actor="test")
        add_user(session, "pm", "project_manager", "a-long-password", actor="test")
        session.add_all([Debtor(code="ZJ", name="中建置业"), Debtor(code="HY", name="华远地产")])
    return ledger


def written(sessions: sessionmaker[Session]) -> dict[str, int]:
    with sessions() as session:
        return {t.__tablename__: session.execute(select(func.count()).select_from(t)).scalar_one()
                for t in (Contract, ConstructionProject, ProjectMilestone, ProjectSettlement, Receivable, AuditEntry)}


def test_projects_milestones_and_settlements_import_with_chinese_headers(
        debtors: sessionmaker[Session], import_file: Callable[..., Any], write_csv: Callable[..., Any]) -> None:
    outcome = import_file("projects", write_csv("p.csv", PROJECT_HEADER, [
        ["ZJ", "HT-01", "科技园一期", "1,000,000.00", "2025-01-10", "30", "王工", "3%", "24", "2026-01-31"],
        ["HY", "HY-7", "商业中心", "500000", "2025/2/1", "", "李工", "5", "", ""],
    ]))
    assert outcome.committed, outcome.problems
    assert outcome.inserted == 2
    milestones = import_file("milestones", write_csv("m.csv", ["客户编码", "合同编号", "节点编号", "付款比例", "金额"], [
        ["ZJ", "HT-01", "M1", "30", ""], ["ZJ", "HT-01", "M2", "", "200000"]]))
    assert milestones.committed, milestones.problems
    with unit_of_work(debtors) as session:
        projects.bill_milestone(session, "HT-01", "M1", billed_on=date(2025, 6, 30), actor="pm")
    settled = import_file("settlements", write_csv("s.csv", ["客户编码", "合同编号", "结算日期", "结算金额"], [
        ["ZJ", "HT-01", "2026-03-31", "1000000"]]))
    assert settled.committed, settled.problems
    with debtors() as session:
        facts = session.execute(select(ConstructionProject.project_manager, ConstructionProject.retention_rate,
                                       ConstructionProject.defect_liability_months)
                                .order_by(ConstructionProject.project_manager)).all()
        assert facts == [("李工", D(5), 12), ("王工", D(3), 24)]
        kinds = dict(session.execute(select(Receivable.kind, Receivable.amount)
                                     .where(Receivable.kind.in_(("settlement_balance", "retention")))).all())
        assert kinds == {"settlement_balance": D("670000.00"), "retention": D("30000.00")}
        kind = session.execute(select(Contract.kind).where(Contract.number == "HY-7")).scalar_one()
        assert kind == "construction"


def test_every_bad_project_row_is_reported_and_nothing_is_written(
        debtors: sessionmaker[Session], import_file: Callable[..., Any], write_csv: Callable[..., Any]) -> None:
    before = written(debtors)
    outcome = import_file("projects", write_csv("p.csv", PROJECT_HEADER, [
        ["ZJ", "HT-01", "ok", "1000", "2025-01-10", "30", "王工", "3", "24", ""],
        ["ZJ", "HT-02", "rate", "1000", "", "", "", "101", "", ""],
        ["ZJ", "HT-03", "no amount", "", "", "", "", "3", "", ""],
        ["XX", "HT-04", "who", "1000", "", "", "", "3", "", ""],
        ["HY", "HT-05", "early", "1000", "2025-06-01", "", "", "abc", "", "2025-01-01"],
    ]))
    assert not outcome.committed
    assert [(p.row, p.column) for p in outcome.problems] == [
        (3, "retention_rate"), (4, "amount"), (5, "debtor"), (6, "retention_rate")]
    assert written(debtors) == before


def test_milestone_percentages_over_100_in_a_file_are_refused_with_nothing_written(
        debtors: sessionmaker[Session], import_file: Callable[..., Any], write_csv: Callable[..., Any]) -> None:
    with unit_of_work(debtors) as session:
        projects.add_project(session, debtor="ZJ", number="HT-01", actor="pm", amount=D("1000.00"))
    before = written(debtors)
    outcome = import_file("milestones", write_csv("m.csv", ["debtor", "contract", "code", "percent", "amount"], [
        ["ZJ", "HT-01", "M1", "60", ""], ["ZJ", "HT-01", "M2", "50", ""], ["ZJ", "NOPE", "M1", "10", ""],
        ["ZJ", "HT-01", "M3", "", ""]]))
    assert not outcome.committed
    assert [(p.row, p.column) for p in outcome.problems] == [(3, "percent"), (4, "contract"), (5, "percent")]
    assert "110%" in outcome.problems[0].reason
    assert written(debtors) == before


def test_a_settlement_before_acceptance_in_a_file_is_refused_with_nothing_written(
        debtors: sessionmaker[Session], import_file: Callable[..., Any], write_csv: Callable[..., Any]) -> None:
    with unit_of_work(debtors) as session:
        projects.add_project(session, debtor="ZJ", number="HT-01", actor="pm", amount=D("1000.00"))
        projects.record_acceptance(session, "HT-01", actor="pm", accepted_on=date(2026, 1, 31))
        projects.add_project(session, debtor="HY", number="HY-7", actor="pm", amount=D("1000.00"))
        projects.record_acceptance(session, "HY-7", actor="pm", accepted_on=date(2026, 1, 1))
    before = written(debtors)
    outcome = import_file("settlements", write_csv("s.csv", ["debtor", "contract", "settled_on", "settled_amount"], [
        ["HY", "HY-7", "2026-02-01", "1000"], ["ZJ", "HT-01", "2026-01-30", "1000"],
        ["HY", "HY-7", "2026-02-02", "1000"]]))
    assert not outcome.committed
    assert [p.row for p in outcome.problems] == [3, 4]
    assert "before completion acceptance" in outcome.problems[0].reason
    assert "already settled" in outcome.problems[1].reason
    assert written(debtors) == before


def test_projects_import_from_xlsx_with_date_and_number_cells(
        debtors: sessionmaker[Session], import_file: Callable[..., Any], write_xlsx: Callable[..., Any]) -> None:
    outcome = import_file("projects", write_xlsx("p.xlsx", PROJECT_HEADER, [
        ["ZJ", "HT-01", "科技园", 1000000, date(2025, 1, 10), 30, "王工", 2.5, 18, date(2026, 2, 28)]]))
    assert outcome.committed, outcome.problems
    with debtors() as session:
        assert session.execute(select(ConstructionProject.retention_rate, ConstructionProject.defect_liability_months,
                                      ConstructionProject.accepted_on)).one() == (D("2.5"), 18, date(2026, 2, 28))
