"""Who may use the web application and the API: users, API tokens, failed sign-ins, and the answers
kept for idempotent API requests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, UniqueConstraint, func, true
from sqlalchemy.orm import Mapped, mapped_column

from receivables.storage.schema.base import Base


class User(Base):
    """A person who signs in; only an argon2 hash of the password is kept."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(server_default=true())
    locale: Mapped[str] = mapped_column(String(5), server_default="zh")
    session_version: Mapped[int] = mapped_column(server_default="1")
    """Raised when the password changes or the user is disabled: older session cookies stop working."""
    created_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp(),
                                                 onupdate=func.current_timestamp())


class ApiToken(Base):
    """A bearer token for another system; only its SHA-256 is kept (the token is shown once)."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(server_default=true())
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())


class SignInFailure(Base):
    """One failed sign-in, by name and address: repeated failures make the next attempt wait."""

    __tablename__ = "sign_in_failure"
    __table_args__ = (Index("ix_sign_in_failure_name_address", "user_name", "address", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_name: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]


class IdempotentRequest(Base):
    """The answer given to an API write with a client-supplied Idempotency-Key; a retry gets it again."""

    __tablename__ = "idempotent_request"
    __table_args__ = (UniqueConstraint("principal", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    principal: Mapped[str] = mapped_column(String(120))
    key: Mapped[str] = mapped_column(String(200))
    endpoint: Mapped[str] = mapped_column(String(100))
    request_sha256: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int]
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(server_default=func.current_timestamp())


__all__ = ["ApiToken", "IdempotentRequest", "SignInFailure", "User"]
