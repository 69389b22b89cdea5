"""`receivables dunning` and `worklist` through the real console script, including a run killed mid-execution."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text, update
from sqlalchemy.orm import Session

from receivables.services.users import add_user
from receivables.storage.schema import Debtor, Letter
from receivables.storage.schema.dunning import DunningAction, DunningProposal

AS_OF = "2026-11-29"
Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A data folder with the small demo ledger and an admin user `boss-user`."""
    folder = tmp_path / "data"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("RECEIVABLES_")},
           "RECEIVABLES_HOME": str(folder)}
    subprocess.run(["receivables", "init", "--company", "Demo Co"], env=env, check=True, capture_output=True)
    subprocess.run(["receivables", "demo", "--size", "small", "--as-of", AS_OF], env=env, check=True,
                   capture_output=True)
    engine = create_engine(f"sqlite:///{folder / 'receivables.sqlite'}")
    with Session(engine) as session, session.begin():
        add_user(session, "boss-user", "admin", "dunning-e2e-pass-1", actor="test")
    engine.dispose()
    return folder


def _cli(home: Path) -> Run:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("RECEIVABLES_")},
           "RECEIVABLES_HOME": str(home), "RECEIVABLES_USER": "boss-user", "COLUMNS": "200"}
    return lambda *args: subprocess.run(["receivables", *args], env=env, capture_output=True, text=True, timeout=300,
                                        check=False)


def _db(home: Path) -> Session:
    return Session(create_engine(f"sqlite:///{home / 'receivables.sqlite'}"))


def test_dry_run_json_has_the_documented_shape_and_stores_nothing(home: Path) -> None:
    cli = _cli(home)
    done = cli("dunning", "run", "--as-of", AS_OF, "--dry-run", "--format", "json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["run"] is None and document["as_of"] == AS_OF and document["proposals"]
    first = document["proposals"][0]
    assert set(first) == {"debtor", "level", "action", "items", "open", "interest", "fees", "recipients", "gaps"}
    assert isinstance(first["open"], str) and isinstance(first["items"], list)
    with _db(home) as session:
        assert session.execute(text("SELECT count(*) FROM dunning_run")).scalar_one() == 0


def test_unknown_run_is_one_line_and_exit_one(home: Path) -> None:
    done = _cli(home)("dunning", "approve", "999")
    assert done.returncode == 1 and "no dunning run 999" in done.stderr and "Traceback" not in done.stderr


def test_worklist_ranks_debtors_with_next_action_and_phone(home: Path) -> None:
    done = _cli(home)("worklist", "--as-of", AS_OF, "--format", "json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert rows and [float(r["value"]) for r in rows] == sorted((float(r["value"]) for r in rows), reverse=True)
    assert all(r["next_action"] for r in rows) and any(r["phone"] for r in rows)


def test_run_killed_mid_execution_and_executed_again_acts_once_per_debtor_and_level(home: Path) -> None:
    with _db(home) as session, session.begin():
        # Every debtor has had the call: the next step is the demand letter (a real batch of letters to kill).
        session.execute(update(Debtor).values(dunning_level=3))
    cli = _cli(home)
    proposed = cli("dunning", "run", "--as-of", AS_OF, "--format", "json")
    assert proposed.returncode == 0, proposed.stderr
    run = json.loads(proposed.stdout)["run"]
    letters = [p for p in json.loads(proposed.stdout)["proposals"] if p["action"] == "letter"]
    assert len(letters) >= 6
    assert cli("dunning", "approve", str(run)).returncode == 0
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("RECEIVABLES_")},
           "RECEIVABLES_HOME": str(home), "RECEIVABLES_USER": "boss-user"}
    child = subprocess.Popen(["receivables", "dunning", "execute", str(run), "--batch", "2", "--workers", "1",
                              "--letter-format", "pdf"], env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 240
    with _db(home) as session:
        while time.monotonic() < deadline and child.poll() is None:
            if session.execute(select(func.count()).select_from(DunningAction)).scalar_one() >= 2:
                break
            session.rollback()
            time.sleep(0.1)
    assert child.poll() is None, "execution finished before it could be killed"
    os.killpg(child.pid, signal.SIGKILL)
    child.wait()
    with _db(home) as session:
        partial = session.execute(select(func.count()).select_from(DunningAction)).scalar_one()
    again = cli("dunning", "execute", str(run), "--batch", "2", "--workers", "1", "--letter-format", "pdf")
    assert again.returncode == 0, again.stderr
    with _db(home) as session:
        actions = session.execute(select(DunningAction.debtor_id, DunningAction.level, DunningAction.kind,
                                         DunningAction.key)).all()
        per_step = {}
        for debtor, level, kind, key in actions:
            part = key.rsplit("/", 1)[1]
            per_step[(debtor, level, part)] = per_step.get((debtor, level, part), 0) + 1
        assert set(per_step.values()) == {1}
        letter_actions = [a for a in actions if a.kind == "letter"]
        # A retention release request whose contract lacks its settlement cannot be written: that step fails
        # with the reason (proposed with the same reason as a gap), and only that one.
        unwritable = [p for p in letters if any("needs the settlement" in g or "construction facts" in g
                                                for g in p["gaps"])]
        failed = session.execute(select(DunningProposal.note).where(DunningProposal.status == "failed")).scalars().all()
        assert len(failed) == len(unwritable) and all("settlement" in n or "construction facts" in n for n in failed)
        assert len(letter_actions) == len(letters) - len(unwritable) > partial - 1
        assert session.execute(select(func.count()).select_from(Letter)).scalar_one() == len(letter_actions)
        undone = session.execute(select(func.count()).select_from(DunningProposal)
                                 .where(DunningProposal.status == "approved")).scalar_one()
        assert undone == 0
