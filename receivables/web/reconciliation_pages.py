"""The reconciliation pages: statements by status, one statement with its movements and the debtor's response
(with the signed slip), and matching a debtor's uploaded ledger against ours with the XLSX report."""

from __future__ import annotations

import hashlib
import re
import tempfile
from collections import Counter
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from receivables.domain.dates import parse_date
from receivables.services.errors import Refused, UnknownRecord
from receivables.services.reconcile import MatchRun, match_debtor_ledger
from receivables.services.statement_responses import (
    MAX_SLIP_BYTES,
    RESPONSE_KINDS,
    StatementRow,
    find_statement,
    list_statements,
    record_response,
)
from receivables.storage.blobs import BlobStore
from receivables.storage.schema.reconciliation import StatementResponse
from receivables.web.deps import DATABASE, Caller, Forbidden, allowed, context
from receivables.web.legal_pages import content_disposition
from receivables.web.render import render

router = APIRouter(include_in_schema=False)

RECONCILERS = ("finance",)
"""Who records responses and matches ledgers (admin always may)."""
STATUSES = ("to_send", "sent", "confirmed", "disputed", "no_reply")
MAX_LEDGER_BYTES = 10 * 1024 * 1024
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_REPORT_NAME = re.compile(r"^[0-9a-f]{64}$")


def _role(*roles: str) -> Any:
    async def check(who: Caller = Depends(allowed("read"))) -> Caller:
        if who.identity.role != "admin" and who.identity.role not in roles:
            raise Forbidden(f"the role {who.identity.role} may not do this")
        return who
    check.__name__ = f"role_{'_'.join(roles)}"
    return Depends(check)


READER = Depends(allowed("read"))
RECONCILER = _role(*RECONCILERS)


def _may_reconcile(who: Caller) -> bool:
    return who.identity.role == "admin" or who.identity.role in RECONCILERS


def statement_status(row: StatementRow, as_of: date) -> str:
    """Where a statement stands: answered (confirmed / disputed), not yet out (to send), awaiting its reply
    (sent) or past its reply date without one (no reply)."""
    if row.response is not None:
        return row.response
    if row.email in ("not_sent", "failed"):
        return "to_send"
    return "no_reply" if row.reply_due_on < as_of else "sent"


def _reports_dir(request: Request) -> Path:
    return context(request).settings.home / "reconcile_reports"


# Statements ---------------------------------------------------------------------------------------------


@router.get("/reconciliations")
def statements_page(request: Request, status: str = "", debtor: str = "", who: Caller = READER,
                    session: Session = DATABASE) -> Response:
    code = debtor.strip()[:60]
    rows = [(row, statement_status(row, who.as_of)) for row in list_statements(session)
            if not code or code.lower() in row.debtor.lower() or code in row.debtor_name]
    counts = Counter(state for _, state in rows)
    shown = [(row, state) for row, state in rows if not status or state == status]
    return render(request, "recon.html", who, rows=shown, counts=counts, statuses=STATUSES, status=status,
                  debtor=code, may_reconcile=_may_reconcile(who))


