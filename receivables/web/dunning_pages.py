"""The dunning pages: runs, a proposal for a date, its review (filters, exclusions, items, recipients, gaps),
approval by the roles the policy names, execution in a background thread with its progress, and the result
with the letters it issued."""

from __future__ import annotations

import os
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from receivables.domain.calendar import ScheduleError
from receivables.domain.dates import parse_date
from receivables.services.dunning.execution import LetterDeps, execute_run
from receivables.services.dunning.runs import approve, find_run, list_runs, propose
from receivables.services.errors import Refused, UnknownRecord
from receivables.services.legal import rest_days_of
from receivables.services.letters import catalog_for
from receivables.storage.blobs import BlobError, BlobStore
from receivables.storage.queries.letter_list import letter_file
from receivables.storage.queries.text_match import containing
from receivables.storage.schema import Letter, Receivable
from receivables.storage.schema.dunning import (
    DunningAction,
    DunningProposal,
    DunningProposalItem,
    DunningRun,
    DunningTask,
)
from receivables.storage.schema.letters import LetterFile
from receivables.storage.schema.parties import Debtor
from receivables.web.deps import DATABASE, Caller, Forbidden, WebContext, allowed, context
from receivables.web.legal_pages import MEDIA_TYPES, content_disposition
from receivables.web.render import render

router = APIRouter(prefix="/dunning", include_in_schema=False)

DUNNING_STAFF = ("finance", "legal")
"""Who starts, approves and executes runs (admin always may); approval per level is checked by the service."""
LETTER_FORMATS = ("pdf,docx", "pdf", "docx")
FILTERS = ("level", "action", "approver", "collector", "status", "debtor")


READER = Depends(allowed("read"))


def _staff(who: Caller = READER) -> Caller:
    """The caller (CSRF checked on forms) if their role starts, approves and executes runs."""
    if who.identity.role != "admin" and who.identity.role not in DUNNING_STAFF:
        raise Forbidden(f"the role {who.identity.role} may not do this")
    return who


STAFF = Depends(_staff)
TICKED = Form(None)
"""The debtors ticked for exclusion (a repeated form field)."""


def _may_act(who: Caller) -> bool:
    return who.identity.role == "admin" or who.identity.role in DUNNING_STAFF


# Execution in the background ------------------------------------------------------------------------------


@dataclass
class Job:
    """One run's execution as the page polls it: what is being done, how far, and how it ended."""

    state: str = "running"  # running, done, failed
    what: str = "starting"
    done: int = 0
    total: int = 0
    error: str | None = None
    summary: dict[str, Any] = field(default_factory=dict)

    def as_document(self) -> dict[str, Any]:
        return {"state": self.state, "what": self.what, "done": self.done, "total": self.total,
                "error": self.error, "summary": self.summary}


_LOCK = threading.Lock()


def _jobs(request: Request) -> dict[int, Job]:
    """The executions this application started, by run (kept per application, not per process)."""
    with _LOCK:
        found: dict[int, Job] | None = getattr(request.app.state, "dunning_jobs", None)
        if found is None:
            found = {}
            request.app.state.dunning_jobs = found
        return found


def _execute(web: WebContext, job: Job, run_id: int, actor: str, formats: tuple[str, ...],
             workers: int | None) -> None:
    def progress(what: str, done: int, total: int) -> None:
        job.what, job.done, job.total = what, done, total

    settings = web.settings
    try:
        deps = LetterDeps(catalog_for(settings.user_templates_dir), BlobStore(settings.blob_dir),
                          settings.user_templates_dir, formats, workers)
        from receivables.services.mail import SmtpSettings

        result = execute_run(web.runtime.sessions, run_id, actor=actor, deps=deps,
                             smtp=SmtpSettings.from_env(os.environ), progress=progress,
                             public_url=os.environ.get("RECEIVABLES_PUBLIC_URL"))
    except Refused as exc:
        job.state, job.error = "failed", str(exc)
        return
    except Exception as exc:  # noqa: BLE001 - the page must learn that the thread died, and why
        job.state, job.error = "failed", f"{type(exc).__name__}: {exc}"
        return
    job.summary = {"letters": result.letters, "emails_sent": result.emails_sent,
                   "emails_queued": result.emails_queued, "tasks": result.tasks, "skipped": result.skipped,
                   "failed": list(result.failed)}
    job.what, job.state = "done", "done"


