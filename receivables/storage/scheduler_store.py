"""What the scheduler keeps in the project database: APScheduler's job table and the one-active-scheduler lock.

The job table is created by APScheduler's own job store, not by a migration (docs/decisions.md), so the
models-vs-migrations check leaves `JOB_TABLE` out. The lock makes a second scheduler a hot standby: on
PostgreSQL a session advisory lock held on a dedicated connection, on SQLite an flock on a file beside the
database file. Either is released by the operating system or the server when the holder dies.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import socket
from collections.abc import Collection
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy import Column, Engine, Float, MetaData, Table, Unicode, delete, inspect, select, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import SQLAlchemyError

from receivables.storage.database import make_engine

JOB_TABLE = "apscheduler_jobs"


class LockUnsupported(ValueError):
    """The database has no place for the scheduler lock (an in-memory SQLite database, another backend)."""


def _job_table() -> Table:
    # Only the two columns read here; APScheduler owns the table and its pickled job_state column.
    return Table(JOB_TABLE, MetaData(), Column("id", Unicode(191), primary_key=True),
                 Column("next_run_time", Float(25)))


def stored_next_runs(engine: Engine) -> dict[str, datetime | None]:
    """Each stored job's next run time (UTC), without unpickling it; empty before the first start."""
    with engine.connect() as connection:
        if not inspect(connection).has_table(JOB_TABLE):
            return {}
        table = _job_table()
        return {job_id: None if stamp is None else datetime.fromtimestamp(stamp, UTC)
                for job_id, stamp in connection.execute(select(table.c.id, table.c.next_run_time))}


def forget_jobs(engine: Engine, job_ids: Collection[str]) -> None:
    """Remove stored jobs that are no longer defined (switched off, or renamed)."""
    if not job_ids:
        return
    table = _job_table()
    with engine.begin() as connection:
        connection.execute(delete(table).where(table.c.id.in_(list(job_ids))))


def _me() -> str:
    return f"pid {os.getpid()} on {socket.gethostname()}"


class SchedulerLock(Protocol):
    where: str

    def try_acquire(self) -> bool:
        """Take the lock if it is free; never waits."""

    def holder(self) -> str | None:
        """Who holds the lock, as far as can be seen."""

    def is_held(self) -> bool:
        """Whether this process still holds it (a PostgreSQL connection can be lost)."""

    def release(self) -> None:
        """Give the lock up; safe to call when not held."""


class FileLock:
    """An exclusive flock on `<database file>.scheduler.lock`; the holder writes who it is into the file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.where = f"lock file {path}"
        self._fd: int | None = None
        self._held = False

    def try_acquire(self) -> bool:
        if self._fd is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, f"{_me()} since {datetime.now().isoformat(timespec='seconds')}\n".encode(), 0)
        self._held = True
        return True

    def holder(self) -> str | None:
        try:
            return self.path.read_text(encoding="utf-8").strip() or None
        except OSError:
            return None

    def is_held(self) -> bool:
        return self._held

    def release(self) -> None:
        if self._fd is None:
            return
        if self._held:
            os.ftruncate(self._fd, 0)  # before unlocking: afterwards the file belongs to the next holder
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            self._held = False
        os.close(self._fd)
        self._fd = None


class AdvisoryLock:
    """A PostgreSQL session advisory lock on a dedicated connection, keyed by database and schema (two
    projects in different schemas of one database each have their own scheduler)."""

    def __init__(self, url: str) -> None:
        self._engine = make_engine(url)
        self._connection: Connection | None = None
        self._key = 0
        self._held = False
        self.where = "PostgreSQL advisory lock"

    def _connect(self) -> Connection:
        if self._connection is None:
            connection = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            database, schema = connection.execute(text("SELECT current_database(), current_schema()")).one()
            digest = hashlib.sha256(f"receivables.scheduler:{database}.{schema}".encode()).digest()
            self._key = int.from_bytes(digest[:8], "big") & 0x7FFF_FFFF_FFFF_FFFF
            connection.execute(text("SELECT set_config('application_name', :name, false)"),
                               {"name": f"receivables scheduler, {_me()}"[:63]})
            self.where = f"PostgreSQL advisory lock {self._key} on {database}.{schema}"
            self._connection = connection
        return self._connection

    def try_acquire(self) -> bool:
        connection = self._connect()
        self._held = bool(connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key}).scalar())
        return self._held

    def _lock_rows(self, connection: Connection, only_mine: bool) -> list[str]:
        query = ("SELECT coalesce(a.application_name, ''), l.pid FROM pg_locks l "
                 "LEFT JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted "
                 "AND l.classid = CAST(:high AS oid) AND l.objid = CAST(:low AS oid) AND l.objsubid = 1")
        if only_mine:
            query += " AND l.pid = pg_backend_pid()"
        rows = connection.execute(text(query), {"high": self._key >> 32, "low": self._key & 0xFFFF_FFFF}).all()
        return [name or f"server process {pid}" for name, pid in rows]

    def holder(self) -> str | None:
        try:
            rows = self._lock_rows(self._connect(), only_mine=False)
        except SQLAlchemyError:
            return None
        return rows[0] if rows else None

    def is_held(self) -> bool:
        if not self._held or self._connection is None:
            return False
        try:
            return bool(self._lock_rows(self._connection, only_mine=True))
        except SQLAlchemyError:
            return False

    def release(self) -> None:
        if self._connection is not None:
            try:
                if self._held:
                    self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self._key})
                self._connection.close()
            except SQLAlchemyError:
                pass  # the connection is gone, and the server released the lock with it
            self._connection = None
        self._held = False
        self._engine.dispose()


def scheduler_lock(database_url: str) -> SchedulerLock:
    """The lock that keeps one scheduler active for this database."""
    url = make_url(database_url)
    backend = url.get_backend_name()
    if backend == "sqlite":
        if not url.database or url.database == ":memory:":
            raise LockUnsupported("the scheduler needs a database file or PostgreSQL, not an in-memory database")
        database = Path(url.database).resolve()
        return FileLock(database.with_name(database.name + ".scheduler.lock"))
    if backend == "postgresql":
        return AdvisoryLock(database_url)
    raise LockUnsupported(f"the scheduler supports SQLite and PostgreSQL, not {backend}")
