"""Importable job functions and entries for the scheduler tests: each run leaves a line, so runs can be counted."""

from __future__ import annotations

import time
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from receivables.config import Settings


def count_run(path: str) -> None:
    """A job: append one line per run to the file."""
    with Path(path).open("a", encoding="utf-8") as handle:
        handle.write(f"{datetime.now().isoformat()}\n")


def runs(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines()) if path.exists() else 0


def failing_entry(sessions: sessionmaker[Session], settings: Settings, as_of: date, actor: str) -> str:
    """A service entry that fails, as a half-finished one might."""
    raise RuntimeError(f"cannot work on {as_of}")


def slow_run(path: str) -> None:
    """A job that takes a moment: writes 'start', then 'end' half a second later."""
    with Path(path).open("a", encoding="utf-8") as handle:
        handle.write("start\n")
        handle.flush()
        time.sleep(0.5)
        handle.write("end\n")