def _statement_page(request: Request, who: Caller, session: Session, number: str, *, status_code: int = 200,
                    error: str | None = None, form: dict[str, str] | None = None, saved: bool = False) -> Response:
    try:
        statement, letter = find_statement(session, number)
    except UnknownRecord:
        return render(request, "error.html", who, status_code=404, message="not_found")
    response = session.execute(select(StatementResponse).where(StatementResponse.statement_id == statement.id)
                               ).scalar_one_or_none()
    row = next(r for r in list_statements(session, debtor_code=str(letter.data.get("debtor", {}).get("code")))
               if r.id == statement.id)
    return render(request, "recon_statement.html", who, status_code=status_code, statement=statement,
                  letter=letter, row=row, state=statement_status(row, who.as_of), response=response,
                  movements=letter.data.get("movements", []), kinds=RESPONSE_KINDS, error=error, form=form or {},
                  saved=saved, may_reconcile=_may_reconcile(who), max_mb=MAX_SLIP_BYTES // 2**20)


@router.get("/reconciliations/statements/{number}")
def statement_page(request: Request, number: str, saved: str = "", who: Caller = READER,
                   session: Session = DATABASE) -> Response:
    return _statement_page(request, who, session, number, saved=bool(saved))


async def _read_limited(upload: UploadFile, limit: int, what: str) -> bytes:
    content = await upload.read(limit + 1)
    if len(content) > limit:
        raise Refused(f"{what} {upload.filename or ''}".strip() + f" is larger than {limit / 2**20:g} MB")
    return content


def _amount(text: str, field: str) -> Decimal | None:
    if not text.strip():
        return None
    try:
        value = Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        raise Refused(f"{field}: {text.strip()!r} is not an amount") from None
    if not value.is_finite():
        raise Refused(f"{field}: {text.strip()!r} is not an amount")
    return value


def _day(text: str, field: str) -> date:
    try:
        return parse_date(text.strip())
    except ValueError as exc:
        raise Refused(f"{field}: {exc}") from None


@router.post("/reconciliations/statements/{number}/response")
async def record_response_form(request: Request, number: str, kind: str = Form(...), responded_on: str = Form(""),
                               signer: str = Form(""), their_balance: str = Form(""), notes: str = Form(""),
                               slip: UploadFile | None = File(None), who: Caller = RECONCILER,
                               session: Session = DATABASE) -> Response:
    form = {"kind": kind, "responded_on": responded_on, "signer": signer, "their_balance": their_balance,
            "notes": notes}
    try:
        slip_name = (slip.filename or "slip")[:200] if slip is not None and slip.filename else None
        content = await _read_limited(slip, MAX_SLIP_BYTES, "slip") if slip is not None and slip_name else None
        record_response(session, number, kind=kind, responded_on=_day(responded_on, "responded on"),
                        actor=who.identity.name, blobs=BlobStore(context(request).settings.blob_dir),
                        signer=signer[:200] or None, slip=content or None,
                        slip_name=slip_name if content else None,
                        their_balance=_amount(their_balance, "their balance"), notes=notes[:1000] or None)
    except UnknownRecord:
        return render(request, "error.html", who, status_code=404, message="not_found")
    except Refused as exc:
        session.rollback()
        return _statement_page(request, who, session, number, status_code=422, error=str(exc), form=form)
    return RedirectResponse(f"/reconciliations/statements/{number}?saved=1", status_code=303)


# Matching the debtor's ledger ----------------------------------------------------------------------------


@router.get("/reconciliations/match")
def match_page(request: Request, debtor: str = "", who: Caller = RECONCILER) -> Response:
    return _match_page(request, who, form={"debtor": debtor.strip()[:60]})


def _match_page(request: Request, who: Caller, *, status_code: int = 200, form: dict[str, str],
                run: MatchRun | None = None, report: str | None = None, error: str | None = None,
                their_name: str = "") -> Response:
    return render(request, "recon_match.html", who, status_code=status_code, form=form, run=run, report=report,
                  error=error, their_name=their_name, summary=_summary(run) if run else None,
                  may_reconcile=True, max_mb=MAX_LEDGER_BYTES // 2**20)


def _ledger_suffix(content: bytes, name: str) -> str:
    """The file's kind from its content (never its name): an XLSX workbook (a ZIP) or text (CSV)."""
    if not content:
        raise Refused(f"ledger {name} is empty")
    if content.startswith(b"PK\x03\x04"):
        return ".xlsx"
    if b"\x00" in content[:4096]:
        raise Refused(f"ledger {name} is neither CSV text nor an XLSX workbook")
    return ".csv"


@router.post("/reconciliations/match")
async def match_form(request: Request, debtor: str = Form(...), as_of: str = Form(""), currency: str = Form(""),
                     window_days: int = Form(7), ledger: UploadFile = File(...), who: Caller = RECONCILER,
                     session: Session = DATABASE) -> Response:
    name = (ledger.filename or "ledger")[:200]
    form = {"debtor": debtor.strip()[:60], "as_of": as_of, "currency": currency, "window_days": str(window_days)}
    try:
        content = await _read_limited(ledger, MAX_LEDGER_BYTES, "ledger")
        suffix = _ledger_suffix(content, name)
        on = _day(as_of, "as of") if as_of.strip() else who.as_of
        with tempfile.TemporaryDirectory() as work:
            their_file = Path(work) / f"their-ledger{suffix}"
            their_file.write_bytes(content)
            report_file = Path(work) / "report.xlsx"
            try:
                run = match_debtor_ledger(session, form["debtor"], their_file, as_of=on, actor=who.identity.name,
                                          window_days=window_days, currency=currency.strip()[:3] or None,
                                          report=report_file)
            except Refused as exc:
                raise Refused(str(exc).replace(str(their_file), name)) from None
            report = _keep_report(request, report_file.read_bytes())
    except Refused as exc:
        session.rollback()
        return _match_page(request, who, status_code=422, form=form, error=str(exc))
    return _match_page(request, who, form=form, run=run, report=report, their_name=name)


def _summary(run: MatchRun) -> dict[str, Any]:
    result = run.result
    return {"our_balance": result.our_balance, "their_balance": result.their_balance,
            "difference": result.difference, "explained": result.explained, "matched": len(result.matched)}


def _keep_report(request: Request, content: bytes) -> str:
    """Keep the report under its SHA-256 so the page can offer it for download; the name is ours, not the user's."""
    digest = hashlib.sha256(content).hexdigest()
    folder = _reports_dir(request)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{digest}.xlsx"
    if not target.exists():
        target.write_bytes(content)
    return digest


@router.get("/reconciliations/reports/{digest}.xlsx")
def report_download(request: Request, digest: str, debtor: str = "", who: Caller = RECONCILER) -> Response:
    path = _reports_dir(request) / f"{digest}.xlsx"
    if not _REPORT_NAME.match(digest) or not path.is_file():
        return render(request, "error.html", who, status_code=404, message="not_found")
    filename = f"对账结果-{re.sub(r'[^A-Za-z0-9_-]', '_', debtor)[:40] or 'report'}.xlsx"
    return Response(path.read_bytes(), media_type=XLSX_MEDIA_TYPE, headers={
        "Content-Disposition": content_disposition("attachment", filename),
        "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})
