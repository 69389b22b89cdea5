"""The debtor's side: pages under /d/{token} reached through a personal link without signing in, and the
inbox where finance sees the answers given there.

The link token is not a session. Forms are protected like the sign-in form: an anonymous signed session
cookie (HttpOnly, SameSite=Lax) carries a random CSRF token that each form repeats (double submit with a
signed cookie). Failed look-ups are counted per address: after too many, that address is refused for a
while, so tokens cannot be guessed by brute force (256-bit tokens make that hopeless anyway).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from receivables.services.debtor_links import (
    ANSWER_KINDS,
    MAX_LEDGER_BYTES,
    Arrival,
    LinkInvalid,
    confirm_balance,
    dispute_items,
    list_answers,
    mark_handled,
    portal_view,
    promise_to_pay,
    statement_pdf,
    upload_ledger,
)
from receivables.services.errors import Refused, UnknownRecord
from receivables.storage.blobs import BlobStore
from receivables.storage.database import unit_of_work
from receivables.storage.schema.base import utc_now
from receivables.web.deps import DATABASE, Caller, allowed, check_csrf, context, session_data
from receivables.web.i18n import DEFAULT_LOCALE, format_amount, format_date, translator
from receivables.web.render import set_session_cookie
from receivables.web.security import SessionData, new_session

router = APIRouter(include_in_schema=False)
PREFIX = "/d"
FAILURES_ALLOWED = 20
FAILURE_WINDOW_SECONDS = 15 * 60
FORM_OVERHEAD_BYTES = 64 * 1024
MAX_TRACKED_ADDRESSES = 10_000

MESSAGES: dict[str, tuple[str, str]] = {
    "portal_title": ("往来账款在线确认", "Your account with us"),
    "portal_intro": ("这是发给 {name} 的专属链接，有效期至 {until}。请勿转发。",
                     "This personal link is for {name} and valid through {until}. Please do not forward it."),
    "open_items": ("未清项目", "Open items"),
    "number": ("单号", "Number"),
    "issued": ("开票日", "Issued"),
    "due": ("到期日", "Due"),
    "amount": ("金额", "Amount"),
    "open": ("未清金额", "Open"),
    "total_open": ("未清合计", "Total open"),
    "no_open_items": ("没有未清项目。", "Nothing is open."),
    "statement": ("对账单", "Statement"),
    "period": ("期间", "Period"),
    "opening": ("期初余额", "Opening balance"),
    "closing": ("期末余额", "Closing balance"),
    "date": ("日期", "Date"),
    "reference": ("凭证", "Reference"),
    "description": ("摘要", "Description"),
    "debit": ("借方", "Debit"),
    "credit": ("贷方", "Credit"),
    "balance": ("余额", "Balance"),
    "download_pdf": ("下载对账单 PDF", "Download the statement (PDF)"),
    "reply_by": ("请于 {day} 前回复", "Please reply by {day}"),
    "already_answered": ("该对账单已回复：{kind}", "This statement has been answered: {kind}"),
    "confirm_title": ("确认余额", "Confirm the balance"),
    "confirm_text": ("本人代表贵司确认上述余额无误。", "On behalf of my company I confirm the balance above."),
    "signer": ("确认人姓名", "Your name"),
    "confirm_button": ("确认余额", "Confirm balance"),
    "dispute_title": ("对部分项目有异议", "Dispute items"),
    "dispute_text": ("勾选有异议的项目并说明原因。", "Tick the items you dispute and say why."),
    "reason": ("原因", "Reason"),
    "dispute_button": ("提交异议", "Send dispute"),
    "ledger_title": ("上传贵司的往来明细账", "Upload your ledger"),
    "ledger_text": ("CSV 或 XLSX，最大 {mb} MB。", "CSV or XLSX, at most {mb} MB."),
    "file": ("文件", "File"),
    "ledger_button": ("上传", "Upload"),
    "promise_title": ("付款承诺", "Promise to pay"),
    "promise_amount": ("金额", "Amount"),
    "promise_currency": ("币种", "Currency"),
    "promise_date": ("付款日期", "Pay by"),
    "promise_button": ("提交承诺", "Send promise"),
    "thanks_confirmed": ("谢谢，您的余额确认已记录。", "Thank you: your confirmation is recorded."),
    "thanks_disputed": ("谢谢，您的异议已记录，我们会尽快联系您。", "Thank you: your dispute is recorded; we will be in touch."),
    "thanks_ledger": ("谢谢，您的明细账已收到。", "Thank you: your ledger is received."),
    "thanks_promise": ("谢谢，您的付款承诺已记录。", "Thank you: your promise is recorded."),
    "link_invalid": ("此链接无效或已过期", "This link is not valid"),
    "link_invalid_text": ("链接可能已过期、已撤销或输入有误。请联系我司对接人索取新的链接。",
                          ("The link may have expired, been withdrawn or been mistyped. Ask your contact with us "
                           "for a new one.")),
    "too_many": ("尝试次数过多，请稍后再试。", "Too many attempts; please try again later."),
    "inbox": ("客户回复", "Debtor answers"),
    "inbox_intro": ("客户通过专属链接提交的确认、异议、明细账与付款承诺。",
                    "Confirmations, disputes, ledgers and promises sent by debtors through their personal links."),
    "kind": ("类型", "Kind"),
    "kind_confirmed": ("余额确认", "Balance confirmed"),
    "kind_disputed": ("异议", "Dispute"),
    "kind_ledger": ("明细账", "Ledger"),
    "kind_promise": ("付款承诺", "Promise"),
    "answered_at": ("时间 (UTC)", "Time (UTC)"),
    "from_address": ("来源地址", "From"),
    "link": ("链接", "Link"),
    "details": ("内容", "Details"),
    "state": ("状态", "State"),
    "state_open": ("待处理", "Open"),
    "state_handled": ("已处理", "Handled"),
    "state_all": ("全部", "All"),
    "mark_handled": ("标记已处理", "Mark handled"),
    "nothing": ("无", "None"),
    "debtor": ("客户", "Debtor"),
}


def portal_translator(locale: str) -> Callable[..., str]:
    """This module's words first, then the application's."""
    index = 1 if locale == "en" else 0
    fallback = translator(locale)

    def t(key: str, **values: object) -> str:
        entry = MESSAGES.get(key)
        if entry is None:
            return fallback(key, **values)
        return entry[index].format(**values) if values else entry[index]
    return t


class GuessLimiter:
    """Failed link look-ups per client address in a sliding window (per worker process)."""

    def __init__(self, allowed: int = FAILURES_ALLOWED, window: float = FAILURE_WINDOW_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.allowed, self.window, self.clock = allowed, window, clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, address: str) -> deque[float]:
        found = self._failures.setdefault(address, deque())
        horizon = self.clock() - self.window
        while found and found[0] < horizon:
            found.popleft()
        return found

    def blocked(self, address: str) -> bool:
        with self._lock:
            return len(self._recent(address)) >= self.allowed

    def failed(self, address: str) -> None:
        with self._lock:
            if len(self._failures) > MAX_TRACKED_ADDRESSES:  # forget addresses whose failures have aged out
                for stale in [a for a in self._failures if not self._recent(a)]:
                    del self._failures[stale]
            self._recent(address).append(self.clock())


def _limiter(request: Request) -> GuessLimiter:
    state = request.app.state
    if not hasattr(state, "debtor_link_limiter"):
        state.debtor_link_limiter = GuessLimiter()
    limiter = state.debtor_link_limiter
    assert isinstance(limiter, GuessLimiter)
    return limiter


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _locale(value: str | None) -> str:
    return value if value in ("zh", "en") else DEFAULT_LOCALE


def _page(request: Request, name: str, locale: str, *, status_code: int = 200, who: Caller | None = None,
          session: SessionData | None = None, set_cookie: bool = False, **values: Any) -> HTMLResponse:
    web = context(request)
    active = session or (who.session if who else None)
    html = web.templates.get_template(name).render(
        t=portal_translator(locale), locale=locale, who=who, csrf_token=active.csrf if active else "",
        amount=lambda a: format_amount(a, locale), day=lambda d: format_date(d, locale), path=request.url.path,
        **values)
    response = HTMLResponse(html, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the token is in the address: never pass it on
    response.headers["X-Robots-Tag"] = "noindex"
    if set_cookie and session is not None:
        set_session_cookie(request, response, session)
    return response


def _refusal(request: Request, locale: str, *, too_many: bool = False) -> HTMLResponse:
    """One answer for an unknown, expired or revoked link (which of them is not told)."""
    return _page(request, "portal_invalid.html", locale, status_code=429 if too_many else 404, too_many=too_many)


def _arrival(request: Request) -> Arrival:
    return Arrival(utc_now(), _address(request), context(request).today())


def _blobs(request: Request) -> BlobStore:
    return BlobStore(context(request).settings.blob_dir)


@router.get(PREFIX + "/{token}")
def portal(request: Request, token: str, lang: str = "", done: str = "", error: str = "") -> Response:
    locale = _locale(lang)
    address = _address(request)
    if _limiter(request).blocked(address):
        return _refusal(request, locale, too_many=True)
    web = context(request)
    try:
        with unit_of_work(web.runtime.sessions) as session:
            view = portal_view(session, token, web.today())
    except LinkInvalid:
        _limiter(request).failed(address)
        return _refusal(request, locale)
    data = session_data(request)
    fresh = data is None
    data = data or new_session()
    return _page(request, "portal.html", locale, session=data, set_cookie=fresh, view=view, token=token,
                 done=done if done in ANSWER_KINDS else "", error=error[:300],
                 max_mb=MAX_LEDGER_BYTES // (1024 * 1024))


@router.get(PREFIX + "/{token}/statement.pdf")
def portal_statement_pdf(request: Request, token: str, lang: str = "") -> Response:
    address = _address(request)
    if _limiter(request).blocked(address):
        return _refusal(request, _locale(lang), too_many=True)
    web = context(request)
    try:
        with unit_of_work(web.runtime.sessions) as session:
            name, content = statement_pdf(session, token, web.today(), _blobs(request))
    except LinkInvalid:
        _limiter(request).failed(address)
        return _refusal(request, _locale(lang))
    except UnknownRecord:
        return _refusal(request, _locale(lang))
    return Response(content, media_type="application/pdf", headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}", "Cache-Control": "no-store",
        "Referrer-Policy": "no-referrer", "X-Content-Type-Options": "nosniff"})


async def _answer(request: Request, token: str, kind: str,
                  action: Callable[[Session, dict[str, Any]], object]) -> Response:
    """Run one answer: back to the page with a thank-you, or with the reason and nothing written."""
    form = await request.form(max_files=1, max_fields=200)
    values: dict[str, Any] = {"items": [str(v) for v in form.getlist("item")],
                              **{k: v for k, v in form.items() if k != "item"}}
    locale = _locale(str(values.get("lang", "")))
    address = _address(request)
    if _limiter(request).blocked(address):
        return _refusal(request, locale, too_many=True)
    web = context(request)
    try:
        with unit_of_work(web.runtime.sessions) as session:
            portal_view(session, token, web.today())  # the link first: a bad one is a 404, not a CSRF error
    except LinkInvalid:
        _limiter(request).failed(address)
        return _refusal(request, locale)
    await check_csrf(request, session_data(request))
    back = f"{PREFIX}/{quote(token, safe='')}?lang={locale}"
    try:
        with unit_of_work(web.runtime.sessions) as session:
            action(session, values)
    except LinkInvalid:
        return _refusal(request, locale)
    except (Refused, InvalidOperation, ValueError) as exc:
        message = str(exc) if isinstance(exc, Refused) else "amount or date not understood"
        return RedirectResponse(f"{back}&error={quote(message[:300])}#{kind}", status_code=303)
    return RedirectResponse(f"{back}&done={kind}#top", status_code=303)


@router.post(PREFIX + "/{token}/confirm")
async def portal_confirm(request: Request, token: str) -> Response:
    arrival = _arrival(request)
    return await _answer(request, token, "confirmed", lambda session, form: confirm_balance(
        session, token, signer=str(form.get("signer", "")), arrival=arrival, blobs=_blobs(request)))


@router.post(PREFIX + "/{token}/dispute")
async def portal_dispute(request: Request, token: str) -> Response:
    arrival = _arrival(request)
    return await _answer(request, token, "disputed", lambda session, form: dispute_items(
        session, token, form["items"], reason=str(form.get("reason", "")), arrival=arrival))


@router.post(PREFIX + "/{token}/promise")
async def portal_promise(request: Request, token: str) -> Response:
    arrival = _arrival(request)
    return await _answer(request, token, "promise", lambda session, form: promise_to_pay(
        session, token, amount=Decimal(str(form.get("amount", "")).replace(",", "").strip()),
        promised_on=date.fromisoformat(str(form.get("promised_on", "")).strip()), arrival=arrival,
        currency=str(form.get("currency", "CNY"))[:3] or "CNY", note=None))


@router.post(PREFIX + "/{token}/ledger")
async def portal_ledger(request: Request, token: str) -> Response:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_LEDGER_BYTES + FORM_OVERHEAD_BYTES:
        return Response(f"the file is larger than {MAX_LEDGER_BYTES // (1024 * 1024)} MB", status_code=413,
                        media_type="text/plain")
    arrival = _arrival(request)
    form = await request.form(max_files=1, max_fields=20)
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        content, name = b"", ""
    else:
        content, name = await upload.read(MAX_LEDGER_BYTES + 1), upload.filename or ""
    return await _answer(request, token, "ledger", lambda session, _: upload_ledger(
        session, token, content, name, arrival=arrival, blobs=_blobs(request)))


@router.get("/inbox")
def inbox(request: Request, state: str = "open", kind: str = "", who: Caller = Depends(allowed("read")),
          session: Session = DATABASE) -> Response:
    state = state if state in ("open", "handled", "all") else "open"
    chosen = kind if kind in ANSWER_KINDS else None
    answers = list_answers(session, state=state, kind=chosen)
    return _page(request, "inbox.html", who.identity.locale, who=who, answers=answers, state=state,
                 kind=chosen or "", kinds=ANSWER_KINDS)


@router.post("/inbox/{answer_id}/handled")
def inbox_handled(request: Request, answer_id: int, note: str = Form(""), who: Caller = Depends(allowed("follow_up")),
                  session: Session = DATABASE) -> Response:
    mark_handled(session, answer_id, at=utc_now(), actor=who.identity.name, note=note)
    return RedirectResponse("/inbox", status_code=303)


@router.get("/inbox/{answer_id}/file")
def inbox_file(request: Request, answer_id: int, who: Caller = Depends(allowed("read")),
               session: Session = DATABASE) -> Response:
    found = list_answers(session, answer_id=answer_id)
    if not found or found[0].file_sha256 is None:
        raise UnknownRecord(f"answer #{answer_id} has no file")
    answer = found[0]
    media = "application/pdf" if answer.kind == "confirmed" else "application/octet-stream"
    return Response(_blobs(request).get(answer.file_sha256 or ""), media_type=media, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(answer.file_name or 'file')}",
        "X-Content-Type-Options": "nosniff"})
