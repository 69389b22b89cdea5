"""Rate fixings that users add to the shipped reference-rate series (LPR, BoE base, Basiszinssatz, ECB)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from receivables.storage.schema.base import Base
from receivables.storage.types import Rate


class RateFixing(Base):
    """A percent per year in force from `effective_on` in one series; one fixing per series and date."""

    __tablename__ = "rate_fixing"
    __table_args__ = (UniqueConstraint("series", "effective_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series: Mapped[str] = mapped_column(String(30))
    effective_on: Mapped[date] = mapped_column(Date)
    percent: Mapped[Decimal] = mapped_column(Rate)
    source: Mapped[str | None] = mapped_column(String(300))
    added_by: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())
