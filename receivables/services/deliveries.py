"""Delivery evidence of issued letters, and the limitation events it (or a person, by hand) records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from receivables.domain.delivery import (
    DeliveryError,
    check_channel,
    check_dates,
    check_proof,
    delivery_evidence,
)
from receivables.domain.limitation import EVENT_KINDS, LimitationError, check_event_kind
from receivables.services.errors import Refused, UnknownRecord
from receivables.services.letters import DEMAND_KINDS
from receivables.storage import audit
from receivables.storage.blobs import BlobStore
from receivables.storage.schema import Company, Debtor, Letter, Receivable
from receivables.storage.schema.legal import LetterDelivery, LimitationEvent

MAX_NOTE = 300


class DeliveryRefused(Refused):
    """The delivery cannot be recorded as given; nothing was written."""


class EventRefused(Refused):
    """The limitation event cannot be recorded as given; nothing was written."""


@dataclass(frozen=True, slots=True)
class Proof:
    """A proof file as read from disk: its name (for messages and the record) and its bytes."""

    name: str
    content: bytes


@dataclass(frozen=True, slots=True)
class DeliveryFact:
    """One recorded fact about a letter's journey, with whether it proves arrival."""

    id: int
    letter: str
    channel: str
    status: str
    sent_at: datetime | None
    delivered_on: date | None
    tracking_number: str | None
    signed_by: str | None
    proof_sha256: str | None
    proof_media_type: str | None
    proof_name: str | None
    recorded_by: str
    evidenced: bool
    evidence: str


@dataclass(frozen=True, slots=True)
class DeliveryOutcome:
    fact: DeliveryFact
    events: tuple[str, ...]  # item numbers whose limitation the delivery interrupted ("(all items)": debtor-wide)
    note: str


def _letter(session: Session, number: str) -> Letter:
    found = session.execute(select(Letter).where(Letter.number == number)).scalars().all()
    if not found:
        raise UnknownRecord(f"no letter numbered {number!r}")
    if len(found) > 1:
        raise DeliveryRefused(f"letter number {number!r} was issued by {len(found)} companies: cannot tell which")
    return found[0]


def _facts(session: Session, letter: Letter) -> list[LetterDelivery]:
    return list(session.execute(select(LetterDelivery).where(LetterDelivery.letter_id == letter.id)
                                .order_by(LetterDelivery.id)).scalars())


def _view(letter: Letter, row: LetterDelivery) -> DeliveryFact:
    evidence = delivery_evidence(row.delivered_on, row.proof_sha256)
    return DeliveryFact(row.id, letter.number, row.channel, row.status, row.sent_at, row.delivered_on,
                        row.tracking_number, row.signed_by, row.proof_sha256, row.proof_media_type, row.proof_name,
                        row.recorded_by, evidence.evidenced, evidence.reason)


def _sending_date(letter: Letter, facts: list[LetterDelivery], sent_on: date | None) -> date:
    """The sending date given, else the earliest recorded send, else the letter's date."""
    if sent_on is not None:
        return sent_on
    sends = [f.sent_at.date() for f in facts if f.sent_at is not None]
    return min(sends) if sends else letter.letter_date


