"""Executing an approved dunning run: letters, e-mails, tasks, new levels; each action keyed so it happens once.

Every action has a unique key (run, debtor, level, currency, part). Letters are issued in batches, each batch
one transaction with its actions and the debtors' new level: a run killed halfway loses at most the batch in
progress, and executing again skips every key already stored. An e-mail is recorded as `sending` before it is
handed to the SMTP server and as `sent` after: a crash in between leaves `sending`, never a second message.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from letters import TemplateCatalog
from receivables.domain.money import ZERO, format_amount
from receivables.services.dunning.runs import RunRefused, find_run
from receivables.services.dunning.special_steps import RETENTION_STEP, retention_letter_extra
from receivables.services.debtor_links import link_for_mail, mail_paragraph
from receivables.services.errors import Refused
from receivables.services.letters import issue_letters
from receivables.services.users import require_role
from receivables.storage import audit
from receivables.storage.blobs import BlobStore
from receivables.storage.database import unit_of_work
from receivables.storage.schema import Contact, Letter, Receivable
from receivables.storage.schema.dunning import (
    DunningAction,
    DunningProposal,
    DunningProposalItem,
    DunningTask,
)
from receivables.storage.schema.parties import Company, Debtor

LETTER_BATCH = 100
_CJK = re.compile(r"[\u4e00-\u9fff]")
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, slots=True)
class Step:
    """An approved proposal as execution needs it."""

    proposal_id: int
    run_id: int
    as_of: date
    debtor_id: int
    debtor: str
    debtor_name: str
    collector: str | None
    level: int
    action: str
    template: str | None
    currency: str
    recipients: tuple[dict[str, Any], ...]
    company: str

    def key(self, part: str) -> str:
        return f"run{self.run_id}/debtor{self.debtor_id}/level{self.level}/{self.currency}/{part}"

    @property
    def locale(self) -> str:
        return "zh_CN" if _CJK.search(self.debtor_name) else "en"

    @property
    def templates(self) -> tuple[str, ...]:
        return tuple(t for t in (self.template or "").split("+") if t)


@dataclass(frozen=True, slots=True)
class Execution:
    run: int
    letters: int
    emails_sent: int
    emails_queued: int
    tasks: int
    skipped: int
    failed: tuple[str, ...]


def _steps(session: Session, run_id: int) -> list[Step]:
    run = find_run(session, run_id)
    rows = session.execute(select(DunningProposal, Debtor).join(Debtor, Debtor.id == DunningProposal.debtor_id)
                           .where(DunningProposal.run_id == run_id, DunningProposal.status == "approved")
                           .order_by(Debtor.code, DunningProposal.currency)).all()
    # The creditor is the company the covered items are owed to (the first by name if several).
    creditors = dict(session.execute(
        select(DunningProposalItem.proposal_id, func.min(Company.name))
        .join(Receivable, Receivable.id == DunningProposalItem.receivable_id)
        .join(Company, Company.id == Receivable.company_id)
        .join(DunningProposal, DunningProposal.id == DunningProposalItem.proposal_id)
        .where(DunningProposal.run_id == run_id).group_by(DunningProposalItem.proposal_id)).all())
    return [Step(p.id, run_id, run.as_of, d.id, d.code, d.name, d.collector, p.level, p.action, p.template,
                 p.currency, tuple(p.recipients), creditors.get(p.id, "")) for p, d in rows]


def _existing(session: Session, keys: Sequence[str]) -> set[str]:
    if not keys:
        return set()
    return set(session.execute(select(DunningAction.key).where(DunningAction.key.in_(list(keys)))).scalars())


def _stepped(session: Session, step: Step, actor: str) -> None:
    """The debtor has reached the step's level (idempotent; a later, higher step is never lowered)."""
    session.execute(update(Debtor).where(Debtor.id == step.debtor_id, Debtor.dunning_level < step.level)
                    .values(dunning_level=step.level, dunning_stepped_on=step.as_of))
    audit.record(session, actor, "dunning.level.move", "debtor", step.debtor, after={
        "dunning_level": step.level, "run": step.run_id})


def _action(session: Session, step: Step, part: str, kind: str, status: str, actor: str, **values: Any) -> DunningAction:
    row = DunningAction(key=step.key(part), run_id=step.run_id, proposal_id=step.proposal_id,
                        debtor_id=step.debtor_id, level=step.level, kind=kind, status=status, actor=actor, **values)
    session.add(row)
    session.flush()
    return row


