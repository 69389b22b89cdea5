"""The scheduler entry point: the daily jobs in APScheduler's job store, one active scheduler per database, `--list`.

`receivables scheduler` hands over to `run`; `receivables scheduler --list` to `list_jobs`. Each job is a
module-level function here that APScheduler stores by name with plain arguments (database URL, data folder),
opens the runtime itself, reads today's date from the clock (the scheduler is an entry point, like the CLI)
and calls a service entry `(sessions, settings, as_of, actor) -> str`, resolved by import path at run time.
"""

from __future__ import annotations

import importlib
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from apscheduler.events import EVENT_JOB_MISSED, EVENT_SCHEDULER_STARTED, JobExecutionEvent  # type: ignore[import-untyped]
from apscheduler.executors.pool import ThreadPoolExecutor  # type: ignore[import-untyped]
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore  # type: ignore[import-untyped]
from apscheduler.schedulers.base import STATE_STOPPED, BaseScheduler  # type: ignore[import-untyped]
from apscheduler.schedulers.blocking import BlockingScheduler  # type: ignore[import-untyped]
from apscheduler.triggers.base import BaseTrigger  # type: ignore[import-untyped]
from apscheduler.triggers.cron import CronTrigger  # type: ignore[import-untyped]
from sqlalchemy import Engine

from receivables.bootstrap import Runtime, start
from receivables.config import ConfigError, load_settings
from receivables.services.setup import require_current_schema
from receivables.storage import audit
from receivables.storage.database import DatabaseUnavailable, redact_url, unit_of_work
from receivables.storage.scheduler_store import (
    JOB_TABLE,
    LockUnsupported,
    SchedulerLock,
    forget_jobs,
    scheduler_lock,
    stored_next_runs,
)

ACTOR = "scheduler"
# Coalescing leaves only the latest missed run time to check, which for a daily job is under a day old.
MISFIRE_GRACE_SECONDS = 2 * 24 * 3600
LOCK_POLL_SECONDS = 1.0
LOCK_CHECK_SECONDS = 5.0
OFF = "off"

_log = logging.getLogger("receivables.scheduler")


@dataclass(frozen=True, slots=True)
class JobDefinition:
    """One daily job: its fixed id in the job store, the service entry it calls, and its default time."""

    id: str
    title: str
    entry: str
    default_at: str

    @property
    def function(self) -> str:
        return f"{__name__}:{self.id}_job"

    @property
    def env(self) -> str:
        return f"RECEIVABLES_SCHEDULE_{self.id.upper()}"


JOBS = (
    JobDefinition("statements", "statements of account by frequency 按频率出具对账单",
                  "receivables.services.statements:issue_scheduled_statements", "06:00"),
    JobDefinition("promises", "promise evaluation 付款承诺检查", "receivables.services.promise_watch:evaluate_promises",
                  "06:30"),
    JobDefinition("dunning", "dunning proposal 催收建议", "receivables.services.dunning:scheduled_dunning_proposal",
                  "07:00"),
    JobDefinition("limitation", "limitation watch 诉讼时效监控", "receivables.services.legal:limitation_watch", "07:30"),
)
DEFINITIONS = {job.id: job for job in JOBS}


@dataclass(frozen=True, slots=True)
class ScheduledJob:
    """A job as it goes into the store: everything in it is picklable (no engines, no sessions)."""

    id: str
    name: str
    function: str
    trigger: BaseTrigger
    args: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class JobListing:
    id: str
    title: str
    at: str | None
    entry: str
    available: bool
    problem: str | None
    next_run: datetime | None
    state: str


def say(message: str) -> None:
    """One line on stdout with the local time, flushed at once (a service manager's journal reads it live)."""
    print(f"{datetime.now():%Y-%m-%d %H:%M:%S} {message}", flush=True)


# -- times ------------------------------------------------------------------------------------------------

def parse_time_of_day(value: str, where: str) -> tuple[int, int] | None:
    """'06:30' -> (6, 30); 'off' -> None (the job is not scheduled); anything else is a ConfigError."""
    text = value.strip().lower()
    if text == OFF:
        return None
    hours, _, minutes = text.partition(":")
    if hours.isdigit() and minutes.isdigit() and len(minutes) == 2 and int(hours) < 24 and int(minutes) < 60:
        return int(hours), int(minutes)
    raise ConfigError(f"{where}: {value!r} is not a time of day (expected HH:MM such as 06:30, or 'off')")


