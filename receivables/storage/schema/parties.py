"""Who is involved: our creditor companies, the debtors that owe them, and the debtors' people."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text, false, func, text, true
from sqlalchemy.orm import Mapped, mapped_column

from receivables.storage.schema.base import Base


class Company(Base):
    """A legal entity of ours that sells on credit; it appears on letterheads."""

    __tablename__ = "company"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    credit_code: Mapped[str | None] = mapped_column(String(18))
    address: Mapped[str | None] = mapped_column(String(400))
    phone: Mapped[str | None] = mapped_column(String(60))
    bank_name: Mapped[str | None] = mapped_column(String(200))
    bank_account: Mapped[str | None] = mapped_column(String(60))
    contact_name: Mapped[str | None] = mapped_column(String(100))
    contact_phone: Mapped[str | None] = mapped_column(String(60))
    logo_sha256: Mapped[str | None] = mapped_column(String(64))
    jurisdiction: Mapped[str] = mapped_column(String(8), default="CN")
    is_default: Mapped[bool] = mapped_column(default=False)
    # Late-interest rule when a contract states none (e.g. 'daily:0.0005'); see domain.interest.
    default_interest_rule: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())


class Debtor(Base):
    """A customer organization that owes; its code is the natural key shared with the accounting system."""

    __tablename__ = "debtor"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300), index=True)
    credit_code: Mapped[str | None] = mapped_column(String(18), index=True)
    address: Mapped[str | None] = mapped_column(String(400))
    segment: Mapped[str | None] = mapped_column(String(60))
    legal_representative: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default="active")
    on_hold: Mapped[bool] = mapped_column(default=False)
    reconciliation_frequency: Mapped[str] = mapped_column(String(12), default="none")
    # Day of the cycle's first month on which the statement goes out (29-31 fall on a short month's end).
    reconciliation_day: Mapped[int] = mapped_column(server_default=text("1"))
    # Dunning (migration 0006): the level reached, the date of that step, a policy override, the collector.
    dunning_level: Mapped[int] = mapped_column(server_default=text("0"))
    dunning_stepped_on: Mapped[date | None] = mapped_column(Date)
    dunning_policy_id: Mapped[int | None] = mapped_column(ForeignKey("dunning_policy.id"))
    collector: Mapped[str | None] = mapped_column(String(100), index=True)
    # Legal (migration 0010): set by a recorded credit event (lawsuit against the debtor, dissolution, ...).
    risk_flag: Mapped[bool] = mapped_column(server_default=false())
    risk_flagged_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp(),
                                                 onupdate=func.current_timestamp())


class Contact(Base):
    """A person in the debtor's organization: role, stance, place in the reporting tree, how to reach them."""

    __tablename__ = "contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20), default="other")
    title: Mapped[str | None] = mapped_column(String(100))
    department: Mapped[str | None] = mapped_column(String(100))
    phone: Mapped[str | None] = mapped_column(String(60))
    mobile: Mapped[str | None] = mapped_column(String(60))
    email: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(400))
    stance: Mapped[str] = mapped_column(String(20), server_default="unknown")
    reports_to_id: Mapped[int | None] = mapped_column(ForeignKey("contact.id"), index=True)
    decision_maker: Mapped[bool] = mapped_column(server_default=false())
    preferred_channel: Mapped[str | None] = mapped_column(String(20))
    hours_from: Mapped[str | None] = mapped_column(String(5))
    hours_to: Mapped[str | None] = mapped_column(String(5))
    active: Mapped[bool] = mapped_column(server_default=true())
    is_primary: Mapped[bool] = mapped_column(default=False)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp(),
                                                 onupdate=func.current_timestamp())


# The areas this one's foreign keys point at, declared with it: an ORM flush orders every declared table
# by its foreign keys (storage/schema/__init__.py). At the end, as the areas point at each other.
from receivables.storage.schema import dunning  # noqa: E402,F401
