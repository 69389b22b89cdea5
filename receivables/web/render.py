"""Rendering pages: the Jinja2 environment of the web templates and the values every page gets."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from receivables.domain.aging import BUCKETS
from receivables.web.deps import Caller, context
from receivables.web.i18n import DEFAULT_LOCALE, format_amount, format_date, translator
from receivables.web.security import SESSION_COOKIE, SessionData


def template_environment() -> Environment:
    return Environment(loader=PackageLoader("receivables.web", "templates"),
                       autoescape=select_autoescape(["html", "svg"]), undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True)


def render(request: Request, name: str, who: Caller | None, *, status_code: int = 200,
           session: SessionData | None = None, set_cookie: bool = False, locale: str | None = None,
           **values: Any) -> HTMLResponse:
    """The page `name` in the caller's language; forms carry the CSRF token of `session` (default: the
    caller's), and with `set_cookie` that session becomes the cookie."""
    web = context(request)
    locale = locale or (who.identity.locale if who else DEFAULT_LOCALE)
    active = session or (who.session if who else None)
    page = web.templates.get_template(name).render(
        t=translator(locale), locale=locale, who=who, csrf_token=active.csrf if active else "",
        amount=lambda a: format_amount(a, locale), day=lambda d: format_date(d, locale), buckets=BUCKETS,
        path=request.url.path, **values)
    response = HTMLResponse(page, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"
    if set_cookie and session is not None:
        set_session_cookie(request, response, session)
    return response


def set_session_cookie(request: Request, response: Any, data: SessionData) -> None:
    web = context(request)
    response.set_cookie(SESSION_COOKIE, web.codec.dumps(data), httponly=True, samesite="lax",
                        secure=web.secure_cookies, path="/")
