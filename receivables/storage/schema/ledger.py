"""What is owed and what was paid: contracts, receivables, payments and their allocations."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import false, CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint, func, text
from sqlalchemy.orm import Mapped, mapped_column

from receivables.storage.schema.base import Base
from receivables.storage.types import Amount


class ReceivableKind(str, enum.Enum):
    invoice = "invoice"
    credit_note = "credit_note"
    progress = "progress"
    settlement_balance = "settlement_balance"
    retention = "retention"
    fee = "fee"
    interest = "interest"


class Contract(Base):
    __tablename__ = "contract"
    __table_args__ = (UniqueConstraint("debtor_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"), index=True)
    number: Mapped[str] = mapped_column(String(64))
    title: Mapped[str | None] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20), default="sale")
    amount: Mapped[Decimal | None] = mapped_column(Amount)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    signed_on: Mapped[date | None] = mapped_column(Date)
    payment_terms_days: Mapped[int | None]
    # Late-interest rule of the contract (e.g. 'daily:0.0005', 'lpr:1.3'); see domain.interest.
    interest_rule: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())


class Receivable(Base):
    """An open item. `open_amount` is derived from allocations by one code path (storage.ledger)."""

    __tablename__ = "receivable"
    __table_args__ = (
        UniqueConstraint("debtor_id", "number"),
        CheckConstraint("kind <> 'credit_note' OR amount <= 0", name="credit_note_negative"),
        # Aging and selection scan only what is still open: a covering, partial index keeps that
        # small however many paid items accumulate. Debtor and currency lead, so that aging by debtor
        # aggregates the index in its order instead of hashing every open item (migration 0013).
        Index(
            "ix_receivable_open_items",
            "debtor_id", "currency", "due_date", "open_amount", "issue_date",
            sqlite_where=text("open_amount <> 0"),
            postgresql_where=text("open_amount <> 0"),
        ),
        Index("ix_receivable_contract_id", "contract_id", sqlite_where=text("contract_id IS NOT NULL"),
              postgresql_where=text("contract_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"))
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contract.id"))
    kind: Mapped[str] = mapped_column(String(20), default=ReceivableKind.invoice.value)
    number: Mapped[str] = mapped_column(String(64))
    issue_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal] = mapped_column(Amount)
    open_amount: Mapped[Decimal] = mapped_column(Amount)
    dunning_block: Mapped[bool] = mapped_column(server_default=false())
    created_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())


class Payment(Base):
    """Money received; what no item takes is credit on account."""

    __tablename__ = "payment"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), index=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"), index=True)
    reference: Mapped[str] = mapped_column(String(100), unique=True)
    received_on: Mapped[date] = mapped_column(Date, index=True)
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal] = mapped_column(Amount)
    applies_to: Mapped[str | None] = mapped_column(String(1000))
    reversed_on: Mapped[date | None] = mapped_column(Date)
    reversal_reason: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())


class Allocation(Base):
    """Part of a payment applied to one item, effective from the payment date until any reversal."""

    __tablename__ = "allocation"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payment.id"), index=True)
    receivable_id: Mapped[int] = mapped_column(ForeignKey("receivable.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Amount)
    applied_on: Mapped[date] = mapped_column(Date, index=True)
    reversed_on: Mapped[date | None] = mapped_column(Date, index=True)


# The areas this one's foreign keys point at, declared with it: an ORM flush orders every declared table
# by its foreign keys (storage/schema/__init__.py). At the end, as the areas point at each other.
from receivables.storage.schema import parties  # noqa: E402,F401
