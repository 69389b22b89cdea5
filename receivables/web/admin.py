"""The administration pages (/admin, administrators only): users and roles, rate tables with an interest
preview, the holiday calendar, letter templates with versions and a PDF preview, mail settings with a test
e-mail, the audit log, and the dunning policies."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from receivables.domain.calendar import ScheduleError
from receivables.domain.dates import parse_date
from receivables.domain.interest import RULE_FORMS, InterestResult
from receivables.domain.rates import SERIES, RateError, parse_percent
from receivables.services import template_versions as templates
from receivables.services.administration import (
    MAX_SCHEDULE_BYTES,
    add_holiday_year,
    check_day,
    holiday_years,
    interest_preview,
    send_test_mail,
    smtp_view,
)
from receivables.services.dunning.policies import import_policy, policy_book, policy_yaml
from receivables.services.errors import Refused, UnknownRecord
from receivables.services.rates import add_fixing, list_fixings
from receivables.services.users import (
    LOCALES,
    ROLES,
    add_user,
    disable_user,
    enable_user,
    generate_password,
    list_accounts,
    set_password,
    set_role,
)
from receivables.storage.queries.audit_log import AuditFilter, audit_entities, audit_page
from receivables.web.deps import DATABASE, Caller, allowed, context
from receivables.web.render import render

router = APIRouter(prefix="/admin", include_in_schema=False)
ADMIN = Depends(allowed("admin"))
DEFAULT_RULE = "lpr-floating:1"
DEFAULT_PRINCIPAL = "100000.00"
MAX_POLICY_BYTES = 256 * 1024


def _back(path: str, **query: object) -> RedirectResponse:
    shown = {k: v for k, v in query.items() if v not in (None, "")}
    return RedirectResponse(path + (f"?{urlencode(shown)}" if shown else ""), status_code=303)


def _day(text: str) -> date | None:
    """A date typed in a form; None when empty, ValueError (as Refused) when not a date."""
    if not text.strip():
        return None
    try:
        return parse_date(text.strip())
    except ValueError as exc:
        raise Refused(str(exc)) from None


@router.get("")
def admin_home(request: Request, who: Caller = ADMIN) -> Response:
    return render(request, "admin_home.html", who)


# Users and roles -------------------------------------------------------------------------------------


def _users_page(request: Request, who: Caller, session: Session, *, status_code: int = 200,
                error: str | None = None, shown_password: tuple[str, str] | None = None, done: str = "",
                form: dict[str, str] | None = None) -> Response:
    return render(request, "admin_users.html", who, status_code=status_code, accounts=list_accounts(session),
                  roles=ROLES, locales=LOCALES, error=error, shown_password=shown_password, done=done,
                  form=form or {})


def _user_change(request: Request, who: Caller, session: Session, change: Callable[[], Any], *,
                 done: str, shown_password: tuple[str, str] | None = None,
                 form: dict[str, str] | None = None) -> Response:
    """Run one change to users; the page again with the outcome (a refusal rolls everything back)."""
    try:
        change()
    except Refused as exc:
        session.rollback()
        return _users_page(request, who, session, status_code=422, error=str(exc), form=form)
    if shown_password is not None:
        # The only time the password is shown: the page is answered directly, never through a redirect URL.
        return _users_page(request, who, session, shown_password=shown_password, done=done)
    return _back("/admin/users", done=done)


@router.get("/users")
def users_page(request: Request, done: str = "", who: Caller = ADMIN,
               session: Session = DATABASE) -> Response:
    return _users_page(request, who, session, done=done[:40])


@router.post("/users")
def add_user_form(request: Request, name: str = Form(...), role: str = Form(...), locale: str = Form("zh"),
                  password: str = Form(""), who: Caller = ADMIN, session: Session = DATABASE) -> Response:
    chosen = password or generate_password()
    return _user_change(request, who, session, lambda: add_user(session, name, role, chosen,
                                                                actor=who.identity.name, locale=locale),
                        done="user_added", shown_password=None if password else (name.strip(), chosen),
                        form={"name": name, "role": role, "locale": locale})


@router.post("/users/{name}/role")
def change_role_form(request: Request, name: str, role: str = Form(...), who: Caller = ADMIN,
                     session: Session = DATABASE) -> Response:
    return _user_change(request, who, session, lambda: set_role(session, name, role, actor=who.identity.name),
                        done="role_changed")


@router.post("/users/{name}/password")
def reset_password_form(request: Request, name: str, password: str = Form(""), who: Caller = ADMIN,
                        session: Session = DATABASE) -> Response:
    chosen = password or generate_password()
    return _user_change(request, who, session, lambda: set_password(session, name, chosen,
                                                                    actor=who.identity.name),
                        done="password_reset", shown_password=None if password else (name, chosen))


@router.post("/users/{name}/active")
def set_active_form(request: Request, name: str, active: str = Form(...), who: Caller = ADMIN,
                    session: Session = DATABASE) -> Response:
    def change() -> None:
        if active == "0":
            if name == who.identity.name:
                raise Refused("you cannot disable yourself; another administrator can")
            disable_user(session, name, actor=who.identity.name)
        else:
            enable_user(session, name, actor=who.identity.name)
    return _user_change(request, who, session, change, done="user_disabled" if active == "0" else "user_enabled")


# Rate tables and the interest preview ------------------------------------------------------------------


def _preview(session: Session, principal: str, first: str, last: str, rule: str,
             currency: str) -> tuple[InterestResult | None, str | None]:
    try:
        first_day, last_day = _day(first), _day(last)
        if first_day is None or last_day is None:
            raise Refused("give the first and the last day of delay")
        return interest_preview(session, principal, first_day, last_day, rule, currency=currency), None
    except Refused as exc:
        return None, str(exc)


def _rates_page(request: Request, who: Caller, session: Session, *, series: str, preview: dict[str, str],
                status_code: int = 200, error: str | None = None, done: str = "",
                form: dict[str, str] | None = None) -> Response:
    if series not in SERIES:
        series = "cn_lpr_1y"
    result, preview_error = _preview(session, **preview)
    fixings = sorted(list_fixings(session, series), key=lambda f: f.effective_on, reverse=True)
    return render(request, "admin_rates.html", who, status_code=status_code, series=series, all_series=SERIES,
                  fixings=fixings, preview=preview, result=result, preview_error=preview_error, error=error,
                  done=done, form=form or {}, rule_forms=RULE_FORMS)


def _preview_query(as_of: date, principal: str, first: str, last: str, rule: str,
                   currency: str) -> dict[str, str]:
    return {"principal": principal.strip()[:30] or DEFAULT_PRINCIPAL,
            "first": first.strip()[:10] or (as_of - timedelta(days=364)).isoformat(),
            "last": last.strip()[:10] or as_of.isoformat(), "rule": rule.strip()[:40] or DEFAULT_RULE,
            "currency": currency.strip()[:3]}


@router.get("/rates")
def rates_page(request: Request, series: str = "cn_lpr_1y", principal: str = "", first: str = "", last: str = "",
               rule: str = "", currency: str = "", done: str = "", who: Caller = ADMIN,
               session: Session = DATABASE) -> Response:
    preview = _preview_query(who.as_of, principal, first, last, rule, currency)
    return _rates_page(request, who, session, series=series, preview=preview, done=done[:40])


@router.post("/rates")
def add_fixing_form(request: Request, series: str = Form(...), effective_on: str = Form(...),
                    percent: str = Form(...), source: str = Form(""), principal: str = Form(""),
                    first: str = Form(""), last: str = Form(""), rule: str = Form(""), currency: str = Form(""),
                    who: Caller = ADMIN, session: Session = DATABASE) -> Response:
    preview = _preview_query(who.as_of, principal, first, last, rule, currency)
    try:
        day = _day(effective_on)
        if day is None:
            raise Refused("give the date the fixing takes effect")
        add_fixing(session, series, day, parse_percent(percent), actor=who.identity.name, source=source)
    except (Refused, RateError) as exc:
        session.rollback()
        return _rates_page(request, who, session, series=series, preview=preview, status_code=422, error=str(exc),
                           form={"effective_on": effective_on, "percent": percent, "source": source})
    return _back("/admin/rates", series=series, done="fixing_added", **preview)


# Holiday calendar ---------------------------------------------------------------------------------------


def _holidays_page(request: Request, who: Caller, *, year: int | None, day: str, status_code: int = 200,
                   error: str | None = None, done: str = "") -> Response:
    web = context(request)
    loaded, checked, day_error = [], None, None
    try:
        loaded = holiday_years(web.settings.home)
        chosen = _day(day)
        checked = check_day(web.settings.home, chosen) if chosen else None
    except (Refused, ScheduleError, ValueError) as exc:
        day_error = str(exc)
    detail = next((e for e in loaded if e.schedule.year == year), None) if year else None
    return render(request, "admin_holidays.html", who, status_code=status_code, loaded=loaded, detail=detail,
                  checked=checked, day_text=day, day_error=day_error, error=error, done=done)


@router.get("/holidays")
def holidays_page(request: Request, year: int | None = Query(None, ge=1900, le=2200), day: str = "",
                  done: str = "", who: Caller = ADMIN) -> Response:
    return _holidays_page(request, who, year=year, day=day[:20], done=done[:40])


@router.post("/holidays")
async def add_holiday_year_form(request: Request, schedule: UploadFile = File(...), who: Caller = ADMIN,
                                session: Session = DATABASE) -> Response:
    content = await schedule.read(MAX_SCHEDULE_BYTES + 1)  # enough to tell that a file is too large
    try:
        added = add_holiday_year(session, context(request).settings.home, schedule.filename or "", content,
                                 actor=who.identity.name)
    except Refused as exc:
        session.rollback()
        return _holidays_page(request, who, year=None, day="", status_code=422, error=str(exc))
    return _back("/admin/holidays", year=added.year, done="year_added")


# Letter templates ---------------------------------------------------------------------------------------


def _template_path(locale: str, name: str) -> str:
    return f"/admin/templates/{quote(locale, safe='')}/{quote(name, safe='')}"


@router.get("/templates")
def templates_page(request: Request, who: Caller = ADMIN, session: Session = DATABASE) -> Response:
    user_dir = context(request).settings.user_templates_dir
    return render(request, "admin_templates.html", who, entries=templates.template_entries(session, user_dir))


def _editor(request: Request, who: Caller, session: Session, locale: str, name: str, *, text: str | None = None,
            status_code: int = 200, problems: list[str] | None = None, saved: int | None = None) -> Response:
    user_dir = context(request).settings.user_templates_dir
    try:
        info, current = templates.current_template(user_dir, name, locale)
    except UnknownRecord:
        return render(request, "error.html", who, status_code=404, message="not_found")
    return render(request, "admin_template_edit.html", who, status_code=status_code, info=info,
                  text=current if text is None else text, problems=problems or [], saved=saved,
                  origin=templates.template_origin(info, user_dir),
                  versions=templates.template_versions(session, name, locale), base=_template_path(locale, name))


@router.get("/templates/{locale}/{name}")
def template_page(request: Request, locale: str, name: str, saved: int | None = None, who: Caller = ADMIN,
                  session: Session = DATABASE) -> Response:
    return _editor(request, who, session, locale, name, saved=saved)


@router.post("/templates/{locale}/{name}")
def save_template_form(request: Request, locale: str, name: str, text: str = Form(...), who: Caller = ADMIN,
                       session: Session = DATABASE) -> Response:
    try:
        version = templates.save_template(session, context(request).settings.user_templates_dir, name, locale,
                                          text, actor=who.identity.name)
    except UnknownRecord:
        return render(request, "error.html", who, status_code=404, message="not_found")
    except templates.TemplateRefused as exc:
        session.rollback()
        return _editor(request, who, session, locale, name, text=text, status_code=422, problems=list(exc.problems))
    return RedirectResponse(f"{_template_path(locale, name)}?saved={version}", status_code=303)


def _pdf_or_problems(request: Request, who: Caller, make: Callable[[], bytes]) -> Response:
    """The PDF shown inline in the editor's frame, or a small page naming each mistake (and its line)."""
    try:
        pdf = make()
    except UnknownRecord:
        return render(request, "error.html", who, status_code=404, message="not_found")
    except templates.TemplateRefused as exc:
        return render(request, "admin_template_problems.html", who, status_code=422, problems=exc.problems)
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": 'inline; filename="preview.pdf"', "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff"})


