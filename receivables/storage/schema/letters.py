"""Issued letters: their number, the template and data they were rendered from, and their files."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from receivables.storage.schema.base import Base


class LetterCounter(Base):
    """The last number issued per company, year and numbering prefix (the row lock serialises issuers)."""

    __tablename__ = "letter_counter"

    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    prefix: Mapped[str] = mapped_column(String(20), primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer)


class Letter(Base):
    """A letter as issued. Never updated: a correction is a new letter."""

    __tablename__ = "letter"
    __table_args__ = (UniqueConstraint("company_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"))
    debtor_id: Mapped[int] = mapped_column(ForeignKey("debtor.id"), index=True)
    number: Mapped[str] = mapped_column(String(60))
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    template_name: Mapped[str] = mapped_column(String(60))
    template_kind: Mapped[str] = mapped_column(String(40))
    locale: Mapped[str] = mapped_column(String(10))
    template_sha256: Mapped[str] = mapped_column(String(64))
    template_origin: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(200))
    letter_date: Mapped[date] = mapped_column(Date)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    issued_by: Mapped[str] = mapped_column(String(100))
    issued_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())


class LetterFile(Base):
    """One rendered file of a letter, stored in the blob store under its SHA-256."""

    __tablename__ = "letter_file"

    letter_id: Mapped[int] = mapped_column(ForeignKey("letter.id"), primary_key=True)
    format: Mapped[str] = mapped_column(String(10), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)


# The areas this one's foreign keys point at, declared with it: an ORM flush orders every declared table
# by its foreign keys (storage/schema/__init__.py). At the end, as the areas point at each other.
from receivables.storage.schema import parties  # noqa: E402,F401
