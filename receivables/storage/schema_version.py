"""Creating and upgrading the schema with Alembic, and checking a database is at this release's revision."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

from receivables.storage.migrations import HEAD_REVISION

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")


def _alembic_config() -> Config:
    # Alembic is imported here, not at module level: every command checks the revision, few migrate.
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


class UpgradeBroke(RuntimeError):
    """An upgrade left rows pointing at missing rows; it was rolled back."""


def upgrade_schema(engine: Engine, revision: str = "head") -> tuple[str | None, str]:
    """Bring the schema to the newest revision (or `revision`); returns (revision before, revision after).

    On SQLite, altering a table rebuilds it (copy, drop, rename); with foreign keys enforced, dropping a
    table that other rows point at fails. So the upgrade runs with enforcement off, checks every reference
    before committing, and turns enforcement back on (a PRAGMA that SQLite ignores inside a transaction).
    """
    from alembic import command

    config = _alembic_config()
    before = current_revision(engine)
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        try:
            with connection.begin():
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise UpgradeBroke(f"the upgrade left {len(broken)} row(s) pointing at missing rows "
                                           f"(first: table {broken[0][0]}, row {broken[0][1]}); nothing was changed")
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()
    return before, current_revision(engine) or ""


def current_revision(engine: Engine) -> str | None:
    """The revision recorded in the database, or None for a database without our schema."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def head_revision() -> str:
    """The newest revision this release knows (kept in `migrations.HEAD_REVISION`; a test checks it)."""
    return HEAD_REVISION


def alembic_head_revision() -> str:
    """The head as Alembic computes it from the migration scripts."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head
