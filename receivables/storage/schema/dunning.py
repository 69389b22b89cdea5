"""Dunning policies and levels, runs, proposals, the actions they took, call tasks."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint, false, func
from sqlalchemy.orm import Mapped, mapped_column

from receivables.storage.schema.base import Base
from receivables.storage.types import Amount


class DunningPolicy(Base):
    """A named ladder of levels; assigned to debtor segments, or to one debtor as an override."""

    __tablename__ = "dunning_policy"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    description: Mapped[str | None] = mapped_column(String(300))
    # Comma-separated debtor segments this policy is for; a segment belongs to at most one policy.
    segments: Mapped[str] = mapped_column(String(400), server_default="")
    is_default: Mapped[bool] = mapped_column(server_default=false())
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())


class DunningLevel(Base):
    """One step of a policy's ladder (see domain.dunning.Level for what each field means)."""

    __tablename__ = "dunning_level"
    __table_args__ = (UniqueConstraint("policy_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("dunning_policy.id"))
    number: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(60))
    days: Mapped[int] = mapped_column(Integer)
    min_amount: Mapped[Decimal] = mapped_column(Amount)
    min_days_since_previous: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(20))
    template: Mapped[str | None] = mapped_column(String(60))
    roles: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(20))
    # Currency code -> fee amount (a string, exact), charged with the step.
    fees: Mapped[dict[str, Any]] = mapped_column(JSON)
    approver: Mapped[str] = mapped_column(String(20))


class DunningRun(Base):
    """Proposals made for one date; approved, then executed. A newer run supersedes an unexecuted one."""

    __tablename__ = "dunning_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    as_of: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(12))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())
    executed_by: Mapped[str | None] = mapped_column(String(100))
    executed_at: Mapped[datetime | None]


class DunningProposal(Base):
    """What a run proposes for one debtor and currency: level, amounts, recipients; then its outcome."""

    __tablename__ = "dunning_proposal"
    # Level too: a run may also propose an out-of-ladder step (level 0: a retention release request, say).
    __table_args__ = (UniqueConstraint("run_id", "debtor_id", "currency", "level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("dunning_run.id"), index=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"), index=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("dunning_policy.id"))
    level: Mapped[int] = mapped_column(Integer)
    level_name: Mapped[str] = mapped_column(String(60))
    action: Mapped[str] = mapped_column(String(20))
    template: Mapped[str | None] = mapped_column(String(60))
    channel: Mapped[str] = mapped_column(String(20))
    approver: Mapped[str] = mapped_column(String(20))
    currency: Mapped[str] = mapped_column(String(3))
    open_amount: Mapped[Decimal] = mapped_column(Amount)
    interest: Mapped[Decimal] = mapped_column(Amount)
    fees: Mapped[Decimal] = mapped_column(Amount)
    recipients: Mapped[list[Any]] = mapped_column(JSON)
    gaps: Mapped[list[Any]] = mapped_column(JSON)
    # proposed -> approved | excluded; approved -> done | failed
    status: Mapped[str] = mapped_column(String(10))
    approved_by: Mapped[str | None] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text)


class DunningProposalItem(Base):
    """An item a proposal covers."""

    __tablename__ = "dunning_proposal_item"

    proposal_id: Mapped[int] = mapped_column(ForeignKey("dunning_proposal.id"), primary_key=True)
    receivable_id: Mapped[int] = mapped_column(ForeignKey("receivable.id"), primary_key=True)


class DunningApproval(Base):
    """Who approved a run (or part of it: the levels their role may approve) and what they left out."""

    __tablename__ = "dunning_approval"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("dunning_run.id"), index=True)
    approved_by: Mapped[str] = mapped_column(String(100))
    roles: Mapped[list[Any]] = mapped_column(JSON)
    excluded: Mapped[list[Any]] = mapped_column(JSON)
    approved_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())


class DunningAction(Base):
    """One thing a run did (letter issued, e-mail sent or queued, task created); its key makes it happen once."""

    __tablename__ = "dunning_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("dunning_run.id"), index=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("dunning_proposal.id"), index=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"), index=True)
    level: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    # done (letter, task), sending (e-mail handed to SMTP, outcome unknown), sent, queued, failed
    status: Mapped[str] = mapped_column(String(10))
    letter_id: Mapped[int | None] = mapped_column(ForeignKey("letter.id"))
    recipient: Mapped[str | None] = mapped_column(String(300))
    subject: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(String(300))
    note: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())


class DunningTask(Base):
    """Work for a person that a dunning step created: a call to make, a hand-over to legal."""

    __tablename__ = "dunning_task"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("dunning_action.id"), unique=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    due_on: Mapped[date] = mapped_column(Date)
    assigned_to: Mapped[str | None] = mapped_column(String(100))
    contacts: Mapped[list[Any]] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), server_default="open")
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())


# The areas this one's foreign keys point at, declared with it: an ORM flush orders every declared table
# by its foreign keys (storage/schema/__init__.py). At the end, as the areas point at each other.
from receivables.storage.schema import ledger, letters, parties  # noqa: E402,F401
