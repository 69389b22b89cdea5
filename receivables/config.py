"""Settings from the environment and command-line flags, validated once at start-up."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_HOME = "./receivables-data"


class ConfigError(ValueError):
    """A setting is missing or malformed."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Where the data lives and how to reach the database."""

    home: Path
    database_url: str
    user: str

    @property
    def blob_dir(self) -> Path:
        return self.home / "blobs"

    @property
    def user_templates_dir(self) -> Path:
        return self.home / "templates"


def load_settings(db: str | None = None, home: str | None = None,
                  environ: dict[str, str] | None = None) -> Settings:
    """Flags win over the environment, which wins over the defaults."""
    env = os.environ if environ is None else environ
    home_path = Path(home or env.get("RECEIVABLES_HOME") or DEFAULT_HOME).expanduser()
    url = db or env.get("RECEIVABLES_DATABASE_URL") or ""
    if not url:
        url = f"sqlite:///{(home_path / 'receivables.sqlite').resolve()}"
    elif "://" not in url:
        raise ConfigError(f"database URL {url!r} has no scheme (expected sqlite:///path or postgresql://...)")
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        # psycopg 3 is the driver we ship; a bare postgresql:// URL would ask for psycopg2.
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    user = env.get("RECEIVABLES_USER") or env.get("USER") or "system"
    return Settings(home=home_path, database_url=url, user=user)