# Runs --------------------------------------------------------------------------------------------------


def _runs_page(request: Request, who: Caller, session: Session, *, status_code: int = 200,
               error: str | None = None, note: str | None = None, day: str = "") -> Response:
    return render(request, "dunning.html", who, status_code=status_code, runs=list(reversed(list_runs(session))),
                  may_act=_may_act(who), error=error, note=note, chosen_day=day or who.as_of.isoformat())


@router.get("")
def runs_page(request: Request, who: Caller = READER, session: Session = DATABASE) -> Response:
    return _runs_page(request, who, session)


@router.post("")
def start_run(request: Request, as_of: str = Form(""), who: Caller = STAFF,
              session: Session = DATABASE) -> Response:
    try:
        day = parse_date(as_of.strip()) if as_of.strip() else who.as_of
    except ValueError as exc:
        return _runs_page(request, who, session, status_code=422, error=f"date: {exc}", day=as_of[:40])
    try:
        result = propose(session, day, actor=who.identity.name, rest_days=rest_days_of(context(request).settings))
    except ScheduleError as exc:
        session.rollback()
        return _runs_page(request, who, session, status_code=422, error=f"holiday schedules: {exc}", day=as_of)
    except Refused as exc:
        session.rollback()
        return _runs_page(request, who, session, status_code=422, error=str(exc), day=as_of)
    if result.run is None:
        return _runs_page(request, who, session, note=result.note, day=day.isoformat())
    return RedirectResponse(f"/dunning/{result.run}", status_code=303)


# One run: review, approval, execution, result --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProposalRow:
    id: int
    debtor: str
    debtor_name: str
    collector: str | None
    proposal: DunningProposal
    items: tuple[tuple[str, date, Any], ...]


def _proposal_rows(session: Session, run_id: int, chosen: dict[str, str]) -> list[ProposalRow]:
    query = (select(DunningProposal, Debtor.code, Debtor.name, Debtor.collector)
             .join(Debtor, Debtor.id == DunningProposal.debtor_id).where(DunningProposal.run_id == run_id))
    if chosen["level"].isdigit():
        query = query.where(DunningProposal.level == int(chosen["level"]))
    for name, column in (("action", DunningProposal.action), ("approver", DunningProposal.approver),
                         ("status", DunningProposal.status), ("collector", Debtor.collector)):
        if chosen[name]:
            query = query.where(column == chosen[name])
    if chosen["debtor"]:
        pattern = containing(chosen["debtor"])
        query = query.where(or_(Debtor.code.ilike(pattern, escape="\\"), Debtor.name.ilike(pattern, escape="\\")))
    found = session.execute(query.order_by(DunningProposal.level.desc(), Debtor.code, DunningProposal.currency)).all()
    items: dict[int, list[tuple[str, date, Any]]] = defaultdict(list)
    ids = [p.id for p, *_ in found]
    if ids:
        for proposal_id, number, due, open_amount in session.execute(
                select(DunningProposalItem.proposal_id, Receivable.number, Receivable.due_date, Receivable.open_amount)
                .join(Receivable, Receivable.id == DunningProposalItem.receivable_id)
                .where(DunningProposalItem.proposal_id.in_(ids)).order_by(Receivable.due_date, Receivable.number)):
            items[proposal_id].append((number, due, open_amount))
    return [ProposalRow(p.id, code, name, collector, p, tuple(items[p.id])) for p, code, name, collector in found]


def _choices(session: Session, run_id: int) -> dict[str, list[str]]:
    """The values each filter can take in this run."""
    rows = session.execute(select(DunningProposal.level, DunningProposal.action, DunningProposal.approver,
                                  DunningProposal.status, Debtor.collector)
                           .join(Debtor, Debtor.id == DunningProposal.debtor_id)
                           .where(DunningProposal.run_id == run_id).distinct()).all()
    return {"level": sorted({str(r[0]) for r in rows}, key=int), "action": sorted({r[1] for r in rows}),
            "approver": sorted({r[2] for r in rows}), "status": sorted({r[3] for r in rows}),
            "collector": sorted({r[4] for r in rows if r[4]})}


