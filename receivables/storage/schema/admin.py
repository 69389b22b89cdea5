"""Web administration: every saved version of a letter template, and the audit log's filter indexes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from receivables.storage.schema.audit import AuditEntry
from receivables.storage.schema.base import Base


class TemplateVersion(Base):
    """One version of a letter template's text, as saved (or restored) in the browser; never changed.

    The first version of a template is the text that was in force before the first save (shipped or a
    user's file), so that it too can be restored.
    """

    __tablename__ = "template_version"
    __table_args__ = (UniqueConstraint("name", "locale", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    locale: Mapped[str] = mapped_column(String(10))
    version: Mapped[int]
    source: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    origin: Mapped[str] = mapped_column(String(10))
    """`shipped` or `file` (the text before the first save), `saved`, or `restored`."""
    restored_from: Mapped[int | None]
    saved_by: Mapped[str] = mapped_column(String(100))
    saved_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())


# The audit page filters by actor or entity and shows the newest first: one index for each, ending in `at`.
Index("ix_audit_log_actor_at", AuditEntry.actor, AuditEntry.at)
Index("ix_audit_log_entity_at", AuditEntry.entity, AuditEntry.at)

__all__ = ["TemplateVersion"]
