"""Reading the audit log: filtered by actor, action prefix, entity and date range, newest first, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from receivables.storage.schema import AuditEntry
from receivables.storage.queries.paging import Page
from receivables.storage.queries.text_match import LIKE_ESCAPE, starting_with


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Empty fields do not filter; `action` matches a prefix (`user.` finds every user change)."""

    actor: str = ""
    action: str = ""
    entity: str = ""
    entity_key: str = ""
    first_day: date | None = None
    last_day: date | None = None


@dataclass(frozen=True, slots=True)
class AuditRow:
    id: int
    at: datetime
    actor: str
    action: str
    entity: str
    entity_key: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    detail: dict[str, Any] | None


def _conditions(criteria: AuditFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if criteria.actor:
        conditions.append(AuditEntry.actor == criteria.actor)
    if criteria.action:
        conditions.append(AuditEntry.action.like(starting_with(criteria.action), escape=LIKE_ESCAPE))
    if criteria.entity:
        conditions.append(AuditEntry.entity == criteria.entity)
    if criteria.entity_key:
        conditions.append(AuditEntry.entity_key == criteria.entity_key)
    if criteria.first_day is not None:
        conditions.append(AuditEntry.at >= datetime.combine(criteria.first_day, time.min))
    if criteria.last_day is not None:
        conditions.append(AuditEntry.at < datetime.combine(criteria.last_day + timedelta(days=1), time.min))
    return conditions


def audit_page(session: Session, criteria: AuditFilter, *, page: int = 1, per_page: int = 50) -> Page[AuditRow]:
    """One page of matching entries, newest first (ties by id, so paging never repeats or skips an entry).

    Times are the stored UTC timestamps; the date range is read in UTC days."""
    conditions = _conditions(criteria)
    total = int(session.execute(select(func.count()).select_from(AuditEntry).where(*conditions)).scalar_one())
    rows = session.execute(
        select(AuditEntry.id, AuditEntry.at, AuditEntry.actor, AuditEntry.action, AuditEntry.entity,
               AuditEntry.entity_key, AuditEntry.before, AuditEntry.after, AuditEntry.detail)
        .where(*conditions).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(per_page).offset((page - 1) * per_page))
    return Page(tuple(AuditRow(*row) for row in rows), total, page, per_page)


def audit_entities(session: Session) -> list[str]:
    """The kinds of record the log mentions, for the filter's choices."""
    return list(session.execute(select(AuditEntry.entity).distinct().order_by(AuditEntry.entity)).scalars())
