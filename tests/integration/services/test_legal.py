"""Limitation per open item from every source of events, delivery evidence, manual events, law firms and
lawyer letters (legal role only), append-only evidence tables; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from receivables.config import Settings
from receivables.services.deliveries import (
    DeliveryRefused,
    EventRefused,
    Proof,
    add_event,
    deliveries,
    record_delivery,
)
from receivables.services.errors import UnknownRecord
from receivables.services.lawyer_letters import (
    LawFirmRefused,
    add_firm,
    edit_firm,
    issue_lawyer_letter,
    list_firms,
)
from receivables.services.legal import expiring_claims, item_limitations, limitation_watch
from receivables.services.letters import catalog_for, issue_letters
from receivables.services.users import RoleRequired, add_user
from receivables.storage.blobs import BlobStore
from receivables.storage.database import unit_of_work
from receivables.storage.schema import (
    Allocation,
    AuditEntry,
    Company,
    Contract,
    Debtor,
    Letter,
    LetterCounter,
    Payment,
    Receivable,
)
from receivables.storage.schema.legal import LawFirm, LetterDelivery, LimitationEvent

AS_OF = date(2026, 11, 29)
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
FIRM = "上海正衡律师事务所"


def _item(session: Session, company: int, debtor: int, number: str, due: str, amount: str, open_amount: str,
          contract: int | None = None) -> int:
    return session.execute(insert(Receivable).values(
        company_id=company, debtor_id=debtor, contract_id=contract, kind="invoice", number=number,
        issue_date=date.fromisoformat(due).replace(day=1), due_date=date.fromisoformat(due), currency="CNY",
        amount=Decimal(amount), open_amount=Decimal(open_amount)).returning(Receivable.id)).scalar_one()


def _payment(session: Session, company: int, debtor: int, reference: str, received: str, amount: str,
             receivable: int, applied: str, reversed_on: str | None = None) -> None:
    payment = session.execute(insert(Payment).values(
        company_id=company, debtor_id=debtor, reference=reference, received_on=date.fromisoformat(received),
        currency="CNY", amount=Decimal(amount)).returning(Payment.id)).scalar_one()
    session.execute(insert(Allocation).values(
        payment_id=payment, receivable_id=receivable, amount=Decimal(amount), applied_on=date.fromisoformat(applied),
        reversed_on=date.fromisoformat(reversed_on) if reversed_on else None))


@pytest.fixture
def ledger(sessions: sessionmaker[Session]) -> dict[str, int]:
    """D1: items A and B (part payment, reversed payment); D2: item C (for a demand letter) and an expired
    item X; D3: E (no events), F (expired), G owed to an English company; users for the role checks."""
    ids: dict[str, int] = {}
    with sessions.begin() as session:
        cn = Company(name="华建工程有限公司", address="江苏省苏州市", phone="0512-1", jurisdiction="CN", is_default=True)
        uk = Company(name="Thames Trading Ltd", jurisdiction="UK")
        session.add_all([cn, uk])
        session.flush()
        for code in ("D1", "D2", "D3"):
            debtor = Debtor(code=code, name=f"{code} 有限公司", address="上海市")
            session.add(debtor)
            session.flush()
            ids[code] = debtor.id
        contract = Contract(company_id=cn.id, debtor_id=ids["D2"], number="HT-9", title="设备买卖合同", kind="sale",
                            currency="CNY", interest_rule="daily:0.0005")
        session.add(contract)
        session.flush()
        ids["A"] = _item(session, cn.id, ids["D1"], "A", "2023-01-10", "1000.00", "700.00")
        ids["B"] = _item(session, cn.id, ids["D1"], "B", "2023-06-30", "500.00", "500.00")
        _payment(session, cn.id, ids["D1"], "P-A", "2024-03-01", "300.00", ids["A"], "2024-03-05")
        _payment(session, cn.id, ids["D1"], "P-B", "2024-01-08", "100.00", ids["B"], "2024-01-10", "2024-02-01")
        ids["C"] = _item(session, cn.id, ids["D2"], "C", "2023-12-20", "8000.00", "6000.00", contract=contract.id)
        _payment(session, cn.id, ids["D2"], "P-C", "2023-11-30", "2000.00", ids["C"], "2023-11-30")
        ids["C2"] = _item(session, cn.id, ids["D2"], "C2", "2025-06-30", "4000.00", "3000.00", contract=contract.id)
        _payment(session, cn.id, ids["D2"], "P-C2", "2025-09-10", "1000.00", ids["C2"], "2025-09-10")
        ids["X"] = _item(session, cn.id, ids["D2"], "X", "2020-01-02", "50.00", "50.00")
        ids["E"] = _item(session, cn.id, ids["D3"], "E", "2024-02-01", "900.00", "900.00")
        ids["F"] = _item(session, cn.id, ids["D3"], "F", "2023-09-01", "10.00", "10.00")
        ids["G"] = _item(session, uk.id, ids["D3"], "G", "2021-01-05", "70.00", "70.00")
        add_user(session, "lawyer", "legal", "a-long-password", actor="test")
        add_user(session, "clerk", "finance", "a-long-password", actor="test")
    return ids


def _by_item(session: Session, as_of: date = AS_OF) -> dict[str, Any]:
    return {line.receivable_number: line for line in item_limitations(session, as_of)}


def _counts(sessions: sessionmaker[Session]) -> dict[str, int]:
    with sessions() as session:
        return {table.__tablename__: session.execute(select(func.count()).select_from(table)).scalar_one()
                for table in (LetterDelivery, LimitationEvent, AuditEntry, Letter, LetterCounter, LawFirm)}


def _issue_demand(sessions: sessionmaker[Session], tmp_path: Path, debtor: str = "D2") -> str:
    with unit_of_work(sessions) as session:
        issued = issue_letters(session, template="demand", debtor_codes=[debtor], as_of=date(2026, 11, 20),
                               locale="zh_CN", formats=["pdf"], actor="clerk",
                               catalog=catalog_for(tmp_path / "templates"), blobs=BlobStore(tmp_path / "blobs"),
                               user_templates=tmp_path / "templates")
    return issued[0].number


def _deliver(sessions: sessionmaker[Session], tmp_path: Path, number: str, **options: Any) -> Any:
    with unit_of_work(sessions) as session:
        return record_delivery(session, letter_number=number, as_of=AS_OF, actor="clerk",
                               blobs=BlobStore(tmp_path / "blobs"), **options)


# --- the listing, event by event source -------------------------------------------------------------------


def test_without_events_a_period_runs_three_years_from_the_due_date_past_the_weekend(
        sessions: sessionmaker[Session], ledger: dict[str, int]) -> None:
    with sessions() as session:
        lines = _by_item(session)
    # E: due 2024-02-01, three years later is Monday 2027-02-01.
    assert lines["E"].expires_on == date(2027, 2, 1) and lines["E"].days_left == 64 and lines["E"].band == 90
    assert lines["F"].expired and lines["F"].band is None
    assert "B" in lines and "P-B" not in str(lines["B"].sources)  # the reversed payment is no part payment


def test_a_part_payment_from_the_allocations_restarts_the_items_period_from_the_payment_day(
        sessions: sessionmaker[Session], ledger: dict[str, int]) -> None:
    with sessions() as session:
        line = _by_item(session)["A"]
    assert line.expires_on == date(2027, 3, 1)
    assert [(s.kind, s.date, s.source) for s in line.sources] == [("part_payment", date(2024, 3, 1), "payment:P-A")]


def test_a_part_payment_applied_after_the_as_of_date_is_not_yet_an_event(
        sessions: sessionmaker[Session], ledger: dict[str, int]) -> None:
    with sessions() as session:
        line = _by_item(session, date(2024, 3, 4))["A"]
    assert line.sources == () and line.expires_on == date(2026, 1, 12)  # 2026-01-10 is a Saturday


def test_one_event_per_payment_and_item_however_many_allocations_and_an_item_paid_off_later_keeps_its_own(
        sessions: sessionmaker[Session], ledger: dict[str, int]) -> None:
    """The items and their payments come from one statement, one row per allocation: a payment split over two
    allocations of an item is one event; two payments are two, in date order; an item paid off after the date
    is listed as of that date with the payments made by then."""
    with sessions.begin() as session:
        cn = session.execute(select(Company.id).where(Company.jurisdiction == "CN")).scalar_one()
        split = session.execute(insert(Payment).values(
            company_id=cn, debtor_id=ledger["D3"], reference="P-E1", received_on=date(2024, 5, 6), currency="CNY",
            amount=Decimal("200.00")).returning(Payment.id)).scalar_one()
        for applied in ("2024-05-06", "2024-05-07"):
            session.execute(insert(Allocation).values(payment_id=split, receivable_id=ledger["E"],
                                                      amount=Decimal("100.00"),
                                                      applied_on=date.fromisoformat(applied)))
        _payment(session, cn, ledger["D3"], "P-E2", "2024-08-01", "50.00", ledger["E"], "2024-08-01")
        paid_off = _item(session, cn, ledger["D3"], "H", "2024-12-31", "300.00", "0.00")
        _payment(session, cn, ledger["D3"], "P-H1", "2025-03-03", "100.00", paid_off, "2025-03-03")
        _payment(session, cn, ledger["D3"], "P-H2", "2026-12-01", "200.00", paid_off, "2026-12-01")
    with sessions() as session:
        lines = _by_item(session)
        later = _by_item(session, date(2026, 12, 1))
    assert [(s.date, s.source) for s in lines["E"].sources] == [(date(2024, 5, 6), "payment:P-E1"),
                                                                (date(2024, 8, 1), "payment:P-E2")]
    assert lines["E"].expires_on == date(2027, 8, 2)  # 2027-08-01 is a Sunday
    assert lines["H"].open_amount == Decimal("200.00") and lines["H"].expires_on == date(2028, 3, 3)
    assert [s.source for s in lines["H"].sources] == ["payment:P-H1"]
    assert "H" not in later  # paid off on 2026-12-01


def test_a_confirmed_statement_acknowledges_the_whole_debt_and_a_case_stage_one_item(
        sessions: sessionmaker[Session], ledger: dict[str, int]) -> None:
    with sessions.begin() as session:
        session.execute(insert(LimitationEvent), [
            {"debtor_id": ledger["D1"], "receivable_id": None, "kind": "acknowledgment",
             "occurred_on": date(2025, 1, 15), "source": "statement_response:3", "recorded_by": "statements"},
            {"debtor_id": ledger["D1"], "receivable_id": ledger["B"], "kind": "legal_action",
             "occurred_on": date(2025, 6, 2), "source": "case_stage:7", "recorded_by": "cases"}])
    with sessions() as session:
        lines = _by_item(session)
    assert lines["A"].expires_on == date(2028, 1, 17)  # 2028-01-15 is a Saturday
    assert lines["B"].expires_on == date(2028, 6, 2)
    assert {s.source for s in lines["B"].sources} == {"statement_response:3", "case_stage:7"}
    assert lines["E"].expires_on == date(2027, 2, 1)  # another debtor's acknowledgment changes nothing


def test_an_evidenced_demand_delivery_interrupts_the_items_the_letter_names(
        sessions: sessionmaker[Session], ledger: dict[str, int], tmp_path: Path) -> None:
    number = _issue_demand(sessions, tmp_path)
    with sessions() as session:
        assert _by_item(session)["C"].expires_on == date(2026, 12, 21)  # 2026-12-20 is a Sunday
        assert [c.receivable_number for c in expiring_claims(session, AS_OF, 30)] == ["C"]
    outcome = _deliver(sessions, tmp_path, number, delivered_on=date(2026, 11, 24), channel="registered_mail",
                       proof=Proof("receipt.pdf", PDF), tracking_number="EMS1", signed_by="王五")
    assert outcome.fact.evidenced and outcome.events == ("C", "C2", "X")
    with sessions() as session:
        lines = _by_item(session)
        claims = expiring_claims(session, AS_OF, 30)
        _, facts, events = deliveries(session, number)
    assert lines["C"].expires_on == date(2029, 11, 26)  # 2029-11-24 is a Saturday
    assert [(s.kind, s.source) for s in lines["C"].sources][-1] == ("demand", f"letter_delivery:{outcome.fact.id}")
    assert lines["X"].expired and lines["X"].result.events_ignored[0].kind == "demand"  # no revival by a letter
    assert claims == []
    assert [f.proof_sha256 for f in facts] == [outcome.fact.proof_sha256] and len(events) == 3
    assert BlobStore(tmp_path / "blobs").get(outcome.fact.proof_sha256) == PDF


def test_delivery_without_proof_is_recorded_but_interrupts_nothing(
        sessions: sessionmaker[Session], ledger: dict[str, int], tmp_path: Path) -> None:
    number = _issue_demand(sessions, tmp_path)
    outcome = _deliver(sessions, tmp_path, number, delivered_on=date(2026, 11, 24), channel="courier",
                       tracking_number="SF123", signed_by="王五")
    assert not outcome.fact.evidenced and outcome.events == ()
    with sessions() as session:
        assert _by_item(session)["C"].expires_on == date(2026, 12, 21)
        assert session.execute(select(func.count()).select_from(LimitationEvent)).scalar_one() == 0


def test_a_manual_agreement_to_pay_after_expiry_is_flagged_as_a_waiver(
        sessions: sessionmaker[Session], ledger: dict[str, int]) -> None:
    with unit_of_work(sessions) as session:
        add_event(session, debtor_code="D2", kind="agreement_to_pay", occurred_on=date(2026, 10, 8), as_of=AS_OF,
                  actor="lawyer", item_number="X", note="signed repayment plan")
    with sessions() as session:
        line = _by_item(session)["X"]
        audit = session.execute(select(AuditEntry.action).where(AuditEntry.action == "limitation.event_add")).all()
    assert line.expires_on == date(2029, 10, 8) and line.result.waiver is not None
    assert line.sources[0].source == "manual" and len(audit) == 1


def test_the_english_creditors_item_runs_six_years_and_lands_in_the_90_day_band(
        sessions: sessionmaker[Session], ledger: dict[str, int]) -> None:
    with sessions() as session:
        claims = {c.receivable_number: c for c in expiring_claims(session, AS_OF, 180)}
    assert claims["G"].jurisdiction == "UK" and claims["G"].expires_on == date(2027, 1, 5)
    assert (claims["G"].band, claims["G"].basis, claims["G"].basis_on) == (90, "due", date(2021, 1, 5))
    assert "F" not in claims  # expired: not on the watch


def test_the_watch_counts_by_band_audits_and_answers_in_one_line(
        sessions: sessionmaker[Session], ledger: dict[str, int], tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, database_url="sqlite://", user="scheduler")
    summary = limitation_watch(sessions, settings, AS_OF, "scheduler")
    assert "\n" not in summary and "1 item(s) expire within 30 days" in summary
    with sessions() as session:
        detail = session.execute(select(AuditEntry.detail).where(AuditEntry.action == "limitation.watch")).scalar_one()
    assert detail["within_days"] == {"30": 1, "90": 2, "180": 1}


# --- refusals: one clear message, nothing written --------------------------------------------------------


@pytest.mark.parametrize(("options", "message"), [
    ({"delivered_on": date(2026, 11, 30), "channel": "hand"}, "in the future"),
    ({"delivered_on": date(2026, 11, 22), "sent_on": date(2026, 11, 23), "channel": "hand"},
     "before the sending date 2026-11-23"),
    ({"delivered_on": date(2026, 11, 24), "channel": "hand", "proof": Proof("receipt.pdf", b"PK\x03\x04docx")},
     "proof receipt.pdf: not a PDF or an image"),
    ({"delivered_on": date(2026, 11, 24), "channel": "fax"}, "unknown channel 'fax'"),
    ({"delivered_on": date(2026, 11, 24)}, "say how it was delivered with --channel"),
])
def test_impossible_deliveries_are_refused_and_nothing_is_written(
        sessions: sessionmaker[Session], ledger: dict[str, int], tmp_path: Path, options: dict[str, Any],
        message: str) -> None:
    number = _issue_demand(sessions, tmp_path)
    before = _counts(sessions)
    blobs = sorted((tmp_path / "blobs").rglob("*"))
    with pytest.raises(DeliveryRefused, match=message):
        _deliver(sessions, tmp_path, number, **options)
    assert _counts(sessions) == before and sorted((tmp_path / "blobs").rglob("*")) == blobs


def test_an_unknown_letter_is_refused(sessions: sessionmaker[Session], ledger: dict[str, int],
                                      tmp_path: Path) -> None:
    with pytest.raises(UnknownRecord, match="no letter numbered 'NOPE'"):
        _deliver(sessions, tmp_path, "NOPE", delivered_on=AS_OF, channel="hand")


@pytest.mark.parametrize(("options", "error", "message"), [
    ({"debtor_code": "D3", "kind": "demand", "note": "wechat"}, EventRefused, "UK does not know the event 'demand'"),
    ({"debtor_code": "D1", "kind": "promise"}, EventRefused, "unknown event kind 'promise' for CN"),
    ({"debtor_code": "D1", "kind": "acknowledgment", "occurred_on": date(2026, 12, 1)}, EventRefused, "future"),
    ({"debtor_code": "D1", "kind": "demand"}, EventRefused, "say what evidences it with --note"),
    ({"debtor_code": "D9", "kind": "acknowledgment"}, UnknownRecord, "no debtor with code 'D9'"),
    ({"debtor_code": "D1", "kind": "acknowledgment", "item_number": "Z"}, UnknownRecord, "no item numbered 'Z'"),
])
def test_manual_events_the_jurisdiction_does_not_know_are_refused_and_nothing_is_written(
        sessions: sessionmaker[Session], ledger: dict[str, int], options: dict[str, Any], error: type[Exception],
        message: str) -> None:
    before = _counts(sessions)
    with pytest.raises(error, match=message), unit_of_work(sessions) as session:
        add_event(session, as_of=AS_OF, actor="lawyer", **{"occurred_on": date(2026, 11, 1), **options})
    assert _counts(sessions) == before


def test_delivery_facts_and_limitation_events_cannot_be_changed_or_deleted(
        sessions: sessionmaker[Session], ledger: dict[str, int], tmp_path: Path, engine: Any) -> None:
    number = _issue_demand(sessions, tmp_path)
    _deliver(sessions, tmp_path, number, delivered_on=date(2026, 11, 24), channel="hand",
             proof=Proof("receipt.png", b"\x89PNG\r\n\x1a\n...."))
    for statement in ("UPDATE letter_delivery SET signed_by = 'someone else'",
                      "DELETE FROM letter_delivery", "UPDATE limitation_event SET occurred_on = occurred_on",
                      "DELETE FROM limitation_event"):
        with pytest.raises(DBAPIError, match="immutable"), engine.begin() as connection:
            connection.execute(text(statement))


# --- law firms and lawyer letters ------------------------------------------------------------------------


def _add_firm(sessions: sessionmaker[Session]) -> None:
    with unit_of_work(sessions) as session:
        add_firm(session, FIRM, actor="lawyer", address="上海市黄浦区中山东一路18号", lawyer="陈立",
                 licence_number="13101201010123456", phone="021-63218800", email="chenli@example.cn")


def _lawyer_letter(sessions: sessionmaker[Session], tmp_path: Path, actor: str, **options: Any) -> Any:
    with unit_of_work(sessions) as session:
        return issue_lawyer_letter(session, debtor_code="D2", firm_name=FIRM, as_of=AS_OF, locale="zh_CN",
                                   actor=actor, catalog=catalog_for(tmp_path / "templates"),
                                   blobs=BlobStore(tmp_path / "blobs"), user_templates=tmp_path / "templates",
                                   formats=["pdf"], **options)


def test_firms_are_added_edited_and_listed_and_a_duplicate_is_refused(
        sessions: sessionmaker[Session], ledger: dict[str, int]) -> None:
    _add_firm(sessions)
    with unit_of_work(sessions) as session:
        edit_firm(session, FIRM, actor="lawyer", phone="021-00000000")
    with pytest.raises(LawFirmRefused, match="exists already"), unit_of_work(sessions) as session:
        add_firm(session, FIRM, actor="lawyer")
    with pytest.raises(LawFirmRefused, match="not an e-mail address"), unit_of_work(sessions) as session:
        edit_firm(session, FIRM, actor="lawyer", email="nobody")
    with sessions() as session:
        firms = list_firms(session)
        actions = session.execute(select(AuditEntry.action).where(AuditEntry.entity == "law_firm")).scalars().all()
    assert [(f.name, f.phone, f.email) for f in firms] == [(FIRM, "021-00000000", "chenli@example.cn")]
    assert actions == ["law_firm.add", "law_firm.edit"]


def test_a_lawyer_letter_by_a_user_without_the_legal_role_is_refused_and_nothing_is_written(
        sessions: sessionmaker[Session], ledger: dict[str, int], tmp_path: Path) -> None:
    _add_firm(sessions)
    before = _counts(sessions)
    for actor in ("clerk", "nobody"):
        with pytest.raises(RoleRequired, match="issuing a lawyer letter needs"):
            _lawyer_letter(sessions, tmp_path, actor)
    assert _counts(sessions) == before and not (tmp_path / "blobs").exists()


def test_a_lawyer_letter_claims_principal_contract_interest_and_fees_citing_the_statutes(
        sessions: sessionmaker[Session], ledger: dict[str, int], tmp_path: Path) -> None:
    from receivables.services.lawyer_letters import parse_fee

    _add_firm(sessions)
    issued = _lawyer_letter(sessions, tmp_path, "lawyer", fees=[parse_fee("律师费（合同第十二条）:5000")],
                            clauses=["合同第八条"])
    with sessions() as session:
        letter = session.execute(select(Letter).where(Letter.number == issued.number)).scalar_one()
    data = letter.data
    assert letter.template_kind == "lawyer_letter" and data["law_firm"]["licence_no"] == "13101201010123456"
    # C: 6,000 open from its due date; C2: 4,000 due 2025-06-30, 1,000 paid 2025-09-10: two segments.
    # Both at 0.05% a day, the contract's rule; X has no contract and no rule: no interest.
    rows = [(r["item"], r["from"], r["to"], r["days"], r["principal"], r["rate"], r["basis"], r["amount"])
            for r in data["interest"]]
    assert rows == [("C", "2023-12-21", "2026-11-29", 1075, "6000.00", "0.0005", "day", "3225.00"),
                    ("C2", "2025-07-01", "2025-09-10", 72, "4000.00", "0.0005", "day", "144.00"),
                    ("C2", "2025-09-11", "2026-11-29", 445, "3000.00", "0.0005", "day", "667.50")]
    assert data["interest_total"] == "4036.50"
    assert "合同HT-9约定" in data["interest_basis"]
    assert Decimal(data["claims_total"]) == (Decimal(data["totals"]["open"]) + Decimal(data["interest_total"])
                                             + Decimal("5000.00"))
    cited = {s["id"] for s in data["statutes"]}
    assert {"cn_civil_code_585", "cn_civil_code_626", "cn_civil_code_195", "cn_litigation_fees_29"} <= cited
    assert data["clauses"] == ["合同第八条"] and data["deadline"] == "2026-12-06"


@pytest.mark.parametrize("within", [0, 30, 90, 180, 400, 1200])
def test_expiring_claims_leave_out_by_due_date_only_items_that_cannot_expire_in_the_window(
        sessions: sessionmaker[Session], ledger: dict[str, int], within: int) -> None:
    """The SQL pre-filter (due date at least three years before the window's end) loses no claim."""
    with sessions() as session:
        every = [line for line in item_limitations(session, AS_OF) if 0 <= line.days_left <= within]
        claims = expiring_claims(session, AS_OF, within)
    assert [c.receivable_number for c in claims] == [line.receivable_number for line in every]
