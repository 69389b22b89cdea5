"""Construction contracts: milestones, settlements, retention, collection targets."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from receivables.storage.schema.base import Base
from receivables.storage.types import Amount, Rate


class ConstructionProject(Base):
    """The construction facts of one contract: who manages it, the retention terms, acceptance."""

    __tablename__ = "construction_project"
    __table_args__ = (CheckConstraint("defect_liability_months >= 0", name="defect_liability_months_positive"),
                      CheckConstraint("final_payment_days >= 0", name="final_payment_days_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), unique=True)
    project: Mapped[str | None] = mapped_column(String(200), index=True)
    project_manager: Mapped[str | None] = mapped_column(String(100), index=True)
    retention_rate: Mapped[Decimal] = mapped_column(Rate)  # percent of the settled amount
    defect_liability_months: Mapped[int]
    final_payment_days: Mapped[int | None]  # None: the default term (90 days after settlement)
    retention_return_on: Mapped[date | None] = mapped_column(Date)
    completion_report_on: Mapped[date | None] = mapped_column(Date)
    accepted_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())


class ContractVariation(Base):
    """A signed change order: plus or minus on the contract value."""

    __tablename__ = "contract_variation"
    __table_args__ = (UniqueConstraint("contract_id", "reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True)
    reference: Mapped[str] = mapped_column(String(64))
    signed_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Amount)
    description: Mapped[str | None] = mapped_column(String(300))
    recorded_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())


class ProjectMilestone(Base):
    """A progress-billing milestone: a percent of the contract value or a fixed amount."""

    __tablename__ = "project_milestone"
    __table_args__ = (UniqueConstraint("contract_id", "code"),
                      CheckConstraint("percent IS NOT NULL OR amount IS NOT NULL", name="percent_or_amount"))

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    title: Mapped[str | None] = mapped_column(String(300))
    percent: Mapped[Decimal | None] = mapped_column(Rate)
    amount: Mapped[Decimal | None] = mapped_column(Amount)
    planned_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())


class MilestoneBilling(Base):
    """One billing of a milestone: the progress receivable it created, and the rule of its due date."""

    __tablename__ = "milestone_billing"

    id: Mapped[int] = mapped_column(primary_key=True)
    milestone_id: Mapped[int] = mapped_column(ForeignKey("project_milestone.id"), index=True)
    receivable_id: Mapped[int] = mapped_column(ForeignKey("receivable.id"), unique=True)
    billed_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Amount)
    due_rule: Mapped[str] = mapped_column(String(300))
    recorded_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())


class ProjectSettlement(Base):
    """The final account of a contract and what it left owed: balance (or credit) and retention, each date with
    its rule."""

    __tablename__ = "project_settlement"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), unique=True)
    settled_on: Mapped[date] = mapped_column(Date)
    settled_amount: Mapped[Decimal] = mapped_column(Amount)
    billed_amount: Mapped[Decimal] = mapped_column(Amount)
    retention_amount: Mapped[Decimal] = mapped_column(Amount)
    balance_amount: Mapped[Decimal] = mapped_column(Amount)
    balance_receivable_id: Mapped[int | None] = mapped_column(ForeignKey("receivable.id"))
    balance_due_on: Mapped[date | None] = mapped_column(Date)
    balance_due_rule: Mapped[str | None] = mapped_column(String(300))
    retention_receivable_id: Mapped[int | None] = mapped_column(ForeignKey("receivable.id"))
    retention_due_on: Mapped[date | None] = mapped_column(Date)
    retention_due_rule: Mapped[str | None] = mapped_column(String(500))
    retention_claim_on: Mapped[date | None] = mapped_column(Date)
    retention_claim_rule: Mapped[str | None] = mapped_column(String(500))
    recorded_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())


class CollectionTarget(Base):
    """How much is to be recovered in a period for a project, contract, collector or company."""

    __tablename__ = "collection_target"
    __table_args__ = (UniqueConstraint("scope", "name", "period", "currency"),
                      CheckConstraint("scope IN ('project', 'contract', 'collector', 'company')", name="scope_known"),
                      CheckConstraint("amount >= 0", name="amount_not_negative"))

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(200))
    period: Mapped[str] = mapped_column(String(10))
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[Decimal] = mapped_column(Amount)
    set_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())


# The areas this one's foreign keys point at, declared with it: an ORM flush orders every declared table
# by its foreign keys (storage/schema/__init__.py). At the end, as the areas point at each other.
from receivables.storage.schema import ledger  # noqa: E402,F401