def _fail(sessions: sessionmaker[Session], step: Step, why: str, actor: str) -> str:
    with unit_of_work(sessions) as session:
        session.execute(update(DunningProposal).where(DunningProposal.id == step.proposal_id)
                        .values(status="failed", note=why))
        audit.record(session, actor, "dunning.step.fail", "dunning_proposal", str(step.proposal_id),
                     detail={"debtor": step.debtor, "why": why})
    return f"{step.debtor}: {why}"


def _issue_batch(sessions: sessionmaker[Session], template: str, locale: str, currency: str, batch: Sequence[Step],
                 actor: str, deps: LetterDeps) -> int:
    """One transaction: the batch's letters (rendered on all cores), their actions, the debtors' new level."""
    company = batch[0].company or None
    with unit_of_work(sessions) as session:
        part = f"letter:{template}"
        done = _existing(session, [s.key(part) for s in batch])
        todo = [s for s in batch if s.key(part) not in done]
        if not todo:
            return 0
        # A retention release request names one contract's facts: one letter per batch, its own fields.
        extra = (retention_letter_extra(session, todo[0].proposal_id, todo[0].debtor)
                 if template == RETENTION_STEP.template else None)
        issued = issue_letters(session, template=template, debtor_codes=[s.debtor for s in todo], as_of=todo[0].as_of,
                               locale=locale, formats=deps.formats, actor=actor, catalog=deps.catalog,
                               blobs=deps.blobs, user_templates=deps.user_templates, currency=currency,
                               company=company, extra=extra, workers=deps.workers, progress=deps.letter_progress)
        numbers = {letter.debtor: letter.number for letter in issued}
        ids = dict(session.execute(select(Letter.number, Letter.id).where(Letter.number.in_(list(numbers.values()))))
                   .all())
        for step in todo:
            _action(session, step, part, "letter", "done", actor, letter_id=ids[numbers[step.debtor]],
                    note=f"{template} {numbers[step.debtor]}")
            _stepped(session, step, actor)
        return len(todo)


@dataclass(frozen=True)
class LetterDeps:
    catalog: TemplateCatalog
    blobs: BlobStore
    user_templates: Path
    formats: tuple[str, ...] = ("pdf", "docx")
    workers: int | None = None
    batch: int = LETTER_BATCH
    letter_progress: Callable[[int, int], None] | None = None


def _letters(sessions: sessionmaker[Session], steps: Sequence[Step], actor: str, deps: LetterDeps,
             progress: Progress | None) -> tuple[int, list[str]]:
    groups: dict[tuple[str, str, str, str], list[Step]] = defaultdict(list)
    for step in steps:
        for template in step.templates:
            groups[(template, step.locale, step.currency, step.company)].append(step)
    total = sum(len(g) for g in groups.values())
    issued, done, failed = 0, 0, []
    for (template, locale, currency, _), group in groups.items():
        size = 1 if template == RETENTION_STEP.template else deps.batch
        for start in range(0, len(group), size):
            batch = group[start:start + size]
            try:
                issued += _issue_batch(sessions, template, locale, currency, batch, actor, deps)
            except Refused:
                # One debtor's refusal (paid meanwhile, say) must not stop the others: retry one by one.
                for step in batch:
                    try:
                        issued += _issue_batch(sessions, template, locale, currency, [step], actor, deps)
                    except Refused as exc:
                        failed.append(_fail(sessions, step, str(exc), actor))
            done += len(batch)
            if progress:
                progress("letters", done, total)
    return issued, failed


def _lawyer_letters(sessions: sessionmaker[Session], steps: Sequence[Step], actor: str, deps: LetterDeps
                    ) -> tuple[int, list[str]]:
    from receivables.services.lawyer_letters import issue_lawyer_letter
    from receivables.storage.schema.legal import LawFirm

    issued, failed = 0, []
    for step in steps:
        try:
            with unit_of_work(sessions) as session:
                if _existing(session, [step.key("letter:lawyer_letter")]):
                    continue
                firm = session.execute(select(LawFirm.name).where(LawFirm.active.is_(True)).order_by(LawFirm.id)
                                       ).scalars().first()
                if firm is None:
                    raise RunRefused("no active law firm: add one with `receivables legal firm add`")
                letter = issue_lawyer_letter(session, debtor_code=step.debtor, firm_name=firm, as_of=step.as_of,
                                             locale=step.locale, actor=actor, catalog=deps.catalog, blobs=deps.blobs,
                                             user_templates=deps.user_templates, formats=deps.formats,
                                             currency=step.currency, company=step.company or None)
                letter_id = session.execute(select(Letter.id).where(Letter.number == letter.number)).scalar_one()
                _action(session, step, "letter:lawyer_letter", "lawyer_letter", "done", actor, letter_id=letter_id,
                        note=f"lawyer letter {letter.number} ({firm})")
                _stepped(session, step, actor)
                issued += 1
        except Refused as exc:
            failed.append(_fail(sessions, step, str(exc), actor))
    return issued, failed


