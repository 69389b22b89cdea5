"""Steps outside the ladder, on SQLite and PostgreSQL: the retention release request ahead of its date and the
evidence-producing letter before limitation ends; neither moves a debtor's level, neither repeats too soon."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from receivables.services.dunning.execution import execute_run
from receivables.services.dunning.runs import approve, propose
from receivables.services.dunning.worklist import worklist
from receivables.storage.blobs import BlobStore
from receivables.storage.database import unit_of_work
from receivables.storage.schema import Company, Contract, Debtor, Letter, LetterFile
from receivables.storage.schema.projects import ConstructionProject, ProjectSettlement
from tests.integration.services.test_dunning_runs import AS_OF, _debtor, _deps, _item, build


def _retention_ledger(sessions: sessionmaker[Session], *, settled: bool = True) -> None:
    """Debtor T1 holds 3% retention on a settled contract, due 20 days after AS_OF (not yet dunnable)."""
    build(sessions)
    with unit_of_work(sessions) as session:
        company = session.execute(select(Company.id)).scalar_one()
        debtor = _debtor(session, "T1", "辛建设集团", dunning_level=0)
        contract = Contract(company_id=company, debtor_id=debtor, number="SG-7", title="科技园二期机电安装",
                            kind="construction", amount=Decimal("3280000.00"), currency="CNY")
        session.add(contract)
        session.flush()
        retention = _item(session, company, debtor, "SG-7-ZBJ", "2026-12-19", "98400.00", kind="retention",
                          contract=contract.id)
        session.add(ConstructionProject(contract_id=contract.id, project="明达科技园二期", project_manager="周工",
                                        retention_rate=Decimal("3"), defect_liability_months=24,
                                        accepted_on=date(2024, 11, 7)))
        if settled:
            session.add(ProjectSettlement(contract_id=contract.id, settled_on=date(2025, 1, 10),
                                          settled_amount=Decimal("3280000.00"), billed_amount=Decimal("3181600.00"),
                                          retention_amount=Decimal("98400.00"), balance_amount=Decimal("0.00"),
                                          retention_receivable_id=retention, retention_due_on=date(2026, 12, 19),
                                          recorded_by="test"))


def _limitation_ledger(sessions: sessionmaker[Session]) -> None:
    """Debtor E1's invoice fell due on 2023-12-20: its limitation period ends on 2026-12-21 (within 90 days)."""
    build(sessions)
    with unit_of_work(sessions) as session:
        company = session.execute(select(Company.id)).scalar_one()
        debtor = _debtor(session, "E1", "壬贸易公司", dunning_level=6, dunning_stepped_on=date(2026, 11, 20))
        _item(session, company, debtor, "E1-OLD", "2023-12-20", "45000.00")


def _special(result, code: str) -> list:
    return [p for p in result.proposals if p.debtor == code and p.level.number <= 0]


def test_retention_due_within_30_days_gets_a_release_request_not_a_demand(sessions: sessionmaker[Session]) -> None:
    _retention_ledger(sessions)
    with unit_of_work(sessions) as session:
        result = propose(session, AS_OF, actor="fin", dry_run=True)
    (step,) = _special(result, "T1")
    assert (step.level.number, step.level.template, [i.number for i in step.items]) == (
        0, "retention_release", ["SG-7-ZBJ"])
    assert [p for p in result.proposals if p.debtor == "T1" and p.level.number > 0] == []  # never dunned early
    assert step.gaps == () or all("settlement" not in gap for gap in step.gaps)


