"""Writing the append-only audit log, inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from receivables.storage.schema import AuditEntry
from receivables.storage.schema.base import utc_now


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def record(session: Session, actor: str, action: str, entity: str, entity_key: str | None = None, *,
           before: Mapping[str, Any] | None = None, after: Mapping[str, Any] | None = None,
           detail: Mapping[str, Any] | None = None) -> None:
    """Append one entry; it commits or rolls back with the action it describes."""
    session.execute(insert(AuditEntry).values(
        at=utc_now(), actor=actor, action=action, entity=entity, entity_key=entity_key,
        before=_plain(before) if before is not None else None,
        after=_plain(after) if after is not None else None,
        detail=_plain(detail) if detail is not None else None,
    ))


def record_many(session: Session, actor: str, action: str, entity: str,
                changes: list[tuple[str, Mapping[str, Any] | None, Mapping[str, Any] | None]]) -> None:
    """Append one entry per (key, before, after) change, in one statement."""
    if not changes:
        return
    now = utc_now()
    session.execute(insert(AuditEntry), [
        {"at": now, "actor": actor, "action": action, "entity": entity, "entity_key": key,
         "before": _plain(before) if before is not None else None,
         "after": _plain(after) if after is not None else None, "detail": None}
        for key, before, after in changes
    ])
