"""`receivables links` through the real console script, on both backends: create (with the public address),
list, revoke, and one-line refusals (including a user without the finance or legal role)."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import date
from pathlib import Path

import pytest

from receivables.services.debtor_links import LinkInvalid, resolve_link
from receivables.services.imports import run_import
from receivables.services.setup import initialise
from receivables.services.users import add_user
from receivables.storage.database import make_engine, session_factory, unit_of_work
from tests.e2e.cli.test_reconcile_cli import Run, db_url, ok, refused, write  # noqa: F401


@pytest.fixture
def links(database_url: str, db_url: str, tmp_path: Path) -> Run:  # noqa: F811
    (tmp_path / "data").mkdir()
    engine = make_engine(db_url)
    sessions = session_factory(engine)
    initialise(engine, sessions, actor="setup", company="华建工程有限公司")
    assert run_import(sessions, "debtors", write(tmp_path / "d.csv", ["客户编码", "客户名称"],
                                                 [["D1", "测试客户有限公司"]]), actor="setup").committed
    with unit_of_work(sessions) as session:
        add_user(session, "clerk", "finance", "a long password", actor="setup")
        add_user(session, "guest", "viewer", "a long password", actor="setup")
    engine.dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECEIVABLES_")}
    env.update({"RECEIVABLES_HOME": str(tmp_path / "data"), "RECEIVABLES_USER": "clerk", "COLUMNS": "200",
                "RECEIVABLES_PUBLIC_URL": "https://ar.example.com/"})
    if database_url.startswith("postgresql"):
        env["RECEIVABLES_DATABASE_URL"] = database_url
    return lambda *args, user="clerk": subprocess.run(["receivables", *args], check=False,
                                                      env={**env, "RECEIVABLES_USER": user}, cwd=tmp_path,
                                                      capture_output=True, text=True, timeout=120)


def test_a_link_is_created_listed_and_revoked_through_the_command_line(links: Run, db_url: str) -> None:  # noqa: F811
    made = ok(links("links", "create", "D1", "--days", "10", "--as-of", "2026-06-30"))
    url = made.stdout.strip().splitlines()[-1]
    assert url.startswith("https://ar.example.com/d/") and len(url) > 60
    listed = json.loads(ok(links("links", "list", "--debtor", "D1", "--as-of", "2026-07-10", "--format", "json")).stdout)
    assert [(x["debtor"], x["expires_on"], x["status"]) for x in listed] == [("D1", "2026-07-10", "active")]
    ok(links("links", "revoke", str(listed[0]["id"]), "--as-of", "2026-07-01"))
    engine = make_engine(db_url)
    with session_factory(engine)() as session, pytest.raises(LinkInvalid, match="revoked"):
        resolve_link(session, url.rsplit("/", 1)[-1], date(2026, 7, 1))
    engine.dispose()
    refused(links("links", "revoke", str(listed[0]["id"])), "already revoked")


def test_a_link_for_an_unknown_debtor_or_statement_is_refused_in_one_line(links: Run) -> None:
    refused(links("links", "create", "NOPE"), "NOPE")
    refused(links("links", "create", "D1", "--statement", "S-404"), "S-404")
    refused(links("links", "create", "D1", "--days", "0"), "1 to 366 days")
    assert json.loads(ok(links("links", "list", "--format", "json")).stdout) == []


def test_a_viewer_can_list_links_but_not_make_or_revoke_them(links: Run) -> None:
    refused(links("links", "create", "D1", user="guest"), "making a debtor's personal link needs the role finance "
                                                           "or legal; 'guest' has the role 'viewer'")
    assert json.loads(ok(links("links", "list", "--format", "json", user="guest")).stdout) == []
    made = ok(links("links", "create", "D1", "--as-of", "2026-06-30"))
    assert made.stdout.strip().splitlines()[-1].startswith("https://ar.example.com/d/")
    link_id = json.loads(ok(links("links", "list", "--format", "json")).stdout)[0]["id"]
    refused(links("links", "revoke", str(link_id), user="guest"), "revoking a debtor's personal link needs the role")
    assert [x["status"] for x in json.loads(ok(links("links", "list", "--format", "json",
                                                     "--as-of", "2026-07-01")).stdout)] == ["active"]