def _contacts(session: Session, steps: Sequence[Step]) -> dict[int, Contact]:
    ids = {r.get("contact_id") for s in steps for r in s.recipients if r.get("contact_id")}
    if not ids:
        return {}
    return {c.id: c for c in session.execute(select(Contact).where(Contact.id.in_(sorted(ids)))).scalars()}


def email_text(step: Step, creditor: str, items: Sequence[tuple[str, date, Decimal]], total: Decimal
               ) -> tuple[str, str]:
    """Subject and body of a courtesy or reminder e-mail, in the debtor's language."""
    lines = "\n".join(f"  {number}  {due.isoformat()}  {step.currency} {format_amount(amount)}"
                      for number, due, amount in items)
    soon = step.template == "courtesy"
    amount = f"{step.currency} {format_amount(total)}"
    if step.locale == "zh_CN":
        subject = f"{creditor}：{'即将到期付款提示' if soon else '逾期付款提醒'}（{step.debtor_name}）"
        body = (f"{step.debtor_name} 财务部：\n\n您好！以下款项{'即将到期' if soon else '已逾期'}，请安排付款：\n\n"
                f"{lines}\n\n合计：{amount}\n\n如已付款，请忽略本邮件。\n{creditor}")
        return subject, body
    subject = f"{creditor}: {'Payment due soon' if soon else 'Payment reminder'} ({step.debtor_name})"
    body = (f"Dear {step.debtor_name} accounts team,\n\nThe following items "
            f"{'fall due shortly' if soon else 'are overdue'}; please arrange payment:\n\n{lines}\n\n"
            f"Total: {amount}\n\nIf you have already paid, please disregard this message.\n{creditor}")
    return subject, body


def _emails(sessions: sessionmaker[Session], steps: Sequence[Step], actor: str, smtp: Any,
            public_url: str | None = None) -> tuple[int, int, list[str]]:
    sent, queued, failed = 0, 0, []
    with unit_of_work(sessions) as session:
        contacts = _contacts(session, steps)
        items: dict[int, list[tuple[str, date, Decimal]]] = defaultdict(list)
        for pid, number, due, amount in session.execute(
                select(DunningProposalItem.proposal_id, Receivable.number, Receivable.due_date, Receivable.open_amount)
                .join(Receivable, Receivable.id == DunningProposalItem.receivable_id)
                .where(DunningProposalItem.proposal_id.in_([s.proposal_id for s in steps] or [0]))
                .order_by(Receivable.due_date, Receivable.number)):
            items[pid].append((number, due, amount))
    for step in steps:
        lines = items.get(step.proposal_id, [])
        subject, body = email_text(step, step.company, lines, sum((a for _, _, a in lines), ZERO))
        addresses = [(cid, str(contacts[cid].email)) for cid in (r.get("contact_id") for r in step.recipients)
                     if cid in contacts and contacts[cid].email]
        if not addresses:
            with unit_of_work(sessions) as session:
                if not _existing(session, [step.key("email:none")]):
                    _action(session, step, "email:none", "email", "queued", actor, subject=subject, body=body,
                            note="no e-mail address on the organization map: send by hand")
                    _stepped(session, step, actor)
                    queued += 1
            continue
        link_paragraph: str | None = None
        for contact_id, address in addresses:
            part = f"email:{contact_id}"
            with unit_of_work(sessions) as session:
                if _existing(session, [step.key(part)]):
                    continue
                if link_paragraph is None:  # one personal link per step, made with its first e-mail
                    url = link_for_mail(session, step.debtor, as_of=step.as_of, actor=actor, base_url=public_url)
                    link_paragraph = f"\n\n{mail_paragraph(url, step.locale)}" if url else ""
                row = _action(session, step, part, "email", "queued" if smtp is None else "sending", actor,
                              recipient=address, subject=subject, body=body + link_paragraph,
                              note=None if smtp is not None else "SMTP not configured: queued")
                _stepped(session, step, actor)
                action_id = row.id
            if smtp is None:
                queued += 1
                continue
            sent_ok, message_id, why = _send(smtp, address, subject, body + (link_paragraph or ""))
            with unit_of_work(sessions) as session:
                session.execute(update(DunningAction).where(DunningAction.id == action_id).values(
                    status="sent" if sent_ok else "failed", message_id=message_id, note=why))
            if sent_ok:
                sent += 1
            else:
                failed.append(f"{step.debtor}: e-mail to {address}: {why}")
    return sent, queued, failed


