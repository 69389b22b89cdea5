"""API tokens for other systems: created with a role, shown once, kept only as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from receivables.services.users import Identity, UserRefused, check_role
from receivables.storage import audit
from receivables.storage.schema import ApiToken

TOKEN_PREFIX = "rcv_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(session: Session, name: str, role: str, *, actor: str) -> str:
    """A new random token for `name`; the caller shows it once, the database keeps its hash only."""
    name = name.strip()
    if not name or len(name) > 100:
        raise UserRefused("a token name is 1 to 100 characters")
    check_role(role)
    if session.execute(select(ApiToken.id).where(ApiToken.name == name)).first() is not None:
        raise UserRefused(f"a token named {name!r} already exists")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(name=name, role=role, token_sha256=_digest(token), active=True, created_by=actor))
    audit.record(session, actor, "token.create", "api_token", name, after={"role": role})
    return token


def token_identity(session: Session, token: str) -> Identity | None:
    """The identity of an active token, or None for an unknown or revoked one."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    row = session.execute(select(ApiToken).where(ApiToken.token_sha256 == _digest(token))).scalar_one_or_none()
    if row is None or not row.active:
        return None
    return Identity(None, f"token:{row.name}", row.role, "en")
