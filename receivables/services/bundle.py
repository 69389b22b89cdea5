"""The evidence bundle of a debtor: everything a lawyer or court needs, gathered from the records as of a date."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from receivables.domain.calendar import RestDayCalendar
from receivables.domain.delivery import delivery_evidence
from receivables.domain.interest import InterestError, Rule, parse_rule
from receivables.domain.money import ZERO, format_amount
from receivables.domain.statements import Period
from receivables.services.bundle_pdf import (
    Attachment,
    Block,
    BundleDocument,
    IndexedFile,
    Section,
    Table,
    Text,
    render_bundle,
)
from receivables.services.cases import case_detail, credit_events, list_cases
from receivables.services.errors import Refused, UnknownRecord
from receivables.services.lawyer_letters import interest_claim
from receivables.services.legal import item_limitations, rule_summary, set_by
from receivables.services.postings import list_contracts
from receivables.storage import audit
from receivables.storage.blobs import BlobError, BlobStore
from receivables.storage.queries.debtors import debtor_open_items
from receivables.storage.queries.statements import statement_entries
from receivables.storage.schema import Company, Contact, Debtor, Interaction, Letter, LetterFile, Receivable
from receivables.storage.schema.legal import LetterDelivery
from receivables.storage.schema.reconciliation import Statement, StatementResponse

NOT_LEGAL_ADVICE = ("This bundle is not legal advice: it assembles the records kept in the receivables system as "
                    "they stood on the date shown; check every figure against the contract and the law that "
                    "applies. 本材料不构成法律意见。")
SECTIONS = 9
"""Sections gathered (the progress callback is called once per section gathered, rendered, then twice more)."""
BEGINNING = date(1900, 1, 1)
MAX_INTERACTIONS = 500

Progress = Callable[[int, int, str], None]


class BundleRefused(Refused):
    """The bundle cannot be made as asked; nothing was written."""


@dataclass(frozen=True, slots=True)
class BuiltBundle:
    debtor: str
    as_of: date
    content: bytes
    sha256: str
    pages: int
    contents: tuple[tuple[str, int], ...]
    files: tuple[IndexedFile, ...]
    warnings: tuple[str, ...]


def _money(amount: Decimal | None) -> str:
    return "" if amount is None else format_amount(amount)


def _day(value: date | datetime | None) -> str:
    return "" if value is None else value.isoformat()[:10]


def _stored(blobs: BlobStore, label: str, name: str, sha256: str, media_type: str) -> Attachment:
    try:
        return Attachment(label, name, sha256, media_type, blobs.get(sha256))
    except BlobError as exc:
        return Attachment(label, name, sha256, media_type, None, str(exc))


# --- sections --------------------------------------------------------------------------------------------------


def _debtor_section(session: Session, debtor: Debtor) -> Section:
    rows = (("Code 编码", debtor.code), ("Name 名称", debtor.name),
            ("Unified social credit code 统一社会信用代码", debtor.credit_code or "(not recorded)"),
            ("Registered address 注册地址", debtor.address or "(not recorded)"),
            ("Legal representative 法定代表人", debtor.legal_representative or "(not recorded)"),
            ("Segment 行业", debtor.segment or ""), ("Status 状态", debtor.status),
            ("Risk flag 风险标记", f"raised on {debtor.risk_flagged_on}" if debtor.risk_flag else "no"))
    events = credit_events(session, debtor_code=debtor.code)
    return Section("Debtor 债务人", (
        Table(("Field", "Value"), tuple((k, str(v)) for k, v in rows)),
        Text("Credit events 信用事件", "subheading"),
        Table(("Date", "Kind", "Source", "Note"),
              tuple((_day(e.occurred_on), e.kind, e.source, e.note or "") for e in events)),
    ))


def _contracts_section(session: Session, debtor: Debtor) -> Section:
    lines = list_contracts(session, debtor.code)
    return Section("Contracts 合同", (Table(
        ("Contract", "Title", "Kind", "Signed", "Amount", "Billed", "Open", "Ccy"),
        tuple((c.number, c.title or "", c.kind, _day(c.signed_on), _money(c.amount), _money(c.billed),
               _money(c.open), c.currency) for c in lines), right=(4, 5, 6)),))


def _statement_section(session: Session, debtor: Debtor, as_of: date, companies: dict[int, str]) -> Section:
    openings, movements = statement_entries(session, [debtor.id], Period(BEGINNING, as_of))
    blocks: list[Block] = [Text(f"Every movement of the ledger up to {as_of}, with the running balance "
                                "(items on their issue date, payments on receipt, reversals on their date).", "small")]
    for key in sorted(set(openings) | set(movements)):
        company_id, _debtor_id, currency = key
        balance = openings.get(key, ZERO)
        rows = []
        for entry in sorted(movements.get(key, ()), key=lambda e: (e.on, e.kind, e.reference)):
            balance += entry.amount
            rows.append((_day(entry.on), entry.kind, entry.reference,
                         _money(entry.amount) if entry.amount > 0 else "", _money(-entry.amount) if entry.amount < 0
                         else "", _money(balance)))
        blocks += [Text(f"{companies.get(company_id, company_id)} — {currency}", "subheading"),
                   Table(("Date", "Movement", "Reference", "Debit", "Credit", "Balance"), tuple(rows), right=(3, 4, 5)),
                   Text(f"Balance owed on {as_of}: {_money(balance)} {currency}", "body")]
    items = debtor_open_items(session, debtor.id, as_of)
    blocks += [Text(f"Open items on {as_of} 未清项目", "subheading"),
               Table(("Item", "Kind", "Contract", "Due", "Amount", "Open", "Ccy", "Days overdue"),
                     tuple((i.number, i.kind, i.contract or "", _day(i.due_date), _money(i.amount),
                            _money(i.open_amount), i.currency, str(max(i.days_past_due, 0))) for i in items),
                     right=(4, 5, 7))]
    return Section("Statement of account 对账单", tuple(blocks))


def _letters_section(session: Session, debtor: Debtor, as_of: date, blobs: BlobStore) -> Section:
    letters = session.execute(select(Letter).where(Letter.debtor_id == debtor.id, Letter.letter_date <= as_of)
                              .order_by(Letter.letter_date, Letter.id)).scalars().all()
    ids = [letter.id for letter in letters]
    pdfs = dict(session.execute(select(LetterFile.letter_id, LetterFile.sha256)
                                .where(LetterFile.letter_id.in_(ids), LetterFile.format == "pdf")).all()) if ids else {}
    facts: dict[int, list[LetterDelivery]] = defaultdict(list)
    for fact in session.execute(select(LetterDelivery).where(LetterDelivery.letter_id.in_(ids))
                                .order_by(LetterDelivery.id)).scalars() if ids else ():
        # Facts recorded about a later day are not part of the record as of `as_of`.
        if (fact.delivered_on or as_of) <= as_of and (fact.sent_at is None or fact.sent_at.date() <= as_of):
            facts[fact.letter_id].append(fact)
    blocks: list[Block] = [Text("Every letter issued to the debtor, each followed by its delivery facts and proof. "
                                "Only a delivery with a date and a stored proof is evidence of arrival.", "small")]
    if not letters:
        blocks.append(Text("No letter was issued to the debtor by this date.", "body"))
    for letter in letters:
        delivered = facts.get(letter.id, [])
        blocks += [Text(f"{letter.number} — {letter.title} ({letter.template_kind}), dated {letter.letter_date}, "
                        f"issued by {letter.issued_by}", "subheading"),
                   Table(("Channel", "Sent", "Delivered", "Tracking", "Signed by", "Evidence"),
                         tuple((f.channel, _day(f.sent_at), _day(f.delivered_on), f.tracking_number or "",
                                f.signed_by or "", delivery_evidence(f.delivered_on, f.proof_sha256).reason)
                               for f in delivered))]
        if letter.id in pdfs:
            blocks.append(_stored(blobs, f"Letter {letter.number}", f"{letter.number}.pdf", pdfs[letter.id],
                                  "application/pdf"))
        else:
            blocks.append(Text("The letter has no stored PDF (issued in another format only).", "small"))
        for fact in delivered:
            if fact.proof_sha256:
                blocks.append(_stored(blobs, f"Proof of delivery of {letter.number} ({fact.channel}, "
                                             f"delivered {fact.delivered_on})", fact.proof_name or "proof",
                                      fact.proof_sha256, fact.proof_media_type or "application/octet-stream"))
    return Section("Letters and proof of delivery 函件及送达证据", tuple(blocks))


def _confirmations_section(session: Session, debtor: Debtor, as_of: date, blobs: BlobStore) -> Section:
    rows = session.execute(
        select(StatementResponse, Statement).join(Statement, Statement.id == StatementResponse.statement_id)
        .where(Statement.debtor_id == debtor.id, StatementResponse.responded_on <= as_of)
        .order_by(StatementResponse.responded_on, StatementResponse.id)).all()
    blocks: list[Block] = [Table(
        ("Statement period", "Ccy", "Our closing balance", "Response", "On", "Signer", "Their balance"),
        tuple((f"{s.period_start}..{s.period_end}", s.currency, _money(s.closing_balance), r.kind,
               _day(r.responded_on), r.signer or "", _money(r.their_balance)) for r, s in rows), right=(2, 6))]
    for response, statement in rows:
        if response.slip_sha256:
            blocks.append(_stored(blobs, f"Signed slip: statement {statement.period_start}..{statement.period_end} "
                                         f"({response.kind} on {response.responded_on})",
                                  response.slip_name or "slip", response.slip_sha256,
                                  response.slip_media_type or "application/octet-stream"))
    return Section("Signed confirmations and receipts 签认回执", tuple(blocks))


def _interactions_section(session: Session, debtor: Debtor, as_of: date) -> Section:
    rows = session.execute(
        select(Interaction, Contact.name).outerjoin(Contact, Contact.id == Interaction.contact_id)
        .where(Interaction.debtor_id == debtor.id,
               Interaction.occurred_at < datetime.combine(as_of + timedelta(days=1), time()))
        .order_by(Interaction.occurred_at.desc(), Interaction.id.desc()).limit(MAX_INTERACTIONS + 1)).all()
    shown = sorted(rows[:MAX_INTERACTIONS], key=lambda row: (row[0].occurred_at, row[0].id))
    blocks: list[Block] = []
    if len(rows) > MAX_INTERACTIONS:
        blocks.append(Text(f"The latest {MAX_INTERACTIONS} interactions; earlier ones are in the system.", "small"))
    blocks.append(Table(("When", "Channel", "Direction", "Contact", "By", "Summary", "Outcome"),
                        tuple((i.occurred_at.isoformat(sep=" ", timespec="minutes"), i.channel, i.direction,
                               contact or "", i.user_name, i.summary, i.outcome or "") for i, contact in shown)))
    return Section("Interaction log extract 沟通记录摘录", tuple(blocks))


def _interest_section(session: Session, debtor: Debtor, as_of: date, explicit: Rule | None) -> Section:
    items = [i for i in debtor_open_items(session, debtor.id, as_of) if i.open_amount > ZERO and i.days_past_due > 0]
    company_of = dict(session.execute(select(Receivable.number, Receivable.company_id)
                                      .where(Receivable.debtor_id == debtor.id,
                                             Receivable.number.in_([i.number for i in items]))).all()) if items else {}
    groups: dict[tuple[int, str], list[dict[str, str]]] = defaultdict(list)
    for item in items:
        groups[(company_of[item.number], item.currency)].append(
            {"number": item.number, "due_date": item.due_date.isoformat(), "open": str(item.open_amount)})
    blocks: list[Block] = [Text("Late-payment interest on each overdue item from the day after its due date to "
                                f"{as_of}, by the rule of the item's contract, else the company's default rule"
                                + (f"; here by the rule given: {explicit.text}" if explicit else "")
                                + ". Simple interest, segment by segment as payments lowered the principal.", "small")]
    if not groups:
        blocks.append(Text("Nothing is overdue on this date.", "body"))
    for (company_id, currency), lines in sorted(groups.items()):
        creditor = session.get_one(Company, company_id)
        rows, basis, total, notes, _kinds = interest_claim(session, creditor, debtor, lines, as_of, currency,
                                                           explicit, locale="en")
        blocks.append(Text(f"{creditor.name} — {currency}", "subheading"))
        if not rows:
            blocks.append(Text("No interest rule applies to these items (none in the contract, no company default): "
                               "give one with --interest-rule to compute it.", "body"))
            continue
        blocks += [Text(f"Rule: {basis}", "body"),
                   Table(("Item", "From", "To", "Days", "Principal", "Rate", "Per", "Interest"),
                         tuple((r["item"], r["from"], r["to"], str(r["days"]), _money(r["principal"]), r["rate"],
                                r["basis"], _money(r["amount"])) for r in rows), right=(3, 4, 7)),
                   Text(f"Total interest: {_money(total)} {currency}", "body")]
        blocks += [Text(f"Assumption: {note}", "small") for note in notes]
    return Section("Interest calculation 利息计算", tuple(blocks))


def _limitation_section(session: Session, debtor: Debtor, as_of: date, rest_days: RestDayCalendar | None) -> Section:
    lines = item_limitations(session, as_of, rest_days, debtor_code=debtor.code)
    rows = []
    for line in lines:
        kind, on = set_by(line.result)
        events = "; ".join(f"{s.kind} {s.date} ({s.source})" for s in line.sources)
        rows.append((line.receivable_number, _day(line.due_date), _money(line.open_amount), line.jurisdiction,
                     _day(line.expires_on), "expired" if line.expired else str(line.days_left), f"{kind} {on}",
                     events))
    blocks: list[Block] = [Table(("Item", "Due", "Open", "Law", "Expires", "Days left", "Runs from", "Events"),
                                 tuple(rows), right=(2, 5))]
    blocks += [Text(f"Rule: {rule}", "small") for rule in rule_summary([line.jurisdiction for line in lines])]
    for line in lines:
        if line.result.waiver is not None:
            blocks.append(Text(f"Waiver: item {line.receivable_number}: {line.result.waiver.reason}", "body"))
    common = set.intersection(*(set(line.result.assumptions) for line in lines)) if lines else set()
    blocks += [Text(f"Assumption (every item): {a}", "small")
               for a in dict.fromkeys(a for line in lines for a in line.result.assumptions if a in common)]
    for line in lines:
        own = [a for a in line.result.assumptions if a not in common]
        if own:
            blocks.append(Text(f"Assumptions for {line.receivable_number}: " + " ".join(own), "small"))
    return Section("Limitation analysis 诉讼时效分析", tuple(blocks))


def _cases_section(session: Session, debtor: Debtor, blobs: BlobStore) -> Section:
    blocks: list[Block] = []
    cases = list_cases(session, debtor_code=debtor.code)
    if not cases:
        blocks.append(Text("The debtor has not been handed to a law firm or agency.", "body"))
    for line in cases:
        detail = case_detail(session, line.id)
        blocks += [Text(f"Case {line.id}: {line.agent_name} ({line.agent_kind}), commission "
                        f"{(line.commission_rate * 100).normalize():f}%, stage {line.stage} since {line.stage_on}"
                        + (f", {line.outcome}" if line.outcome else ""), "subheading"),
                   Table(("Date", "Stage", "Court", "Case number", "Note", "Documents"),
                         tuple((_day(s.occurred_on), s.stage + (f" ({s.outcome})" if s.outcome else ""), s.court or "",
                                s.case_number or "", s.note or "", ", ".join(d.name for d in s.documents))
                               for s in detail.stages)),
                   Table(("Recovered on", "Reference", "Amount", "Commission"),
                         tuple((_day(r.received_on), r.reference, _money(r.amount), _money(r.commission))
                               for r in detail.recoveries), right=(2, 3))]
        for stage in detail.stages:
            for document in stage.documents:
                blocks.append(_stored(blobs, f"Case {line.id}, {stage.stage} on {stage.occurred_on}: {document.name}",
                                      document.name, document.sha256, document.media_type))
    return Section("Legal cases 案件", tuple(blocks))


# --- the bundle ------------------------------------------------------------------------------------------------


def build_bundle(session: Session, *, debtor_code: str, as_of: date, actor: str, blobs: BlobStore,
                 interest_rule: str | None = None, rest_days: RestDayCalendar | None = None,
                 progress: Progress | None = None) -> BuiltBundle:
    """The debtor's evidence bundle as a PDF (bytes), its contents and the files it includes; audited."""
    try:
        explicit = parse_rule(interest_rule) if interest_rule else None
    except InterestError as exc:
        raise BundleRefused(f"--interest-rule: {exc}") from None
    debtor = session.execute(select(Debtor).where(Debtor.code == debtor_code)).scalar_one_or_none()
    if debtor is None:
        raise UnknownRecord(f"no debtor with code {debtor_code!r}")
    total = 2 * SECTIONS + 2
    done = [0]

    def step(label: str) -> None:
        done[0] += 1
        if progress is not None:
            progress(min(done[0], total), total, label)

    companies = dict(session.execute(select(Company.id, Company.name)).all())
    gatherers: tuple[Callable[[], Section], ...] = (
        lambda: _debtor_section(session, debtor),
        lambda: _contracts_section(session, debtor),
        lambda: _statement_section(session, debtor, as_of, companies),
        lambda: _letters_section(session, debtor, as_of, blobs),
        lambda: _confirmations_section(session, debtor, as_of, blobs),
        lambda: _interactions_section(session, debtor, as_of),
        lambda: _interest_section(session, debtor, as_of, explicit),
        lambda: _limitation_section(session, debtor, as_of, rest_days),
        lambda: _cases_section(session, debtor, blobs),
    )
    sections = []
    for number, gather in enumerate(gatherers, start=1):
        section = gather()
        sections.append(Section(f"{number}. {section.title}", section.blocks))
        step(section.title)
    creditors = sorted({companies[key[0]] for key in _accounts(session, debtor.id)}) or ["(no items on record)"]
    document = BundleDocument(
        title="Evidence bundle 证据材料汇编",
        cover_lines=(f"Debtor 债务人: {debtor.name} ({debtor.code})",
                     f"Unified social credit code: {debtor.credit_code or '(not recorded)'}",
                     f"Creditor 债权人: {', '.join(creditors)}",
                     f"Records as of 截至: {as_of}", f"Prepared by 制作人: {actor}"),
        disclaimer=NOT_LEGAL_ADVICE, sections=tuple(sections))
    rendered = render_bundle(document, progress=step)
    sha256 = hashlib.sha256(rendered.content).hexdigest()
    audit.record(session, actor, "legal.bundle", "debtor", debtor.code, after={
        "as_of": as_of.isoformat(), "sha256": sha256, "pages": rendered.pages,
        "files": [{"name": f.name, "sha256": f.sha256} for f in rendered.files],
        "interest_rule": explicit.text if explicit else None})
    return BuiltBundle(debtor.code, as_of, rendered.content, sha256, rendered.pages, rendered.contents,
                       rendered.files, rendered.warnings)


def _accounts(session: Session, debtor_id: int) -> set[tuple[int, str]]:
    return {(company, currency) for company, currency in session.execute(
        select(Receivable.company_id, Receivable.currency).distinct().where(Receivable.debtor_id == debtor_id))}