def job_times(options: Mapping[str, str], environ: Mapping[str, str] | None = None
              ) -> dict[str, tuple[int, int] | None]:
    """Each job's daily time: an option (`--at JOB=HH:MM`) wins over RECEIVABLES_SCHEDULE_<JOB>, over the default."""
    env = os.environ if environ is None else environ
    unknown = sorted(set(options) - set(DEFINITIONS))
    if unknown:
        raise ConfigError(f"--at: unknown job {unknown[0]!r} (jobs: {', '.join(DEFINITIONS)})")
    times = {}
    for job in JOBS:
        if job.id in options:
            times[job.id] = parse_time_of_day(options[job.id], f"--at {job.id}")
        elif env.get(job.env, "").strip():
            times[job.id] = parse_time_of_day(env[job.env], job.env)
        else:
            times[job.id] = parse_time_of_day(job.default_at, job.id)
    return times


def planned_jobs(database_url: str, home: str, times: Mapping[str, tuple[int, int] | None]) -> list[ScheduledJob]:
    """The jobs to keep in the store: one daily cron job per definition that is not switched off."""
    return [ScheduledJob(job.id, job.title, job.function, daily_at(at), (database_url, home))
            for job in JOBS if (at := times[job.id]) is not None]


def daily_at(at: tuple[int, int]) -> BaseTrigger:
    """Every day at the hour and minute, in the machine's local time."""
    return CronTrigger(hour=at[0], minute=at[1])


def next_run_after_restart(stored: datetime | None, trigger: BaseTrigger, now: datetime) -> datetime | None:
    """A stored run time already past is kept, so the missed run happens once at start (coalesced); otherwise
    the trigger decides, so a changed time of day takes effect. (APScheduler's replace_existing alone would
    recompute from now and silently drop the missed run.)"""
    if stored is not None and stored <= now:
        return stored
    following: datetime | None = trigger.get_next_fire_time(None, now)
    return following


# -- the job store ----------------------------------------------------------------------------------------

def make_scheduler(engine: Engine, scheduler_class: type[BaseScheduler] = BlockingScheduler) -> BaseScheduler:
    """A scheduler keeping its jobs in the project database; one job at a time, missed runs coalesced."""
    return scheduler_class(
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=JOB_TABLE)},
        executors={"default": ThreadPoolExecutor(max_workers=1)},
        job_defaults={"coalesce": True, "misfire_grace_time": MISFIRE_GRACE_SECONDS, "max_instances": 1},
    )


def stop_scheduler(scheduler: BaseScheduler) -> None:
    """Stop after the running job finishes, leaving every stored run time as it is.

    APScheduler 3's loop looks for due jobs once more after `shutdown`; a job due at that moment would be
    handed to the stopped executor and its run time advanced, so the run would be lost. Taking the job store
    out first (under the scheduler's store lock, so never in the middle of a pass) prevents that."""
    if scheduler.state == STATE_STOPPED:
        return
    scheduler.pause()
    scheduler.remove_jobstore("default")
    scheduler.shutdown(wait=True)


def install_jobs(scheduler: BaseScheduler, engine: Engine, jobs: Sequence[ScheduledJob],
                 now: datetime) -> dict[str, datetime | None]:
    """Put the jobs into the store under their fixed ids (updating, never duplicating them), keep missed run
    times, and drop stored jobs that are no longer defined. Call before `start`; returns each next run."""
    stored = stored_next_runs(engine)
    forget_jobs(engine, set(stored) - {job.id for job in jobs})
    next_runs = {}
    for job in jobs:
        next_runs[job.id] = next_run_after_restart(stored.get(job.id), job.trigger, now)
        scheduler.add_job(job.function, trigger=job.trigger, args=list(job.args), id=job.id, name=job.name,
                          replace_existing=True, next_run_time=next_runs[job.id])
    return next_runs


# -- running one job ----------------------------------------------------------------------------------------