@router.get("/templates/{locale}/{name}/preview.pdf")
def template_preview(request: Request, locale: str, name: str, version: int | None = None, who: Caller = ADMIN,
                     session: Session = DATABASE) -> Response:
    user_dir = context(request).settings.user_templates_dir

    def make() -> bytes:
        text = (templates.version_text(session, name, locale, version) if version is not None
                else templates.current_template(user_dir, name, locale)[1])
        return templates.preview_pdf(user_dir, name, locale, text)
    return _pdf_or_problems(request, who, make)


@router.post("/templates/{locale}/{name}/preview")
def template_live_preview(request: Request, locale: str, name: str, text: str = Form(...),
                          who: Caller = ADMIN) -> Response:
    user_dir = context(request).settings.user_templates_dir
    return _pdf_or_problems(request, who, lambda: templates.preview_pdf(user_dir, name, locale, text))


@router.get("/templates/{locale}/{name}/versions/{version}")
def template_version_page(request: Request, locale: str, name: str, version: int, who: Caller = ADMIN,
                          session: Session = DATABASE) -> Response:
    try:
        text = templates.version_text(session, name, locale, version)
    except UnknownRecord:
        return render(request, "error.html", who, status_code=404, message="not_found")
    found = next(v for v in templates.template_versions(session, name, locale) if v.version == version)
    return render(request, "admin_template_version.html", who, template_locale=locale, template_name=name,
                  version=found, text=text,
                  base=_template_path(locale, name))


