"""Legal cases and their stages, recoveries and commissions; debtor credit events."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, String, func
from sqlalchemy.orm import Mapped, mapped_column

from receivables.storage.schema.base import Base
from receivables.storage.types import Amount, Rate


class LegalCase(Base):
    """A debtor's claim handed to a law firm or collection agency; `stage` is where it stands now.

    The case's history is in `legal_case_stage` (append-only); only the current stage, its date, the court
    details and the outcome are kept here for listing.
    """

    __tablename__ = "legal_case"

    id: Mapped[int] = mapped_column(primary_key=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"), index=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    currency: Mapped[str] = mapped_column(String(3))
    agent_kind: Mapped[str] = mapped_column(String(10))
    agent_name: Mapped[str] = mapped_column(String(200))
    law_firm_id: Mapped[int | None] = mapped_column(ForeignKey("law_firm.id"))
    # A fraction (0.15 is 15%), kept with the Rate column's eight decimals.
    commission_rate: Mapped[Decimal] = mapped_column(Rate)
    stage: Mapped[str] = mapped_column(String(30))
    stage_on: Mapped[date] = mapped_column(Date)
    outcome: Mapped[str | None] = mapped_column(String(12))
    court: Mapped[str | None] = mapped_column(String(200))
    case_number: Mapped[str | None] = mapped_column(String(100))
    opened_on: Mapped[date] = mapped_column(Date)
    opened_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())


class LegalCaseItem(Base):
    """An open item handed over with the case, and what was open on it then."""

    __tablename__ = "legal_case_item"

    case_id: Mapped[int] = mapped_column(ForeignKey("legal_case.id"), primary_key=True)
    receivable_id: Mapped[int] = mapped_column(ForeignKey("receivable.id"), primary_key=True, index=True)
    referred_amount: Mapped[Decimal] = mapped_column(Amount)


class LegalCaseStage(Base):
    """One step of a case as it happened: a stage reached (or asset preservation), its date and court details."""

    __tablename__ = "legal_case_stage"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("legal_case.id"), index=True)
    stage: Mapped[str] = mapped_column(String(30))
    occurred_on: Mapped[date] = mapped_column(Date)
    court: Mapped[str | None] = mapped_column(String(200))
    case_number: Mapped[str | None] = mapped_column(String(100))
    outcome: Mapped[str | None] = mapped_column(String(12))
    note: Mapped[str | None] = mapped_column(String(300))
    recorded_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())


class LegalCaseDocument(Base):
    """A document filed with a stage (complaint, payment order, judgment, ruling), kept in the blob store."""

    __tablename__ = "legal_case_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    stage_id: Mapped[int] = mapped_column(ForeignKey("legal_case_stage.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    media_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int]


class LegalCaseRecovery(Base):
    """Money recovered through the case: the payment it became and the agent's commission on it."""

    __tablename__ = "legal_case_recovery"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("legal_case.id"), index=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payment.id"), unique=True)
    amount: Mapped[Decimal] = mapped_column(Amount)
    commission_rate: Mapped[Decimal] = mapped_column(Rate)
    commission: Mapped[Decimal] = mapped_column(Amount)
    recorded_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())


class CreditEvent(Base):
    """A fact about a debtor's creditworthiness (a lawsuit against it, an asset transfer, ...) and its source."""

    __tablename__ = "credit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    occurred_on: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(String(300))
    recorded_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())


# The areas this one's foreign keys point at, declared with it: an ORM flush orders every declared table
# by its foreign keys (storage/schema/__init__.py). At the end, as the areas point at each other.
from receivables.storage.schema import ledger, legal, parties  # noqa: E402,F401
