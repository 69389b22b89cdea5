"""A web application over a fresh database of each backend, with the small demo ledger and one user per role."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from receivables.bootstrap import Runtime
from receivables.config import Settings
from receivables.services.demo import load_demo
from receivables.services.setup import initialise
from receivables.services.tokens import create_token
from receivables.services.users import ROLES, add_user
from receivables.storage.database import unit_of_work
from receivables.web.app import create_app

AS_OF = date(2026, 6, 30)
PASSWORD = "correct horse battery"
SECRET = "test-secret-key-" + "x" * 40


@pytest.fixture
def web_app(engine: Engine, sessions: sessionmaker[Session], tmp_path: Path) -> FastAPI:
    initialise(engine, sessions, actor="test")
    load_demo(sessions, size="small", as_of=AS_OF, actor="test")
    with unit_of_work(sessions) as session:
        for role in ROLES:
            add_user(session, role, role, PASSWORD, actor="test", locale="en")
    settings = Settings(home=tmp_path / "home", database_url=str(engine.url), user="test")
    return create_app(settings, runtime=Runtime(settings, engine, sessions), secret_key=SECRET,
                      today=lambda: AS_OF)


@pytest.fixture
def anonymous(web_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(web_app, follow_redirects=False) as client:
        yield client


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF field"
    return found.group(1)


SignIn = Callable[[str], TestClient]


@pytest.fixture
def signed_in(web_app: FastAPI) -> Iterator[SignIn]:
    """signed_in(role) -> a client with a session of the user named after the role."""
    clients: list[TestClient] = []

    def sign_in(role: str) -> TestClient:
        client = TestClient(web_app, follow_redirects=False)
        clients.append(client)
        token = csrf_of(client.get("/signin").text)
        answer = client.post("/signin", data={"user_name": role, "password": PASSWORD, "csrf_token": token,
                                              "next": "/"})
        assert answer.status_code == 303, answer.text
        return client
    yield sign_in
    for client in clients:
        client.close()


@pytest.fixture
def bearer(web_app: FastAPI) -> Callable[..., dict[str, str]]:
    """bearer(role[, name]) -> headers with a fresh API token of that role (named `name`, else a unique name)."""
    runtime = web_app.state.web.runtime

    def headers(role: str, name: str | None = None) -> dict[str, str]:
        with unit_of_work(runtime.sessions) as session:
            token = create_token(session, name or f"erp-{role}-{len(session.info)}-{id(object())}", role,
                                 actor="test")
        return {"Authorization": f"Bearer {token}"}
    return headers
