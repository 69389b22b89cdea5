"""Dunning runs on SQLite and PostgreSQL: what is proposed and left out, approval by role, execution once."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from receivables.services.dunning import scheduled_dunning_proposal
from receivables.services.dunning.execution import LetterDeps, execute_run
from receivables.services.dunning.policies import PolicyRefused, assign_policy, import_policy
from receivables.services.dunning.runs import RunRefused, approve, propose
from receivables.services.letters import catalog_for
from receivables.services.users import RoleRequired, add_user
from receivables.storage.blobs import BlobStore
from receivables.storage.database import unit_of_work
from receivables.storage.schema import (
    AuditEntry,
    Company,
    Contact,
    Contract,
    Debtor,
    Dispute,
    DisputeItem,
    Letter,
    Promise,
    Receivable,
)
from receivables.storage.schema.dunning import DunningAction, DunningProposal, DunningRun, DunningTask

AS_OF = date(2026, 11, 29)
PASSWORD = "dunning-test-pass-1"


def _item(session: Session, company: int, debtor: int, number: str, due: str, amount: str, *,
          kind: str = "invoice", contract: int | None = None, block: bool = False) -> int:
    return session.execute(insert(Receivable).values(
        company_id=company, debtor_id=debtor, contract_id=contract, kind=kind, number=number,
        issue_date=date(2026, 1, 1), due_date=date.fromisoformat(due), currency="CNY", amount=Decimal(amount),
        open_amount=Decimal(amount), dunning_block=block).returning(Receivable.id)).scalar_one()


def _debtor(session: Session, code: str, name: str, **more: object) -> int:
    debtor = Debtor(code=code, name=name, **more)
    session.add(debtor)
    session.flush()
    session.add_all([Contact(debtor_id=debtor.id, name=f"{name}财务", role="finance", email=f"ap@{code.lower()}.cn",
                             phone="021-5555 0000"),
                     Contact(debtor_id=debtor.id, name=f"{name}老板", role="boss", decision_maker=True,
                             mobile="139 0000 0000")])
    return debtor.id


def build(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        company = Company(name="华建工程有限公司", address="苏州", is_default=True)
        session.add(company)
        session.flush()
        c = company.id
        reminder = _debtor(session, "R1", "甲公司")  # 5 days overdue: reminder e-mail
        _item(session, c, reminder, "R1-A", "2026-11-24", "800.00")
        _item(session, c, reminder, "R1-DISPUTED", "2026-10-01", "900.00")
        _item(session, c, reminder, "R1-BLOCKED", "2026-10-01", "700.00", block=True)
        _item(session, c, reminder, "R1-RETENTION", "2027-06-30", "300.00", kind="retention")
        dispute = Dispute(debtor_id=reminder, reason="短装", opened_on=date(2026, 11, 1), opened_by="t")
        session.add(dispute)
        session.flush()
        session.execute(insert(DisputeItem).values(dispute_id=dispute.id,
                                                   receivable_id=session.execute(select(Receivable.id).where(
                                                       Receivable.number == "R1-DISPUTED")).scalar_one(),
                                                   disputed_amount=Decimal("900.00")))
        demand = _debtor(session, "L1", "乙公司", dunning_level=3, dunning_stepped_on=date(2026, 11, 1))
        contract = Contract(company_id=c, debtor_id=demand, number="K1", kind="sale", interest_rule="daily:0.0005")
        session.add(contract)
        session.flush()
        _item(session, c, demand, "L1-A", "2026-10-20", "10000.00", contract=contract.id)  # 40 days: demand
        held = _debtor(session, "H1", "丙公司", on_hold=True)
        _item(session, c, held, "H1-A", "2026-10-01", "5000.00")
        promised = _debtor(session, "P1", "丁公司", dunning_level=1)
        _item(session, c, promised, "P1-A", "2026-10-01", "5000.00")
        session.add(Promise(debtor_id=promised, amount=Decimal("5000.00"), currency="CNY",
                            promised_on=date(2026, 12, 5), made_on=date(2026, 11, 20), recorded_by="t"))
        paid = _debtor(session, "Z1", "戊公司", dunning_level=4)
        _item(session, c, paid, "Z1-A", "2026-10-01", "0.00")
        lawyer = _debtor(session, "W1", "己公司", dunning_level=5, dunning_stepped_on=date(2026, 9, 1))
        _item(session, c, lawyer, "W1-A", "2026-08-01", "60000.00")  # 120 days: lawyer letter, approved by legal
        for name, role in (("fin", "finance"), ("law", "legal")):
            add_user(session, name, role, PASSWORD, actor="test")


def _deps(tmp_path: Path) -> LetterDeps:
    return LetterDeps(catalog_for(tmp_path / "templates"), BlobStore(tmp_path / "blobs"), tmp_path / "templates",
                      ("pdf",), 1)


def _count(sessions: sessionmaker[Session], table: type) -> int:
    with sessions() as session:
        return session.execute(select(func.count()).select_from(table)).scalar_one()


def test_run_leaves_out_disputed_blocked_held_promised_and_retention_not_yet_due(
        sessions: sessionmaker[Session]) -> None:
    build(sessions)
    with unit_of_work(sessions) as session:
        result = propose(session, AS_OF, actor="fin", dry_run=True)
    by_debtor = {p.debtor: p for p in result.proposals}
    assert set(by_debtor) == {"R1", "L1", "W1"}
    r1 = by_debtor["R1"]
    assert (r1.level.number, r1.level.action, [i.number for i in r1.items]) == (2, "email", ["R1-A"])
    assert r1.open == Decimal("800.00") and [r["role"] for r in r1.recipients] == ["finance"]
    l1 = by_debtor["L1"]
    assert (l1.level.number, l1.level.action, l1.level.template) == (4, "letter", "demand")
    # 10,000 at 0.05% a day from 21 October to 29 November: 40 days = 200.00
    assert l1.interest == Decimal("200.00") and l1.fees == Decimal("0.00")
    assert {r["role"] for r in l1.recipients} == {"finance", "boss"}
    assert by_debtor["W1"].level.action == "lawyer_letter" and by_debtor["W1"].fees == Decimal("500.00")
    assert result.resets == ("Z1",)


def test_dry_run_writes_nothing(sessions: sessionmaker[Session]) -> None:
    build(sessions)
    audit_before = _count(sessions, AuditEntry)
    with unit_of_work(sessions) as session:
        propose(session, AS_OF, actor="fin", dry_run=True)
    assert _count(sessions, DunningRun) == 0 and _count(sessions, AuditEntry) == audit_before
    with sessions() as session:
        assert session.execute(select(Debtor.dunning_level).where(Debtor.code == "Z1")).scalar_one() == 4


def test_stored_run_resets_a_debtor_in_credit_to_level_zero(sessions: sessionmaker[Session]) -> None:
    build(sessions)
    with unit_of_work(sessions) as session:
        propose(session, AS_OF, actor="fin")
    with sessions() as session:
        assert session.execute(select(Debtor.dunning_level).where(Debtor.code == "Z1")).scalar_one() == 0


def test_approval_respects_the_approving_role_of_each_level(sessions: sessionmaker[Session]) -> None:
    build(sessions)
    with unit_of_work(sessions) as session:
        run = propose(session, AS_OF, actor="fin").run
    assert run is not None
    with unit_of_work(sessions) as session:
        first = approve(session, run, actor="fin", exclude=["R1"])
    assert first.approved == 1 and first.awaiting == {"legal": 1} and first.excluded == ("R1",)
    with pytest.raises(RoleRequired), unit_of_work(sessions) as session:
        approve(session, run, actor="nobody")
    with unit_of_work(sessions) as session:
        assert approve(session, run, actor="law").approved == 1
    with sessions() as session:
        states = dict(session.execute(select(Debtor.code, DunningProposal.status)
                                      .join(Debtor, Debtor.id == DunningProposal.debtor_id)).all())
        assert states == {"R1": "excluded", "L1": "approved", "W1": "approved"}
        assert session.get(DunningRun, run).status == "approved"  # type: ignore[union-attr]


def test_excluding_a_debtor_not_in_the_run_is_refused(sessions: sessionmaker[Session]) -> None:
    build(sessions)
    with unit_of_work(sessions) as session:
        run = propose(session, AS_OF, actor="fin").run
    with pytest.raises(RunRefused, match="NOPE"), unit_of_work(sessions) as session:
        approve(session, run, actor="fin", exclude=["NOPE"])  # type: ignore[arg-type]


def test_executing_twice_issues_nothing_twice_and_moves_the_levels(sessions: sessionmaker[Session],
                                                                    tmp_path: Path) -> None:
    build(sessions)
    with unit_of_work(sessions) as session:
        run = propose(session, AS_OF, actor="fin").run
        assert run is not None
        approve(session, run, actor="fin", exclude=["W1"])
    first = execute_run(sessions, run, actor="fin", deps=_deps(tmp_path))
    assert (first.letters, first.emails_queued, first.tasks, first.failed) == (1, 1, 0, ())
    again = execute_run(sessions, run, actor="fin", deps=_deps(tmp_path))
    assert (again.letters, again.emails_queued, again.skipped) == (0, 0, 2)
    assert _count(sessions, Letter) == 1 and _count(sessions, DunningAction) == 2
    with sessions() as session:
        levels = dict(session.execute(select(Debtor.code, Debtor.dunning_level)).all())
        assert levels["R1"] == 2 and levels["L1"] == 4 and levels["W1"] == 5
        email = session.execute(select(DunningAction).where(DunningAction.kind == "email")).scalar_one()
        assert email.status == "queued" and email.recipient == "ap@r1.cn" and "R1-A" in (email.body or "")
    with unit_of_work(sessions) as session:
        assert propose(session, AS_OF, actor="fin").proposals == ()


def test_call_task_lists_whom_to_call_with_their_numbers(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    build(sessions)
    with unit_of_work(sessions) as session:
        debtor = _debtor(session, "C1", "庚公司", dunning_level=2)
        session.add(Contact(debtor_id=debtor, name="采购王", role="procurement", phone="0512-1"))
        company = session.execute(select(Company.id)).scalar_one()
        _item(session, company, debtor, "C1-A", "2026-11-10", "300.00")
        run = propose(session, AS_OF, actor="fin").run
        approve(session, run, actor="law")  # type: ignore[arg-type]
        approve(session, run, actor="fin")  # type: ignore[arg-type]
    execute_run(sessions, run, actor="law", deps=_deps(tmp_path))  # type: ignore[arg-type]
    with sessions() as session:
        task = session.execute(select(DunningTask).where(DunningTask.debtor_id == debtor)).scalar_one()
        assert task.kind == "call" and {c["role"] for c in task.contacts} == {"finance", "procurement"}
        assert {c["phone"] for c in task.contacts} == {"021-5555 0000", "0512-1"}


def test_a_bad_policy_file_is_refused_naming_the_level_and_nothing_is_written(sessions: sessionmaker[Session],
                                                                             tmp_path: Path) -> None:
    build(sessions)
    path = tmp_path / "p.yaml"
    path.write_text("name: strict\nlevels:\n  - {name: a, days: 1, action: email, roles: [finance], channel: fax}\n",
                    encoding="utf-8")
    with pytest.raises(PolicyRefused, match=r"p.yaml: level 1 \(a\): channel 'fax'"), unit_of_work(sessions) as session:
        import_policy(session, path, actor="fin")
    assert _count(sessions, DunningRun) == 0


def test_a_debtor_override_policy_applies_instead_of_the_default(sessions: sessionmaker[Session],
                                                                 tmp_path: Path) -> None:
    build(sessions)
    path = tmp_path / "fast.yaml"
    path.write_text("name: fast\nlevels:\n  - {name: at once to legal, days: 1, action: legal_referral, "
                    "roles: [boss], channel: hand, approver: legal}\n", encoding="utf-8")
    with unit_of_work(sessions) as session:
        import_policy(session, path, actor="fin")
        assign_policy(session, "R1", "fast", actor="fin")
        result = propose(session, AS_OF, actor="fin", dry_run=True)
    r1 = next(p for p in result.proposals if p.debtor == "R1")
    assert r1.level.name == "at once to legal"
    assert next(p for p in result.proposals if p.debtor == "L1").level.name == "demand letter"


def test_scheduled_proposal_creates_the_days_run_once(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    from receivables.config import load_settings

    build(sessions)
    settings = load_settings(home=str(tmp_path), environ={})
    first = scheduled_dunning_proposal(sessions, settings, AS_OF, "scheduler")
    second = scheduled_dunning_proposal(sessions, settings, AS_OF, "scheduler")
    assert "proposes 3 steps (1 awaiting legal approval)" in first and "already exists" in second
    assert _count(sessions, DunningRun) == 1


def test_reminder_email_is_sent_over_smtp_once_even_when_executed_twice(sessions: sessionmaker[Session],
                                                                        tmp_path: Path) -> None:
    from receivables.services.mail import SmtpSettings
    from tests.smtp_capture import CapturingHandler, smtp_server

    build(sessions)
    with unit_of_work(sessions) as session:
        run = propose(session, AS_OF, actor="fin").run
        approve(session, run, actor="fin", exclude=["L1", "W1"])  # type: ignore[arg-type]
    handler = CapturingHandler()
    with smtp_server(handler) as port:
        smtp = SmtpSettings.from_env({"RECEIVABLES_SMTP_HOST": "127.0.0.1", "RECEIVABLES_SMTP_PORT": str(port),
                                      "RECEIVABLES_SMTP_FROM": "ar@huajian.cn"})
        first = execute_run(sessions, run, actor="fin", deps=_deps(tmp_path), smtp=smtp)  # type: ignore[arg-type]
        again = execute_run(sessions, run, actor="fin", deps=_deps(tmp_path), smtp=smtp)  # type: ignore[arg-type]
    assert (first.emails_sent, again.emails_sent) == (1, 0)
    assert [a.recipients for a in handler.arrived] == [["ap@r1.cn"]]
    message = handler.arrived[0].message
    assert "逾期付款提醒" in str(message["Subject"]) and "R1-A" in message.get_content()
    with sessions() as session:
        action = session.execute(select(DunningAction)).scalar_one()
        assert action.status == "sent" and action.message_id
