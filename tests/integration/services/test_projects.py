"""Construction contracts on both databases: facts recorded, the money that follows with its dates and rules, the
per-contract overview, retention coming due, collection targets, and refusals that write nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from receivables.domain.aging import aging_bucket, days_past_due
from receivables.services import projects, targets
from receivables.services.demo import load_demo
from receivables.services.errors import Refused
from receivables.services.users import add_user
from receivables.storage.database import unit_of_work
from receivables.storage.ledger import open_amount_mismatches
from receivables.storage.schema import AuditEntry, Contract, Debtor, Receivable
from receivables.storage.schema.projects import (
    CollectionTarget,
    ConstructionProject,
    ContractVariation,
    MilestoneBilling,
    ProjectMilestone,
    ProjectSettlement,
)

D = Decimal
PROJECT_TABLES = (Contract, Receivable, ConstructionProject, ContractVariation, ProjectMilestone, MilestoneBilling,
                  ProjectSettlement, CollectionTarget, AuditEntry)


@pytest.fixture
def site(ledger: sessionmaker[Session]) -> sessionmaker[Session]:
    """Debtors ZJ and HY; ZJ's contract HT-01 of 1,000,000 on 30-day terms, PM 王工, 3% retention, 24 months;
    the user `pm` records project facts (project_manager role)."""
    with unit_of_work(ledger) as session:
        add_user(session, "pm", "project_manager", "a-long-password", actor="test")
        session.add_all([Debtor(code="ZJ", name="中建置业有限公司"), Debtor(code="HY", name="华远地产有限公司")])
        session.flush()
        projects.add_project(session, debtor="ZJ", number="HT-01", actor="pm", amount=D("1000000.00"),
                             title="科技园一期", signed_on=date(2025, 1, 10), payment_terms_days=30,
                             project_manager="王工", retention_rate=D(3), defect_liability_months=24)
        projects.add_milestone(session, "HT-01", code="M1", actor="pm", percent=D(30), title="主体封顶")
        projects.add_milestone(session, "HT-01", code="M2", actor="pm", percent=D(50))
    return ledger


def counts(sessions: sessionmaker[Session]) -> dict[str, Any]:
    with sessions() as session:
        found: dict[str, Any] = {t.__tablename__: session.execute(select(func.count()).select_from(t)).scalar_one()
                                 for t in PROJECT_TABLES}
        found["facts"] = session.execute(select(ConstructionProject.retention_rate, ConstructionProject.accepted_on,
                                                ConstructionProject.project_manager)).all()
    return found


def refused_without_writing(sessions: sessionmaker[Session], action: Callable[[Session], Any], message: str) -> None:
    before = counts(sessions)
    with pytest.raises(Refused, match=message), unit_of_work(sessions) as session:
        action(session)
    assert counts(sessions) == before


def test_billing_a_milestone_creates_a_progress_item_due_per_the_payment_terms(site: sessionmaker[Session]) -> None:
    with unit_of_work(site) as session:
        projects.add_variation(session, "HT-01", reference="BG-1", amount=D("200000.00"), signed_on=date(2025, 3, 1),
                               actor="pm")
        item = projects.bill_milestone(session, "HT-01", "M1", billed_on=date(2025, 6, 30), actor="pm")
    assert item.number == "HT-01-M1"
    assert item.amount == D("360000.00")  # 30% of 1,200,000 with the variation
    assert item.due_date == date(2025, 7, 30)
    assert "30 days after billing" in (item.due_rule or "")
    with site() as session:
        row = session.execute(select(Receivable).where(Receivable.number == "HT-01-M1")).scalar_one()
        assert (row.kind, row.open_amount, row.contract_id is not None) == ("progress", D("360000.00"), True)
        assert open_amount_mismatches(session) == []


def test_billing_a_milestone_twice_needs_again_and_is_flagged(site: sessionmaker[Session]) -> None:
    with unit_of_work(site) as session:
        projects.bill_milestone(session, "HT-01", "M1", billed_on=date(2025, 6, 30), actor="pm")
    refused_without_writing(site, lambda s: projects.bill_milestone(s, "HT-01", "M1", billed_on=date(2025, 7, 1),
                                                                    actor="pm"), "already billed")
    with unit_of_work(site) as session:
        again = projects.bill_milestone(session, "HT-01", "M1", billed_on=date(2025, 7, 1), actor="pm", again=True)
        detail = projects.show_project(session, "HT-01", date(2025, 7, 2))
    assert again.number == "HT-01-M1-2"
    assert "milestone M1 billed 2 times" in detail.flags


def settle_ht01(sessions: sessionmaker[Session], amount: str = "1100000.00") -> projects.SettlementView:
    with unit_of_work(sessions) as session:
        projects.bill_milestone(session, "HT-01", "M1", billed_on=date(2025, 6, 30), actor="pm")
        projects.bill_milestone(session, "HT-01", "M2", billed_on=date(2025, 10, 31), actor="pm")
        projects.record_acceptance(session, "HT-01", actor="pm", accepted_on=date(2026, 1, 31))
        return projects.settle(session, "HT-01", settled_on=date(2026, 3, 31), settled_amount=D(amount), actor="pm")


def test_settlement_creates_the_balance_and_the_retention_with_their_dates_and_rules(
        site: sessionmaker[Session]) -> None:
    view = settle_ht01(site)
    assert view.billed == D("800000.00")
    assert view.retention == D("33000.00")
    assert view.balance == D("267000.00")
    items = {i.kind: i for i in view.items}
    assert items["settlement_balance"].due_date == date(2026, 6, 29)  # 90 days, the default term
    assert "90 days after settlement" in (items["settlement_balance"].due_rule or "")
    # 24 months from 31 Jan 2026 end on 31 Jan 2028; +14 +14 days.
    assert items["retention"].due_date == date(2028, 2, 28)
    assert "+14 days verification, +14 days repayment" in (items["retention"].due_rule or "")
    assert view.claim_from == date(2028, 1, 31)
    with site() as session:
        detail = projects.show_project(session, "HT-01", date(2026, 4, 1))
        assert open_amount_mismatches(session) == []
    assert detail.line.billed == D("1100000.00")  # progress + balance + retention = the settled amount
    assert detail.line.retention_held == D("33000.00")
    assert detail.line.retention_due_date == date(2028, 2, 28)
    assert {w for w, _, _ in detail.dates} >= {"defect-liability period ends", "retention due",
                                               "retention claimable from", "settlement balance due"}
    assert any("project.settle" in h.what for h in detail.history)


def test_retention_is_never_overdue_before_its_due_date(site: sessionmaker[Session]) -> None:
    settle_ht01(site)
    with site() as session:
        retention = session.execute(select(Receivable).where(Receivable.kind == "retention")).scalar_one()
        day_before = date(2028, 2, 27)
        assert aging_bucket(days_past_due(retention.due_date, day_before)) == "current"
        line = projects.list_projects(session, day_before)[0]
        assert line.overdue == D("1067000.00")  # the progress items and the balance, not the retention
        assert projects.list_projects(session, date(2028, 2, 29))[0].overdue == D("1100000.00")


def test_release_candidates_are_open_retention_falling_due_within_the_window(site: sessionmaker[Session]) -> None:
    settle_ht01(site)
    with site() as session:
        assert projects.retention_release_candidates(session, date(2028, 1, 28), 30) == []
        found = projects.retention_release_candidates(session, date(2028, 1, 29), 30)
        assert [(c.debtor_code, c.contract_number, c.receivable_number, c.amount, c.currency, c.due_date)
                for c in found] == [("ZJ", "HT-01", "HT-01-retention", D("33000.00"), "CNY", date(2028, 2, 28))]
        assert "defect-liability period ends 2028-01-31" in found[0].rule
        # Once due, it is dunning's: no release request any more, but the retention list shows it overdue.
        assert projects.retention_release_candidates(session, date(2028, 2, 29), 30) == []
        assert [r.receivable_number for r in projects.retention_due(session, date(2028, 3, 1), within_days=0)] == [
            "HT-01-retention"]
        assert projects.retention_due(session, date(2026, 4, 1), within_days=30) == []


def test_billing_above_the_settlement_leaves_a_credit_note_and_a_flag(site: sessionmaker[Session]) -> None:
    view = settle_ht01(site, "790000.00")
    items = {i.kind: i for i in view.items}
    assert items["credit_note"].amount == D("-33700.00")  # 790,000 - 800,000 - 23,700
    assert items["retention"].amount == D("23700.00")
    assert any("below what was billed" in f for f in view.flags)


def test_an_agreed_return_date_is_the_retention_due_date(site: sessionmaker[Session]) -> None:
    with unit_of_work(site) as session:
        projects.edit_project(session, "HT-01", {"retention_return_on": date(2027, 6, 30)}, actor="pm")
    view = settle_ht01(site)
    retention = next(i for i in view.items if i.kind == "retention")
    assert (retention.due_date, retention.due_rule) == (date(2027, 6, 30), "agreed retention return date")
    assert view.claim_from is None


def test_a_settlement_before_acceptance_is_refused_and_nothing_is_written(site: sessionmaker[Session]) -> None:
    with unit_of_work(site) as session:
        projects.record_acceptance(session, "HT-01", actor="pm", accepted_on=date(2026, 1, 31))
    refused_without_writing(site, lambda s: projects.settle(s, "HT-01", settled_on=date(2026, 1, 30),
                                                            settled_amount=D("1.00"), actor="pm"),
                            "before completion acceptance on 2026-01-31")


def test_a_negative_variation_larger_than_the_contract_is_refused(site: sessionmaker[Session]) -> None:
    refused_without_writing(site, lambda s: projects.add_variation(s, "HT-01", reference="BG-9",
                                                                   amount=D("-1000000.01"),
                                                                   signed_on=date(2025, 5, 1), actor="pm"),
                            "below zero")


@pytest.mark.parametrize("rate", [D("-1"), D("100.5")])
def test_a_retention_rate_outside_0_to_100_is_refused(site: sessionmaker[Session], rate: Decimal) -> None:
    refused_without_writing(site, lambda s: projects.edit_project(s, "HT-01", {"retention_rate": rate}, actor="pm"),
                            "outside 0% to 100%")


def test_milestone_percentages_over_100_are_refused(site: sessionmaker[Session]) -> None:
    refused_without_writing(site, lambda s: projects.add_milestone(s, "HT-01", code="M3", percent=D("20.01"),
                                                                   actor="pm"), "100.01%")


def test_retention_terms_cannot_change_after_settlement(site: sessionmaker[Session]) -> None:
    settle_ht01(site)
    refused_without_writing(site, lambda s: projects.edit_project(s, "HT-01", {"defect_liability_months": 12},
                                                                  actor="pm"), "is settled")


def test_a_rate_above_3_percent_is_recorded_as_agreed_and_flagged(site: sessionmaker[Session]) -> None:
    with unit_of_work(site) as session:
        flags = projects.add_project(session, debtor="HY", number="HY-7", actor="pm", amount=D("500000.00"),
                                     retention_rate=D(5), defect_liability_months=36)
    assert any("above the 3% cap" in f for f in flags) and any("36 months" in f for f in flags)
    with site() as session:
        assert session.execute(select(ConstructionProject.retention_rate).join(
            Contract, Contract.id == ConstructionProject.contract_id).where(Contract.number == "HY-7")).scalar() == 5
        listed = {line.contract_number: line.flags for line in projects.list_projects(session, date(2026, 1, 1))}
    assert len(listed["HY-7"]) == 2 and listed["HT-01"] == ()


def test_overview_shows_received_open_overdue_and_next_due_per_contract(
        site: sessionmaker[Session], import_file: Callable[..., Any], write_csv: Callable[..., Any]) -> None:
    with unit_of_work(site) as session:
        projects.bill_milestone(session, "HT-01", "M1", billed_on=date(2025, 6, 30), actor="pm")
        projects.bill_milestone(session, "HT-01", "M2", billed_on=date(2025, 10, 31), actor="pm")
        projects.add_project(session, debtor="HY", number="HY-7", actor="pm", amount=D("500000.00"),
                             project_manager="李工")
    outcome = import_file("payments", write_csv("p.csv", ["debtor", "reference", "date", "amount", "applies_to"],
                                                [["ZJ", "BANK-1", "2025-08-15", "100000.00", "HT-01-M1"]]))
    assert outcome.committed, outcome.problems
    with site() as session:
        lines = projects.list_projects(session, date(2025, 11, 15))
        mine = projects.list_projects(session, date(2025, 11, 15), pm="王工")
    assert [l.contract_number for l in lines] == ["HY-7", "HT-01"]  # by debtor code: HY, ZJ
    assert [l.contract_number for l in mine] == ["HT-01"]
    line = lines[1]
    assert (line.value, line.billed, line.received, line.open) == (
        D("1000000.00"), D("800000.00"), D("100000.00"), D("700000.00"))
    assert line.overdue == D("200000.00")  # M1 due 30 July; M2 due 30 November is not yet due
    assert (line.next_due_amount, line.next_due_date) == (D("500000.00"), date(2025, 11, 30))
    assert line.late_interest is None  # no interest rule on the contract
    assert lines[0].billed == D("0.00") and lines[0].next_due_date is None


def test_late_interest_accrues_by_the_contracts_rule(site: sessionmaker[Session]) -> None:
    with unit_of_work(site) as session:
        projects.bill_milestone(session, "HT-01", "M1", billed_on=date(2025, 6, 30), actor="pm")
        contract = session.execute(select(Contract).where(Contract.number == "HT-01")).scalar_one()
        contract.interest_rule = "daily:0.0005"
    with site() as session:
        line = projects.list_projects(session, date(2025, 8, 9))[0]
    # 300,000 x 0.05% x 10 days (31 July to 9 August)
    assert line.late_interest == D("1500.00")


def test_targets_report_recovery_in_the_period_per_scope(
        site: sessionmaker[Session], import_file: Callable[..., Any], write_csv: Callable[..., Any]) -> None:
    with unit_of_work(site) as session:
        projects.bill_milestone(session, "HT-01", "M1", billed_on=date(2026, 9, 1), actor="pm")
        targets.set_target(session, scope="contract", name="HT-01", period="2026-Q4", amount=D("200000.00"),
                           actor="boss")
        targets.set_target(session, scope="project", name="科技园一期", period="2026-q4", amount=D("400000.00"),
                           actor="boss")
        targets.set_target(session, scope="company", name="Our Trading Co", period="2026-Q4", amount=D("0.00"),
                           actor="boss")
        changed = targets.set_target(session, scope="contract", name="HT-01", period="2026-Q4",
                                     amount=D("250000.00"), actor="boss")
    assert not changed.created
    payments = [["ZJ", "BANK-Q3", "2026-09-30", "50000.00", "HT-01-M1"],
                ["ZJ", "BANK-Q4", "2026-10-01", "100000.00", "HT-01-M1"],
                ["ZJ", "BANK-Q1", "2027-01-01", "10000.00", "HT-01-M1"]]
    assert import_file("payments", write_csv("p.csv", ["debtor", "reference", "date", "amount", "applies_to"],
                                             payments)).committed
    with site() as session:
        report = {(l.scope, l.name): l for l in targets.targets_report(session, "2026-Q4")}
    contract = report[("contract", "HT-01")]
    assert (contract.target, contract.recovered, contract.rate_percent, contract.open_left) == (
        D("250000.00"), D("100000.00"), D("40.00"), D("140000.00"))
    assert report[("project", "科技园一期")].rate_percent == D("25.00")
    assert report[("company", "Our Trading Co")].rate_percent is None


def test_a_target_for_an_unknown_name_or_period_is_refused(site: sessionmaker[Session]) -> None:
    refused_without_writing(site, lambda s: targets.set_target(s, scope="contract", name="NOPE", period="2026-Q4",
                                                               amount=D("1.00"), actor="boss"), "no contract named")
    refused_without_writing(site, lambda s: targets.set_target(s, scope="contract", name="HT-01", period="2026-Q5",
                                                               amount=D("1.00"), actor="boss"), "not a period")


def test_collector_targets_use_the_debtors_collector(site: sessionmaker[Session]) -> None:
    with unit_of_work(site) as session:
        debtor = session.execute(select(Debtor).where(Debtor.code == "ZJ")).scalar_one()
        debtor.collector = "小张"
        session.flush()
        projects.bill_milestone(session, "HT-01", "M1", billed_on=date(2026, 9, 1), actor="pm")
        targets.set_target(session, scope="collector", name="小张", period="2026", amount=D("300000.00"), actor="b")
    with site() as session:
        line = targets.targets_report(session, "2026")[0]
    assert (line.recovered, line.open_left) == (D("0.00"), D("300000.00"))


def test_demo_construction_contracts_get_project_facts(sessions: sessionmaker[Session]) -> None:
    load_demo(sessions, size="small", seed=3, as_of=date(2026, 11, 29), actor="test")
    with sessions() as session:
        lines = projects.list_projects(session, date(2026, 11, 29))
        construction = session.execute(select(func.count()).select_from(Contract)
                                       .where(Contract.kind == "construction")).scalar_one()
        held = projects.retention_due(session, date(2026, 11, 29))
    assert len(lines) == construction > 0
    assert all(line.project_manager for line in lines)
    assert any(line.retention_held > 0 for line in lines)
    assert all(r.project_manager for r in held)
