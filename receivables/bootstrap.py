"""The one place that wires settings, engine and sessions together, at start-up and never at import."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from receivables.config import Settings
from receivables.storage.database import check_reachable, make_engine, session_factory


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]

    def close(self) -> None:
        self.engine.dispose()


def start(settings: Settings, *, check: bool = True) -> Runtime:
    """Build the engine for the configured database; fail clearly if it cannot be reached."""
    engine = make_engine(settings.database_url)
    if check:
        check_reachable(engine)
    return Runtime(settings, engine, session_factory(engine))
