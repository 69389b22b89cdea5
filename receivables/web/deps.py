"""Request dependencies: the application's context, who is calling, and the role and CSRF checks every route
declares (a route without `allowed(...)` would be reachable by anyone; a test enumerates the routes)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import date

from fastapi import Depends, Request
from jinja2 import Environment
from sqlalchemy.orm import Session

from receivables.bootstrap import Runtime
from receivables.config import Settings
from receivables.services.overview import LedgerCache
from receivables.services.tokens import token_identity
from receivables.services.users import Identity, session_identity
from receivables.storage.database import unit_of_work
from receivables.web.security import SESSION_COOKIE, SessionCodec, SessionData, same_token

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


@dataclass
class WebContext:
    """Everything the routes share, built once by create_app."""

    settings: Settings
    runtime: Runtime
    codec: SessionCodec
    secure_cookies: bool
    ledger_cache: LedgerCache
    templates: Environment
    today: Callable[[], date]


class NotSignedIn(Exception):
    """No valid session and no valid bearer token."""


class Forbidden(Exception):
    """Signed in, but the role does not allow this, or the CSRF token is missing or wrong."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def context(request: Request) -> WebContext:
    found = request.app.state.web
    assert isinstance(found, WebContext)
    return found


def database(request: Request) -> Iterator[Session]:
    """One unit of work per request: committed when the route returns, rolled back on an error."""
    with unit_of_work(context(request).runtime.sessions) as session:
        yield session


# Routes take their session as `session: Session = DATABASE`. Scope "function": the unit of work commits before
# the answer is sent. With FastAPI's default ("request") it commits after, so a browser following a form's
# redirect could read the page before the change it just made was committed.
DATABASE = Depends(database, scope="function")


def session_data(request: Request) -> SessionData | None:
    return context(request).codec.loads(request.cookies.get(SESSION_COOKIE))


@dataclass(frozen=True, slots=True)
class Caller:
    identity: Identity
    session: SessionData | None  # None when the caller sent a bearer token
    as_of: date

    @property
    def via_token(self) -> bool:
        return self.session is None


def caller(request: Request) -> Caller:
    """The signed-in user (session cookie) or API client (bearer token); NotSignedIn otherwise."""
    web = context(request)
    header = request.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        with unit_of_work(web.runtime.sessions) as session:
            identity = token_identity(session, header[7:].strip())
        if identity is None:
            raise NotSignedIn()
        return Caller(identity, None, web.today())
    data = session_data(request)
    if data is None or data.user_id is None:
        raise NotSignedIn()
    with unit_of_work(web.runtime.sessions) as session:
        identity = session_identity(session, data.user_id, data.version)
    if identity is None:
        raise NotSignedIn()
    return Caller(identity, data, web.today())


async def check_csrf(request: Request, data: SessionData | None) -> None:
    """Unsafe requests carried by the cookie must repeat the session's token (form field or header)."""
    if data is None:
        raise Forbidden("the form has expired; reload the page and try again")
    given = request.headers.get(CSRF_HEADER)
    if given is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get(CSRF_FIELD)
        given = value if isinstance(value, str) else None
    if not same_token(data.csrf, given):
        raise Forbidden("the form's security token is missing or wrong; reload the page and try again")


def allowed(permission: str) -> Callable[..., Awaitable[Caller]]:
    """A dependency: the caller, if their role grants `permission` (and, for a cookie, the CSRF token matches)."""
    async def check(request: Request, who: Caller = Depends(caller)) -> Caller:
        if not who.identity.may(permission):
            raise Forbidden(f"the role {who.identity.role} may not do this")
        if request.method not in SAFE_METHODS and not who.via_token:
            await check_csrf(request, who.session)
        return who
    check.__name__ = f"allowed_{permission}"
    return check
