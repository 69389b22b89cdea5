"""What happens with a debtor's people: interactions, promises to pay, disputes, and contact-hygiene limits."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from receivables.storage.schema.base import Base
from receivables.storage.types import Amount


class Interaction(Base):
    """One contact with the debtor (call, visit, e-mail, letter, meeting, message), as it happened."""

    __tablename__ = "interaction"

    id: Mapped[int] = mapped_column(primary_key=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    direction: Mapped[str] = mapped_column(String(10))
    occurred_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    user_name: Mapped[str] = mapped_column(String(100))
    summary: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(String(300))
    next_step: Mapped[str | None] = mapped_column(String(300))
    next_step_on: Mapped[date | None] = mapped_column(Date)
    override_reason: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())


class Promise(Base):
    """A promise to pay an amount by a date; whether it was kept is derived from payments, not stored."""

    __tablename__ = "promise"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id"))
    amount: Mapped[Decimal] = mapped_column(Amount)
    currency: Mapped[str] = mapped_column(String(3))
    promised_on: Mapped[date] = mapped_column(Date, index=True)
    made_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(300))
    recorded_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())


class Dispute(Base):
    """A complaint about one or more items; its items are held out of dunning while it is open."""

    __tablename__ = "dispute"

    id: Mapped[int] = mapped_column(primary_key=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id"))
    reason: Mapped[str] = mapped_column(Text)
    opened_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), server_default="open", index=True)
    resolution: Mapped[str | None] = mapped_column(String(20))
    resolved_on: Mapped[date | None] = mapped_column(Date)
    resolution_note: Mapped[str | None] = mapped_column(String(300))
    opened_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())


class DisputeItem(Base):
    """One disputed item of a dispute and how much of it is disputed."""

    __tablename__ = "dispute_item"
    __table_args__ = (CheckConstraint("disputed_amount > 0", name="disputed_amount_positive"),)

    dispute_id: Mapped[int] = mapped_column(ForeignKey("dispute.id"), primary_key=True)
    receivable_id: Mapped[int] = mapped_column(ForeignKey("receivable.id"), primary_key=True, index=True)
    disputed_amount: Mapped[Decimal] = mapped_column(Amount)


class ContactHygiene(Base):
    """Limits on outbound contact: one row per debtor that has its own, and one with no debtor (global)."""

    __tablename__ = "contact_hygiene"

    id: Mapped[int] = mapped_column(primary_key=True)
    debtor_id: Mapped[int | None] = mapped_column(ForeignKey("debtor.id"), unique=True)
    hours_from: Mapped[str] = mapped_column(String(5))
    hours_to: Mapped[str] = mapped_column(String(5))
    max_per_day: Mapped[int] = mapped_column(Integer)
    max_per_week: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp(),
                                                 onupdate=func.current_timestamp())


# The areas this one's foreign keys point at, declared with it: an ORM flush orders every declared table
# by its foreign keys (storage/schema/__init__.py). At the end, as the areas point at each other.
from receivables.storage.schema import ledger, parties  # noqa: E402,F401
