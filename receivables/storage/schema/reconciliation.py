"""Statements of account and the debtor's responses to them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from receivables.storage.schema.base import Base
from receivables.storage.types import Amount


class Statement(Base):
    """A statement of account as issued: one per creditor, debtor, currency and period, frozen in its letter.

    `delivery` is how it was meant to reach the debtor ('email' or 'print'); what actually happened to
    each e-mail is in `letter_delivery`.
    """

    __tablename__ = "statement"
    __table_args__ = (UniqueConstraint("company_id", "debtor_id", "currency", "period_start", "period_end"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("letter.id"), unique=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"), index=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    currency: Mapped[str] = mapped_column(String(3))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    opening_balance: Mapped[Decimal] = mapped_column(Amount)
    closing_balance: Mapped[Decimal] = mapped_column(Amount)
    movement_count: Mapped[int]
    issued_on: Mapped[date] = mapped_column(Date, index=True)
    reply_due_on: Mapped[date] = mapped_column(Date)
    delivery: Mapped[str] = mapped_column(String(10))
    issued_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())


class StatementResponse(Base):
    """The debtor's answer to a statement: confirmed (with the signed slip) or disputed (with their balance)."""

    __tablename__ = "statement_response"

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statement.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(12))
    responded_on: Mapped[date] = mapped_column(Date)
    signer: Mapped[str | None] = mapped_column(String(100))
    their_balance: Mapped[Decimal | None] = mapped_column(Amount)
    notes: Mapped[str | None] = mapped_column(Text)
    slip_sha256: Mapped[str | None] = mapped_column(String(64))
    slip_media_type: Mapped[str | None] = mapped_column(String(60))
    slip_name: Mapped[str | None] = mapped_column(String(200))
    recorded_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())


# The areas this one's foreign keys point at, declared with it: an ORM flush orders every declared table
# by its foreign keys (storage/schema/__init__.py). At the end, as the areas point at each other.
from receivables.storage.schema import letters, parties  # noqa: E402,F401