@dataclass(frozen=True, slots=True)
class IssuedLetter:
    id: int
    number: str
    debtor: str
    formats: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a run did, as stored: letters, e-mails, tasks, failures."""

    letters: tuple[IssuedLetter, ...]
    emails: dict[str, int]
    tasks: tuple[tuple[str, str, str | None, date], ...]
    failures: tuple[tuple[str, str], ...]

    @property
    def anything(self) -> bool:
        return bool(self.letters or self.emails or self.tasks or self.failures)


def _outcome(session: Session, run_id: int) -> Outcome:
    letters = session.execute(select(Letter.id, Letter.number, Debtor.code)
                              .join(DunningAction, DunningAction.letter_id == Letter.id)
                              .join(Debtor, Debtor.id == Letter.debtor_id)
                              .where(DunningAction.run_id == run_id).order_by(Letter.number)).all()
    formats: dict[int, list[str]] = defaultdict(list)
    if letters:
        for letter_id, fmt in session.execute(select(LetterFile.letter_id, LetterFile.format)
                                              .where(LetterFile.letter_id.in_([r[0] for r in letters]))
                                              .order_by(LetterFile.format)):
            formats[letter_id].append(fmt)
    emails: dict[str, int] = defaultdict(int)
    for status, in session.execute(select(DunningAction.status).where(DunningAction.run_id == run_id,
                                                                     DunningAction.kind == "email")):
        emails[status] += 1
    tasks = session.execute(select(Debtor.code, DunningTask.kind, DunningTask.assigned_to, DunningTask.due_on)
                            .join(DunningAction, DunningAction.id == DunningTask.action_id)
                            .join(Debtor, Debtor.id == DunningTask.debtor_id)
                            .where(DunningAction.run_id == run_id).order_by(Debtor.code)).all()
    failures = session.execute(select(Debtor.code, DunningProposal.note)
                               .join(Debtor, Debtor.id == DunningProposal.debtor_id)
                               .where(DunningProposal.run_id == run_id, DunningProposal.status == "failed")
                               .order_by(Debtor.code)).all()
    failed_mail = session.execute(select(Debtor.code, DunningAction.note)
                                  .join(Debtor, Debtor.id == DunningAction.debtor_id)
                                  .where(DunningAction.run_id == run_id, DunningAction.status == "failed")
                                  .order_by(Debtor.code)).all()
    return Outcome(tuple(IssuedLetter(i, n, d, tuple(formats[i])) for i, n, d in letters), dict(emails),
                   tuple((c, k, a, d) for c, k, a, d in tasks),
                   tuple((c, n or "") for c, n in list(failures) + list(failed_mail)))


def _run_page(request: Request, who: Caller, session: Session, run: DunningRun, chosen: dict[str, str], *,
              status_code: int = 200, error: str | None = None, approved: str = "") -> Response:
    rows = _proposal_rows(session, run.id, chosen)
    statuses = dict(session.execute(select(DunningProposal.status, DunningProposal.id)
                                    .where(DunningProposal.run_id == run.id)).all())
    awaiting: dict[str, int] = defaultdict(int)
    for approver, in session.execute(select(DunningProposal.approver).where(DunningProposal.run_id == run.id,
                                                                           DunningProposal.status == "proposed")):
        awaiting[approver] += 1
    job = _jobs(request).get(run.id)
    return render(request, "dunning_run.html", who, status_code=status_code, run=run, rows=rows, chosen=chosen,
                  choices=_choices(session, run.id), awaiting=dict(awaiting), may_act=_may_act(who),
                  executable=run.status != "superseded" and "approved" in statuses,
                  running=job is not None and job.state == "running", job=job, outcome=_outcome(session, run.id),
                  formats=LETTER_FORMATS, error=error, approved=approved,
                  filter_url=lambda **changed: "?" + urlencode({k: v for k, v in {**chosen, **changed}.items() if v}))


def _chosen(request: Request) -> dict[str, str]:
    return {name: request.query_params.get(name, "").strip()[:100] for name in FILTERS}


def _run(session: Session, run_id: int) -> DunningRun | None:
    try:
        return find_run(session, run_id)
    except UnknownRecord:
        return None


def _not_found(request: Request, who: Caller) -> Response:
    return render(request, "error.html", who, status_code=404, message="not_found")


@router.get("/{run_id}")
def run_page(request: Request, run_id: int, approved: str = "", who: Caller = READER,
             session: Session = DATABASE) -> Response:
    run = _run(session, run_id)
    if run is None:
        return _not_found(request, who)
    return _run_page(request, who, session, run, _chosen(request), approved=approved[:200])


@router.post("/{run_id}/approve")
def approve_run(request: Request, run_id: int, exclude: list[str] | None = TICKED, exclude_codes: str = Form(""),
                who: Caller = STAFF, session: Session = DATABASE) -> Response:
    """Approves what the caller's role may approve; ticked debtors and codes typed in the field are left out."""
    left_out = sorted(set(exclude or ()) | set(exclude_codes.replace(",", " ").split()))
    run = _run(session, run_id)
    if run is None:
        return _not_found(request, who)
    try:
        result = approve(session, run_id, actor=who.identity.name, exclude=left_out)
    except Refused as exc:
        session.rollback()
        return _run_page(request, who, session, find_run(session, run_id), _chosen(request), status_code=422,
                         error=str(exc))
    waiting = ", ".join(f"{role} {n}" for role, n in sorted(result.awaiting.items()))
    return RedirectResponse(f"/dunning/{run_id}?" + urlencode(
        {"approved": f"{result.approved}|{len(result.excluded)}|{waiting}"}), status_code=303)


