"""The debtor's personal links (signed, expiring, revocable) and the answers given through them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from receivables.storage.schema.base import Base


class DebtorLink(Base):
    """A personal link for one debtor (and optionally one statement).

    Only the SHA-256 of the link's random token is kept: reading the database does not give anyone a
    working link; the token itself is shown once, when the link is made.
    """

    __tablename__ = "debtor_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"), index=True)
    statement_id: Mapped[int | None] = mapped_column(ForeignKey("statement.id"))
    created_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date)
    revoked_on: Mapped[date | None] = mapped_column(Date)
    revoked_by: Mapped[str | None] = mapped_column(String(100))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())


class DebtorAnswer(Base):
    """One answer the debtor gave through a link: when, through which link, from which address, and what
    it became in the ledger (`record`: statement_response:7, dispute:3, promise:12, ...). The inbox of the
    application lists them until someone marks them handled."""

    __tablename__ = "debtor_answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("debtor_link.id"), index=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"), index=True)
    statement_id: Mapped[int | None] = mapped_column(ForeignKey("statement.id"))
    kind: Mapped[str] = mapped_column(String(20))
    answered_at: Mapped[datetime] = mapped_column(DateTime)
    answered_on: Mapped[date] = mapped_column(Date)
    client_address: Mapped[str] = mapped_column(String(64))
    signer: Mapped[str | None] = mapped_column(String(100))
    record: Mapped[str | None] = mapped_column(String(60))
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    file_name: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)
    handled_at: Mapped[datetime | None] = mapped_column(DateTime)
    handled_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())


# The areas this one's foreign keys point at, declared with it: an ORM flush orders every declared table
# by its foreign keys (storage/schema/__init__.py). At the end, as the areas point at each other.
from receivables.storage.schema import parties, reconciliation  # noqa: E402,F401