def resolve_entry(entry: str) -> tuple[Callable[..., Any] | None, str | None]:
    """The service entry named 'module:function', or None and why it is not available."""
    module_name, _, name = entry.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        return None, f"{module_name} is not available ({exc})"
    except Exception as exc:  # noqa: BLE001 - a module that does not import: still one line, never a crash
        return None, f"{module_name} does not import ({type(exc).__name__}: {exc})"
    function = getattr(module, name, None)
    if not callable(function):
        return None, f"{module_name} has no {name}"
    return function, None


def run_entry(job_id: str, database_url: str, home: str, *, entry: str | None = None) -> str | None:
    """Run one job now: open the runtime, call the entry with today's date, log and audit its summary.
    A missing entry or a failing one is one line (and an audit entry); the scheduler goes on."""
    path = entry or DEFINITIONS[job_id].entry
    settings = load_settings(db=database_url, home=home)
    try:
        runtime = start(settings)
    except DatabaseUnavailable as exc:  # the server may be back for the next run; nothing to audit into
        say(f"job {job_id} failed 任务失败: {exc}")
        return None
    try:
        as_of = date.today()
        function, problem = resolve_entry(path)
        if function is None:
            _record(runtime, "scheduler.skipped", job_id, {"as_of": as_of, "entry": path, "problem": problem})
            say(f"job {job_id} skipped 任务跳过: {problem}")
            return None
        try:
            summary = str(function(runtime.sessions, settings, as_of, ACTOR))
        except Exception as exc:  # noqa: BLE001 - the scheduler outlives a failing job
            _log.exception("job %s failed", job_id)
            _record(runtime, "scheduler.failed", job_id,
                    {"as_of": as_of, "entry": path, "error": f"{type(exc).__name__}: {exc}"})
            say(f"job {job_id} failed 任务失败: {type(exc).__name__}: {exc}")
            return None
        _record(runtime, "scheduler.run", job_id, {"as_of": as_of, "entry": path, "summary": summary})
        say(f"job {job_id} done 任务完成: {summary}")
        return summary
    finally:
        runtime.close()


def _record(runtime: Runtime, action: str, job_id: str, detail: Mapping[str, Any]) -> None:
    with unit_of_work(runtime.sessions) as session:
        audit.record(session, ACTOR, action, "scheduler_job", job_id, detail=detail)


def statements_job(database_url: str, home: str) -> str | None:
    """Issue (and send) the statements of account that are due by each debtor's frequency."""
    return run_entry("statements", database_url, home)


def promises_job(database_url: str, home: str) -> str | None:
    """Judge the promises to pay that came due; record the newly broken ones."""
    return run_entry("promises", database_url, home)


def dunning_job(database_url: str, home: str) -> str | None:
    """Propose the day's dunning run."""
    return run_entry("dunning", database_url, home)


def limitation_job(database_url: str, home: str) -> str | None:
    """Count the claims whose limitation period is running out."""
    return run_entry("limitation", database_url, home)


# -- listing ----------------------------------------------------------------------------------------------

def list_jobs(runtime: Runtime, options: Mapping[str, str]) -> list[JobListing]:
    """Each job with its time, whether its entry is available, and its next run; starts nothing, locks nothing."""
    times = job_times(options)
    require_current_schema(runtime.engine)
    stored = stored_next_runs(runtime.engine)
    now = datetime.now(UTC)
    listings = []
    for job in JOBS:
        _, problem = resolve_entry(job.entry)
        at = times[job.id]
        if at is None:
            next_run, state = None, "off"
        else:
            next_run = next_run_after_restart(stored.get(job.id), daily_at(at), now)
            state = ("missed: runs once at start" if next_run is not None and next_run <= now
                     else "stored" if stored.get(job.id) is not None else "not stored yet")
        listings.append(JobListing(job.id, job.title, None if at is None else f"{at[0]:02d}:{at[1]:02d}", job.entry,
                                   problem is None, problem, next_run.astimezone() if next_run else None, state))
    return listings


# -- running the scheduler --------------------------------------------------------------------------------

