"""The server-rendered pages: sign-in and sign-out, dashboard, debtor list, debtor page, language choice."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from receivables.domain.aging import BUCKETS
from receivables.services.errors import Refused, UnknownRecord
from receivables.services.overview import dashboard, debtor_list, debtor_overview
from receivables.services.promises import add_promise
from receivables.services.users import SignInThrottled, set_locale, sign_in
from receivables.storage.database import unit_of_work
from receivables.storage.queries.debtor_list import SORTS, DebtorFilter
from receivables.web.charts import bar_chart
from receivables.web.deps import Caller, Forbidden, allowed, check_csrf, context, database, session_data
from receivables.web.i18n import DEFAULT_LOCALE
from receivables.web.render import render, set_session_cookie
from receivables.web.security import SESSION_COOKIE, new_session, safe_next

router = APIRouter(include_in_schema=False)
PUBLIC_PATHS = frozenset({"/signin", "/static"})
"""Paths reachable without signing in (the security tests check that every other route refuses)."""


@router.get("/signin")
def signin_form(request: Request, next: str = "/") -> Response:
    data = session_data(request)
    fresh = data is None or data.user_id is not None
    if fresh:
        data = new_session()
    lang = request.query_params.get("lang")
    return render(request, "signin.html", None, session=data, set_cookie=fresh, next=safe_next(next), error=None,
                  locale=lang if lang in ("zh", "en") else DEFAULT_LOCALE)


@router.post("/signin")
async def signin(request: Request) -> Response:
    data = session_data(request)
    await check_csrf(request, data)
    form = await request.form()
    name, password = str(form.get("user_name", "")), str(form.get("password", ""))
    target = safe_next(str(form.get("next", "/")))
    address = request.client.host if request.client else "unknown"
    web = context(request)
    error, identity = None, None
    try:
        with unit_of_work(web.runtime.sessions) as session:
            identity = sign_in(session, name, password, address)
    except SignInThrottled as exc:
        error = ("throttled", exc.wait_seconds)
    if error is None and identity is None:
        error = ("wrong_credentials", 0)
    if error is not None or identity is None:
        return render(request, "signin.html", None, status_code=401, session=data, next=target, error=error)
    assert identity.user_id is not None
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(request, response, new_session(identity.user_id, identity.session_version))
    return response


@router.post("/signout")
def signout(who: Caller = Depends(allowed("read"))) -> Response:
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/language")
def language(request: Request, locale: str = Form(...), back: str = Form("/"),
             who: Caller = Depends(allowed("read")), session: Session = Depends(database)) -> Response:
    assert who.identity.user_id is not None
    set_locale(session, who.identity.user_id, locale)
    return RedirectResponse(safe_next(back), status_code=303)


@router.get("/")
def dashboard_page(request: Request, who: Caller = Depends(allowed("read")),
                   session: Session = Depends(database)) -> Response:
    board = dashboard(session, who.as_of, context(request).ledger_cache)
    charts = {currency: bar_chart(totals.buckets, BUCKETS) for currency, totals in board.aging.totals.items()}
    return render(request, "dashboard.html", who, board=board, charts=charts)


@router.get("/debtors")
def debtors_page(request: Request, q: str = "", bucket: str = Query("", pattern=r"^[0-9a-z>\-]*$"),
                 status: str = "", segment: str = "", sort: str = "overdue", desc: bool = True,
                 page: int = Query(1, ge=1), per_page: int = Query(50, ge=1, le=500),
                 who: Caller = Depends(allowed("read")), session: Session = Depends(database)) -> Response:
    if sort not in SORTS:
        sort = "overdue"
    if bucket not in BUCKETS:
        bucket = ""
    criteria = DebtorFilter(q[:100], bucket, status[:20], segment[:60])
    listing = debtor_list(session, who.as_of, criteria, context(request).ledger_cache, sort=sort, descending=desc, page=page, per_page=per_page)
    query = {"q": criteria.search, "bucket": bucket, "status": criteria.status, "segment": criteria.segment,
             "sort": sort, "desc": "true" if desc else "false", "per_page": per_page}
    return render(request, "debtors.html", who, listing=listing, criteria=criteria, sort=sort, desc=desc,
                  query=query)


@router.get("/debtors/{code}")
def debtor_page(request: Request, code: str, saved: str = "", who: Caller = Depends(allowed("read")),
                session: Session = Depends(database)) -> Response:
    try:
        page = debtor_overview(session, code, who.as_of)
    except UnknownRecord:
        return render(request, "error.html", who, status_code=404, message="not_found")
    return render(request, "debtor.html", who, page=page, saved=saved, error=None, form={})


@router.post("/debtors/{code}/promises")
def record_promise(request: Request, code: str, amount: str = Form(...), promised_on: str = Form(...),
                   currency: str = Form("CNY"), note: str = Form(""), who: Caller = Depends(allowed("follow_up")),
                   session: Session = Depends(database)) -> Response:
    try:
        value = Decimal(amount.replace(",", "").strip())
        day = date.fromisoformat(promised_on.strip())
        add_promise(session, code, amount=value, promised_on=day, as_of=who.as_of, actor=who.identity.name,
                    currency=currency, note=note.strip()[:300] or None)
    except UnknownRecord:
        return render(request, "error.html", who, status_code=404, message="not_found")
    except (Refused, InvalidOperation, ValueError) as exc:
        session.rollback()
        message = str(exc) if isinstance(exc, Refused) else "amount or date not understood"
        page = debtor_overview(session, code, who.as_of)
        return render(request, "debtor.html", who, status_code=422, page=page, saved="", error=message,
                      form={"amount": amount, "promised_on": promised_on, "currency": currency, "note": note})
    return RedirectResponse(f"/debtors/{quote(code, safe='')}?saved=promise#promises", status_code=303)


def forbidden_page(request: Request, exc: Forbidden) -> Response:
    return render(request, "error.html", None, status_code=403, message="forbidden", detail=exc.message)
