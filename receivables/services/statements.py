"""Issuing statements of account: one per creditor, debtor, currency and period; numbered, frozen, e-mailed."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from letters import TemplateCatalog
from receivables.config import Settings
from receivables.domain.money import ZERO
from receivables.domain.numbering import format_letter_number
from receivables.domain.statements import (
    Period,
    StatementOfAccount,
    describe,
    period_due,
    statement_of_account,
)
from receivables.services.debtor_links import link_for_mail, mail_paragraph
from receivables.services.errors import Refused, UnknownRecord
from receivables.services.letters import (
    creditor_company,
    LetterDraft,
    recipient_fields,
    render_drafts,
    require_fields,
    store_letter,
    catalog_for,
)
from receivables.services.mail import Attachment, OutgoingMail, SmtpSettings, send_mail
from receivables.services.users import require_role
from receivables.storage import audit
from receivables.storage.blobs import BlobStore
from receivables.storage.database import unit_of_work
from receivables.storage.frozen import frozen_value
from receivables.storage.numbering import next_sequence
from receivables.storage.queries.statements import statement_entries
from receivables.storage.schema import Company, Contact, Debtor, Letter, LetterFile
from receivables.storage.schema.base import utc_now
from receivables.storage.schema.legal import LetterDelivery
from receivables.storage.schema.reconciliation import Statement

TEMPLATE = "statement"
DEFAULT_REPLY_DAYS = 15
DELIVERIES = ("email", "print")
STATEMENT_ROLES = ("finance",)
"""Who issues and sends statements and records the debtor's response (admin always may)."""
_MEDIA_TYPES = {"pdf": "application/pdf",
                "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


class StatementRefused(Refused):
    """The statements cannot be issued or sent as asked."""


@dataclass(frozen=True, slots=True)
class StatementSettings:
    """Reconciliation settings from the environment: who is copied, how long the debtor has to reply."""

    cc: tuple[str, ...] = ()
    reply_days: int = DEFAULT_REPLY_DAYS
    locale: str = "zh_CN"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> StatementSettings:
        cc = tuple(a.strip() for a in (env.get("RECEIVABLES_STATEMENT_CC") or "").split(",") if a.strip())
        days_text = (env.get("RECEIVABLES_STATEMENT_REPLY_DAYS") or "").strip()
        if days_text and (not days_text.isdigit() or not 1 <= int(days_text) <= 365):
            raise StatementRefused(f"RECEIVABLES_STATEMENT_REPLY_DAYS={days_text!r}: expected 1 to 365 days")
        locale = (env.get("RECEIVABLES_STATEMENT_LOCALE") or "zh_CN").strip()
        if locale not in ("zh_CN", "en"):
            raise StatementRefused(f"RECEIVABLES_STATEMENT_LOCALE={locale!r}: expected zh_CN or en")
        return cls(cc, int(days_text) if days_text else DEFAULT_REPLY_DAYS, locale)


@dataclass(frozen=True, slots=True)
class IssuedStatement:
    id: int
    number: str
    debtor: str
    currency: str
    period: str
    opening_balance: Any
    closing_balance: Any
    movements: int
    delivery: str
    files: Mapping[str, str]  # format -> SHA-256


@dataclass(frozen=True, slots=True)
class StatementBatch:
    issued: tuple[IssuedStatement, ...]
    already_issued: tuple[int, ...]  # statement ids of this period that existed before
    nothing_to_state: tuple[str, ...]  # debtor codes with no balance and no movement


@dataclass(frozen=True, slots=True)
class SendOutcome:
    statement_id: int
    number: str
    debtor: str
    status: str  # sent | failed
    recipient: str | None
    message_id: str | None
    error: str | None


@dataclass(frozen=True, slots=True)
class _Account:
    creditor: Company
    debtor: Debtor
    currency: str
    statement: StatementOfAccount


def _selected_debtors(session: Session, debtor_codes: Sequence[str] | None) -> list[Debtor]:
    """The named debtors (all must exist), or every debtor that reconciles on a schedule."""
    if debtor_codes is None:
        return list(session.execute(select(Debtor).where(Debtor.reconciliation_frequency != "none")
                                    .order_by(Debtor.code)).scalars())
    codes = list(dict.fromkeys(debtor_codes))
    found = {d.code: d for d in session.execute(select(Debtor).where(Debtor.code.in_(codes))).scalars()}
    missing = [c for c in codes if c not in found]
    if missing:
        raise UnknownRecord(f"no debtor with code {', '.join(repr(c) for c in missing)}")
    return [found[c] for c in codes]


def _accounts(session: Session, debtors: Sequence[Debtor], period: Period,
              company: str | None) -> list[_Account]:
    creditor_filter = creditor_company(session, company) if company else None
    openings, movements = statement_entries(session, [d.id for d in debtors], period,
                                            creditor_filter.id if creditor_filter else None)
    by_id = {d.id: d for d in debtors}
    creditors = {c.id: c for c in session.execute(select(Company)).scalars()}
    accounts = []
    for key in sorted(set(openings) | set(movements), key=lambda k: (by_id[k[1]].code, k[0], k[2])):
        company_id, debtor_id, currency = key
        statement = statement_of_account(period, openings.get(key, ZERO), movements.get(key, []))
        if not statement.is_empty:
            accounts.append(_Account(creditors[company_id], by_id[debtor_id], currency, statement))
    return accounts


def _existing(session: Session, debtors: Sequence[Debtor], period: Period) -> dict[tuple[int, int, str], int]:
    rows = session.execute(select(Statement.company_id, Statement.debtor_id, Statement.currency, Statement.id)
                           .where(Statement.debtor_id.in_([d.id for d in debtors]),
                                  Statement.period_start == period.start, Statement.period_end == period.end))
    return {(c, d, cur): sid for c, d, cur, sid in rows}


def statement_data(account: _Account, session: Session, *, as_of: date, locale: str, reply_days: int,
                   blobs: BlobStore) -> dict[str, Any]:
    """What the statement template sees, frozen (exact amount strings, ISO dates), without its number."""
    creditor, debtor, statement = account.creditor, account.debtor, account.statement
    letterhead: dict[str, Any] = {"name": creditor.name, "address": creditor.address or "",
                                  "phone": creditor.phone or ""}
    if creditor.logo_sha256:
        letterhead["logo"] = str(blobs.path_for(creditor.logo_sha256))
    data: dict[str, Any] = frozen_value({
        "letterhead": letterhead,
        "date": as_of,
        "recipient": recipient_fields(session, debtor, locale),
        "debtor": {"code": debtor.code, "name": debtor.name, "credit_code": debtor.credit_code or "",
                   "address": debtor.address or ""},
        "currency": account.currency,
        "period": {"start": statement.period.start, "end": statement.period.end, "label": statement.period.label},
        "opening_balance": statement.opening_balance,
        "movements": [{"date": m.on, "kind": m.kind, "reference": m.reference,
                       "description": describe(m.kind, locale), "debit": m.debit, "credit": m.credit,
                       "balance": m.balance} for m in statement.movements],
        "closing_balance": statement.closing_balance,
        "deadline": as_of + timedelta(days=reply_days),
        "contact": {"name": creditor.contact_name or "", "phone": creditor.contact_phone or creditor.phone or ""},
    })
    return data


def issue_statements(session: Session, *, period: Period, debtor_codes: Sequence[str] | None, as_of: date,
                     actor: str, catalog: TemplateCatalog, blobs: BlobStore, user_templates: Path,
                     locale: str = "zh_CN", company: str | None = None, delivery: str = "email",
                     reply_days: int = DEFAULT_REPLY_DAYS, formats: Sequence[str] = ("pdf", "docx"),
                     workers: int | None = None,
                     progress: Callable[[int, int], None] | None = None) -> StatementBatch:
    """Issue the period's statements in the caller's transaction; a statement that exists is never issued again.

    Only a user with the finance role may (admin always may); anyone else is refused before anything is read
    or numbered. One statement per creditor, debtor and currency with a balance or a movement in the period
    (a unique constraint backs this against concurrent issuers). Each is a numbered letter of the `statement`
    template, rendered to PDF and DOCX, stored by hash and frozen with its data.
    """
    require_role(session, actor, STATEMENT_ROLES, doing="issuing statements of account")
    return _issue_statements(session, period=period, debtor_codes=debtor_codes, as_of=as_of, actor=actor,
                             catalog=catalog, blobs=blobs, user_templates=user_templates, locale=locale,
                             company=company, delivery=delivery, reply_days=reply_days, formats=formats,
                             workers=workers, progress=progress)


def _issue_statements(session: Session, *, period: Period, debtor_codes: Sequence[str] | None, as_of: date,
                      actor: str, catalog: TemplateCatalog, blobs: BlobStore, user_templates: Path,
                      locale: str = "zh_CN", company: str | None = None, delivery: str = "email",
                      reply_days: int = DEFAULT_REPLY_DAYS, formats: Sequence[str] = ("pdf", "docx"),
                      workers: int | None = None,
                      progress: Callable[[int, int], None] | None = None) -> StatementBatch:
    """`issue_statements` without the role check: for people through it, for the scheduler directly."""
    if period.end >= as_of:
        raise StatementRefused(f"period {period.label} ends on {period.end}: a statement is issued after its "
                               f"period has ended (as of {as_of})")
    if delivery not in DELIVERIES:
        raise StatementRefused(f"delivery {delivery!r} is not one of {', '.join(DELIVERIES)}")
    info = catalog.get(TEMPLATE, locale)
    origin = "user" if Path(info.path).resolve().is_relative_to(user_templates.resolve()) else "shipped"
    debtors = _selected_debtors(session, debtor_codes)
    accounts = _accounts(session, debtors, period, company)
    existing = _existing(session, debtors, period)
    stated = {a.debtor.id for a in accounts}
    empty = tuple(d.code for d in debtors if d.id not in stated)
    fresh = [a for a in accounts if (a.creditor.id, a.debtor.id, a.currency) not in existing]
    drafts = []
    for account in fresh:
        data = statement_data(account, session, as_of=as_of, locale=locale, reply_days=reply_days, blobs=blobs)
        require_fields(info, data)
        sequence = next_sequence(session, account.creditor.id, as_of.year, info.numbering_prefix)
        data["letter_number"] = format_letter_number(info.numbering_prefix, as_of.year, sequence, locale)
        drafts.append(LetterDraft(account.debtor, data["letter_number"], as_of.year, sequence, data))
    rendered = render_drafts(info, drafts, tuple(formats), workers, progress)
    issued = []
    for account, draft, letter in zip(fresh, drafts, rendered):
        stored = store_letter(session, info, origin, account.creditor, draft, letter, as_of, actor, blobs)
        letter_id = session.execute(select(Letter.id).where(Letter.company_id == account.creditor.id,
                                                            Letter.number == stored.number)).scalar_one()
        statement = account.statement
        statement_id = session.execute(insert(Statement).values(
            letter_id=letter_id, debtor_id=account.debtor.id, company_id=account.creditor.id,
            currency=account.currency, period_start=period.start, period_end=period.end,
            opening_balance=statement.opening_balance, closing_balance=statement.closing_balance,
            movement_count=len(statement.movements), issued_on=as_of,
            reply_due_on=as_of + timedelta(days=reply_days), delivery=delivery, issued_by=actor,
        ).returning(Statement.id)).scalar_one()
        audit.record(session, actor, "statement.issue", "statement", stored.number, after={
            "debtor": account.debtor.code, "currency": account.currency, "period": period.label,
            "opening_balance": statement.opening_balance, "closing_balance": statement.closing_balance,
            "delivery": delivery})
        issued.append(IssuedStatement(statement_id, stored.number, account.debtor.code, account.currency,
                                      period.label, statement.opening_balance, statement.closing_balance,
                                      len(statement.movements), delivery, stored.files))
    return StatementBatch(tuple(issued), tuple(sorted(existing.values())), empty)


_SUBJECTS = {
    "zh_CN": "往来款项对账确认函 {number}（{period}）— {creditor}",
    "en": "Statement of account {number} ({period}) — {creditor}",
}
_BODIES = {
    "zh_CN": ("{recipient}：\n\n您好！附件为我司{creditor}与贵司截至{end}的往来款项对账确认函（{number}），"
              "期末余额{currency} {closing}。\n请核对后在回执上勾选“信息证明无误”或“信息不符”，签字盖章，"
              "于{deadline}前扫描回复本邮件。\n\n附件：PDF 与 Word 各一份，内容相同。\n\n{creditor}\n{contact}"),
    "en": ("Dear {recipient},\n\nPlease find attached our statement of account {number} for {debtor} as of {end}, "
           "closing balance {currency} {closing}.\nKindly tick \"confirmed\" or \"not confirmed\" on the slip, sign "
           "and stamp it, and reply with a scan by {deadline}.\n\nThe PDF and Word files have the same content.\n\n"
           "{creditor}\n{contact}"),
}


def statement_mail(letter: Letter, files: Mapping[str, bytes], to: Sequence[str], cc: Sequence[str],
                   link: str | None = None) -> OutgoingMail:
    """The e-mail for a stored statement: subject and body in the letter's language, its files attached, and
    the debtor's personal link when there is one."""
    data = letter.data
    locale = letter.locale if letter.locale in _SUBJECTS else "en"
    contact = data.get("contact", {})
    values = {"number": letter.number, "period": data["period"].get("label", ""),
              "creditor": data["letterhead"]["name"], "debtor": data["debtor"]["name"],
              "recipient": data["recipient"]["name"], "end": data["period"]["end"],
              "currency": data["currency"], "closing": data["closing_balance"], "deadline": data["deadline"],
              "contact": " ".join(v for v in (contact.get("name", ""), contact.get("phone", "")) if v)}
    stem = f"{letter.title}-{letter.number}"
    attachments = tuple(Attachment(f"{stem}.{fmt}", _MEDIA_TYPES.get(fmt, "application/octet-stream"), content)
                        for fmt, content in sorted(files.items()))
    body = _BODIES[locale].format(**values).rstrip() + "\n"
    if link:
        body += "\n" + mail_paragraph(link, locale) + "\n"
    return OutgoingMail(to=tuple(to), cc=tuple(a for a in cc if a not in to), subject=_SUBJECTS[locale].format(**values),
                        body=body, attachments=attachments)


def finance_email(session: Session, debtor_id: int) -> str | None:
    """The address of the debtor's finance contact (the primary one first); None when nobody has one."""
    rows = session.execute(
        select(Contact.email).where(Contact.debtor_id == debtor_id, Contact.active.is_(True),
                                    Contact.role == "finance", Contact.email.is_not(None), Contact.email != "")
        .order_by(Contact.is_primary.desc(), Contact.id)).scalars().first()
    return rows.strip() if rows else None


def send_statement(session: Session, statement_id: int, *, smtp: SmtpSettings, blobs: BlobStore, actor: str,
                   cc: Sequence[str] = (), clock: Callable[[], datetime] = utc_now,
                   send: Callable[[SmtpSettings, OutgoingMail], str] = send_mail,
                   public_url: str | None = None) -> SendOutcome:
    """E-mail one statement to the debtor's finance contact and record the attempt as a delivery.

    Only a user with the finance role may (admin always may). With a public address (`public_url`, default
    env RECEIVABLES_PUBLIC_URL) the e-mail carries a fresh personal link to this statement
    (receivables.services.debtor_links).

    The delivery says `sent` only when the server accepted the message (`send` returned its Message-ID);
    a refusal after every retry is recorded as `failed` with the server's answer, and nothing is sent.
    """
    require_role(session, actor, STATEMENT_ROLES, doing="sending statements of account")
    return _send_statement(session, statement_id, smtp=smtp, blobs=blobs, actor=actor, cc=cc, clock=clock, send=send,
                           public_url=public_url)


def _send_statement(session: Session, statement_id: int, *, smtp: SmtpSettings, blobs: BlobStore, actor: str,
                    cc: Sequence[str] = (), clock: Callable[[], datetime] = utc_now,
                    send: Callable[[SmtpSettings, OutgoingMail], str] = send_mail,
                    public_url: str | None = None) -> SendOutcome:
    """`send_statement` without the role check (checked once per batch by `send_statements`)."""
    statement = session.get(Statement, statement_id)
    if statement is None:
        raise UnknownRecord(f"no statement with id {statement_id}")
    letter = session.get(Letter, statement.letter_id)
    assert letter is not None
    debtor = session.get(Debtor, statement.debtor_id)
    assert debtor is not None
    recipient = finance_email(session, debtor.id)
    message_id: str | None = None
    error: str | None = None
    if recipient is None:
        error = f"debtor {debtor.code} has no active finance contact with an e-mail address"
    else:
        hashes = dict(session.execute(select(LetterFile.format, LetterFile.sha256)
                                      .where(LetterFile.letter_id == letter.id)).all())
        link = link_for_mail(session, debtor.code, statement_id=statement.id, as_of=clock().date(), actor=actor,
                             base_url=os.environ.get("RECEIVABLES_PUBLIC_URL") if public_url is None else public_url)
        mail = statement_mail(letter, {fmt: blobs.get(sha) for fmt, sha in hashes.items()}, [recipient], cc, link)
        try:
            message_id = send(smtp, mail)
        except Refused as failure:  # MailFailed, or an address the message cannot carry
            error = str(failure)
    status = "sent" if message_id else "failed"
    sent_at = clock() if message_id else None
    session.execute(insert(LetterDelivery).values(
        letter_id=letter.id, channel="email", status=status, recipient=recipient, sent_at=sent_at,
        message_id=message_id, error=error, recorded_by=actor))
    audit.record(session, actor, f"statement.email_{status}", "statement", letter.number,
                 after={"recipient": recipient, "cc": list(cc), "message_id": message_id, "error": error})
    return SendOutcome(statement.id, letter.number, debtor.code, status, recipient, message_id, error)


def unsent_statements(session: Session, statement_ids: Sequence[int]) -> list[int]:
    """Of these statements, those meant for e-mail that no server has accepted yet (oldest first)."""
    if not statement_ids:
        return []
    sent = select(LetterDelivery.letter_id).where(LetterDelivery.channel == "email",
                                                  LetterDelivery.status == "sent")
    return list(session.execute(
        select(Statement.id).where(Statement.id.in_(sorted(statement_ids)), Statement.delivery == "email",
                                   Statement.letter_id.not_in(sent)).order_by(Statement.id)).scalars())


def send_statements(sessions: sessionmaker[Session], statement_ids: Sequence[int], *, smtp: SmtpSettings,
                    blobs: BlobStore, actor: str, cc: Sequence[str] = (),
                    clock: Callable[[], datetime] = utc_now,
                    send: Callable[[SmtpSettings, OutgoingMail], str] = send_mail,
                    progress: Callable[[int, int], None] | None = None) -> list[SendOutcome]:
    """Send each statement not yet accepted by the server, each in its own transaction.

    Only a user with the finance role may (admin always may): checked once, before anything is sent.
    A delivery is committed right after its message was accepted, so a crash part-way through a batch
    never leads to a second e-mail for what was already sent.
    """
    with unit_of_work(sessions) as session:
        require_role(session, actor, STATEMENT_ROLES, doing="sending statements of account")
    return _send_statements(sessions, statement_ids, smtp=smtp, blobs=blobs, actor=actor, cc=cc, clock=clock,
                            send=send, progress=progress)


def _send_statements(sessions: sessionmaker[Session], statement_ids: Sequence[int], *, smtp: SmtpSettings,
                     blobs: BlobStore, actor: str, cc: Sequence[str] = (),
                     clock: Callable[[], datetime] = utc_now,
                     send: Callable[[SmtpSettings, OutgoingMail], str] = send_mail,
                     progress: Callable[[int, int], None] | None = None) -> list[SendOutcome]:
    """`send_statements` without the role check: for people through it, for the scheduler directly."""
    with unit_of_work(sessions) as session:
        pending = unsent_statements(session, statement_ids)
    outcomes = []
    for done, statement_id in enumerate(pending, start=1):
        with unit_of_work(sessions) as session:
            outcomes.append(_send_statement(session, statement_id, smtp=smtp, blobs=blobs, actor=actor, cc=cc,
                                            clock=clock, send=send))
        if progress:
            progress(done, len(pending))
    return outcomes


def statements_of_period(session: Session, period: Period, debtor_codes: Sequence[str] | None) -> list[int]:
    """Ids of the statements issued for this period (for the named debtors, if any)."""
    query = select(Statement.id).where(Statement.period_start == period.start, Statement.period_end == period.end)
    if debtor_codes is not None:
        query = query.join(Debtor, Debtor.id == Statement.debtor_id).where(Debtor.code.in_(list(debtor_codes)))
    return list(session.execute(query.order_by(Statement.id)).scalars())


def issue_scheduled_statements(sessions: sessionmaker[Session], settings: Settings, as_of: date, actor: str,
                               *, env: Mapping[str, str] | None = None,
                               send: Callable[[SmtpSettings, OutgoingMail], str] = send_mail) -> str:
    """The scheduler's job: issue and send the statements due by `as_of` for the period just ended.

    Each debtor with a frequency is due once its cycle's day has come (`domain.statements.period_due`);
    statements that exist are not issued again and e-mails already accepted are not sent again, so a
    second run the same day (or a catch-up run after downtime) does nothing twice. Without SMTP settings
    the statements are marked for printing. Returns a one-line summary.

    No user's role is checked: the scheduler is not a person, and `actor` names it in the records.
    """
    environ = os.environ if env is None else env
    smtp = SmtpSettings.from_env(environ)
    options = StatementSettings.from_env(environ)
    blobs = BlobStore(settings.blob_dir)
    with unit_of_work(sessions) as session:
        schedules = session.execute(select(Debtor.code, Debtor.reconciliation_frequency, Debtor.reconciliation_day)
                                    .where(Debtor.reconciliation_frequency != "none")).all()
    due: dict[Period, list[str]] = {}
    for code, frequency, day in schedules:
        period = period_due(frequency, day, as_of)
        if period is not None:
            due.setdefault(period, []).append(code)
    issued = existing = 0
    statement_ids: list[int] = []
    for period, codes in sorted(due.items(), key=lambda item: item[0].start):
        with unit_of_work(sessions) as session:
            # The system acting on the schedule an admin set (`statements schedule`): no person, so no role check.
            batch = _issue_statements(
                session, period=period, debtor_codes=codes, as_of=as_of, actor=actor,
                catalog=catalog_for(settings.user_templates_dir), blobs=blobs,
                user_templates=settings.user_templates_dir, locale=options.locale,
                delivery="email" if smtp else "print", reply_days=options.reply_days)
            issued += len(batch.issued)
            existing += len(batch.already_issued)
            statement_ids += [s.id for s in batch.issued]
            statement_ids += list(batch.already_issued)
    outcomes = _send_statements(sessions, statement_ids, smtp=smtp, blobs=blobs, actor=actor, cc=options.cc,
                                send=send) if smtp else []
    sent = sum(1 for o in outcomes if o.status == "sent")
    head = (f"statements {as_of}: {sum(len(c) for c in due.values())} debtor(s) due, {issued} issued, "
            f"{existing} already issued")
    if smtp is None:
        return f"{head}; no RECEIVABLES_SMTP_HOST, so new statements are marked for printing"
    return f"{head}; {sent} e-mailed, {len(outcomes) - sent} failed"
