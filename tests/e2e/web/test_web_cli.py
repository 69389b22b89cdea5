"""The web commands as a user runs them: `user add|passwd|disable`, `token create`, and `serve --demo` refusing
a data folder that already holds something."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from receivables.storage.database import make_engine, session_factory
from receivables.storage.schema import ApiToken, User


@pytest.fixture
def run(database_url: str, tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECEIVABLES_")}
    env.update({"RECEIVABLES_HOME": str(tmp_path / "data"), "RECEIVABLES_USER": "admin", "COLUMNS": "200"})
    if database_url.startswith("postgresql"):
        env["RECEIVABLES_DATABASE_URL"] = database_url
    url = database_url if database_url.startswith("postgresql") else f"sqlite:///{tmp_path / 'data' / 'receivables.sqlite'}"

    def call(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["receivables", *args], env=env, cwd=tmp_path, input=stdin, capture_output=True,
                              text=True, timeout=120)
    assert call("init", "--company", "Our Co").returncode == 0
    call.url = url  # type: ignore[attr-defined]
    return call


def test_users_and_tokens_are_managed_from_the_command_line(run) -> None:
    added = run("user", "add", "wang.fang", "--role", "legal", "--password-stdin", stdin="a long secret 123\n")
    assert added.returncode == 0, added.stderr
    assert run("user", "passwd", "wang.fang", "--password-stdin", stdin="another secret 456\n").returncode == 0
    bad = run("user", "add", "li", "--role", "boss", "--password-stdin", stdin="a long secret 123\n")
    assert bad.returncode == 1 and "unknown role" in bad.stderr and "Traceback" not in bad.stderr
    short = run("user", "add", "li", "--role", "viewer", "--password-stdin", stdin="short\n")
    assert short.returncode == 1 and "too short" in short.stderr
    assert run("user", "disable", "wang.fang").returncode == 0
    assert run("user", "disable", "nobody").returncode == 1
    token = run("token", "create", "erp", "--role", "finance")
    assert token.returncode == 0 and token.stdout.strip().startswith("rcv_")
    engine = make_engine(run.url)
    with session_factory(engine)() as session:
        user = session.execute(select(User)).scalar_one()
        assert (user.name, user.role, user.active) == ("wang.fang", "legal", False)
        assert "secret" not in user.password_hash
        assert session.execute(select(ApiToken.token_sha256)).scalar_one() != token.stdout.strip()
    engine.dispose()


def test_serve_demo_refuses_a_data_folder_that_is_not_empty(run, tmp_path: Path) -> None:
    (tmp_path / "data").mkdir(exist_ok=True)
    (tmp_path / "data" / "notes.txt").write_text("mine", encoding="utf-8")
    refused = run("serve", "--demo", "--port", "1")
    assert refused.returncode == 1 and "fresh data folder" in refused.stderr