class _Stop:
    """SIGTERM/SIGINT: stop waiting for the lock, or stop the scheduler after the running job finishes.

    The signal handler only sets an event: the main thread may be inside the scheduler holding its locks.
    A stopper thread, started once the scheduler runs, waits for the event and does the stopping."""

    def __init__(self) -> None:
        self.requested = threading.Event()
        self.lock_lost = False
        self._stopper: threading.Thread | None = None

    def handle_signal(self, _signum: int, _frame: object) -> None:
        self.requested.set()

    def started(self, scheduler: BaseScheduler) -> None:
        say("running 运行中: stop with SIGTERM or Ctrl+C (a running job is finished first) 按 Ctrl+C 停止")
        self._stopper = threading.Thread(target=self._stop_when_requested, args=(scheduler,), daemon=True)
        self._stopper.start()

    def _stop_when_requested(self, scheduler: BaseScheduler) -> None:
        self.requested.wait()
        stop_scheduler(scheduler)

    def join(self) -> None:
        if self._stopper is not None:
            self._stopper.join()


def _wait_for_lock(lock: SchedulerLock, stop: _Stop, poll_seconds: float) -> bool:
    if lock.try_acquire():
        say(f"scheduler active 调度器已启动: holds the {lock.where}")
        return True
    say(f"waiting for the lock 等待锁: another scheduler is active ({lock.holder() or 'holder unknown'}); "
        f"this one is a standby and takes over when it stops 另一个调度器正在运行，本进程待命，待其停止后接管")
    while not stop.requested.is_set():
        time.sleep(poll_seconds)
        if not stop.requested.is_set() and lock.try_acquire():
            say(f"taking over 接管: the other scheduler stopped; this one is now active and holds the {lock.where} "
                "另一个调度器已停止，本进程接管")
            return True
    return False


def _watch_lock(lock: SchedulerLock, stop: _Stop) -> None:
    while not stop.requested.wait(LOCK_CHECK_SECONDS):
        if not lock.is_held():
            say("lost the lock 锁已丢失 (the database connection ended): stopping so that a standby can take over")
            stop.lock_lost = True
            stop.requested.set()
            return


def _plan_line(job: ScheduledJob, next_run: datetime | None, now: datetime) -> str:
    if next_run is None:
        return f"job {job.id} ({job.name}): no next run"
    when = "missed while stopped, runs now 停机期间错过，现在补运行" if next_run <= now else "next run 下次运行"
    return f"job {job.id} ({job.name}): {when} {next_run.astimezone():%Y-%m-%d %H:%M %Z}"


def _on_missed(event: JobExecutionEvent) -> None:
    say(f"job {event.job_id} missed its run at {event.scheduled_run_time} (beyond the grace time) 任务错过执行时间")


def run(runtime: Runtime, options: Mapping[str, str], *, poll_seconds: float = LOCK_POLL_SECONDS) -> int:
    """Run the scheduler until SIGTERM or SIGINT; wait as a standby while another one holds the lock.
    Returns the exit status: 0 after a requested stop, 1 when the lock was lost."""
    times = job_times(options)
    require_current_schema(runtime.engine)
    settings = runtime.settings
    jobs = planned_jobs(settings.database_url, str(settings.home.resolve()), times)
    try:
        lock = scheduler_lock(settings.database_url)
    except LockUnsupported as exc:
        raise ConfigError(str(exc)) from None
    stop = _Stop()
    previous = {sig: signal.signal(sig, stop.handle_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        say(f"scheduler for {redact_url(settings.database_url)} 调度器")
        if not _wait_for_lock(lock, stop, poll_seconds):
            say("stopped while waiting 待命中已停止")
            return 0
        scheduler = make_scheduler(runtime.engine)
        now = datetime.now(UTC)
        next_runs = install_jobs(scheduler, runtime.engine, jobs, now)
        scheduler.add_listener(lambda _event: stop.started(scheduler), EVENT_SCHEDULER_STARTED)
        scheduler.add_listener(_on_missed, EVENT_JOB_MISSED)
        for job in jobs:
            say(_plan_line(job, next_runs[job.id], now))
        threading.Thread(target=_watch_lock, args=(lock, stop), daemon=True).start()
        if not stop.requested.is_set():
            scheduler.start()  # returns once the stopper has shut it down
        stop.join()
        say("scheduler stopped 调度器已停止" + (" (lock lost)" if stop.lock_lost else ""))
        return 1 if stop.lock_lost else 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        stop.requested.set()  # after the handlers are gone, so no handler can interrupt this set()
        stop.join()
        lock.release()
