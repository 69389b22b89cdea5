"""The web application factory: pages, the JSON API, static assets from the package, error answers.

Nothing is built at import: `create_app(settings)` wires one application; `app_from_environment` is the
factory uvicorn's workers call (settings from the environment, as `receivables serve` leaves it).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Awaitable, Callable
from datetime import date
from importlib.resources import files
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from receivables.bootstrap import Runtime, start
from receivables.config import Settings, load_settings
from receivables.services.errors import Refused, UnknownRecord
from receivables.services.overview import LedgerCache
from receivables.services.postings import IdempotencyConflict, PostingRefused
from receivables.services.setup import require_current_schema
from receivables.storage.database import unit_of_work
from receivables.web import (
    admin,
    api,
    debtor_portal,
    dunning_pages,
    legal_pages,
    pages,
    project_pages,
    reconciliation_pages,
)
from receivables.web.deps import Caller, Forbidden, NotSignedIn, WebContext, allowed
from receivables.web.render import render, template_environment
from receivables.web.security import SessionCodec, load_secret_key


def create_app(settings: Settings, *, runtime: Runtime | None = None, secret_key: str | None = None,
               secure_cookies: bool | None = None, today: Callable[[], date] = date.today,
               warm_cache: bool = False) -> FastAPI:
    """One application over the configured database (its schema must be current)."""
    runtime = runtime or start(settings)
    require_current_schema(runtime.engine)
    if secure_cookies is None:
        secure_cookies = os.environ.get("RECEIVABLES_SECURE_COOKIES", "") in {"1", "true", "yes"}
    web = WebContext(settings, runtime, SessionCodec(secret_key or load_secret_key(settings.home)), secure_cookies,
                     LedgerCache(), template_environment(), today)
    app = FastAPI(title="receivables", version="1", docs_url=None, redoc_url=None, openapi_url=None,
                  description="Receivables API: debtors, contacts, receivables, payments, aging.")
    app.state.web = web
    app.mount("/static", StaticFiles(directory=str(files("receivables.web") / "static")), name="static")
    app.include_router(pages.router)
    app.include_router(api.router)
    app.include_router(admin.router)
    app.include_router(debtor_portal.router)
    app.include_router(legal_pages.router)
    app.include_router(reconciliation_pages.router)
    app.include_router(project_pages.router)
    app.include_router(dunning_pages.router)
    _docs(app)
    _error_answers(app)
    _server_timing(app)
    if warm_cache:
        @app.on_event("startup")
        def _warm() -> None:
            threading.Thread(target=_warm_ledger_cache, args=(web,), daemon=True).start()
    return app


def _warm_ledger_cache(web: WebContext) -> None:
    """Compute today's aging and open positions in the background, so the first pages do not wait for them."""
    with unit_of_work(web.runtime.sessions) as session:
        web.ledger_cache.aging(session, web.today())
        web.ledger_cache.debtor_rows(session, web.today())


def _docs(app: FastAPI) -> None:
    """OpenAPI at /api/openapi.json and a plain page at /api/docs (Swagger UI would load from a CDN)."""

    from fastapi import Depends

    @app.get("/api/openapi.json", include_in_schema=False)
    def openapi(who: Caller = Depends(allowed("read"))) -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.get("/api/docs", include_in_schema=False)
    def docs(request: Request, who: Caller = Depends(allowed("read"))) -> Response:
        schema = app.openapi()
        operations = [(method.upper(), path, op.get("summary", ""), [p["name"] for p in op.get("parameters", [])])
                      for path, methods in schema["paths"].items() for method, op in methods.items()]
        return render(request, "api_docs.html", who, operations=operations)


def _server_timing(app: FastAPI) -> None:
    """Each answer says how long the server worked on it (`Server-Timing: app;dur=ms`): what the performance
    targets are stated in, visible in the browser's tools and to the load benchmark."""

    @app.middleware("http")
    async def timed(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
        return response


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error_answers(app: FastAPI) -> None:
    def problem(status: int, message: str, field: str | None = None, **headers: str) -> JSONResponse:
        return JSONResponse({"message": message, "field": field}, status_code=status, headers=headers or None)

    @app.exception_handler(NotSignedIn)
    def not_signed_in(request: Request, exc: NotSignedIn) -> Response:
        if _is_api(request):
            return problem(401, "sign in or send a valid bearer token", None, **{"WWW-Authenticate": "Bearer"})
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/signin?next={quote(target, safe='')}", status_code=303)

    @app.exception_handler(Forbidden)
    def forbidden(request: Request, exc: Forbidden) -> Response:
        if _is_api(request):
            return problem(403, exc.message)
        return pages.forbidden_page(request, exc)

    @app.exception_handler(RequestValidationError)
    def invalid(request: Request, exc: RequestValidationError) -> Response:
        first: dict[str, Any] = exc.errors()[0] if exc.errors() else {}
        location = [str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path", "header")]
        message = str(first.get("msg", "invalid request"))
        if not _is_api(request):
            return Response(f"invalid request: {message}", status_code=422, media_type="text/plain")
        return problem(422, message, ".".join(location) or None)

    @app.exception_handler(PostingRefused)
    def posting_refused(request: Request, exc: PostingRefused) -> Response:
        return problem(422, str(exc), exc.field)

    @app.exception_handler(IdempotencyConflict)
    def conflict(request: Request, exc: IdempotencyConflict) -> Response:
        return problem(409, str(exc), "Idempotency-Key")

    @app.exception_handler(UnknownRecord)
    def unknown(request: Request, exc: UnknownRecord) -> Response:
        return problem(404, str(exc))

    @app.exception_handler(Refused)
    def refused(request: Request, exc: Refused) -> Response:
        return problem(422, str(exc))

    @app.exception_handler(StarletteHTTPException)
    def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if _is_api(request):
            return problem(exc.status_code, str(exc.detail))
        return Response(str(exc.detail), status_code=exc.status_code, media_type="text/plain")


def app_from_environment() -> FastAPI:
    """uvicorn's factory for each worker: settings from RECEIVABLES_HOME / RECEIVABLES_DATABASE_URL."""
    return create_app(load_settings(), warm_cache=True)