@router.post("/templates/{locale}/{name}/versions/{version}/restore")
def restore_template_form(request: Request, locale: str, name: str, version: int, who: Caller = ADMIN,
                          session: Session = DATABASE) -> Response:
    try:
        restored = templates.restore_version(session, context(request).settings.user_templates_dir, name, locale,
                                             version, actor=who.identity.name)
    except UnknownRecord:
        return render(request, "error.html", who, status_code=404, message="not_found")
    except templates.TemplateRefused as exc:
        session.rollback()
        return _editor(request, who, session, locale, name, status_code=422, problems=list(exc.problems))
    return RedirectResponse(f"{_template_path(locale, name)}?saved={restored}", status_code=303)


# Mail settings and the test e-mail ------------------------------------------------------------------------


def _mail_page(request: Request, who: Caller, *, status_code: int = 200, sent: str | None = None,
               error: str | None = None, to: str = "") -> Response:
    settings, settings_error = None, None
    try:
        settings = smtp_view(os.environ)
    except Refused as exc:
        settings_error = str(exc)
    return render(request, "admin_mail.html", who, status_code=status_code, smtp=settings,
                  settings_error=settings_error, sent=sent, error=error, to=to)


@router.get("/mail")
def mail_page(request: Request, who: Caller = ADMIN) -> Response:
    return _mail_page(request, who)


