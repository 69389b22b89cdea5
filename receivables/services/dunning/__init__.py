"""The dunning engine: policies, runs (propose, approve, execute), the collector's worklist, the daily job."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from receivables.config import Settings
from receivables.storage.database import unit_of_work
from receivables.storage.schema.dunning import DunningRun


def scheduled_dunning_proposal(sessions: sessionmaker[Session], settings: Settings, as_of: date, actor: str) -> str:
    """The scheduler's daily job: propose the day's run unless one exists; one line saying what it did."""
    from receivables.services.dunning.runs import propose
    from receivables.services.legal import rest_days_of

    with unit_of_work(sessions) as session:
        existing = session.execute(select(DunningRun).where(DunningRun.as_of == as_of,
                                                            DunningRun.status != "superseded")
                                   .order_by(DunningRun.id)).scalars().first()
        if existing is not None:
            return f"dunning: run {existing.id} for {as_of} already exists ({existing.status})"
        result = propose(session, as_of, actor=actor, rest_days=rest_days_of(settings))
        if result.run is None:
            return f"dunning: {result.note}"
        legal = sum(1 for p in result.proposals if p.level.approver == "legal")
        return (f"dunning: run {result.run} for {as_of} proposes {len(result.proposals)} steps "
                f"({legal} awaiting legal approval), {len(result.resets)} debtors back to level 0")