def test_retention_release_request_is_issued_with_the_projects_facts_and_moves_no_level(
        sessions: sessionmaker[Session], tmp_path: Path) -> None:
    _retention_ledger(sessions)
    with unit_of_work(sessions) as session:
        run = propose(session, AS_OF, actor="fin").run
        approve(session, run, actor="fin", exclude=["W1"])  # type: ignore[arg-type]
    outcome = execute_run(sessions, run, actor="fin", deps=_deps(tmp_path))  # type: ignore[arg-type]
    assert outcome.failed == ()
    with sessions() as session:
        letter = session.execute(select(Letter).join(Debtor, Debtor.id == Letter.debtor_id)
                                 .where(Debtor.code == "T1")).scalar_one()
        assert letter.template_kind == "retention_release"
        assert letter.data["project"]["name"] == "明达科技园二期"
        assert letter.data["project"]["retention_amount"] == "98400.00"
        sha = session.execute(select(LetterFile.sha256).where(LetterFile.letter_id == letter.id,
                                                              LetterFile.format == "pdf")).scalar_one()
        assert session.execute(select(Debtor.dunning_level).where(Debtor.code == "T1")).scalar_one() == 0
    text = "".join(page.extract_text() for page in PdfReader(BlobStore(tmp_path / "blobs").path_for(sha)).pages)
    assert "质保金" in text and "明达科技园二期" in text
    with unit_of_work(sessions) as session:  # the next day: the request went out, nothing new for T1
        later = propose(session, date(2026, 11, 30), actor="fin", dry_run=True)
    assert _special(later, "T1") == []


def test_a_release_request_without_a_settlement_says_what_is_missing(sessions: sessionmaker[Session]) -> None:
    _retention_ledger(sessions, settled=False)
    with unit_of_work(sessions) as session:
        (step,) = _special(propose(session, AS_OF, actor="fin", dry_run=True), "T1")
    assert any("needs the settlement" in gap for gap in step.gaps)


def test_a_claim_expiring_within_90_days_gets_an_evidence_step_approved_by_legal(
        sessions: sessionmaker[Session], tmp_path: Path) -> None:
    _limitation_ledger(sessions)
    with unit_of_work(sessions) as session:
        result = propose(session, AS_OF, actor="fin")
    (step,) = _special(result, "E1")
    assert (step.level.number, step.level.template, step.level.channel, step.level.approver) == (
        -1, "collection_notice", "registered_mail", "legal")
    assert [i.number for i in step.items] == ["E1-OLD"] and "2026-12-21" in " ".join(step.gaps)
    with unit_of_work(sessions) as session:
        approve(session, result.run, actor="fin", exclude=["W1"])  # type: ignore[arg-type]
        approve(session, result.run, actor="law")  # type: ignore[arg-type]
    execute_run(sessions, result.run, actor="law", deps=_deps(tmp_path))  # type: ignore[arg-type]
    with sessions() as session:
        kinds = session.execute(select(Letter.template_kind).join(Debtor, Debtor.id == Letter.debtor_id)
                                .where(Debtor.code == "E1")).scalars().all()
        assert "collection_notice" in kinds
        assert session.execute(select(Debtor.dunning_level).where(Debtor.code == "E1")).scalar_one() == 6
    with unit_of_work(sessions) as session:  # proof of delivery still on its way: not proposed again yet
        assert _special(propose(session, date(2026, 12, 5), actor="fin", dry_run=True), "E1") == []


def test_the_worklist_shows_when_and_in_which_band_a_claim_expires(sessions: sessionmaker[Session]) -> None:
    _limitation_ledger(sessions)
    with sessions() as session:
        rows = {r.debtor: r for r in worklist(session, AS_OF)}
    assert (rows["E1"].limitation_expires_on, rows["E1"].limitation_band) == (date(2026, 12, 21), 30)
    assert rows["L1"].limitation_expires_on is None


def test_a_reminder_email_carries_the_debtors_personal_link_when_the_application_is_reachable(
        sessions: sessionmaker[Session], tmp_path: Path) -> None:
    from receivables.storage.schema.debtor_links import DebtorLink
    from receivables.storage.schema.dunning import DunningAction

    build(sessions)
    with unit_of_work(sessions) as session:
        run = propose(session, AS_OF, actor="fin").run
        approve(session, run, actor="fin", exclude=["W1"])  # type: ignore[arg-type]
    execute_run(sessions, run, actor="fin", deps=_deps(tmp_path),  # type: ignore[arg-type]
                public_url="https://ar.example.cn")
    with sessions() as session:
        email = session.execute(select(DunningAction).where(DunningAction.kind == "email")).scalar_one()
        links = session.execute(select(DebtorLink.debtor_id).join(Debtor, Debtor.id == DebtorLink.debtor_id)
                                .where(Debtor.code == "R1")).all()
    assert "https://ar.example.cn/d/" in (email.body or "") and len(links) == 1