@router.post("/mail/test")
def test_mail_form(request: Request, to: str = Form(...), who: Caller = ADMIN,
                   session: Session = DATABASE) -> Response:
    try:
        message_id = send_test_mail(session, os.environ, to[:320], actor=who.identity.name)
    except Refused as exc:
        # The failed attempt's audit entry is kept: the transaction still commits.
        return _mail_page(request, who, status_code=422, error=str(exc), to=to[:320])
    return _mail_page(request, who, sent=message_id, to=to[:320])


# The audit log -----------------------------------------------------------------------------------------------


@router.get("/audit")
def audit_log_page(request: Request, actor: str = "", action: str = "", entity: str = "", key: str = "",
                   first: str = "", last: str = "", page: int = Query(1, ge=1, le=100_000),
                   per_page: int = Query(50, ge=10, le=500), who: Caller = ADMIN,
                   session: Session = DATABASE) -> Response:
    error = None
    try:
        first_day, last_day = _day(first), _day(last)
    except Refused as exc:
        first_day = last_day = None
        error = str(exc)
    criteria = AuditFilter(actor.strip()[:100], action.strip()[:60], entity.strip()[:40], key.strip()[:200],
                           first_day, last_day)
    listing = audit_page(session, criteria, page=page, per_page=per_page)
    query = {"actor": criteria.actor, "action": criteria.action, "entity": criteria.entity,
             "key": criteria.entity_key, "first": first[:10], "last": last[:10], "per_page": per_page}
    return render(request, "admin_audit.html", who, status_code=422 if error else 200, listing=listing,
                  criteria=criteria, query=query, first=first[:10], last=last[:10], error=error,
                  entities=audit_entities(session), actors=[a.name for a in list_accounts(session)])


