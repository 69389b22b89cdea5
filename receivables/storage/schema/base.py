"""The declarative base and naming convention shared by every table."""

from __future__ import annotations

from datetime import datetime, timezone

from typing import cast

from sqlalchemy import MetaData, Table
from sqlalchemy.orm import DeclarativeBase

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def table_of(entity: type[Base]) -> Table:
    """The Core table of a mapped class (typed, for the bulk statements that work on tables)."""
    return cast(Table, entity.__table__)


def utc_now() -> datetime:
    """Timestamps of records (not business dates, which are always passed in)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)
