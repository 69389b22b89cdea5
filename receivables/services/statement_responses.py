"""After a statement is issued: the debtor's response, statements awaiting one, the list, the schedule."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from receivables.domain.statements import FREQUENCIES, Period, scheduled_day
from receivables.services.errors import Refused, UnknownRecord
from receivables.services.users import require_role
from receivables.storage import audit
from receivables.storage.blobs import BlobStore
from receivables.storage.queries.debtors import find_debtor
from receivables.storage.schema import Debtor, Letter
from receivables.storage.schema.legal import LetterDelivery, LimitationEvent
from receivables.storage.schema.reconciliation import Statement, StatementResponse

if TYPE_CHECKING:
    from receivables.services.debtor_links import LinkAccess

RESPONSE_KINDS = ("confirmed", "disputed")
RESPONSE_ROLES = ("finance",)
"""Who records a debtor's response to a statement and sets when it gets one (admin always may); the same as
`statements.STATEMENT_ROLES`."""
MAX_SLIP_BYTES = 20 * 1024 * 1024
# A signed slip comes back as a scan or a photo: PDF or an image, recognised by its first bytes.
_SLIP_SIGNATURES = ((b"%PDF-", "application/pdf"), (b"\x89PNG\r\n\x1a\n", "image/png"),
                    (b"\xff\xd8\xff", "image/jpeg"), (b"II*\x00", "image/tiff"), (b"MM\x00*", "image/tiff"))


class ResponseRefused(Refused):
    """The response cannot be recorded as given."""


@dataclass(frozen=True, slots=True)
class RecordedResponse:
    id: int
    number: str
    debtor: str
    kind: str
    responded_on: date
    their_balance: Decimal | None
    our_balance: Decimal
    slip_sha256: str | None
    limitation_event_id: int | None


@dataclass(frozen=True, slots=True)
class StatementRow:
    id: int
    number: str
    debtor: str
    debtor_name: str
    currency: str
    period_start: date
    period_end: date
    opening_balance: Decimal
    closing_balance: Decimal
    issued_on: date
    reply_due_on: date
    delivery: str
    email: str  # sent | failed | not_sent | — (print)
    response: str | None
    responded_on: date | None


def slip_media_type(content: bytes, name: str) -> str:
    """The slip's media type from its content; anything but a PDF or an image is refused, naming the file."""
    if not content:
        raise ResponseRefused(f"slip {name} is empty")
    if len(content) > MAX_SLIP_BYTES:
        raise ResponseRefused(f"slip {name} is larger than {MAX_SLIP_BYTES // (1024 * 1024)} MB")
    for signature, media_type in _SLIP_SIGNATURES:
        if content.startswith(signature):
            return media_type
    raise ResponseRefused(f"slip {name} is not a PDF or an image (PNG, JPEG, TIFF): scan the signed slip to one")


def find_statement(session: Session, number: str) -> tuple[Statement, Letter]:
    rows = session.execute(select(Statement, Letter).join(Letter, Letter.id == Statement.letter_id)
                           .where(Letter.number == number.strip())).all()
    if not rows:
        raise UnknownRecord(f"no statement numbered {number!r}")
    if len(rows) > 1:
        raise ResponseRefused(f"statement number {number!r} exists for several of our companies")
    statement, letter = rows[0]
    return statement, letter


def record_response(session: Session, number: str, *, kind: str, responded_on: date, actor: str, blobs: BlobStore,
                    signer: str | None = None, slip: bytes | None = None, slip_name: str | None = None,
                    their_balance: Decimal | None = None, notes: str | None = None) -> RecordedResponse:
    """Record the debtor's answer to a statement; one answer per statement, never changed.

    Only a user with the finance role may (admin always may). `confirmed` needs the date, the signer and the
    signed slip (stored by SHA-256); it is the debtor's acknowledgment of the debt on that date, recorded as
    a limitation event citing this response. `disputed` needs the balance the debtor's books show and their
    notes.
    """
    require_role(session, actor, RESPONSE_ROLES, doing="recording a debtor's response to a statement")
    return _record_response(session, number, kind=kind, responded_on=responded_on, actor=actor, blobs=blobs,
                            signer=signer, slip=slip, slip_name=slip_name, their_balance=their_balance, notes=notes)


