"""Delivery evidence of letters, the events that interrupt limitation, and (legal area) law firms."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text, func, true
from sqlalchemy.orm import Mapped, mapped_column

from receivables.storage.schema.base import Base


class LetterDelivery(Base):
    """One fact about getting a letter to the debtor: a send (e-mail accepted, posted) or evidenced delivery.

    Rows are only ever added: a send and its later proof of delivery are two rows. Only a row with
    `delivered_on` and a proof is evidence that can interrupt limitation; sending alone is not.
    """

    __tablename__ = "letter_delivery"

    id: Mapped[int] = mapped_column(primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("letter.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(12))
    recipient: Mapped[str | None] = mapped_column(String(300))
    sent_at: Mapped[datetime | None]
    message_id: Mapped[str | None] = mapped_column(String(300))
    tracking_number: Mapped[str | None] = mapped_column(String(100))
    delivered_on: Mapped[date | None] = mapped_column(Date)
    signed_by: Mapped[str | None] = mapped_column(String(100))
    proof_sha256: Mapped[str | None] = mapped_column(String(64))
    proof_media_type: Mapped[str | None] = mapped_column(String(60))
    proof_name: Mapped[str | None] = mapped_column(String(200))
    error: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(100))
    recorded_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())


class LimitationEvent(Base):
    """An event that may interrupt or restart limitation, for one item or (receivable_id NULL) the whole debt.

    `kind` is one of the calculator's event kinds: demand, acknowledgment, part_payment, legal_action,
    agreement_to_pay. `source` says where it came from ("letter_delivery:12", "statement_response:3",
    "case_stage:7", "manual") so the analysis can cite its evidence.
    """

    __tablename__ = "limitation_event"
    __table_args__ = (Index("ix_limitation_event_debtor_id_occurred_on", "debtor_id", "occurred_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"))
    receivable_id: Mapped[int | None] = mapped_column(ForeignKey("receivable.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    occurred_on: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(60))
    note: Mapped[str | None] = mapped_column(String(300))
    recorded_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())


class LawFirm(Base):
    """A law firm the creditor instructs: who signs its lawyer letters and how the debtor reaches it."""

    __tablename__ = "law_firm"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    address: Mapped[str | None] = mapped_column(String(400))
    lawyer: Mapped[str | None] = mapped_column(String(100))
    licence_number: Mapped[str | None] = mapped_column(String(60))
    phone: Mapped[str | None] = mapped_column(String(60))
    email: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(server_default=true())
    created_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp(),
                                                 onupdate=func.current_timestamp())


# The areas this one's foreign keys point at, declared with it: an ORM flush orders every declared table
# by its foreign keys (storage/schema/__init__.py). At the end, as the areas point at each other.
from receivables.storage.schema import ledger, letters, parties  # noqa: E402,F401
