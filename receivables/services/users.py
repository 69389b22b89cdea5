"""People who sign in: adding them, their passwords (argon2 hashes only), disabling them, their interface
language, and checking a sign-in with a growing wait after repeated failures by name and address."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from collections.abc import Sequence
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

# Defined in the domain so that the CLI can name the roles without loading this module; re-exported here.
from receivables.domain.users import ROLES as ROLES  # noqa: PLC0414
from receivables.services.errors import Refused, UnknownRecord
from receivables.storage import audit
from receivables.storage.schema import SignInFailure, User
from receivables.storage.schema.base import utc_now

LOCALES: tuple[str, ...] = ("zh", "en")
MIN_PASSWORD_LENGTH = 10

PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset({"read", "follow_up", "post_ledger", "admin"}),
    "finance": frozenset({"read", "follow_up", "post_ledger"}),
    "legal": frozenset({"read", "follow_up"}),
    "project_manager": frozenset({"read", "follow_up"}),
    "viewer": frozenset({"read"}),
}
"""What each role may do: `read` every page, `follow_up` (record promises), `post_ledger` (API writes)."""

FREE_FAILURES = 3
"""Failed sign-ins (same name, same address) allowed before each further attempt has to wait."""
FIRST_WAIT_SECONDS = 5
MAX_WAIT_SECONDS = 300
FAILURE_WINDOW = timedelta(hours=1)

_HASHER = PasswordHasher()


class UserRefused(Refused):
    """The user cannot be added or changed as asked; nothing was written."""


class SignInThrottled(Refused):
    """Too many failed sign-ins from this address for this name: try again after `wait_seconds`."""

    def __init__(self, wait_seconds: int) -> None:
        super().__init__(f"too many failed sign-ins; try again in {wait_seconds} seconds")
        self.wait_seconds = wait_seconds


@dataclass(frozen=True, slots=True)
class Identity:
    """Who is signed in (or which token is calling), and what their role lets them do."""

    user_id: int | None
    name: str
    role: str
    locale: str
    session_version: int = 0

    def may(self, permission: str) -> bool:
        return permission in PERMISSIONS.get(self.role, frozenset())


def _identity(user: User) -> Identity:
    return Identity(user.id, user.name, user.role, user.locale, user.session_version)


def check_role(role: str) -> str:
    if role not in ROLES:
        raise UserRefused(f"unknown role {role!r} (allowed: {', '.join(ROLES)})")
    return role


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserRefused(f"the password is too short (at least {MIN_PASSWORD_LENGTH} characters)")
    if password.strip() != password or password.lower() in {"changeme", "password12", "1234567890"}:
        raise UserRefused("choose another password (no leading or trailing spaces, not a common one)")


def generate_password() -> str:
    """A random password for demo users: 16 URL-safe characters."""
    return secrets.token_urlsafe(12)


def _find(session: Session, name: str) -> User:
    user = session.execute(select(User).where(User.name == name)).scalar_one_or_none()
    if user is None:
        raise UnknownRecord(f"no user named {name!r}")
    return user


def add_user(session: Session, name: str, role: str, password: str, *, actor: str, locale: str = "zh") -> Identity:
    """Add a user with a role; the password is kept only as an argon2 hash."""
    name = name.strip()
    if not name or len(name) > 100 or any(c.isspace() for c in name):
        raise UserRefused("a user name is 1 to 100 characters without spaces")
    check_role(role)
    if locale not in LOCALES:
        raise UserRefused(f"unknown language {locale!r} (allowed: {', '.join(LOCALES)})")
    _check_password(password)
    if session.execute(select(User.id).where(User.name == name)).first() is not None:
        raise UserRefused(f"a user named {name!r} already exists")
    user = User(name=name, role=role, password_hash=_HASHER.hash(password), active=True, locale=locale,
                session_version=1)
    session.add(user)
    session.flush()
    audit.record(session, actor, "user.add", "user", name, after={"role": role, "locale": locale})
    return _identity(user)


def set_password(session: Session, name: str, password: str, *, actor: str) -> None:
    """Replace the password; sessions signed in with the old one end."""
    user = _find(session, name)
    _check_password(password)
    user.password_hash = _HASHER.hash(password)
    user.session_version += 1
    audit.record(session, actor, "user.passwd", "user", name)


def disable_user(session: Session, name: str, *, actor: str) -> None:
    """The user can no longer sign in, and their open sessions end."""
    user = _find(session, name)
    if not user.active:
        return
    user.active = False
    user.session_version += 1
    audit.record(session, actor, "user.disable", "user", name, before={"active": True}, after={"active": False})


def enable_user(session: Session, name: str, *, actor: str) -> None:
    """A disabled user may sign in again (with their old password)."""
    user = _find(session, name)
    if user.active:
        return
    user.active = True
    audit.record(session, actor, "user.enable", "user", name, before={"active": False}, after={"active": True})


def set_role(session: Session, name: str, role: str, *, actor: str) -> Identity:
    """Give the user another role; the last active administrator keeps theirs, so someone can still administer."""
    user = _find(session, name)
    check_role(role)
    if user.role == role:
        return _identity(user)
    if user.role == "admin" and user.active and _active_admins(session) <= 1:
        raise UserRefused(f"{name!r} is the only active administrator; make another user admin first")
    before, user.role = user.role, role
    audit.record(session, actor, "user.role", "user", name, before={"role": before}, after={"role": role})
    return _identity(user)


def _active_admins(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(User)
                               .where(User.role == "admin", User.active.is_(True))).scalar_one())


@dataclass(frozen=True, slots=True)
class Account:
    """A user as the administration page lists them."""

    name: str
    role: str
    active: bool
    locale: str
    created_at: datetime


def list_accounts(session: Session) -> list[Account]:
    """Every user, active or not, by name."""
    rows = session.execute(select(User.name, User.role, User.active, User.locale, User.created_at)
                           .order_by(User.name))
    return [Account(*row) for row in rows]


def set_locale(session: Session, user_id: int, locale: str) -> None:
    """The language the user's pages are shown in."""
    if locale not in LOCALES:
        raise UserRefused(f"unknown language {locale!r} (allowed: {', '.join(LOCALES)})")
    user = session.get(User, user_id)
    if user is None:
        raise UnknownRecord("no such user")
    user.locale = locale