def record_link_confirmation(session: Session, access: LinkAccess, number: str, *, responded_on: date,
                             blobs: BlobStore, signer: str, receipt: bytes, receipt_name: str,
                             notes: str) -> RecordedResponse:
    """The debtor's own confirmation through its personal link (`debtor_links.confirm_balance`), recorded as a
    `confirmed` response by the link (`debtor-link:<id>`), with the receipt PDF as its slip.

    No user's role is checked: the debtor answers for itself, and the resolved link is its authority; the
    link must be the one for this very statement.
    """
    statement, _ = find_statement(session, number)
    if access.statement_id != statement.id:
        raise ResponseRefused(f"link #{access.link_id} does not reach statement {number}")
    return _record_response(session, number, kind="confirmed", responded_on=responded_on, actor=access.actor,
                            blobs=blobs, signer=signer, slip=receipt, slip_name=receipt_name, notes=notes)


def _record_response(session: Session, number: str, *, kind: str, responded_on: date, actor: str,
                     blobs: BlobStore, signer: str | None = None, slip: bytes | None = None,
                     slip_name: str | None = None, their_balance: Decimal | None = None,
                     notes: str | None = None) -> RecordedResponse:
    if kind not in RESPONSE_KINDS:
        raise ResponseRefused(f"response {kind!r} is not one of {', '.join(RESPONSE_KINDS)}")
    statement, letter = find_statement(session, number)
    if responded_on < statement.issued_on:
        raise ResponseRefused(f"response date {responded_on} is before statement {number} was issued "
                              f"({statement.issued_on})")
    earlier = session.execute(select(StatementResponse.kind, StatementResponse.responded_on)
                              .where(StatementResponse.statement_id == statement.id)).first()
    if earlier is not None:
        raise ResponseRefused(f"statement {number} already has a response ({earlier[0]} on {earlier[1]}); "
                              "a changed answer needs a new statement")
    slip_sha: str | None = None
    media_type: str | None = None
    if kind == "confirmed":
        if not (signer or "").strip():
            raise ResponseRefused("a confirmation needs the name of who signed the slip (--signer)")
        if slip is None:
            raise ResponseRefused("a confirmation needs the signed slip (--slip FILE, a PDF or an image)")
        media_type = slip_media_type(slip, slip_name or "slip")
        if their_balance is not None and their_balance != statement.closing_balance:
            raise ResponseRefused(f"a confirmation agrees with our balance {statement.closing_balance}; "
                                  f"{their_balance} is a dispute (--disputed)")
        their_balance = statement.closing_balance
    else:
        if their_balance is None:
            raise ResponseRefused("a dispute needs the balance the debtor's books show (--their-balance)")
        if not (notes or "").strip():
            raise ResponseRefused("a dispute needs the debtor's notes on the difference (--notes)")
        if slip is not None:
            media_type = slip_media_type(slip, slip_name or "slip")
    if slip is not None:
        slip_sha = blobs.put(slip)
    response_id = session.execute(insert(StatementResponse).values(
        statement_id=statement.id, kind=kind, responded_on=responded_on, signer=(signer or "").strip() or None,
        their_balance=their_balance, notes=(notes or "").strip() or None, slip_sha256=slip_sha,
        slip_media_type=media_type, slip_name=slip_name, recorded_by=actor,
    ).returning(StatementResponse.id)).scalar_one()
    event_id = None
    if kind == "confirmed":
        event_id = session.execute(insert(LimitationEvent).values(
            debtor_id=statement.debtor_id, receivable_id=None, kind="acknowledgment", occurred_on=responded_on,
            source=f"statement_response:{response_id}",
            note=f"balance confirmed on statement {number}: {statement.currency} {statement.closing_balance}"[:300],
            recorded_by=actor,
        ).returning(LimitationEvent.id)).scalar_one()
    debtor_code = session.execute(select(Debtor.code).where(Debtor.id == statement.debtor_id)).scalar_one()
    audit.record(session, actor, f"statement.{kind}", "statement", letter.number, after={
        "responded_on": responded_on, "signer": signer, "their_balance": their_balance, "notes": notes,
        "slip_sha256": slip_sha, "limitation_event": event_id})
    return RecordedResponse(response_id, letter.number, debtor_code, kind, responded_on, their_balance,
                            statement.closing_balance, slip_sha, event_id)