def _send(smtp: Any, address: str, subject: str, body: str) -> tuple[bool, str | None, str | None]:
    from receivables.services.mail import MailFailed, OutgoingMail, send_mail

    try:
        return True, send_mail(smtp, OutgoingMail((address,), (), subject, body)), None
    except MailFailed as exc:
        return False, None, str(exc)


def _tasks(sessions: sessionmaker[Session], steps: Sequence[Step], actor: str) -> int:
    created = 0
    with unit_of_work(sessions) as session:
        contacts = _contacts(session, steps)
        done = _existing(session, [s.key(s.action) for s in steps])
        for step in steps:
            if step.key(step.action) in done:
                continue
            people = [{"name": r["name"], "role": r["role"], "reason": r["reason"],
                       "phone": (contacts[r["contact_id"]].mobile or contacts[r["contact_id"]].phone)
                       if r.get("contact_id") in contacts else None} for r in step.recipients]
            row = _action(session, step, step.action, step.action, "done", actor,
                          note="call finance and procurement" if step.action == "call_task" else "hand over to legal")
            session.add(DunningTask(action_id=row.id, debtor_id=step.debtor_id,
                                    kind="call" if step.action == "call_task" else "legal_referral",
                                    due_on=step.as_of, assigned_to=step.collector, contacts=people,
                                    created_by=actor))
            _stepped(session, step, actor)
            created += 1
    return created


def execute_run(sessions: sessionmaker[Session], run_id: int, *, actor: str, deps: LetterDeps, smtp: Any = None,
                progress: Progress | None = None, public_url: str | None = None) -> Execution:
    """Carry out the run's approved proposals; safe to repeat, and to repeat after a crash (see the module).

    With `public_url` (the application's address as debtors reach it) each e-mail carries the debtor's
    personal link, made once per step."""
    with unit_of_work(sessions) as session:
        run = find_run(session, run_id)
        if run.status == "superseded":
            raise RunRefused(f"dunning run {run_id} was superseded by a newer run: execute that one")
        steps = _steps(session, run_id)
        if run.status == "proposed" and not steps:
            raise RunRefused(f"dunning run {run_id} is not approved yet: `receivables dunning approve {run_id}`")
        if any(s.action == "lawyer_letter" for s in steps):
            require_role(session, actor, ["legal"], doing="executing a run with lawyer letters")
        before = session.execute(select(func.count()).select_from(DunningAction)
                                 .where(DunningAction.run_id == run_id)).scalar_one()
        run.status = "executing"
        run.executed_by = run.executed_by or actor
        run.executed_at = run.executed_at or func.current_timestamp()
    by_action: dict[str, list[Step]] = defaultdict(list)
    for step in steps:
        by_action[step.action].append(step)
    letters, failed = _letters(sessions, by_action["letter"], actor, deps, progress)
    lawyer, lawyer_failed = _lawyer_letters(sessions, by_action["lawyer_letter"], actor, deps)
    sent, queued, mail_failed = _emails(sessions, by_action["email"], actor, smtp, public_url)
    tasks = _tasks(sessions, by_action["call_task"] + by_action["legal_referral"], actor)
    with unit_of_work(sessions) as session:
        done_parts = dict(session.execute(select(DunningAction.proposal_id, func.count())
                                          .where(DunningAction.run_id == run_id)
                                          .group_by(DunningAction.proposal_id)).all())
        # A letter step is done when each of its templates was issued; any other step with its first action.
        finished = {s.proposal_id for s in steps
                    if done_parts.get(s.proposal_id, 0) >= (len(s.templates) if s.action == "letter" else 1)}
        session.execute(update(DunningProposal).where(DunningProposal.run_id == run_id,
                                                      DunningProposal.status == "approved",
                                                      DunningProposal.id.in_(sorted(finished) or [0]))
                        .values(status="done"))
        find_run(session, run_id).status = "executed"
        audit.record(session, actor, "dunning.run.execute", "dunning_run", str(run_id), after={
            "letters": letters + lawyer, "emails_sent": sent, "emails_queued": queued, "tasks": tasks,
            "failed": failed + lawyer_failed + mail_failed, "actions_before": before})
    return Execution(run_id, letters + lawyer, sent, queued, tasks, before,
                     tuple(failed + lawyer_failed + mail_failed))