def session_identity(session: Session, user_id: int, session_version: int) -> Identity | None:
    """The identity behind a session cookie, or None if the user was disabled or changed password since."""
    user = session.get(User, user_id)
    if user is None or not user.active or user.session_version != session_version:
        return None
    return _identity(user)


def wait_before_next_attempt(failures: int) -> int:
    """Seconds to wait after `failures` recent failures: none for the first few, then 5, 10, 20… up to 5 minutes."""
    if failures < FREE_FAILURES:
        return 0
    wait: int = FIRST_WAIT_SECONDS * 2 ** (failures - FREE_FAILURES)
    return min(wait, MAX_WAIT_SECONDS)


def sign_in(session: Session, name: str, password: str, address: str, *,
            now: datetime | None = None) -> Identity | None:
    """The identity for a right name and password; None (and the failure recorded, to be committed) for an
    unknown name, a wrong password or a disabled user alike.

    While a wait is running, the password is not even checked (SignInThrottled, nothing written), so
    guessing cannot go faster than the waits allow. A success clears the failures of that name and address.
    """
    now = now or utc_now()
    name, address = name.strip()[:100], address[:64]
    recent = (SignInFailure.user_name == name, SignInFailure.address == address,
              SignInFailure.at > now - FAILURE_WINDOW)
    failures, last = session.execute(select(func.count(), func.max(SignInFailure.at)).where(*recent)).one()
    wait = wait_before_next_attempt(failures)
    if wait and last is not None and now < last + timedelta(seconds=wait):
        raise SignInThrottled(int((last + timedelta(seconds=wait) - now).total_seconds()) + 1)
    user = session.execute(select(User).where(User.name == name)).scalar_one_or_none()
    if user is None or not user.active or not _verify(user.password_hash, password):
        session.add(SignInFailure(user_name=name, address=address, at=now))
        return None
    session.execute(delete(SignInFailure).where(SignInFailure.user_name == name, SignInFailure.address == address))
    if _HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = _HASHER.hash(password)
    return _identity(user)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def list_users(session: Session) -> list[Identity]:
    return [_identity(u) for u in session.execute(select(User).order_by(User.name)).scalars()]


def add_demo_users(session: Session, *, actor: str) -> list[tuple[str, str, str]]:
    """One user per role with a random password, for a demo: (name, role, password), shown once."""
    created = []
    for role in ROLES:
        name = f"demo-{role.replace('_', '-')}"
        password = generate_password()
        add_user(session, name, role, password, actor=actor, locale="zh")
        created.append((name, role, password))
    return created


class RoleRequired(Refused):
    """The acting user's role does not allow this step (approving a level, issuing a lawyer letter)."""


def require_role(session: Session, actor: str, roles: Sequence[str], *, doing: str) -> Identity:
    """The acting user, if registered, active and holding one of `roles` (admin always may); else refused.

    The command line acts as RECEIVABLES_USER; steps that need a role look that name up among the
    application's users, so the same role rules hold on the command line and on the web.
    """
    user = session.execute(select(User).where(User.name == actor)).scalar_one_or_none()
    if user is None or not user.active:
        raise RoleRequired(f"{doing} needs a user with the role {' or '.join(roles)}; {actor!r} is not an active "
                           f"user (add one with `receivables user add NAME --role {roles[0]}` and set "
                           f"RECEIVABLES_USER)")
    if user.role != "admin" and user.role not in roles:
        raise RoleRequired(f"{doing} needs the role {' or '.join(roles)}; {actor!r} has the role {user.role!r}")
    return _identity(user)