def list_statements(session: Session, *, period: Period | None = None, debtor_code: str | None = None,
                    awaiting_since: date | None = None) -> list[StatementRow]:
    """Issued statements with their e-mail status and response, newest period first.

    With `awaiting_since`, only statements issued on or before that date that have no response yet.
    """
    sent = (select(LetterDelivery.letter_id, func.max(LetterDelivery.status).label("status"))
            .where(LetterDelivery.channel == "email").group_by(LetterDelivery.letter_id).subquery())
    # 'sent' sorts after 'failed': max(status) is 'sent' once any attempt was accepted.
    query = (select(Statement, Letter.number, Debtor.code, Debtor.name, sent.c.status, StatementResponse.kind,
                    StatementResponse.responded_on)
             .join(Letter, Letter.id == Statement.letter_id).join(Debtor, Debtor.id == Statement.debtor_id)
             .outerjoin(sent, sent.c.letter_id == Statement.letter_id)
             .outerjoin(StatementResponse, StatementResponse.statement_id == Statement.id))
    if period is not None:
        query = query.where(Statement.period_start == period.start, Statement.period_end == period.end)
    if debtor_code is not None:
        query = query.where(Debtor.code == debtor_code)
    if awaiting_since is not None:
        query = query.where(Statement.issued_on <= awaiting_since, StatementResponse.id.is_(None))
    rows = session.execute(query.order_by(Statement.period_end.desc(), Debtor.code, Statement.currency))
    result = []
    for statement, number, code, name, email, response, responded_on in rows:
        status = email or ("not_sent" if statement.delivery == "email" else "-")
        result.append(StatementRow(statement.id, number, code, name, statement.currency, statement.period_start,
                                   statement.period_end, statement.opening_balance, statement.closing_balance,
                                   statement.issued_on, statement.reply_due_on, statement.delivery, status,
                                   response, responded_on))
    return result


def awaiting_reply(session: Session, *, as_of: date, days: int) -> list[StatementRow]:
    """Statements with no response more than `days` after they were issued: a reminder is proposed for each."""
    if days < 0:
        raise ResponseRefused(f"--days must be 0 or more, got {days}")
    return list_statements(session, awaiting_since=as_of - timedelta(days=days + 1))


def set_schedule(session: Session, code: str, *, frequency: str, day: int | None, actor: str) -> dict[str, Any]:
    """Set how often and on which day a debtor gets its statement; the change is audited."""
    require_role(session, actor, RESPONSE_ROLES, doing="changing a debtor's statement schedule")
    if frequency not in FREQUENCIES:
        raise ResponseRefused(f"frequency {frequency!r} is not one of {', '.join(FREQUENCIES)}")
    debtor = find_debtor(session, code)
    if debtor is None:
        raise UnknownRecord(f"no debtor with code {code!r}")
    new_day = debtor.reconciliation_day if day is None else day
    if not 1 <= new_day <= 31:
        raise ResponseRefused(f"--day must be 1 to 31 (29-31 fall on the last day of a shorter month), got {day}")
    before = {"frequency": debtor.reconciliation_frequency, "day": debtor.reconciliation_day}
    debtor.reconciliation_frequency, debtor.reconciliation_day = frequency, new_day
    after = {"frequency": frequency, "day": new_day}
    audit.record(session, actor, "debtor.reconciliation_schedule", "debtor", debtor.code, before=before, after=after)
    return {"debtor": debtor.code, **after}


def next_statement_day(frequency: str, day: int, after: date) -> date | None:
    """The next day on or after `after` when the debtor's statement falls due (None without a schedule)."""
    if frequency == "none":
        return None
    probe = after
    for _ in range(13):
        scheduled = scheduled_day(frequency, day, probe)
        if scheduled >= after:
            return scheduled
        probe = date(probe.year + (probe.month == 12), probe.month % 12 + 1, 1)
    return None


def debtor_schedules(session: Session, codes: Sequence[str] | None = None) -> list[tuple[str, str, int]]:
    query = select(Debtor.code, Debtor.reconciliation_frequency, Debtor.reconciliation_day).order_by(Debtor.code)
    if codes:
        query = query.where(Debtor.code.in_(list(codes)))
    return [(c, f, d) for c, f, d in session.execute(query)]
