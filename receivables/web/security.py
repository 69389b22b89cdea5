"""Who is calling: the signed session cookie, CSRF tokens, bearer tokens, and the secret that signs sessions."""

from __future__ import annotations

import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer

SESSION_COOKIE = "rcv_session"
SESSION_MAX_AGE = 12 * 3600
SECRET_FILE = "web-secret-key"
MIN_SECRET_LENGTH = 32
WEAK_SECRETS = {"changeme", "change-me", "secret", "password", "default"}


class SecretKeyError(ValueError):
    """The configured secret key cannot be used."""


def load_secret_key(home: Path, environ: dict[str, str] | None = None) -> str:
    """RECEIVABLES_SECRET_KEY, or a random key kept in the data folder (created once, mode 0600).

    A placeholder such as "changeme" or a short key is refused: anyone who knows it can forge sessions.
    """
    env = os.environ if environ is None else environ
    configured = env.get("RECEIVABLES_SECRET_KEY")
    if configured is not None:
        if configured.strip().lower() in WEAK_SECRETS or len(configured) < MIN_SECRET_LENGTH:
            raise SecretKeyError(f"RECEIVABLES_SECRET_KEY is a placeholder or shorter than {MIN_SECRET_LENGTH} "
                                 "characters; set a long random value (or unset it to use a generated key file)")
        return configured
    path = home / SECRET_FILE
    home.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_text(encoding="ascii").strip()
        if len(key) < MIN_SECRET_LENGTH:
            raise SecretKeyError(f"the secret key file {path} is damaged; delete it to generate a new one") from None
        return key
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(secrets.token_urlsafe(48))
    return path.read_text(encoding="ascii").strip()


@dataclass(frozen=True, slots=True)
class SessionData:
    """What the cookie carries: the CSRF token always; the user and their session version once signed in."""

    csrf: str
    user_id: int | None = None
    version: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"csrf": self.csrf, "uid": self.user_id, "ver": self.version}


def new_session(user_id: int | None = None, version: int = 0) -> SessionData:
    return SessionData(secrets.token_urlsafe(24), user_id, version)


class SessionCodec:
    """Signs and checks session cookies (itsdangerous, timestamped; older than the max age is refused)."""

    def __init__(self, secret_key: str) -> None:
        self._serializer = URLSafeTimedSerializer(secret_key, salt="receivables.session")

    def dumps(self, data: SessionData) -> str:
        return self._serializer.dumps(data.as_dict())

    def loads(self, cookie: str | None) -> SessionData | None:
        if not cookie:
            return None
        try:
            raw = self._serializer.loads(cookie, max_age=SESSION_MAX_AGE)
        except BadSignature:
            return None
        if not isinstance(raw, dict) or not isinstance(raw.get("csrf"), str):
            return None
        uid = raw.get("uid")
        return SessionData(raw["csrf"], uid if isinstance(uid, int) else None, int(raw.get("ver") or 0))


def same_token(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), (given or "").encode())


def safe_next(target: str | None) -> str:
    """Where to go after signing in: only a path on this site (never //host or a scheme)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
