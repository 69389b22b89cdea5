"""Legal cases: hand-off of a debtor's items to a law firm or agency, stages with documents, recoveries and
commissions; debtor credit events and the risk flag they raise."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import ColumnElement, func, insert, select, update
from sqlalchemy.orm import Session

from receivables.domain.cases import (
    AGENT_KINDS,
    COURT_STAGES,
    CaseError,
    check_commission_rate,
    check_credit_event_kind,
    check_step,
    commission,
)
from receivables.domain.delivery import DeliveryError, check_proof
from receivables.domain.limitation import EVENT_KINDS
from receivables.domain.money import ZERO
from receivables.services.errors import Refused, UnknownRecord
from receivables.services.postings import PostingRefused, post_payment
from receivables.services.users import require_role
from receivables.storage import audit
from receivables.storage.blobs import BlobStore
from receivables.storage.schema import Allocation, Company, Debtor, Payment, Receivable
from receivables.storage.schema.cases import (
    CreditEvent,
    LegalCase,
    LegalCaseDocument,
    LegalCaseItem,
    LegalCaseRecovery,
    LegalCaseStage,
)
from receivables.storage.schema.legal import LawFirm, LimitationEvent

CASE_ROLES = ("legal",)
RECOVERY_ROLES = ("legal", "finance")
CREDIT_EVENT_ROLES = ("legal", "finance")
MAX_NOTE = 300
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024


class CaseRefused(Refused):
    """The case step cannot be done as asked; nothing was written."""


@dataclass(frozen=True, slots=True)
class CaseDocument:
    """A document file as read from disk: its name and its bytes."""

    name: str
    content: bytes


@dataclass(frozen=True, slots=True)
class CaseLine:
    """A case as listed: who has it, where it stands, what was handed over, recovered and paid in commission."""

    id: int
    debtor: str
    debtor_name: str
    company: str
    currency: str
    agent_kind: str
    agent_name: str
    commission_rate: Decimal
    stage: str
    stage_on: date
    outcome: str | None
    court: str | None
    case_number: str | None
    opened_on: date
    referred: Decimal
    recovered: Decimal
    commission: Decimal
    open_now: Decimal


@dataclass(frozen=True, slots=True)
class CaseItemLine:
    number: str
    due_date: date
    referred_amount: Decimal
    open_now: Decimal


@dataclass(frozen=True, slots=True)
class StageDocument:
    name: str
    sha256: str
    media_type: str
    size: int


@dataclass(frozen=True, slots=True)
class StageLine:
    id: int
    stage: str
    occurred_on: date
    court: str | None
    case_number: str | None
    outcome: str | None
    note: str | None
    recorded_by: str
    documents: tuple[StageDocument, ...]


@dataclass(frozen=True, slots=True)
class RecoveryLine:
    id: int
    reference: str
    received_on: date
    amount: Decimal
    commission_rate: Decimal
    commission: Decimal
    applied: tuple[tuple[str, Decimal], ...]


@dataclass(frozen=True, slots=True)
class CaseDetail:
    case: CaseLine
    items: tuple[CaseItemLine, ...]
    stages: tuple[StageLine, ...]
    recoveries: tuple[RecoveryLine, ...]


@dataclass(frozen=True, slots=True)
class StageOutcome:
    case_id: int
    stage_id: int
    step: str
    stage: str
    moved: bool
    documents: tuple[StageDocument, ...]
    limitation_events: int


@dataclass(frozen=True, slots=True)
class CreditEventLine:
    id: int
    debtor: str
    kind: str
    occurred_on: date
    source: str
    note: str | None
    recorded_by: str


def _debtor(session: Session, code: str) -> Debtor:
    debtor = session.execute(select(Debtor).where(Debtor.code == code)).scalar_one_or_none()
    if debtor is None:
        raise UnknownRecord(f"no debtor with code {code!r}")
    return debtor


def _case(session: Session, case_id: int) -> LegalCase:
    case = session.get(LegalCase, case_id)
    if case is None:
        raise UnknownRecord(f"no case {case_id}")
    return case


def _text(value: str | None, field: str, limit: int) -> str | None:
    if value is None:
        return None
    if not value.strip() or len(value) > limit:
        raise CaseRefused(f"{field} must be 1 to {limit} characters")
    return value.strip()


def _not_future(day: date, as_of: date, what: str) -> None:
    if day > as_of:
        raise CaseRefused(f"{what} {day} is in the future (today is {as_of})")


# --- open -------------------------------------------------------------------------------------------------


def open_case(session: Session, *, debtor_code: str, agent_name: str, agent_kind: str, commission_rate: Decimal,
              opened_on: date, as_of: date, actor: str, item_numbers: Sequence[str] = (),
              note: str | None = None) -> CaseLine:
    """Hand a debtor's open items (all, or the numbers given) to a law firm or collection agency.

    The items must be open, owed to one creditor company in one currency, and in no other open case.
    """
    require_role(session, actor, CASE_ROLES, doing="handing a debtor to a law firm or agency")
    if agent_kind not in AGENT_KINDS:
        raise CaseRefused(f"unknown agent kind {agent_kind!r} (known: {', '.join(AGENT_KINDS)})")
    try:
        rate = check_commission_rate(commission_rate)
    except CaseError as exc:
        raise CaseRefused(str(exc)) from None
    name = _text(agent_name, "the firm's or agency's name", 200)
    note = _text(note, "the note", MAX_NOTE)
    _not_future(opened_on, as_of, "the hand-off date")
    debtor = _debtor(session, debtor_code)
    query = select(Receivable.id, Receivable.number, Receivable.company_id, Receivable.currency,
                   Receivable.open_amount).where(Receivable.debtor_id == debtor.id)
    if item_numbers:
        wanted = list(dict.fromkeys(item_numbers))
        rows = session.execute(query.where(Receivable.number.in_(wanted))).all()
        missing = sorted(set(wanted) - {row.number for row in rows})
        if missing:
            raise UnknownRecord(f"debtor {debtor_code} has no item numbered {missing[0]!r}")
        closed = sorted(row.number for row in rows if row.open_amount <= ZERO)
        if closed:
            raise CaseRefused(f"item {closed[0]} of {debtor_code} has nothing open: only open items are handed over")
    else:
        rows = session.execute(query.where(Receivable.open_amount > ZERO)).all()
        if not rows:
            raise CaseRefused(f"debtor {debtor_code} has no open item to hand over")
    accounts = sorted({(row.company_id, row.currency) for row in rows})
    if len(accounts) > 1:
        raise CaseRefused(f"debtor {debtor_code}'s items are owed to {len(accounts)} creditor/currency accounts: "
                          "choose the items of one with --item")
    taken = session.execute(
        select(Receivable.number, LegalCase.id).join(LegalCaseItem, LegalCaseItem.receivable_id == Receivable.id)
        .join(LegalCase, LegalCase.id == LegalCaseItem.case_id)
        .where(LegalCaseItem.receivable_id.in_([row.id for row in rows]), LegalCase.stage != "closed")).first()
    if taken is not None:
        raise CaseRefused(f"item {taken[0]} is already in open case {taken[1]}")
    company_id, currency = accounts[0]
    firm_id = session.execute(select(LawFirm.id).where(LawFirm.name == name)).scalar() \
        if agent_kind == "law_firm" else None
    case_id = session.execute(insert(LegalCase).values(
        debtor_id=debtor.id, company_id=company_id, currency=currency, agent_kind=agent_kind, agent_name=name,
        law_firm_id=firm_id, commission_rate=rate, stage="referred", stage_on=opened_on, opened_on=opened_on,
        opened_by=actor).returning(LegalCase.id)).scalar_one()
    session.execute(insert(LegalCaseItem), [{"case_id": case_id, "receivable_id": row.id,
                                             "referred_amount": row.open_amount} for row in rows])
    session.execute(insert(LegalCaseStage).values(case_id=case_id, stage="referred", occurred_on=opened_on,
                                                  note=note, recorded_by=actor))
    audit.record(session, actor, "case.open", "legal_case", str(case_id), after={
        "debtor": debtor_code, "agent_kind": agent_kind, "agent": name, "commission_rate": str(rate),
        "opened_on": opened_on.isoformat(), "items": sorted(row.number for row in rows), "currency": currency})
    return _lines(session, LegalCase.id == case_id)[0]


# --- stages -------------------------------------------------------------------------------------------------


def _checked_documents(documents: Sequence[CaseDocument]) -> list[tuple[CaseDocument, str]]:
    checked = []
    for document in documents:
        if len(document.content) > MAX_DOCUMENT_BYTES:
            raise CaseRefused(f"document {document.name}: larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB")
        try:
            media_type = check_proof(document.content, document.name)
        except DeliveryError as exc:
            raise CaseRefused(str(exc).replace("proof ", "document ", 1)) from None
        checked.append((document, media_type))
    return checked


def record_stage(session: Session, *, case_id: int, step: str, occurred_on: date, as_of: date, actor: str,
                 blobs: BlobStore, court: str | None = None, case_number: str | None = None,
                 outcome: str | None = None, note: str | None = None,
                 documents: Sequence[CaseDocument] = ()) -> StageOutcome:
    """Move a case to its next stage (or record asset preservation), with its date, court details and documents.

    A payment order, a suit, an enforcement application or asset preservation interrupts limitation like a suit
    (Civil Code Art. 195(3); SPC Limitation Rules Art. 11): each adds a `legal_action` event for every item of
    the case. Everything is checked before anything is written.
    """
    require_role(session, actor, CASE_ROLES, doing="recording a case stage")
    case = _case(session, case_id)
    try:
        transition = check_step(case.stage, step, outcome=outcome)
    except CaseError as exc:
        raise CaseRefused(f"case {case_id}: {exc}") from None
    _not_future(occurred_on, as_of, "the stage date")
    if occurred_on < case.stage_on:
        raise CaseRefused(f"case {case_id}: {step} on {occurred_on} is before its current stage "
                          f"({case.stage} on {case.stage_on})")
    court = _text(court, "--court", 200)
    case_number = _text(case_number, "--case-number", 100)
    note = _text(note, "the note", MAX_NOTE)
    if (court or case_number) and step not in COURT_STAGES and step != "preservation":
        raise CaseRefused(f"case {case_id}: {step} has no court or court case number")
    if step == "suit_filed" and not (court and case_number):
        raise CaseRefused(f"case {case_id}: a filed suit needs its court (--court) and case number (--case-number)")
    checked = _checked_documents(documents)
    stage_id = session.execute(insert(LegalCaseStage).values(
        case_id=case_id, stage=step, occurred_on=occurred_on, court=court, case_number=case_number, outcome=outcome,
        note=note, recorded_by=actor).returning(LegalCaseStage.id)).scalar_one()
    stored = tuple(StageDocument(document.name[-200:], blobs.put(document.content), media_type, len(document.content))
                   for document, media_type in checked)
    if stored:
        session.execute(insert(LegalCaseDocument), [
            {"stage_id": stage_id, "name": d.name, "sha256": d.sha256, "media_type": d.media_type, "size": d.size}
            for d in stored])
    if transition.moves:
        changes: dict[str, object] = {"stage": step, "stage_on": occurred_on, "outcome": outcome}
        if court:
            changes["court"] = court
        if case_number:
            changes["case_number"] = case_number
        session.execute(update(LegalCase).where(LegalCase.id == case_id).values(**changes))
    events = _legal_action_events(session, case, stage_id, occurred_on, actor) if transition.legal_action else 0
    audit.record(session, actor, "case.stage", "legal_case", str(case_id), after={
        "stage_id": stage_id, "step": step, "occurred_on": occurred_on.isoformat(), "court": court,
        "case_number": case_number, "outcome": outcome, "note": note,
        "documents": [{"name": d.name, "sha256": d.sha256} for d in stored], "limitation_events": events})
    return StageOutcome(case_id, stage_id, step, transition.stage, transition.moves, stored, events)


def _legal_action_events(session: Session, case: LegalCase, stage_id: int, occurred_on: date, actor: str) -> int:
    jurisdiction = session.execute(select(Company.jurisdiction).where(Company.id == case.company_id)).scalar_one()
    if "legal_action" not in EVENT_KINDS.get(jurisdiction.strip().upper(), ()):
        return 0
    item_ids = session.execute(select(LegalCaseItem.receivable_id).where(LegalCaseItem.case_id == case.id)
                               .order_by(LegalCaseItem.receivable_id)).scalars().all()
    session.execute(insert(LimitationEvent), [
        {"debtor_id": case.debtor_id, "receivable_id": item_id, "kind": "legal_action", "occurred_on": occurred_on,
         "source": f"case_stage:{stage_id}", "note": f"case {case.id}", "recorded_by": actor}
        for item_id in item_ids])
    return len(item_ids)


# --- recoveries ------------------------------------------------------------------------------------------------


def record_recovery(session: Session, *, case_id: int, amount: Decimal, received_on: date, as_of: date,
                    actor: str, reference: str | None = None) -> RecoveryLine:
    """Money the firm or agency recovered: posted as a payment applied to the case's items (oldest due first,
    by the same allocation as every payment) and the commission computed on it at the case's rate.

    A recovery larger than what is open on the case's items is refused, not put on account: money beyond the
    handed-over claim (costs, interest awarded) is booked as items first, or as an ordinary payment.
    """
    require_role(session, actor, RECOVERY_ROLES, doing="recording a recovery")
    case = _case(session, case_id)
    if not amount.is_finite() or amount <= ZERO:
        raise CaseRefused(f"case {case_id}: the recovered amount must be positive, got {amount}")
    _not_future(received_on, as_of, "the recovery date")
    if received_on < case.opened_on:
        raise CaseRefused(f"case {case_id}: {received_on} is before the hand-off on {case.opened_on}")
    items = session.execute(
        select(Receivable.number, Receivable.open_amount).join(LegalCaseItem, LegalCaseItem.receivable_id == Receivable.id)
        .where(LegalCaseItem.case_id == case_id).order_by(Receivable.due_date, Receivable.number)).all()
    open_total = sum((row.open_amount for row in items if row.open_amount > ZERO), ZERO)
    if amount > open_total:
        raise CaseRefused(f"case {case_id}: {amount} {case.currency} is more than the {open_total} {case.currency} "
                          "open on its items; book costs or awarded interest as items first, or record the excess "
                          "as an ordinary payment")
    count = session.execute(select(func.count()).select_from(LegalCaseRecovery)
                            .where(LegalCaseRecovery.case_id == case_id)).scalar_one()
    reference = _text(reference, "--reference", 100) or f"CASE{case_id}-R{count + 1}"
    if session.execute(select(Payment.id).where(Payment.reference == reference)).scalar() is not None:
        raise CaseRefused(f"a payment with reference {reference!r} is already recorded")
    debtor_code = session.execute(select(Debtor.code).where(Debtor.id == case.debtor_id)).scalar_one()
    company = session.execute(select(Company.name).where(Company.id == case.company_id)).scalar_one()
    try:
        posted = post_payment(session, {
            "debtor": debtor_code, "reference": reference, "date": received_on.isoformat(), "amount": str(amount),
            "currency": case.currency, "company": company,
            "applies_to": ";".join(row.number for row in items if row.open_amount > ZERO)}, actor=actor)
    except PostingRefused as exc:
        raise CaseRefused(f"case {case_id}: {exc}") from None
    payment_id = session.execute(select(Payment.id).where(Payment.reference == reference)).scalar_one()
    fee = commission(amount, case.commission_rate)
    recovery_id = session.execute(insert(LegalCaseRecovery).values(
        case_id=case_id, payment_id=payment_id, amount=amount, commission_rate=case.commission_rate,
        commission=fee, recorded_by=actor).returning(LegalCaseRecovery.id)).scalar_one()
    audit.record(session, actor, "case.recover", "legal_case", str(case_id), after={
        "recovery_id": recovery_id, "reference": reference, "received_on": received_on.isoformat(),
        "amount": str(amount), "commission_rate": str(case.commission_rate), "commission": str(fee),
        "applied": [[number, str(part)] for number, part in posted.applied]})
    return RecoveryLine(recovery_id, reference, received_on, amount, case.commission_rate, fee, posted.applied)


# --- list / show ------------------------------------------------------------------------------------------------


def _lines(session: Session, *where: ColumnElement[bool]) -> list[CaseLine]:
    referred = (select(LegalCaseItem.case_id, func.sum(LegalCaseItem.referred_amount).label("referred"),
                       func.sum(Receivable.open_amount).label("open_now"))
                .join(Receivable, Receivable.id == LegalCaseItem.receivable_id)
                .group_by(LegalCaseItem.case_id).subquery())
    recovered = (select(LegalCaseRecovery.case_id, func.sum(LegalCaseRecovery.amount).label("recovered"),
                        func.sum(LegalCaseRecovery.commission).label("commission"))
                 .group_by(LegalCaseRecovery.case_id).subquery())
    rows = session.execute(
        select(LegalCase, Debtor.code, Debtor.name, Company.name, referred.c.referred, referred.c.open_now,
               recovered.c.recovered, recovered.c.commission)
        .join(Debtor, Debtor.id == LegalCase.debtor_id).join(Company, Company.id == LegalCase.company_id)
        .outerjoin(referred, referred.c.case_id == LegalCase.id)
        .outerjoin(recovered, recovered.c.case_id == LegalCase.id)
        .where(*where).order_by(LegalCase.id))

    def money(value: Decimal | None) -> Decimal:
        return ZERO if value is None else value

    return [CaseLine(c.id, code, name, company, c.currency, c.agent_kind, c.agent_name, c.commission_rate, c.stage,
                     c.stage_on, c.outcome, c.court, c.case_number, c.opened_on, money(ref), money(rec), money(fee),
                     money(open_now))
            for c, code, name, company, ref, open_now, rec, fee in rows]


def list_cases(session: Session, *, debtor_code: str | None = None, open_only: bool = False) -> list[CaseLine]:
    """The cases, with what was handed over, what is still open on their items, recovered and paid in commission."""
    where: list[ColumnElement[bool]] = []
    if debtor_code is not None:
        where.append(LegalCase.debtor_id == _debtor(session, debtor_code).id)
    if open_only:
        where.append(LegalCase.stage != "closed")
    return _lines(session, *where)


def case_detail(session: Session, case_id: int) -> CaseDetail:
    """One case: its items, every stage with its documents, every recovery with where it was applied."""
    _case(session, case_id)
    (line,) = _lines(session, LegalCase.id == case_id)
    items = tuple(CaseItemLine(*row) for row in session.execute(
        select(Receivable.number, Receivable.due_date, LegalCaseItem.referred_amount, Receivable.open_amount)
        .join(LegalCaseItem, LegalCaseItem.receivable_id == Receivable.id)
        .where(LegalCaseItem.case_id == case_id).order_by(Receivable.due_date, Receivable.number)))
    documents: dict[int, list[StageDocument]] = defaultdict(list)
    for stage_id, name, sha, media_type, size in session.execute(
            select(LegalCaseDocument.stage_id, LegalCaseDocument.name, LegalCaseDocument.sha256,
                   LegalCaseDocument.media_type, LegalCaseDocument.size)
            .join(LegalCaseStage, LegalCaseStage.id == LegalCaseDocument.stage_id)
            .where(LegalCaseStage.case_id == case_id).order_by(LegalCaseDocument.id)):
        documents[stage_id].append(StageDocument(name, sha, media_type, size))
    stages = tuple(StageLine(s.id, s.stage, s.occurred_on, s.court, s.case_number, s.outcome, s.note, s.recorded_by,
                             tuple(documents.get(s.id, ()))) for s in session.execute(
        select(LegalCaseStage).where(LegalCaseStage.case_id == case_id)
        .order_by(LegalCaseStage.occurred_on, LegalCaseStage.id)).scalars())
    applied: dict[int, list[tuple[str, Decimal]]] = defaultdict(list)
    for payment_id, number, amount in session.execute(
            select(Allocation.payment_id, Receivable.number, Allocation.amount)
            .join(Receivable, Receivable.id == Allocation.receivable_id)
            .join(LegalCaseRecovery, LegalCaseRecovery.payment_id == Allocation.payment_id)
            .where(LegalCaseRecovery.case_id == case_id, Allocation.reversed_on.is_(None)).order_by(Allocation.id)):
        applied[payment_id].append((number, amount))
    recoveries = tuple(RecoveryLine(r.id, reference, received_on, r.amount, r.commission_rate, r.commission,
                                    tuple(applied.get(r.payment_id, ())))
                       for r, reference, received_on in session.execute(
        select(LegalCaseRecovery, Payment.reference, Payment.received_on)
        .join(Payment, Payment.id == LegalCaseRecovery.payment_id)
        .where(LegalCaseRecovery.case_id == case_id).order_by(Payment.received_on, LegalCaseRecovery.id)))
    return CaseDetail(line, items, stages, recoveries)


# --- credit events ---------------------------------------------------------------------------------------------


def add_credit_event(session: Session, *, debtor_code: str, kind: str, occurred_on: date, source: str,
                     as_of: date, actor: str, note: str | None = None) -> CreditEventLine:
    """Record a fact about the debtor's creditworthiness and raise its risk flag."""
    require_role(session, actor, CREDIT_EVENT_ROLES, doing="recording a credit event")
    try:
        check_credit_event_kind(kind)
    except CaseError as exc:
        raise CaseRefused(str(exc)) from None
    _not_future(occurred_on, as_of, "the event date")
    source_text = _text(source, "--source", 200)
    note = _text(note, "--note", MAX_NOTE)
    debtor = _debtor(session, debtor_code)
    event_id = session.execute(insert(CreditEvent).values(
        debtor_id=debtor.id, kind=kind, occurred_on=occurred_on, source=source_text, note=note,
        recorded_by=actor).returning(CreditEvent.id)).scalar_one()
    raised = not debtor.risk_flag
    if raised:
        session.execute(update(Debtor).where(Debtor.id == debtor.id).values(risk_flag=True, risk_flagged_on=as_of))
    audit.record(session, actor, "debtor.credit_event", "debtor", debtor_code, after={
        "credit_event_id": event_id, "kind": kind, "occurred_on": occurred_on.isoformat(), "source": source_text,
        "note": note, "risk_flag_raised": raised})
    return CreditEventLine(event_id, debtor_code, kind, occurred_on, source_text or "", note, actor)


def credit_events(session: Session, *, debtor_code: str | None = None) -> list[CreditEventLine]:
    """Credit events, newest first (one debtor's, or every debtor's)."""
    query = (select(CreditEvent, Debtor.code).join(Debtor, Debtor.id == CreditEvent.debtor_id)
             .order_by(CreditEvent.occurred_on.desc(), CreditEvent.id.desc()))
    if debtor_code is not None:
        query = query.where(CreditEvent.debtor_id == _debtor(session, debtor_code).id)
    return [CreditEventLine(e.id, code, e.kind, e.occurred_on, e.source, e.note, e.recorded_by)
            for e, code in session.execute(query)]
