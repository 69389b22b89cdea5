"""`receivables scheduler`, run as a service manager runs it: `--list`, a second scheduler waiting on the lock
and taking over (SQLite and PostgreSQL, real processes), a missed run made up once at start, a clean stop."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from receivables.scheduler import install_jobs, job_times, make_scheduler, planned_jobs, stop_scheduler
from receivables.storage.scheduler_store import stored_next_runs
from receivables.storage.schema import AuditEntry

TIMEOUT = 60  # generous for a loaded machine; every wait ends as soon as its line appears


def environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECEIVABLES_")}
    env.update({"RECEIVABLES_USER": "tester", "COLUMNS": "200"})
    return env


class Scheduler:
    """A `receivables scheduler` process whose output lines are read as they come."""

    def __init__(self, database_url: str, home: Path, *args: str) -> None:
        self.process = subprocess.Popen(["receivables", "--db", database_url, "--home", str(home), "scheduler", *args],
                                        env=environment(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        text=True)
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, text: str, timeout: float = TIMEOUT) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                if self.process.poll() is not None and self.lines.empty():
                    break
                continue
            self.seen.append(line)
            if text in line:
                return line
        raise AssertionError(f"no line with {text!r}; output so far:\n" + "\n".join(self.seen))

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(timeout=TIMEOUT)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=TIMEOUT)


@pytest.fixture
def processes() -> Iterator[list[Scheduler]]:
    started: list[Scheduler] = []
    yield started
    for process in started:
        process.kill()


def receivables(database_url: str, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["receivables", "--db", database_url, "--home", str(home), *args], env=environment(), check=False,
                          capture_output=True, text=True, timeout=TIMEOUT)


def test_a_malformed_job_time_is_one_line_and_exit_1(tmp_path: Path) -> None:
    done = subprocess.run(["receivables", "--home", str(tmp_path), "scheduler", "--list", "--at", "statement=06:00"],
                          env=environment(), capture_output=True, text=True, timeout=TIMEOUT, check=False)
    assert done.returncode == 1 and done.stderr.count("\n") == 1 and "unknown job 'statement'" in done.stderr


def test_a_standby_waits_on_the_lock_and_takes_over_when_the_active_scheduler_stops(
        database_url: str, engine: Engine, tmp_path: Path, processes: list[Scheduler]) -> None:
    active = Scheduler(database_url, tmp_path)
    processes.append(active)
    active.wait_for("scheduler active")
    active.wait_for("running 运行中")
    standby, leaving = Scheduler(database_url, tmp_path), Scheduler(database_url, tmp_path)
    processes.extend([standby, leaving])
    standby.wait_for("waiting for the lock 等待锁")
    leaving.wait_for("waiting for the lock 等待锁")

    assert leaving.stop(signal.SIGINT) == 0  # a standby stops without ever touching the jobs
    leaving.wait_for("stopped while waiting")
    assert active.process.poll() is None and standby.process.poll() is None

    assert active.stop(signal.SIGTERM) == 0
    active.wait_for("scheduler stopped")
    standby.wait_for("taking over 接管")
    standby.wait_for("running 运行中")
    assert sorted(stored_next_runs(engine)) == ["dunning", "limitation", "promises", "statements"]
    assert standby.stop(signal.SIGTERM) == 0
    standby.wait_for("scheduler stopped")


def runs_of(sessions: sessionmaker[Session], job: str) -> int:
    with sessions() as session:
        return session.execute(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "scheduler.run", AuditEntry.entity_key == job)).scalar_one()


def test_list_shows_a_run_missed_while_down_which_is_made_up_once_at_start_and_not_after_a_restart(
        database_url: str, engine: Engine, sessions: sessionmaker[Session], tmp_path: Path,
        processes: list[Scheduler]) -> None:
    # The jobs as a scheduler stored them, then two days down: the promise evaluation is two days overdue.
    store = make_scheduler(engine, BackgroundScheduler)
    install_jobs(store, engine, planned_jobs(database_url, str(tmp_path), job_times({}, {})),
                 datetime.now(UTC))
    store.start(paused=True)
    store.modify_job("promises", next_run_time=datetime.now(UTC) - timedelta(days=2))
    stop_scheduler(store)

    listed = receivables(database_url, tmp_path, "scheduler", "--list", "--format", "json", "--at", "dunning=off",
                         "--at", "limitation=05:45")
    assert listed.returncode == 0, listed.stderr
    jobs = {job["id"]: job for job in json.loads(listed.stdout)}
    assert list(jobs) == ["statements", "promises", "dunning", "limitation"]
    assert jobs["promises"]["state"] == "missed: runs once at start"
    assert datetime.fromisoformat(jobs["promises"]["next_run"]) < datetime.now(UTC)
    assert jobs["promises"]["entry"] == "receivables.services.promise_watch:evaluate_promises"
    assert jobs["promises"]["available"] and jobs["promises"]["problem"] is None
    assert (jobs["dunning"]["at"], jobs["dunning"]["state"], jobs["dunning"]["next_run"]) == (None, "off", None)
    limitation = datetime.fromisoformat(jobs["limitation"]["next_run"])
    assert (jobs["limitation"]["at"], limitation.hour, limitation.minute) == ("05:45", 5, 45)
    assert (jobs["statements"]["at"], jobs["statements"]["state"]) == ("06:00", "stored")

    restarted = Scheduler(database_url, tmp_path)
    processes.append(restarted)
    restarted.wait_for("job promises (promise evaluation 付款承诺检查): missed while stopped, runs now")
    restarted.wait_for("job promises done 任务完成: promises ")
    assert restarted.stop() == 0
    assert runs_of(sessions, "promises") == 1

    again = Scheduler(database_url, tmp_path)
    processes.append(again)
    assert "next run" in again.wait_for("job promises (")
    again.wait_for("running 运行中")
    assert again.stop() == 0
    assert runs_of(sessions, "promises") == 1 and runs_of(sessions, "statements") == 0


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # only this lock lives on a connection
def test_a_scheduler_that_loses_its_postgresql_lock_stops_with_exit_1(
        database_url: str, engine: Engine, tmp_path: Path, processes: list[Scheduler]) -> None:
    active = Scheduler(database_url, tmp_path)
    processes.append(active)
    active.wait_for("running 运行中")
    with engine.connect() as connection:
        ended = connection.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name LIKE 'receivables scheduler, pid ' || :pid || ' %'"),
            {"pid": active.process.pid}).scalars().all()
    assert ended == [True]
    active.wait_for("lost the lock 锁已丢失")
    assert active.process.wait(timeout=TIMEOUT) == 1
