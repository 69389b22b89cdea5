"""The debtor's personal links: making, listing, revoking and resolving them, and the answers given through them."""

from __future__ import annotations

import hashlib
import io
import secrets
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from receivables.domain.ledger import OpenItemLine
from receivables.domain.money import ZERO
from receivables.services.disputes import open_dispute
from receivables.services.errors import Refused, UnknownRecord
from receivables.services.orgmap import find_debtor
from receivables.services.promises import add_promise
from receivables.services.statement_responses import record_link_confirmation
from receivables.services.users import require_role
from receivables.storage import audit
from receivables.storage.blobs import BlobStore
from receivables.storage.frozen import frozen_value
from receivables.storage.queries.debtors import debtor_open_items
from receivables.storage.schema import Debtor, Letter, LetterFile
from receivables.storage.schema.debtor_links import DebtorAnswer, DebtorLink
from receivables.storage.schema.legal import LimitationEvent
from receivables.storage.schema.reconciliation import Statement, StatementResponse

DEFAULT_DAYS = 30
MAX_DAYS = 366
LINK_PREFIX = "/d/"
TOKEN_BYTES = 32
# Who makes, revokes and answers a debtor's personal links: collections staff and legal (who want the debtor's
# written acknowledgment); admin always may.
LINK_ROLES = ("finance", "legal")
ANSWER_KINDS = ("confirmed", "disputed", "ledger", "promise")
MAX_LEDGER_BYTES = 5 * 1024 * 1024
LEDGER_TYPES = {".csv": "text/csv", ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
INVALID_LINK = "unknown"  # reasons resolve_link gives: unknown, expired, revoked


class LinkRefused(Refused):
    """The link cannot be made, revoked or used as asked; nothing was written."""


class LinkInvalid(LinkRefused):
    """The token names no usable link: `reason` is unknown, expired or revoked (the web shows one answer for all)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class LinkView:
    id: int
    debtor: str
    debtor_name: str
    statement: str | None
    created_on: date
    expires_on: date
    revoked_on: date | None
    status: str  # active | expired | revoked
    created_by: str


@dataclass(frozen=True, slots=True)
class LinkAccess:
    """What one resolved link reaches: one debtor, and at most one of its statements."""

    link_id: int
    debtor_id: int
    debtor_code: str
    debtor_name: str
    statement_id: int | None
    expires_on: date

    @property
    def actor(self) -> str:
        return f"debtor-link:{self.link_id}"


@dataclass(frozen=True, slots=True)
class StatementView:
    number: str
    currency: str
    period_start: date
    period_end: date
    opening_balance: Decimal
    closing_balance: Decimal
    movements: tuple[dict[str, Any], ...]
    reply_due_on: date
    response: str | None
    has_pdf: bool


@dataclass(frozen=True, slots=True)
class PortalView:
    access: LinkAccess
    open_items: tuple[OpenItemLine, ...]
    totals: dict[str, Decimal]
    statement: StatementView | None


@dataclass(frozen=True, slots=True)
class AnswerView:
    id: int
    link_id: int
    debtor: str
    debtor_name: str
    kind: str
    answered_at: datetime
    client_address: str
    signer: str | None
    record: str | None
    file_sha256: str | None
    file_name: str | None
    detail: dict[str, Any]
    handled_at: datetime | None
    handled_by: str | None


@dataclass(frozen=True, slots=True)
class Arrival:
    """Where and when an answer came from (the web layer knows both)."""

    at: datetime
    address: str
    as_of: date


def token_sha256(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def public_url(url_path: str, base_url: str | None) -> str:
    """The link as the debtor sees it: `base_url` + path when the public address is known, else the path."""
    base = (base_url or "").strip().rstrip("/")
    return f"{base}{url_path}" if base else url_path


def _status(link: DebtorLink, as_of: date) -> str:
    if link.revoked_on is not None:
        return "revoked"
    return "expired" if as_of > link.expires_on else "active"


def _views(session: Session, links: Sequence[DebtorLink], as_of: date) -> list[LinkView]:
    debtor_ids = {link.debtor_id for link in links}
    statement_ids = {link.statement_id for link in links if link.statement_id is not None}
    debtors = {i: (c, n) for i, c, n in session.execute(
        select(Debtor.id, Debtor.code, Debtor.name).where(Debtor.id.in_(debtor_ids)))} if debtor_ids else {}
    numbers = dict(session.execute(select(Statement.id, Letter.number).join(Letter, Letter.id == Statement.letter_id)
                                   .where(Statement.id.in_(statement_ids))).all()) if statement_ids else {}
    return [LinkView(link.id, debtors[link.debtor_id][0], debtors[link.debtor_id][1],
                     numbers.get(link.statement_id) if link.statement_id else None, link.created_on,
                     link.expires_on, link.revoked_on, _status(link, as_of), link.created_by) for link in links]


def create_link(session: Session, code: str, *, statement_id: int | None = None, days: int = DEFAULT_DAYS,
                as_of: date, actor: str) -> tuple[str, LinkView]:
    """A new link for the debtor `code` (and one of its statements), valid through `as_of + days`.

    Returns the URL path `/d/<token>`: the token is random and only its SHA-256 is stored, so this is the
    only moment it can be read.
    """
    require_role(session, actor, LINK_ROLES, doing="making a debtor's personal link")
    return _create_link(session, code, statement_id=statement_id, days=days, as_of=as_of, actor=actor)


def _create_link(session: Session, code: str, *, statement_id: int | None, days: int, as_of: date,
                 actor: str) -> tuple[str, LinkView]:
    """`create_link` without the role check, for a mail whose sender was checked (or is the scheduler)."""
    if not 1 <= days <= MAX_DAYS:
        raise LinkRefused(f"a link is valid for 1 to {MAX_DAYS} days, not {days}")
    debtor = find_debtor(session, code)
    if statement_id is not None:
        owner = session.execute(select(Statement.debtor_id).where(Statement.id == statement_id)).scalar_one_or_none()
        if owner is None:
            raise UnknownRecord(f"no statement with id {statement_id}")
        if owner != debtor.id:
            raise LinkRefused(f"statement {statement_id} is not addressed to debtor {debtor.code}")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    link = DebtorLink(token_sha256=token_sha256(token), debtor_id=debtor.id, statement_id=statement_id,
                      created_on=as_of, expires_on=as_of + timedelta(days=days), created_by=actor)
    session.add(link)
    session.flush()
    view = _views(session, [link], as_of)[0]
    audit.record(session, actor, "debtor_link.create", "debtor_link", str(link.id), after={
        "debtor": debtor.code, "statement": view.statement, "expires_on": link.expires_on})
    return f"{LINK_PREFIX}{token}", view


def revoke_link(session: Session, link_id: int, *, as_of: date, actor: str) -> LinkView:
    """Withdraw a link from `as_of` on; a link already revoked is refused (nothing changes)."""
    require_role(session, actor, LINK_ROLES, doing="revoking a debtor's personal link")
    link = session.get(DebtorLink, link_id)
    if link is None:
        raise UnknownRecord(f"no debtor link #{link_id}")
    if link.revoked_on is not None:
        raise LinkRefused(f"link #{link_id} was already revoked on {link.revoked_on} by {link.revoked_by}")
    link.revoked_on, link.revoked_by = as_of, actor
    session.flush()
    audit.record(session, actor, "debtor_link.revoke", "debtor_link", str(link.id),
                 before={"revoked_on": None}, after={"revoked_on": as_of})
    return _views(session, [link], as_of)[0]


def list_links(session: Session, *, as_of: date, debtor_code: str | None = None) -> list[LinkView]:
    """Every link (of one debtor, if given), newest first, with its state on `as_of`."""
    query = select(DebtorLink).order_by(DebtorLink.id.desc())
    if debtor_code is not None:
        query = query.where(DebtorLink.debtor_id == find_debtor(session, debtor_code).id)
    return _views(session, list(session.execute(query).scalars()), as_of)


def resolve_link(session: Session, token: str, as_of: date) -> LinkAccess:
    """What the token reaches on `as_of`; an unknown, expired or revoked link is refused with that reason."""
    link = session.execute(select(DebtorLink).where(DebtorLink.token_sha256 == token_sha256(token.strip()))
                           ).scalar_one_or_none() if token and len(token) <= 100 else None
    if link is None:
        raise LinkInvalid("unknown", "no such link")
    if link.revoked_on is not None:
        raise LinkInvalid("revoked", f"link #{link.id} was revoked on {link.revoked_on}")
    if as_of > link.expires_on:
        raise LinkInvalid("expired", f"link #{link.id} expired after {link.expires_on}")
    code, name = session.execute(select(Debtor.code, Debtor.name).where(Debtor.id == link.debtor_id)).one()
    return LinkAccess(link.id, link.debtor_id, code, name, link.statement_id, link.expires_on)


def portal_view(session: Session, token: str, as_of: date) -> PortalView:
    """What the debtor sees through the link: its open items, their totals, and the link's statement."""
    access = resolve_link(session, token, as_of)
    items = tuple(debtor_open_items(session, access.debtor_id, as_of))
    return PortalView(access, items, _totals(items), _statement_view(session, access))


def _totals(items: Sequence[OpenItemLine]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for item in items:
        totals[item.currency] = totals.get(item.currency, ZERO) + item.open_amount
    return totals


def _statement_view(session: Session, access: LinkAccess) -> StatementView | None:
    if access.statement_id is None:
        return None
    statement, letter = session.execute(
        select(Statement, Letter).join(Letter, Letter.id == Statement.letter_id)
        .where(Statement.id == access.statement_id, Statement.debtor_id == access.debtor_id)).one()
    response = session.execute(select(StatementResponse.kind).where(
        StatementResponse.statement_id == statement.id)).scalar_one_or_none()
    has_pdf = session.execute(select(func.count()).select_from(LetterFile).where(
        LetterFile.letter_id == letter.id, LetterFile.format == "pdf")).scalar_one() > 0
    return StatementView(letter.number, statement.currency, statement.period_start, statement.period_end,
                         statement.opening_balance, statement.closing_balance,
                         tuple(letter.data.get("movements", ())), statement.reply_due_on, response, has_pdf)


def statement_pdf(session: Session, token: str, as_of: date, blobs: BlobStore) -> tuple[str, bytes]:
    """The PDF of the link's statement as (download name, bytes); refused when the link has no statement."""
    access = resolve_link(session, token, as_of)
    if access.statement_id is None:
        raise UnknownRecord("this link is not for a statement")
    number, sha = session.execute(
        select(Letter.number, LetterFile.sha256).join(Statement, Statement.letter_id == Letter.id)
        .join(LetterFile, LetterFile.letter_id == Letter.id)
        .where(Statement.id == access.statement_id, Statement.debtor_id == access.debtor_id,
               LetterFile.format == "pdf")).one()
    return f"statement-{_safe_name(number, 80)}.pdf", blobs.get(sha)


def _safe_name(name: str, limit: int) -> str:
    """A name for display and downloads only: the last path part, without control or path characters."""
    last = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(ch for ch in last if ch.isprintable() and ch not in '<>:"|?*').strip(" .")
    return cleaned[:limit] or "file"


def _record_answer(session: Session, access: LinkAccess, arrival: Arrival, kind: str, detail: dict[str, Any], *,
                   signer: str | None = None, record: str | None = None, statement_id: int | None = None,
                   file_sha256: str | None = None, file_name: str | None = None) -> AnswerView:
    answer_id = session.execute(insert(DebtorAnswer).values(
        link_id=access.link_id, debtor_id=access.debtor_id, statement_id=statement_id, kind=kind,
        answered_at=arrival.at, answered_on=arrival.as_of, client_address=arrival.address[:64], signer=signer,
        record=record, file_sha256=file_sha256, file_name=file_name, detail=frozen_value(detail),
    ).returning(DebtorAnswer.id)).scalar_one()
    audit.record(session, access.actor, f"debtor_answer.{kind}", "debtor_answer", str(answer_id), after={
        "debtor": access.debtor_code, "link": access.link_id, "address": arrival.address, "record": record,
        "signer": signer, "file_sha256": file_sha256, **detail})
    return list_answers(session, answer_id=answer_id)[0]


def _required(value: str, what: str, limit: int) -> str:
    text = " ".join((value or "").split())
    if not text:
        raise LinkRefused(f"{what} is required")
    if len(text) > limit:
        raise LinkRefused(f"{what} is longer than {limit} characters")
    return text


def confirm_balance(session: Session, token: str, *, signer: str, arrival: Arrival, blobs: BlobStore) -> AnswerView:
    """The debtor confirms the balance: the debtor's acknowledgment of the debt on that day.

    For a statement link it is the statement's `confirmed` response (the receipt of this confirmation, a
    PDF, stands for the signed slip); otherwise the open balance per currency is acknowledged directly.
    """
    access = resolve_link(session, token, arrival.as_of)
    name = _required(signer, "the name of who confirms", 100)
    if access.statement_id is not None:
        number = session.execute(select(Letter.number).join(Statement, Statement.letter_id == Letter.id)
                                 .where(Statement.id == access.statement_id)).scalar_one()
        receipt = _receipt_pdf(access, number, name, arrival)
        response = record_link_confirmation(
            session, access, number, responded_on=arrival.as_of, blobs=blobs, signer=name, receipt=receipt,
            receipt_name=f"online-confirmation-{number}.pdf",
            notes=f"confirmed online through link #{access.link_id} from {arrival.address}")
        return _record_answer(session, access, arrival, "confirmed", {
            "statement": number, "balance": response.our_balance, "limitation_event": response.limitation_event_id},
            signer=name, record=f"statement_response:{response.id}", statement_id=access.statement_id,
            file_sha256=response.slip_sha256, file_name=f"online-confirmation-{number}.pdf")
    totals = portal_view(session, token, arrival.as_of).totals
    if not totals:
        raise LinkRefused("there is no open balance to confirm")
    balance = "; ".join(f"{currency} {amount}" for currency, amount in sorted(totals.items()))
    answer = _record_answer(session, access, arrival, "confirmed", {"balances": totals}, signer=name)
    event_id = session.execute(insert(LimitationEvent).values(
        debtor_id=access.debtor_id, receivable_id=None, kind="acknowledgment", occurred_on=arrival.as_of,
        source=f"debtor_answer:{answer.id}", note=f"open balance confirmed online by {name}: {balance}"[:300],
        recorded_by=access.actor).returning(LimitationEvent.id)).scalar_one()
    session.execute(update(DebtorAnswer).where(DebtorAnswer.id == answer.id)
                    .values(record=f"limitation_event:{event_id}"))
    return list_answers(session, answer_id=answer.id)[0]


def _receipt_pdf(access: LinkAccess, number: str, signer: str, arrival: Arrival) -> bytes:
    """A one-page receipt of an online confirmation: the evidence kept in place of a signed slip."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4, invariant=1)
    page.setFont("STSong-Light", 12)
    lines = ["余额确认回执 Balance confirmation receipt", "",
             f"对账单 Statement: {number}", f"客户 Debtor: {access.debtor_code} {access.debtor_name}",
             f"确认人 Confirmed by: {signer}", f"时间 Time (UTC): {arrival.at.isoformat(timespec='seconds')}",
             f"来源地址 From address: {arrival.address}", f"专属链接 Personal link: #{access.link_id}"]
    for row, text in enumerate(lines):
        page.drawString(60, 780 - row * 22, text)
    page.showPage()
    page.save()
    return buffer.getvalue()


def dispute_items(session: Session, token: str, numbers: Sequence[str], *, reason: str, arrival: Arrival) -> AnswerView:
    """The debtor disputes some of its open items (all of each item's open amount), giving the reason."""
    access = resolve_link(session, token, arrival.as_of)
    chosen = list(dict.fromkeys(n.strip() for n in numbers if n.strip()))
    if not chosen:
        raise LinkRefused("tick at least one item you dispute")
    text = _required(reason, "the reason", 2000)
    dispute = open_dispute(session, access.debtor_code, [(n, None) for n in chosen], reason=text,
                           opened_on=arrival.as_of, actor=access.actor)
    return _record_answer(session, access, arrival, "disputed", {"items": chosen, "reason": text},
                          record=f"dispute:{dispute.id}", statement_id=access.statement_id)


def promise_to_pay(session: Session, token: str, *, amount: Decimal, promised_on: date, arrival: Arrival,
                   currency: str = "CNY", note: str | None = None) -> AnswerView:
    """The debtor promises to pay `amount` by `promised_on`."""
    access = resolve_link(session, token, arrival.as_of)
    promise = add_promise(session, access.debtor_code, amount=amount, promised_on=promised_on, as_of=arrival.as_of,
                          actor=access.actor, currency=currency, note=(note or "").strip()[:300] or None)
    return _record_answer(session, access, arrival, "promise", {
        "amount": promise.amount, "currency": promise.currency, "promised_on": promised_on},
        record=f"promise:{promise.id}", statement_id=access.statement_id)


def ledger_kind(content: bytes, name: str) -> str:
    """The uploaded ledger's type from its content (`.csv` or `.xlsx`); anything else is refused, naming it."""
    shown = _safe_name(name, 80)
    if not content:
        raise LinkRefused(f"{shown} is empty")
    if len(content) > MAX_LEDGER_BYTES:
        raise LinkRefused(f"{shown} is larger than {MAX_LEDGER_BYTES // (1024 * 1024)} MB")
    if content.startswith(b"PK\x03\x04"):
        return ".xlsx"
    if b"\x00" not in content[:65536]:
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                content.decode(encoding)
                return ".csv"
            except UnicodeDecodeError:
                continue
    raise LinkRefused(f"{shown} is not a CSV or XLSX file")


def upload_ledger(session: Session, token: str, content: bytes, file_name: str, *, arrival: Arrival,
                  blobs: BlobStore) -> AnswerView:
    """The debtor's own ledger: stored by its SHA-256 (the name it had is kept for display only) and matched
    against ours when it can be read; a file that cannot be matched is still kept for a person to look at."""
    access = resolve_link(session, token, arrival.as_of)
    suffix = ledger_kind(content, file_name)
    shown = _safe_name(file_name, 200)
    sha = blobs.put(content)
    detail: dict[str, Any] = {"size": len(content), "type": suffix.lstrip("."), "match": _match(
        session, access, content, suffix, arrival.as_of)}
    return _record_answer(session, access, arrival, "ledger", detail, statement_id=access.statement_id,
                          file_sha256=sha, file_name=shown)


def _match(session: Session, access: LinkAccess, content: bytes, suffix: str, as_of: date) -> dict[str, Any]:
    """The match summary, or why there is none (the file is never opened under the name it came with)."""
    from receivables.services.reconcile import match_debtor_ledger

    with tempfile.TemporaryDirectory(prefix="debtor-ledger-") as folder:
        path = Path(folder) / f"their-ledger{suffix}"
        path.write_bytes(content)
        try:
            with session.begin_nested():
                run = match_debtor_ledger(session, access.debtor_code, path, as_of=as_of, actor=access.actor,
                                          currency=_main_currency(session, access, as_of))
        except (Refused, ValueError) as exc:
            return {"status": "not_matched", "reason": str(exc).replace(str(path), "their ledger")[:300]}
    result = run.result
    return {"status": "matched", "currency": run.currency, "our_balance": result.our_balance,
            "their_balance": result.their_balance, "difference": result.difference,
            "matched": len(result.matched), "only_ours": len(result.only_ours),
            "only_theirs": len(result.only_theirs), "differences": len(result.differences)}


def _main_currency(session: Session, access: LinkAccess, as_of: date) -> str | None:
    """The currency to match in: the statement's, else the one the debtor owes most in (None: let the match
    decide)."""
    if access.statement_id is not None:
        return session.execute(select(Statement.currency).where(Statement.id == access.statement_id)).scalar_one()
    totals = _totals(debtor_open_items(session, access.debtor_id, as_of))
    return max(totals, key=lambda currency: totals[currency]) if totals else None


def list_answers(session: Session, *, state: str = "all", kind: str | None = None, debtor_code: str | None = None,
                 answer_id: int | None = None, limit: int = 500) -> list[AnswerView]:
    """Answers for the inbox, newest first: `state` open (not handled yet), handled or all."""
    query = (select(DebtorAnswer, Debtor.code, Debtor.name).join(Debtor, Debtor.id == DebtorAnswer.debtor_id)
             .order_by(DebtorAnswer.answered_at.desc(), DebtorAnswer.id.desc()).limit(limit))
    if state == "open":
        query = query.where(DebtorAnswer.handled_at.is_(None))
    elif state == "handled":
        query = query.where(DebtorAnswer.handled_at.is_not(None))
    if kind is not None:
        query = query.where(DebtorAnswer.kind == kind)
    if debtor_code is not None:
        query = query.where(Debtor.code == debtor_code)
    if answer_id is not None:
        query = query.where(DebtorAnswer.id == answer_id)
    return [AnswerView(a.id, a.link_id, code, name, a.kind, a.answered_at, a.client_address, a.signer, a.record,
                       a.file_sha256, a.file_name, dict(a.detail), a.handled_at, a.handled_by)
            for a, code, name in session.execute(query)]


def mark_handled(session: Session, answer_id: int, *, at: datetime, actor: str, note: str | None = None) -> AnswerView:
    """Someone in finance, legal or administration has dealt with the answer; it leaves the open inbox."""
    require_role(session, actor, LINK_ROLES, doing="marking a debtor's answer handled")
    answer = session.get(DebtorAnswer, answer_id)
    if answer is None:
        raise UnknownRecord(f"no debtor answer #{answer_id}")
    if answer.handled_at is not None:
        raise LinkRefused(f"answer #{answer_id} was already handled by {answer.handled_by}")
    answer.handled_at, answer.handled_by, answer.note = at, actor, (note or "").strip()[:2000] or None
    session.flush()
    audit.record(session, actor, "debtor_answer.handled", "debtor_answer", str(answer_id),
                 before={"handled_at": None}, after={"handled_at": at, "note": answer.note})
    return list_answers(session, answer_id=answer_id)[0]


def link_for_mail(session: Session, code: str, *, as_of: date, actor: str, base_url: str | None,
                  statement_id: int | None = None, days: int = DEFAULT_DAYS) -> str | None:
    """A fresh personal link for an e-mail (statement or demand), or None without a public address."""
    if not (base_url or "").strip():
        return None
    # Sending the statement or the dunning step that carries the link was what needed a role.
    path, _ = _create_link(session, code, statement_id=statement_id, days=days, as_of=as_of, actor=actor)
    return public_url(path, base_url)


MAIL_PARAGRAPH = {
    "zh_CN": "您也可以通过以下专属链接在线查看未清项目、确认余额、提出异议或约定付款（{days} 天内有效）：\n{url}",
    "en": "You can also view the open items, confirm the balance, dispute items or promise a payment online through "
          "your personal link (valid for {days} days):\n{url}",
}


def mail_paragraph(url: str, locale: str, days: int = DEFAULT_DAYS) -> str:
    return MAIL_PARAGRAPH.get(locale, MAIL_PARAGRAPH["en"]).format(url=url, days=days)
