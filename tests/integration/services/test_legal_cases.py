"""Cases (hand-off, stages with documents, limitation events, recoveries as payments with commission), credit
events and the risk flag, and the evidence bundle read back with pypdf; on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from receivables.services.bundle import BundleRefused, build_bundle
from receivables.services.cases import (
    CaseDocument,
    CaseRefused,
    add_credit_event,
    case_detail,
    credit_events,
    list_cases,
    open_case,
    record_recovery,
    record_stage,
)
from receivables.services.errors import UnknownRecord
from receivables.services.legal import item_limitations
from receivables.services.users import RoleRequired, add_user
from receivables.storage.blobs import BlobStore
from receivables.storage.database import unit_of_work
from receivables.storage.schema import (
    Allocation,
    AuditEntry,
    Company,
    Contract,
    Debtor,
    Interaction,
    Letter,
    LetterFile,
    Payment,
    Receivable,
)
from receivables.storage.schema.cases import (
    CreditEvent,
    LegalCase,
    LegalCaseDocument,
    LegalCaseItem,
    LegalCaseRecovery,
    LegalCaseStage,
)
from receivables.storage.schema.legal import LetterDelivery, LimitationEvent
from receivables.storage.schema.reconciliation import Statement, StatementResponse

AS_OF = date(2026, 11, 29)
FIRM = "上海正衡律师事务所"
D = Decimal


def pdf_bytes(*lines: str) -> bytes:
    from reportlab.pdfgen.canvas import Canvas

    out = io.BytesIO()
    canvas = Canvas(out)
    for line in lines:
        canvas.drawString(72, 720, line)
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def png_bytes(colour: tuple[int, int, int] = (200, 220, 240)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (300, 200), colour).save(out, format="PNG")
    return out.getvalue()


def _item(session: Session, company: int, debtor: int, number: str, due: str, amount: str,
          currency: str = "CNY", contract: int | None = None) -> int:
    return session.execute(insert(Receivable).values(
        company_id=company, debtor_id=debtor, kind="invoice", number=number, contract_id=contract,
        issue_date=date.fromisoformat(due).replace(day=1), due_date=date.fromisoformat(due), currency=currency,
        amount=D(amount), open_amount=D(amount)).returning(Receivable.id)).scalar_one()


@pytest.fixture
def ledger(sessions: sessionmaker[Session]) -> dict[str, int]:
    """K1 owes A (oldest) and B in CNY and F in USD; K2 owes C; users for the role checks."""
    ids: dict[str, int] = {}
    with sessions.begin() as session:
        company = Company(name="华建工程有限公司", jurisdiction="CN", is_default=True)
        session.add(company)
        session.flush()
        ids["company"] = company.id
        for code in ("K1", "K2"):
            debtor = Debtor(code=code, name=f"{code} 贸易有限公司", credit_code="91310000MA1FL0XX1X",
                            address="上海市浦东新区世纪大道100号", legal_representative="李强")
            session.add(debtor)
            session.flush()
            ids[code] = debtor.id
        contract = Contract(company_id=company.id, debtor_id=ids["K1"], number="HT-1", title="设备买卖合同",
                            kind="sale", currency="CNY", interest_rule="daily:0.0005")
        session.add(contract)
        session.flush()
        ids["A"] = _item(session, company.id, ids["K1"], "A", "2025-01-31", "6000.00", contract=contract.id)
        ids["B"] = _item(session, company.id, ids["K1"], "B", "2025-06-30", "4000.00")
        ids["F"] = _item(session, company.id, ids["K1"], "F", "2025-06-30", "100.00", currency="USD")
        ids["C"] = _item(session, company.id, ids["K2"], "C", "2025-03-31", "900.00")
        add_user(session, "lawyer", "legal", "a-long-password", actor="test")
        add_user(session, "clerk", "finance", "a-long-password", actor="test")
        add_user(session, "guest", "viewer", "a-long-password", actor="test")
    return ids


def _counts(sessions: sessionmaker[Session]) -> dict[str, int]:
    with sessions() as session:
        return {table.__tablename__: session.execute(select(func.count()).select_from(table)).scalar_one()
                for table in (LegalCase, LegalCaseItem, LegalCaseStage, LegalCaseDocument, LegalCaseRecovery,
                              CreditEvent, LimitationEvent, Payment, Allocation, AuditEntry)}


def _open(sessions: sessionmaker[Session], items: tuple[str, ...] = ("A", "B"), **extra: Any) -> int:
    arguments: dict[str, Any] = {"debtor_code": "K1", "agent_name": FIRM, "agent_kind": "law_firm",
                                 "commission_rate": D("0.15"), "opened_on": date(2026, 9, 1), "as_of": AS_OF,
                                 "actor": "lawyer", "item_numbers": items}
    arguments.update(extra)
    with unit_of_work(sessions) as session:
        return open_case(session, **arguments).id


def _stage(sessions: sessionmaker[Session], case: int, step: str, on: str, blobs: BlobStore, **extra: Any) -> Any:
    with unit_of_work(sessions) as session:
        return record_stage(session, case_id=case, step=step, occurred_on=date.fromisoformat(on), as_of=AS_OF,
                            actor="lawyer", blobs=blobs, **extra)


# --- hand-off ---------------------------------------------------------------------------------------------------


def test_hand_off_records_the_items_with_what_was_open_and_the_first_stage(sessions: sessionmaker[Session],
                                                                           ledger: dict[str, int]) -> None:
    case = _open(sessions)
    with sessions() as session:
        [line] = list_cases(session)
        detail = case_detail(session, case)
    assert (line.debtor, line.agent_name, line.commission_rate, line.stage, line.referred, line.open_now) == (
        "K1", FIRM, D("0.15"), "referred", D("10000.00"), D("10000.00"))
    assert [(i.number, i.referred_amount) for i in detail.items] == [("A", D("6000.00")), ("B", D("4000.00"))]
    assert [(s.stage, s.occurred_on) for s in detail.stages] == [("referred", date(2026, 9, 1))]


def test_without_items_every_open_item_of_one_account_is_handed_over(sessions: sessionmaker[Session],
                                                                     ledger: dict[str, int]) -> None:
    with unit_of_work(sessions) as session, pytest.raises(CaseRefused, match="2 creditor/currency accounts"):
        open_case(session, debtor_code="K1", agent_name="快收", agent_kind="agency", commission_rate=D("0.2"),
                  opened_on=AS_OF, as_of=AS_OF, actor="lawyer")
    with unit_of_work(sessions) as session:
        line = open_case(session, debtor_code="K2", agent_name="快收", agent_kind="agency", commission_rate=D("0.2"),
                         opened_on=AS_OF, as_of=AS_OF, actor="lawyer")
    assert (line.referred, line.agent_kind) == (D("900.00"), "agency")


@pytest.mark.parametrize(("changes", "error", "message"), [
    ({"commission_rate": D("1.5")}, CaseRefused, "outside 0..1"),
    ({"commission_rate": D("-0.01")}, CaseRefused, "outside 0..1"),
    ({"agent_kind": "bailiff"}, CaseRefused, "unknown agent kind"),
    ({"item_numbers": ("A", "Z")}, UnknownRecord, "no item numbered 'Z'"),
    ({"actor": "clerk"}, RoleRequired, "legal"),
    ({"opened_on": date(2026, 12, 1)}, CaseRefused, "in the future"),
])
def test_bad_hand_off_writes_nothing(sessions: sessionmaker[Session], ledger: dict[str, int], changes: dict[str, Any],
                                     error: type[Exception], message: str) -> None:
    before = _counts(sessions)
    with pytest.raises(error, match=message):
        _open(sessions, **changes)
    assert _counts(sessions) == before


def test_an_item_already_in_an_open_case_is_not_handed_over_twice(sessions: sessionmaker[Session],
                                                                   ledger: dict[str, int]) -> None:
    case = _open(sessions, ("A",))
    with pytest.raises(CaseRefused, match=f"item A is already in open case {case}"):
        _open(sessions, ("A", "B"))


# --- stages ------------------------------------------------------------------------------------------------------


def test_a_filed_suit_interrupts_limitation_for_every_item_of_the_case(sessions: sessionmaker[Session],
                                                                       ledger: dict[str, int], tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path / "blobs")
    case = _open(sessions)
    with sessions() as session:
        before = {line.receivable_number: line.expires_on for line in item_limitations(session, AS_OF)}
    outcome = _stage(sessions, case, "suit_filed", "2026-10-20", blobs, court="上海市浦东新区人民法院",
                     case_number="（2026）沪0115民初1号", documents=[CaseDocument("complaint.pdf", pdf_bytes("起诉状"))])
    assert outcome.moved and outcome.limitation_events == 2
    with sessions() as session:
        events = session.execute(select(LimitationEvent.receivable_id, LimitationEvent.kind, LimitationEvent.source,
                                        LimitationEvent.occurred_on)).all()
        after = {line.receivable_number: line.expires_on for line in item_limitations(session, AS_OF)}
        [line] = list_cases(session)
        [document] = session.execute(select(LegalCaseDocument)).scalars().all()
    assert sorted(events) == sorted((ledger[n], "legal_action", f"case_stage:{outcome.stage_id}", date(2026, 10, 20))
                                    for n in ("A", "B"))
    assert after["A"] > before["A"] and after["A"].year == 2029 and after["C"] == before["C"]
    assert (line.stage, line.court, line.case_number) == ("suit_filed", "上海市浦东新区人民法院", "（2026）沪0115民初1号")
    assert blobs.get(document.sha256).startswith(b"%PDF") and document.media_type == "application/pdf"


def test_judgment_and_mediation_record_no_limitation_event(sessions: sessionmaker[Session], ledger: dict[str, int],
                                                            tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path / "blobs")
    case = _open(sessions)
    assert _stage(sessions, case, "pre_litigation_mediation", "2026-09-10", blobs).limitation_events == 0
    assert _stage(sessions, case, "payment_order", "2026-09-20", blobs, court="浦东法院").limitation_events == 2
    assert _stage(sessions, case, "enforcement", "2026-10-30", blobs).limitation_events == 2
    closed = _stage(sessions, case, "closed", "2026-11-20", blobs, outcome="written_off")
    assert (closed.stage, closed.limitation_events) == ("closed", 0)
    with sessions() as session:
        assert list_cases(session, open_only=True) == []
        assert list_cases(session)[0].outcome == "written_off"


@pytest.mark.parametrize(("step", "on", "extra", "message"), [
    ("judgment", "2026-10-01", {}, "cannot move to judgment"),
    ("suit_filed", "2026-10-01", {"court": "浦东法院"}, "court .* and case number"),
    ("suit_filed", "2026-08-01", {"court": "x", "case_number": "y"}, "before its current stage"),
    ("suit_filed", "2026-12-01", {"court": "x", "case_number": "y"}, "in the future"),
    ("closed", "2026-10-01", {}, "outcome"),
    ("pre_litigation_mediation", "2026-10-01", {"court": "x"}, "has no court"),
    ("suit_filed", "2026-10-01", {"court": "x", "case_number": "y",
                                  "documents": [CaseDocument("notes.docx", b"PK\x03\x04 not a scan")]},
     "document notes.docx: not a PDF or an image"),
])
def test_a_bad_stage_writes_nothing(sessions: sessionmaker[Session], ledger: dict[str, int], tmp_path: Path,
                                    step: str, on: str, extra: dict[str, Any], message: str) -> None:
    blobs = BlobStore(tmp_path / "blobs")
    case = _open(sessions)
    before = _counts(sessions)
    with pytest.raises(CaseRefused, match=message):
        _stage(sessions, case, step, on, blobs, **extra)
    assert _counts(sessions) == before
    assert not (tmp_path / "blobs").exists()


def test_the_case_history_cannot_be_rewritten(sessions: sessionmaker[Session], ledger: dict[str, int]) -> None:
    _open(sessions)
    with pytest.raises(DBAPIError), sessions.begin() as session:
        session.execute(text("UPDATE legal_case_stage SET occurred_on = occurred_on"))


# --- recoveries ------------------------------------------------------------------------------------------------


def _recover(sessions: sessionmaker[Session], case: int, amount: str, on: str = "2026-11-20", actor: str = "clerk",
             reference: str | None = None) -> Any:
    with unit_of_work(sessions) as session:
        return record_recovery(session, case_id=case, amount=D(amount), received_on=date.fromisoformat(on),
                               as_of=AS_OF, actor=actor, reference=reference)


def test_a_recovery_becomes_a_payment_on_the_oldest_case_item_with_its_commission(
        sessions: sessionmaker[Session], ledger: dict[str, int]) -> None:
    case = _open(sessions)
    first = _recover(sessions, case, "7000.01")
    second = _recover(sessions, case, "333.33", reference="BANK-77")
    assert (first.reference, first.commission, first.applied) == ("CASE1-R1" if case == 1 else f"CASE{case}-R1",
                                                                   D("1050.00"),
                                                                   (("A", D("6000.00")), ("B", D("1000.01"))))
    assert (second.reference, second.commission) == ("BANK-77", D("50.00"))
    with sessions() as session:
        opens = dict(session.execute(select(Receivable.number, Receivable.open_amount)).all())
        [line] = list_cases(session)
        payments = session.execute(select(Payment.reference, Payment.amount).order_by(Payment.id)).all()
        stored = session.execute(select(LegalCaseRecovery.commission_rate, LegalCaseRecovery.commission)).all()
    assert (opens["A"], opens["B"], opens["C"]) == (D("0.00"), D("2666.66"), D("900.00"))
    assert (line.recovered, line.commission, line.open_now) == (D("7333.34"), D("1100.00"), D("2666.66"))
    assert [p[1] for p in payments] == [D("7000.01"), D("333.33")]
    assert stored == [(D("0.15"), D("1050.00")), (D("0.15"), D("50.00"))]


@pytest.mark.parametrize(("amount", "extra", "message"), [
    ("10000.01", {}, "more than the 10000.00 CNY open"),
    ("0", {}, "must be positive"),
    ("10.00", {"on": "2026-08-01"}, "before the hand-off"),
    ("10.00", {"on": "2026-12-01"}, "in the future"),
    ("10.00", {"actor": "guest"}, "legal or finance"),
])
def test_a_bad_recovery_writes_nothing(sessions: sessionmaker[Session], ledger: dict[str, int], amount: str,
                                       extra: dict[str, Any], message: str) -> None:
    case = _open(sessions)
    before = _counts(sessions)
    with pytest.raises((CaseRefused, RoleRequired), match=message):
        _recover(sessions, case, amount, **extra)
    assert _counts(sessions) == before


def test_a_recovery_may_not_reuse_a_payment_reference(sessions: sessionmaker[Session], ledger: dict[str, int]) -> None:
    case = _open(sessions)
    _recover(sessions, case, "10.00", reference="R-1")
    with pytest.raises(CaseRefused, match="reference 'R-1' is already recorded"):
        _recover(sessions, case, "10.00", reference="R-1")


# --- credit events ----------------------------------------------------------------------------------------------


def test_a_credit_event_raises_the_debtors_risk_flag(sessions: sessionmaker[Session], ledger: dict[str, int]) -> None:
    with unit_of_work(sessions) as session:
        add_credit_event(session, debtor_code="K2", kind="lawsuit", occurred_on=date(2026, 11, 2),
                         source="court notice", note="sued by its bank", as_of=AS_OF, actor="clerk")
    with sessions() as session:
        flags = dict(session.execute(select(Debtor.code, Debtor.risk_flag)).all())
        [event] = credit_events(session, debtor_code="K2")
        flagged_on = session.execute(select(Debtor.risk_flagged_on).where(Debtor.code == "K2")).scalar_one()
    assert flags == {"K1": False, "K2": True} and flagged_on == AS_OF
    assert (event.kind, event.source, event.note) == ("lawsuit", "court notice", "sued by its bank")


@pytest.mark.parametrize(("kind", "on", "source", "message"), [
    ("gossip", "2026-11-01", "news", "unknown credit event kind"),
    ("dissolution", "2026-12-01", "news", "in the future"),
    ("dissolution", "2026-11-01", " ", "--source"),
])
def test_a_bad_credit_event_writes_nothing(sessions: sessionmaker[Session], ledger: dict[str, int], kind: str,
                                           on: str, source: str, message: str) -> None:
    before = _counts(sessions)
    with unit_of_work(sessions) as session, pytest.raises(CaseRefused, match=message):
        add_credit_event(session, debtor_code="K1", kind=kind, occurred_on=date.fromisoformat(on), source=source,
                         as_of=AS_OF, actor="lawyer")
    assert _counts(sessions) == before
    with sessions() as session:
        assert not session.execute(select(Debtor.risk_flag).where(Debtor.code == "K1")).scalar_one()


# --- the evidence bundle -------------------------------------------------------------------------------------------


def _evidence(sessions: sessionmaker[Session], ids: dict[str, int], blobs: BlobStore) -> dict[str, str]:
    """A demand letter for K1 with its stored PDF, a delivery with a PNG proof and one with a PDF proof, a
    confirmed statement with a signed slip, an interaction; returns the hashes the bundle must list."""
    letter_pdf, proof_png, proof_pdf, slip = (pdf_bytes("DEMAND LETTER 催款函", "page two"), png_bytes(),
                                              pdf_bytes("COURIER RECORD"), png_bytes((250, 240, 200)))
    hashes = {"letter": blobs.put(letter_pdf), "png": blobs.put(proof_png), "proof_pdf": blobs.put(proof_pdf),
              "slip": blobs.put(slip)}
    with sessions.begin() as session:
        letter = session.execute(insert(Letter).values(
            company_id=ids["company"], debtor_id=ids["K1"], number="〔2026〕催字第0001号", year=2026, sequence=1,
            template_name="demand", template_kind="demand", locale="zh_CN", template_sha256="0" * 64,
            template_origin="shipped", title="催款函", letter_date=date(2026, 10, 1), data={"items": []},
            issued_by="clerk").returning(Letter.id)).scalar_one()
        session.execute(insert(LetterFile).values(letter_id=letter, format="pdf", sha256=hashes["letter"],
                                                  size=len(letter_pdf)))
        for sha, media_type, name in ((hashes["png"], "image/png", "receipt.png"),
                                      (hashes["proof_pdf"], "application/pdf", "courier.pdf")):
            session.execute(insert(LetterDelivery).values(
                letter_id=letter, channel="registered_mail", status="delivered", sent_at=datetime(2026, 10, 2),
                tracking_number="EMS123", delivered_on=date(2026, 10, 5), signed_by="王五", proof_sha256=sha,
                proof_media_type=media_type, proof_name=name, recorded_by="clerk"))
        statement_letter = session.execute(insert(Letter).values(
            company_id=ids["company"], debtor_id=ids["K1"], number="〔2026〕对字第0001号", year=2026, sequence=1,
            template_name="statement", template_kind="statement", locale="zh_CN", template_sha256="0" * 64,
            template_origin="shipped", title="对账单", letter_date=date(2026, 7, 5), data={}, issued_by="clerk"
        ).returning(Letter.id)).scalar_one()
        statement = session.execute(insert(Statement).values(
            letter_id=statement_letter, debtor_id=ids["K1"], company_id=ids["company"], currency="CNY",
            period_start=date(2026, 4, 1), period_end=date(2026, 6, 30), opening_balance=D("10000.00"),
            closing_balance=D("10000.00"), movement_count=0, issued_on=date(2026, 7, 5), reply_due_on=date(2026, 7, 20),
            delivery="print", issued_by="clerk").returning(Statement.id)).scalar_one()
        session.execute(insert(StatementResponse).values(
            statement_id=statement, kind="confirmed", responded_on=date(2026, 7, 12), signer="赵六",
            slip_sha256=hashes["slip"], slip_media_type="image/png", slip_name="slip.png", recorded_by="clerk"))
        session.execute(insert(Interaction).values(
            debtor_id=ids["K1"], channel="phone", direction="outbound", occurred_at=datetime(2026, 10, 8, 9, 30),
            user_name="clerk", summary="财务说月底付款 promised payment by month end"))
    return hashes


def _page_texts(content: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages]


def test_the_bundle_has_contents_that_match_its_pages_and_lists_every_file_with_its_hash(
        sessions: sessionmaker[Session], ledger: dict[str, int], tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path / "blobs")
    hashes = _evidence(sessions, ledger, blobs)
    case = _open(sessions)
    _stage(sessions, case, "suit_filed", "2026-10-20", blobs, court="浦东法院", case_number="（2026）沪0115民初1号",
           documents=[CaseDocument("judgment.pdf", pdf_bytes("CIVIL JUDGMENT"))])
    with unit_of_work(sessions) as session:
        add_credit_event(session, debtor_code="K1", kind="asset_transfer", occurred_on=date(2026, 11, 1),
                         source="credit report", as_of=AS_OF, actor="lawyer")
        built = build_bundle(session, debtor_code="K1", as_of=AS_OF, actor="lawyer", blobs=blobs)
    texts = _page_texts(built.content)
    assert len(texts) == built.pages
    assert "Evidence bundle" in texts[0] and "not legal advice" in texts[0]
    # Every page carries its number in the bundle.
    assert all(f"Bundle page {n} of {built.pages}" in page for n, page in enumerate(texts, start=1))
    # The contents page lists each section with the page it starts on, and that page begins with its title.
    titles = [title for title, _page in built.contents]
    assert titles[0].startswith("1. Debtor") and titles[-1].startswith("10. Index")
    for title, page in built.contents:
        listed = re.search(re.escape(title) + r"\s*(\d+)", texts[1])
        assert listed is not None and int(listed.group(1)) == page, title
        assert title in texts[page - 1], (title, page)
    # Debtor details, statement, letters with delivery facts, confirmations, interactions, interest, limitation.
    everything = re.sub(r"\s+", "", "".join(texts))
    for expected in ("91310000MA1FL0XX1X", "上海市浦东新区世纪大道100号", "李强", "asset_transfer", "HT-1",
                     "Balance owed on 2026-11-29: 10000.00 CNY", "〔2026〕催字第0001号", "EMS123", "王五",
                     "DEMAND LETTER", "COURIER RECORD", "CIVIL JUDGMENT", "赵六", "promised payment by month end",
                     "0.05% a day", "legal_action", "This bundle is not legal advice"):
        assert re.sub(r"\s+", "", expected) in everything, expected
    # The index lists every included file with its SHA-256 and where it is.
    index = "\n".join(texts[built.contents[-1][1] - 1:])
    for sha in (*hashes.values(),):
        assert sha in index.replace("\n", "")
    assert len(built.files) == 5 and all(f.problem is None for f in built.files)
    letter = next(f for f in built.files if f.sha256 == hashes["letter"])
    assert letter.last_page - letter.first_page == 1 and "DEMAND LETTER" in texts[letter.first_page - 1]
    proof = next(f for f in built.files if f.sha256 == hashes["png"])
    assert "receipt.png" in texts[proof.first_page - 1]
    with sessions() as session:
        audited = session.execute(select(AuditEntry.action).where(AuditEntry.action == "legal.bundle")).scalars().all()
    assert audited == ["legal.bundle"]


def test_a_missing_blob_is_named_in_the_bundle_not_hidden(sessions: sessionmaker[Session], ledger: dict[str, int],
                                                          tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path / "blobs")
    hashes = _evidence(sessions, ledger, blobs)
    blobs.path_for(hashes["png"]).chmod(0o644)
    blobs.path_for(hashes["png"]).unlink()
    with unit_of_work(sessions) as session:
        built = build_bundle(session, debtor_code="K1", as_of=AS_OF, actor="lawyer", blobs=blobs)
    [missing] = [f for f in built.files if f.problem]
    assert missing.sha256 == hashes["png"] and "missing" in missing.problem
    assert any("receipt.png" in warning for warning in built.warnings)


def test_a_bad_interest_rule_or_debtor_makes_no_bundle(sessions: sessionmaker[Session], ledger: dict[str, int],
                                                       tmp_path: Path) -> None:
    before = _counts(sessions)
    with unit_of_work(sessions) as session, pytest.raises(BundleRefused, match="--interest-rule"):
        build_bundle(session, debtor_code="K1", as_of=AS_OF, actor="lawyer", blobs=BlobStore(tmp_path),
                     interest_rule="weekly:3")
    with unit_of_work(sessions) as session, pytest.raises(UnknownRecord, match="NOPE"):
        build_bundle(session, debtor_code="NOPE", as_of=AS_OF, actor="lawyer", blobs=BlobStore(tmp_path))
    assert _counts(sessions) == before
