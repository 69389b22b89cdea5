"""Shared fixtures: a fresh, migrated database per test on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from receivables.storage.database import make_engine
from receivables.storage.database import session_factory as make_session_factory
from receivables.storage.schema_version import upgrade_schema

POSTGRES_URL = os.environ.get("RECEIVABLES_TEST_POSTGRES_URL", "")
IN_CI = os.environ.get("CI", "").lower() == "true"
BACKENDS = ["sqlite", "postgresql"]


def _needs_postgres() -> None:
    if not POSTGRES_URL:
        if IN_CI:
            pytest.fail("CI must test PostgreSQL: RECEIVABLES_TEST_POSTGRES_URL is not set (see .ci/postgres.sh)")
        pytest.skip("PostgreSQL not configured: source .ci/postgres.sh && pg_test_start")


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each backend: a SQLite file, or a private PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.sqlite'}"
        return
    _needs_postgres()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """A migrated database (schema at head)."""
    built = make_engine(database_url)
    upgrade_schema(built)
    yield built
    built.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def session_factory(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """The same factory under the name services take."""
    return sessions
