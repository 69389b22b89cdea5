"""The scheduler's job store in the project database (SQLite and PostgreSQL): fixed ids, definitions updated
without duplicates, a run missed while stopped runs once at start and not again, entries resolved at run time."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from receivables.config import ConfigError
from receivables.scheduler import (
    JOBS,
    ScheduledJob,
    install_jobs,
    job_times,
    make_scheduler,
    next_run_after_restart,
    planned_jobs,
    run_entry,
    stop_scheduler,
)
from receivables.storage.scheduler_store import stored_next_runs
from receivables.storage.schema import AuditEntry
from tests.scheduler_jobs import runs


def counting_job(path: Path, hour: int = 6, minute: int = 0) -> ScheduledJob:
    return ScheduledJob("count", "count runs", "tests.scheduler_jobs:count_run", CronTrigger(hour=hour, minute=minute),
                        (str(path),))


def start_stop(engine: Engine, jobs: list[ScheduledJob], *, until: Callable[[], bool] | None = None
               ) -> dict[str, datetime | None]:
    """One life of a scheduler: install the jobs, start, wait for `until` (at most 10 s), stop after the job."""
    scheduler = make_scheduler(engine, BackgroundScheduler)
    next_runs = install_jobs(scheduler, engine, jobs, datetime.now(UTC))
    scheduler.start()
    deadline = time.monotonic() + 10
    while until is not None and not until() and time.monotonic() < deadline:
        time.sleep(0.05)
    stop_scheduler(scheduler)
    return next_runs


def local_time(stamp: datetime | None) -> tuple[int, int]:
    assert stamp is not None
    moment = stamp.astimezone()
    return moment.hour, moment.minute


def test_jobs_persist_under_fixed_ids_and_a_changed_time_updates_them_without_duplicates(
        engine: Engine, tmp_path: Path) -> None:
    start_stop(engine, [counting_job(tmp_path / "runs.txt", 6, 0)])
    first = stored_next_runs(engine)
    assert list(first) == ["count"] and local_time(first["count"]) == (6, 0)
    start_stop(engine, [counting_job(tmp_path / "runs.txt", 6, 0)])
    assert stored_next_runs(engine) == first
    start_stop(engine, [counting_job(tmp_path / "runs.txt", 7, 15)])
    again = stored_next_runs(engine)
    assert list(again) == ["count"] and local_time(again["count"]) == (7, 15)
    assert runs(tmp_path / "runs.txt") == 0


def test_a_job_no_longer_defined_is_dropped_from_the_store(engine: Engine, tmp_path: Path) -> None:
    start_stop(engine, [counting_job(tmp_path / "runs.txt")])
    start_stop(engine, [])
    assert stored_next_runs(engine) == {}


def test_a_run_missed_while_stopped_runs_once_at_start_and_not_again_after_a_restart(
        engine: Engine, tmp_path: Path) -> None:
    counter = tmp_path / "runs.txt"
    job = counting_job(counter)
    # Stopped for three days: the stored next run lies three days back, so three or four daily runs were missed.
    scheduler = make_scheduler(engine, BackgroundScheduler)
    install_jobs(scheduler, engine, [job], datetime.now(UTC))
    scheduler.start(paused=True)
    scheduler.modify_job("count", next_run_time=datetime.now(UTC) - timedelta(days=3))
    stop_scheduler(scheduler)
    assert runs(counter) == 0

    next_runs = start_stop(engine, [job], until=lambda: runs(counter) >= 1)
    assert next_runs["count"] is not None and next_runs["count"] < datetime.now(UTC)
    assert runs(counter) == 1  # coalesced: once for all the missed days

    restarted = start_stop(engine, [job])
    assert restarted["count"] is not None and restarted["count"] > datetime.now(UTC)
    time.sleep(0.3)
    assert runs(counter) == 1


def test_a_stored_past_run_is_kept_and_a_future_one_follows_the_trigger() -> None:
    now = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
    trigger = CronTrigger(hour=6, minute=30, timezone=UTC)
    missed = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
    assert next_run_after_restart(missed, trigger, now) == missed
    assert next_run_after_restart(datetime(2026, 11, 30, 6, 0, tzinfo=UTC), trigger, now) \
        == datetime(2026, 11, 30, 6, 30, tzinfo=UTC)
    assert next_run_after_restart(None, trigger, now) == datetime(2026, 11, 30, 6, 30, tzinfo=UTC)


def test_job_times_come_from_options_then_environment_then_defaults() -> None:
    times = job_times({"promises": "05:45"}, {"RECEIVABLES_SCHEDULE_PROMISES": "09:00",
                                              "RECEIVABLES_SCHEDULE_DUNNING": "off",
                                              "RECEIVABLES_SCHEDULE_LIMITATION": "8:05"})
    assert times == {"statements": (6, 0), "promises": (5, 45), "dunning": None, "limitation": (8, 5)}
    assert [job.id for job in planned_jobs("sqlite:///x.sqlite", "/data", times)] == \
        ["statements", "promises", "limitation"]


@pytest.mark.parametrize("options, environ, message", [
    ({"statement": "06:00"}, {}, "unknown job 'statement'"),
    ({"dunning": "7h"}, {}, "'7h' is not a time of day"),
    ({}, {"RECEIVABLES_SCHEDULE_STATEMENTS": "24:00"}, "RECEIVABLES_SCHEDULE_STATEMENTS: '24:00'"),
])
def test_a_malformed_job_time_is_refused_naming_where_it_came_from(options: dict[str, str],
                                                                  environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        job_times(options, environ)


def test_job_arguments_are_plain_values_and_every_job_function_exists() -> None:
    import receivables.scheduler as entry_point

    for job in planned_jobs("sqlite:///x.sqlite", "/data", job_times({}, {})):
        assert all(isinstance(arg, str) for arg in job.args)
        assert callable(getattr(entry_point, job.function.split(":")[1]))
    assert [job.id for job in JOBS] == ["statements", "promises", "dunning", "limitation"]


def audit_of(sessions: sessionmaker[Session]) -> list[tuple[str, str, str | None]]:
    with sessions() as session:
        rows = session.execute(select(AuditEntry.actor, AuditEntry.action, AuditEntry.entity_key)
                               .where(AuditEntry.entity == "scheduler_job").order_by(AuditEntry.id)).all()
    return [(actor, action, key) for actor, action, key in rows]


def test_a_missing_entry_is_one_line_and_the_job_is_skipped(database_url: str, sessions: sessionmaker[Session],
                                                             tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                                             ) -> None:
    assert run_entry("dunning", database_url, str(tmp_path), entry="receivables.services.nowhere:proposal") is None
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and "job dunning skipped" in lines[0] and "receivables.services.nowhere" in lines[0]
    assert audit_of(sessions) == [("scheduler", "scheduler.skipped", "dunning")]


def test_a_failing_entry_is_reported_and_audited_and_the_next_job_still_runs(
        database_url: str, sessions: sessionmaker[Session], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    assert run_entry("dunning", database_url, str(tmp_path), entry="tests.scheduler_jobs:failing_entry") is None
    summary = run_entry("promises", database_url, str(tmp_path))
    out = capsys.readouterr().out
    assert "job dunning failed" in out and "RuntimeError: cannot work on" in out
    assert summary is not None and summary.startswith("promises ") and f"job promises done 任务完成: {summary}" in out
    assert audit_of(sessions) == [("scheduler", "scheduler.failed", "dunning"),
                                  ("scheduler", "scheduler.run", "promises")]


def test_listing_shows_every_job_before_any_is_stored_and_stores_nothing(database_url: str, engine: Engine) -> None:
    from receivables.bootstrap import start
    from receivables.config import load_settings
    from receivables.scheduler import list_jobs

    runtime = start(load_settings(db=database_url, home="/tmp/unused"))
    try:
        listing = list_jobs(runtime, {"statements": "off"})
    finally:
        runtime.close()
    assert [(job.id, job.at, job.state) for job in listing] == [
        ("statements", None, "off"), ("promises", "06:30", "not stored yet"), ("dunning", "07:00", "not stored yet"),
        ("limitation", "07:30", "not stored yet")]
    assert all(job.available == (job.problem is None) for job in listing)
    assert all(job.next_run is not None and job.next_run > datetime.now(UTC) for job in listing[1:])
    assert stored_next_runs(engine) == {}


def test_a_stop_lets_the_running_job_finish_and_keeps_its_next_run(engine: Engine, tmp_path: Path) -> None:
    marks = tmp_path / "marks.txt"
    job = ScheduledJob("slow", "slow job", "tests.scheduler_jobs:slow_run", CronTrigger(hour=6, minute=0),
                       (str(marks),))
    scheduler = make_scheduler(engine, BackgroundScheduler)
    install_jobs(scheduler, engine, [job], datetime.now(UTC))
    scheduler.start(paused=True)
    scheduler.modify_job("slow", next_run_time=datetime.now(UTC) - timedelta(hours=1))
    scheduler.resume()
    deadline = time.monotonic() + 10
    while "start" not in (marks.read_text(encoding="utf-8") if marks.exists() else "") and time.monotonic() < deadline:
        time.sleep(0.02)
    stop_scheduler(scheduler)
    assert marks.read_text(encoding="utf-8").split() == ["start", "end"]
    stored = stored_next_runs(engine)["slow"]
    assert stored is not None and stored > datetime.now(UTC)
