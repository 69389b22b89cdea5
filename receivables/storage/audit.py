"""Writing the append-only audit log, inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from receivables.storage.frozen import frozen_value
from receivables.storage.schema import AuditEntry
from receivables.storage.schema.base import utc_now


def record(session: Session, actor: str, action: str, entity: str, entity_key: str | None = None, *,
           before: Mapping[str, Any] | None = None, after: Mapping[str, Any] | None = None,
           detail: Mapping[str, Any] | None = None) -> None:
    """Append one entry; it commits or rolls back with the action it describes."""
    session.execute(insert(AuditEntry).values(
        at=utc_now(), actor=actor, action=action, entity=entity, entity_key=entity_key,
        before=frozen_value(before) if before is not None else None,
        after=frozen_value(after) if after is not None else None,
        detail=frozen_value(detail) if detail is not None else None,
    ))


def record_many(session: Session, actor: str, action: str, entity: str,
                changes: Sequence[tuple[str, Mapping[str, Any] | None, Mapping[str, Any] | None]]) -> None:
    """Append one entry per (key, before, after) change, in one statement."""
    if not changes:
        return
    now = utc_now()
    session.execute(insert(AuditEntry), [
        {"at": now, "actor": actor, "action": action, "entity": entity, "entity_key": key,
         "before": frozen_value(before) if before is not None else None,
         "after": frozen_value(after) if after is not None else None, "detail": None}
        for key, before, after in changes
    ])
