"""The server-rendered pages: sign-in and sign-out, dashboard, debtor list, debtor page, language choice."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from receivables.domain.aging import BUCKETS
from receivables.domain.orgchart import CHANNELS, STANCES
from receivables.domain.orgchart import ROLES as CONTACT_ROLES
from receivables.files.org_chart import tidy_layout
from receivables.services.disputes import RESOLUTIONS, list_disputes, open_dispute, resolve_dispute
from receivables.services.errors import Refused, UnknownRecord
from receivables.services.holds import set_item_hold
from receivables.services.interactions import log_interaction
from receivables.services.orgmap import add_contact, edit_contact
from receivables.services.overview import DebtorPage, dashboard, debtor_list, debtor_overview
from receivables.services.promises import add_promise
from receivables.services.users import SignInThrottled, set_locale, sign_in
from receivables.storage.database import unit_of_work
from receivables.storage.queries.debtor_list import SORTS, DebtorFilter
from receivables.web.charts import bar_chart, line_chart, org_chart
from receivables.web.deps import DATABASE, Caller, Forbidden, allowed, check_csrf, context, session_data
from receivables.web.i18n import DEFAULT_LOCALE
from receivables.web.render import render, set_session_cookie
from receivables.web.security import SESSION_COOKIE, new_session, safe_next

router = APIRouter(include_in_schema=False)
PUBLIC_PATHS = frozenset({"/signin", "/static", "/d"})
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
             who: Caller = Depends(allowed("read")), session: Session = DATABASE) -> Response:
    assert who.identity.user_id is not None
    set_locale(session, who.identity.user_id, locale)
    return RedirectResponse(safe_next(back), status_code=303)


@router.get("/")
def dashboard_page(request: Request, who: Caller = Depends(allowed("read")),
                   session: Session = DATABASE) -> Response:
    board = dashboard(session, who.as_of, context(request).ledger_cache)
    charts = {currency: bar_chart(totals.buckets, BUCKETS) for currency, totals in board.aging.totals.items()}
    trends = {currency: line_chart([(p.on.strftime("%Y-%m"), p.dso_days) for p in points])
              for currency, points in board.dso_trend.items()}
    return render(request, "dashboard.html", who, board=board, charts=charts, trends=trends)


@router.get("/debtors")
def debtors_page(request: Request, q: str = "", bucket: str = Query("", pattern=r"^[0-9a-z>\-]*$"),
                 status: str = "", segment: str = "", collector: str = "", sort: str = "overdue", desc: bool = True,
                 page: int = Query(1, ge=1), per_page: int = Query(50, ge=1, le=500),
                 who: Caller = Depends(allowed("read")), session: Session = DATABASE) -> Response:
    if sort not in SORTS:
        sort = "overdue"
    if bucket not in BUCKETS:
        bucket = ""
    criteria = DebtorFilter(q[:100], bucket, status[:20], segment[:60], collector[:100])
    listing = debtor_list(session, who.as_of, criteria, context(request).ledger_cache, sort=sort, descending=desc, page=page, per_page=per_page)
    query = {"q": criteria.search, "bucket": bucket, "status": criteria.status, "segment": criteria.segment,
             "collector": criteria.collector, "sort": sort, "desc": "true" if desc else "false", "per_page": per_page}
    return render(request, "debtors.html", who, listing=listing, criteria=criteria, sort=sort, desc=desc,
                  query=query)


@router.get("/debtors/{code}")
def debtor_page(request: Request, code: str, saved: str = "", who: Caller = Depends(allowed("read")),
                session: Session = DATABASE) -> Response:
    try:
        page = debtor_overview(session, code, who.as_of)
    except UnknownRecord:
        return render(request, "error.html", who, status_code=404, message="not_found")
    return _debtor_page(request, who, page, saved=saved)


ACTION_ERRORS = (Refused, InvalidOperation, ValueError)


def _debtor_action(request: Request, code: str, who: Caller, session: Session, anchor: str,
                   form: dict[str, str], action: Callable[[], object]) -> Response:
    """Run one change from the debtor page: back to the page at `anchor`, or the page again with the reason
    beside the form that failed (what was typed kept) and nothing written."""
    try:
        action()
    except UnknownRecord as exc:
        session.rollback()
        if str(exc).startswith("no debtor"):
            return render(request, "error.html", who, status_code=404, message="not_found")
        return _page_with_error(request, code, who, session, anchor, str(exc), form)
    except ACTION_ERRORS as exc:
        session.rollback()
        message = str(exc) if isinstance(exc, Refused) else "amount or date not understood"
        return _page_with_error(request, code, who, session, anchor, message, form)
    return RedirectResponse(f"/debtors/{quote(code, safe='')}?saved={anchor}#{anchor}", status_code=303)


def _page_with_error(request: Request, code: str, who: Caller, session: Session, anchor: str, message: str,
                     form: dict[str, str]) -> Response:
    return _debtor_page(request, who, debtor_overview(session, code, who.as_of), status_code=422, error=message,
                        error_at=anchor, form=form)


def _debtor_page(request: Request, who: Caller, page: DebtorPage, *, status_code: int = 200, saved: str = "",
                 error: str | None = None, error_at: str = "", form: dict[str, str] | None = None) -> Response:
    route_ids = frozenset(r.contact_id for r in page.org.route.recipients if r.contact_id is not None)
    picture = org_chart(tidy_layout(page.org.contacts), route_ids)
    return render(request, "debtor.html", who, status_code=status_code, page=page, org_picture=picture,
                  saved=saved, error=error, error_at=error_at, form=form or {}, channels=CHANNELS,
                  roles=CONTACT_ROLES, stances=STANCES, resolutions=RESOLUTIONS)


def _text(value: str, limit: int) -> str | None:
    return value.strip()[:limit] or None


@router.post("/debtors/{code}/promises")
def record_promise(request: Request, code: str, amount: str = Form(...), promised_on: str = Form(...),
                   currency: str = Form("CNY"), note: str = Form(""), who: Caller = Depends(allowed("follow_up")),
                   session: Session = DATABASE) -> Response:
    form = {"amount": amount, "promised_on": promised_on, "currency": currency, "note": note}
    return _debtor_action(request, code, who, session, "promises", form, lambda: add_promise(
        session, code, amount=Decimal(amount.replace(",", "").strip()), promised_on=date.fromisoformat(
            promised_on.strip()), as_of=who.as_of, actor=who.identity.name, currency=currency, note=_text(note, 300)))


CONTACT_FIELDS = ("name", "role", "title", "department", "phone", "mobile", "email", "stance", "reports_to")


@router.post("/debtors/{code}/contacts")
async def add_contact_form(request: Request, code: str, who: Caller = Depends(allowed("follow_up")),
                           session: Session = DATABASE) -> Response:
    form = {k: str(v) for k, v in (await request.form()).items() if k in CONTACT_FIELDS}
    fields = {k: v for k, v in form.items() if v.strip()}
    return _debtor_action(request, code, who, session, "contacts", form,
                          lambda: add_contact(session, code, fields, actor=who.identity.name))


@router.post("/debtors/{code}/contacts/{contact_id}")
async def edit_contact_form(request: Request, code: str, contact_id: int, who: Caller = Depends(allowed("follow_up")),
                            session: Session = DATABASE) -> Response:
    submitted = await request.form()
    form = {k: str(v) for k, v in submitted.items() if k in CONTACT_FIELDS + ("active",)}
    changes: dict[str, object] = {k: v for k, v in form.items() if k in CONTACT_FIELDS and v.strip()}
    changes["active"] = form.get("active") == "on"
    return _debtor_action(request, code, who, session, "contacts", form,
                          lambda: edit_contact(session, code, f"#{contact_id}", changes, actor=who.identity.name))


@router.post("/debtors/{code}/interactions")
def log_interaction_form(request: Request, code: str, channel: str = Form(...), direction: str = Form("outbound"),
                         at: str = Form(...), summary: str = Form(...), contact: str = Form(""),
                         outcome: str = Form(""), next_step: str = Form(""), next_step_on: str = Form(""),
                         override_reason: str = Form(""), who: Caller = Depends(allowed("follow_up")),
                         session: Session = DATABASE) -> Response:
    form = {"channel": channel, "direction": direction, "at": at, "summary": summary, "contact": contact,
            "outcome": outcome, "next_step": next_step, "next_step_on": next_step_on,
            "override_reason": override_reason}
    return _debtor_action(request, code, who, session, "interactions", form, lambda: log_interaction(
        session, code, channel=channel, direction=direction, at=datetime.fromisoformat(at.strip()),
        summary=summary.strip()[:2000], actor=who.identity.name, contact=_text(contact, 100),
        outcome=_text(outcome, 300), next_step=_text(next_step, 300),
        next_step_on=date.fromisoformat(next_step_on) if next_step_on.strip() else None,
        override_reason=_text(override_reason, 300)))


@router.post("/debtors/{code}/disputes")
def open_dispute_form(request: Request, code: str, items: str = Form(...), reason: str = Form(...),
                      who: Caller = Depends(allowed("follow_up")), session: Session = DATABASE) -> Response:
    numbers = [n.strip() for n in items.replace("，", ",").split(",") if n.strip()]
    return _debtor_action(request, code, who, session, "disputes", {"items": items, "reason": reason},
                          lambda: open_dispute(session, code, [(n, None) for n in numbers], reason=reason.strip(),
                                               opened_on=who.as_of, actor=who.identity.name))


@router.post("/debtors/{code}/disputes/{dispute_id}/resolve")
def resolve_dispute_form(request: Request, code: str, dispute_id: int, resolution: str = Form(...),
                         note: str = Form(""), who: Caller = Depends(allowed("follow_up")),
                         session: Session = DATABASE) -> Response:
    def resolve() -> object:
        if all(d.id != dispute_id for d in list_disputes(session, who.as_of, code=code)):
            raise UnknownRecord(f"debtor {code} has no dispute #{dispute_id}")
        return resolve_dispute(session, dispute_id, resolution=resolution, resolved_on=who.as_of,
                               actor=who.identity.name, note=_text(note, 300))
    return _debtor_action(request, code, who, session, "disputes", {"resolution": resolution, "note": note}, resolve)


@router.post("/debtors/{code}/holds")
def hold_item_form(request: Request, code: str, number: str = Form(...), hold: str = Form("1"),
                   reason: str = Form(...), who: Caller = Depends(allowed("follow_up")),
                   session: Session = DATABASE) -> Response:
    return _debtor_action(request, code, who, session, "open-items", {"number": number, "reason": reason},
                          lambda: set_item_hold(session, code, number, hold=hold == "1", reason=reason,
                                                actor=who.identity.name))


def forbidden_page(request: Request, exc: Forbidden) -> Response:
    return render(request, "error.html", None, status_code=403, message="forbidden", detail=exc.message)