def record_delivery(session: Session, *, letter_number: str, delivered_on: date, as_of: date, actor: str,
                    blobs: BlobStore, sent_on: date | None = None, channel: str | None = None,
                    proof: Proof | None = None, tracking_number: str | None = None,
                    signed_by: str | None = None) -> DeliveryOutcome:
    """Record that a letter arrived. With a proof file, a demand letter's delivery interrupts limitation
    (CN: SPC Limitation Rules Art. 8) for every item it lists, from the delivery date; without one it is kept
    as a claim of delivery that interrupts nothing. Everything is checked before anything is written."""
    letter = _letter(session, letter_number)
    facts = _facts(session, letter)
    chosen = channel or next((f.channel for f in reversed(facts)), None)
    if chosen is None:
        raise DeliveryRefused(f"letter {letter.number}: say how it was delivered with --channel")
    try:
        check_channel(chosen)
        sending = _sending_date(letter, facts, sent_on)
        check_dates(letter_date=letter.letter_date, sent_on=sending, delivered_on=delivered_on, as_of=as_of)
        media_type = check_proof(proof.content, proof.name) if proof is not None else None
    except DeliveryError as exc:
        raise DeliveryRefused(f"letter {letter.number}: {exc}") from None
    for field, value, limit in (("tracking number", tracking_number, 100), ("signed by", signed_by, 100)):
        if value is not None and (not value.strip() or len(value) > limit):
            raise DeliveryRefused(f"letter {letter.number}: {field} must be 1 to {limit} characters")
    already_evidenced = any(delivery_evidence(f.delivered_on, f.proof_sha256).evidenced for f in facts)
    proof_sha256 = blobs.put(proof.content) if proof is not None else None
    row_id = session.execute(insert(LetterDelivery).values(
        letter_id=letter.id, channel=chosen, status="delivered",
        sent_at=datetime.combine(sending, time()), tracking_number=tracking_number, delivered_on=delivered_on,
        signed_by=signed_by, proof_sha256=proof_sha256, proof_media_type=media_type,
        proof_name=proof.name[-200:] if proof is not None else None, recorded_by=actor,
    ).returning(LetterDelivery.id)).scalar_one()
    row = session.get_one(LetterDelivery, row_id)
    fact = _view(letter, row)
    interrupted, note = _interruption(session, letter, fact, already_evidenced, actor)
    audit.record(session, actor, "letter.deliver", "letter", letter.number, after={
        "delivery_id": row_id, "channel": chosen, "sent_on": sending.isoformat(),
        "delivered_on": delivered_on.isoformat(), "tracking_number": tracking_number, "signed_by": signed_by,
        "proof_sha256": proof_sha256, "proof_media_type": media_type, "evidenced": fact.evidenced,
        "limitation_events": list(interrupted)})
    return DeliveryOutcome(fact, interrupted, note)


def _interruption(session: Session, letter: Letter, fact: DeliveryFact, already_evidenced: bool,
                  actor: str) -> tuple[tuple[str, ...], str]:
    """The `demand` events an evidenced delivery creates, and a sentence saying what happened and why."""
    if not fact.evidenced:
        return (), f"not evidence of delivery: {fact.evidence}; limitation is not interrupted"
    if letter.template_kind not in DEMAND_KINDS:
        return (), (f"a {letter.template_kind} letter is not a demand for payment: its delivery does not "
                    "interrupt limitation")
    jurisdiction = session.execute(select(Company.jurisdiction).where(Company.id == letter.company_id)).scalar_one()
    if "demand" not in EVENT_KINDS.get(jurisdiction.upper(), ()):
        return (), f"under {jurisdiction} law a creditor's demand does not interrupt limitation"
    if already_evidenced:
        return (), "delivery of this letter was already evidenced: its limitation events exist"
    numbers = sorted({line["number"] for line in letter.data.get("items", [])
                      if line.get("kind") != "unapplied_payment" and _positive(line.get("open"))})
    receivables = session.execute(
        select(Receivable.id, Receivable.number)
        .where(Receivable.debtor_id == letter.debtor_id, Receivable.company_id == letter.company_id,
               Receivable.number.in_(numbers)).order_by(Receivable.number)).all() if numbers else []
    source = f"letter_delivery:{fact.id}"
    # Creditor-safe: the demand interrupts the items it names (each whole, SPC Limitation Rules Art. 9), not
    # other debts of the debtor. A letter naming no item on record (edited data) names the debtor's whole debt.
    targets: list[tuple[int | None, str]] = [(rid, number) for rid, number in receivables] or [(None, "(all items)")]
    session.execute(insert(LimitationEvent), [
        {"debtor_id": letter.debtor_id, "receivable_id": rid, "kind": "demand", "occurred_on": fact.delivered_on,
         "source": source, "note": f"letter {letter.number}"[:MAX_NOTE], "recorded_by": actor}
        for rid, _number in targets])
    return tuple(number for _rid, number in targets), (
        f"evidenced delivery of a demand on {fact.delivered_on}: limitation interrupted for "
        f"{len(targets)} item(s) (Civil Code Art. 195(1); SPC Limitation Rules Arts. 8-9)")