@router.post("/{run_id}/execute")
def execute(request: Request, run_id: int, letter_format: str = Form("pdf,docx"), workers: str = Form(""),
            who: Caller = STAFF, session: Session = DATABASE) -> Response:
    run = _run(session, run_id)
    if run is None:
        return _not_found(request, who)
    problem = None
    if letter_format not in LETTER_FORMATS:
        problem = f"letter format {letter_format[:20]!r}: choose one of {', '.join(LETTER_FORMATS)}"
    elif workers.strip() and not (workers.strip().isdigit() and 1 <= int(workers) <= 64):
        problem = f"workers {workers[:10]!r}: a whole number from 1 to 64, or empty for all cores"
    jobs = _jobs(request)
    with _LOCK:
        if problem is None and run_id in jobs and jobs[run_id].state == "running":
            problem = f"dunning run {run_id} is being executed already"
        if problem is None:
            job = jobs[run_id] = Job()
    if problem is not None:
        return _run_page(request, who, session, run, {name: "" for name in FILTERS}, status_code=422, error=problem)
    threading.Thread(target=_execute, name=f"dunning-run-{run_id}", daemon=True,
                     args=(context(request), job, run_id, who.identity.name, tuple(letter_format.split(",")),
                           int(workers) if workers.strip() else None)).start()
    return RedirectResponse(f"/dunning/{run_id}#progress", status_code=303)


@router.get("/{run_id}/progress")
def progress(request: Request, run_id: int, who: Caller = READER) -> JSONResponse:
    job = _jobs(request).get(run_id)
    document = job.as_document() if job else {"state": "idle"}
    return JSONResponse(document, headers={"Cache-Control": "no-store"})


@router.get("/{run_id}/letters/{letter_id}/{file_format}")
def letter_download(request: Request, run_id: int, letter_id: int, file_format: str, who: Caller = READER,
                    session: Session = DATABASE) -> Response:
    """A letter the run issued, served from the blob store by the hash stored with it."""
    number = session.execute(select(Letter.number).join(DunningAction, DunningAction.letter_id == Letter.id)
                             .where(DunningAction.run_id == run_id, Letter.id == letter_id)).scalars().first()
    stored = letter_file(session, letter_id, file_format) if number and file_format in MEDIA_TYPES else None
    if number is None or stored is None:
        return _not_found(request, who)
    try:
        content = BlobStore(context(request).settings.blob_dir).get(stored[0])
    except BlobError as exc:
        return Response(str(exc), status_code=500, media_type="text/plain; charset=utf-8")
    return Response(content, media_type=MEDIA_TYPES[file_format], headers={
        "Content-Disposition": content_disposition("attachment", f"{number}.{file_format}"),
        "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})
