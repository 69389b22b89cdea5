"""The one-active-scheduler lock (SQLite file lock, PostgreSQL advisory lock): a second holder waits until the
first lets go, sees who holds it, and an in-memory database is refused."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from receivables.storage.scheduler_store import LockUnsupported, scheduler_lock


def test_a_second_lock_on_the_same_database_is_refused_until_the_first_is_released(
        database_url: str, engine: Engine) -> None:
    first, second = scheduler_lock(database_url), scheduler_lock(database_url)
    try:
        assert first.try_acquire() and first.is_held()
        assert not second.try_acquire() and not second.is_held()
        assert second.holder() is not None and "pid" in (second.holder() or "")
        assert not second.try_acquire()
        first.release()
        assert not first.is_held()
        assert second.try_acquire() and second.is_held()
        assert not first.try_acquire()
    finally:
        second.release()
        first.release()


def test_schedulers_of_two_sqlite_databases_do_not_share_a_lock(tmp_path) -> None:
    one, other = scheduler_lock(f"sqlite:///{tmp_path / 'a.sqlite'}"), scheduler_lock(f"sqlite:///{tmp_path / 'b.sqlite'}")
    try:
        assert one.try_acquire() and other.try_acquire()
        assert (tmp_path / "a.sqlite.scheduler.lock").exists()
    finally:
        one.release()
        other.release()


def test_an_in_memory_database_has_no_place_for_the_lock() -> None:
    with pytest.raises(LockUnsupported, match="in-memory"):
        scheduler_lock("sqlite:///:memory:")