def _positive(value: Any) -> bool:
    try:
        return Decimal(str(value)) > 0
    except InvalidOperation:
        return False


def deliveries(session: Session, letter_number: str) -> tuple[Letter, list[DeliveryFact], list[LimitationEvent]]:
    """The letter, every delivery fact recorded for it, and the limitation events those facts created."""
    letter = _letter(session, letter_number)
    facts = [_view(letter, row) for row in _facts(session, letter)]
    sources = [f"letter_delivery:{fact.id}" for fact in facts]
    events = list(session.execute(select(LimitationEvent).where(LimitationEvent.source.in_(sources))
                                  .order_by(LimitationEvent.id)).scalars()) if sources else []
    return letter, facts, events


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    id: int
    debtor: str
    item: str | None
    kind: str
    occurred_on: date
    jurisdictions: tuple[str, ...]


def add_event(session: Session, *, debtor_code: str, kind: str, occurred_on: date, as_of: date, actor: str,
              item_number: str | None = None, note: str | None = None) -> RecordedEvent:
    """Record by hand an event that interrupts limitation (a written promise, a repayment plan, an agreement
    to pay after expiry...), for one item or the debtor's whole debt. The kind must be one the creditor's
    jurisdiction knows; for a debtor-wide event, every creditor company with items of the debtor."""
    debtor = session.execute(select(Debtor).where(Debtor.code == debtor_code)).scalar_one_or_none()
    if debtor is None:
        raise UnknownRecord(f"no debtor with code {debtor_code!r}")
    receivable_id = None
    if item_number is not None:
        found = session.execute(select(Receivable.id, Company.jurisdiction)
                                .join(Company, Company.id == Receivable.company_id)
                                .where(Receivable.debtor_id == debtor.id, Receivable.number == item_number)).first()
        if found is None:
            raise UnknownRecord(f"debtor {debtor_code} has no item numbered {item_number!r}")
        receivable_id, jurisdictions = found[0], {found[1]}
    else:
        jurisdictions = set(session.execute(select(Company.jurisdiction).distinct()
                                            .join(Receivable, Receivable.company_id == Company.id)
                                            .where(Receivable.debtor_id == debtor.id)).scalars())
        if not jurisdictions:
            jurisdictions = set(session.execute(select(Company.jurisdiction)
                                                .where(Company.is_default.is_(True))).scalars()) or {"CN"}
    for code in sorted(jurisdictions):
        try:
            check_event_kind(code, kind)
        except LimitationError as exc:
            raise EventRefused(f"{exc}; nothing was recorded") from None
    if occurred_on > as_of:
        raise EventRefused(f"{occurred_on} is in the future (today is {as_of}): record an event once it happened")
    if note is not None and len(note) > MAX_NOTE:
        raise EventRefused(f"the note has {len(note)} characters; at most {MAX_NOTE}")
    if kind == "demand" and not (note and note.strip()):
        raise EventRefused("a demand counts only when its delivery is evidenced: say what evidences it with --note "
                           "(a delivered letter records its demand itself: `receivables letters deliver`)")
    event_id = session.execute(insert(LimitationEvent).values(
        debtor_id=debtor.id, receivable_id=receivable_id, kind=kind, occurred_on=occurred_on, source="manual",
        note=note, recorded_by=actor).returning(LimitationEvent.id)).scalar_one()
    audit.record(session, actor, "limitation.event_add", "limitation_event", str(event_id), after={
        "debtor": debtor_code, "item": item_number, "kind": kind, "occurred_on": occurred_on.isoformat(),
        "note": note})
    return RecordedEvent(event_id, debtor_code, item_number, kind, occurred_on, tuple(sorted(jurisdictions)))