# Dunning policies (read-only here; a new or changed policy comes in as its YAML file) ----------------------


def _policies_page(request: Request, who: Caller, session: Session, *, status_code: int = 200,
                   error: str | None = None, done: str = "") -> Response:
    # policy_book, not list_policies: showing the page must not store the shipped default.
    book = policy_book(session)
    return render(request, "admin_policies.html", who, status_code=status_code,
                  policies=list(book.policies.values()), error=error, done=done)


@router.get("/policies")
def policies_page(request: Request, done: str = "", who: Caller = ADMIN,
                  session: Session = DATABASE) -> Response:
    return _policies_page(request, who, session, done=done[:40])


@router.get("/policies/{name}.yaml")
def policy_download(name: str, who: Caller = ADMIN, session: Session = DATABASE) -> Response:
    found = next((p for p in policy_book(session).policies.values() if p.name == name), None)
    if found is None:
        return Response(f"no dunning policy named {name!r}", status_code=404, media_type="text/plain")
    return Response(policy_yaml(found), media_type="application/yaml; charset=utf-8", headers={
        "Content-Disposition": f"attachment; filename=\"dunning-policy.yaml\"; "
                               f"filename*=UTF-8''{quote(name + '.yaml', safe='')}"})


@router.post("/policies")
async def policy_upload(request: Request, policy: UploadFile = File(...), who: Caller = ADMIN,
                        session: Session = DATABASE) -> Response:
    content = await policy.read(MAX_POLICY_BYTES + 1)
    shown = Path((policy.filename or "policy.yaml").replace("\\", "/")).name or "policy.yaml"
    with tempfile.TemporaryDirectory(prefix="receivables-policy-") as scratch:
        try:
            if len(content) > MAX_POLICY_BYTES:
                raise Refused(f"{shown}: larger than {MAX_POLICY_BYTES // 1024} KB; not a dunning policy")
            staged = Path(scratch) / shown
            staged.write_bytes(content)
            import_policy(session, staged, actor=who.identity.name)
        except Refused as exc:
            session.rollback()
            # Messages name the file as uploaded, not the scratch copy.
            return _policies_page(request, who, session, status_code=422,
                                  error=str(exc).replace(str(Path(scratch)) + os.sep, ""))
    return _back("/admin/policies", done="policy_imported")


__all__ = ["router"]
