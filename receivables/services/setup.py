"""Creating or upgrading the database and naming the creditor companies."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session, sessionmaker

from receivables.services.errors import Refused
from receivables.storage import audit
from receivables.storage.schema import Company
from receivables.storage.schema_version import current_revision, head_revision, upgrade_schema


class SchemaOutdated(Refused):
    """The database was not initialised, or was made by an older release."""


@dataclass(frozen=True, slots=True)
class InitOutcome:
    revision_before: str | None
    revision_after: str
    company: str | None
    company_created: bool


def initialise(engine: Engine, factory: sessionmaker[Session], *, actor: str,
               company: str | None = None) -> InitOutcome:
    """Create or upgrade the schema; with a company name, make sure it exists and is the default."""
    before, after = upgrade_schema(engine)
    created = False
    if company:
        name = company.strip()
        if not name:
            raise ValueError("the company name is empty")
        with factory.begin() as session:
            existing = session.execute(select(Company).where(Company.name == name)).scalar_one_or_none()
            if existing is None:
                session.add(Company(name=name, is_default=True))
                created = True
            session.execute(update(Company).where(Company.name != name).values(is_default=False))
            session.execute(update(Company).where(Company.name == name).values(is_default=True))
            audit.record(session, actor, "company.create" if created else "company.default", "company", name)
    if before != after:
        with factory.begin() as session:
            audit.record(session, actor, "schema.upgrade", "schema", after, detail={"from": before, "to": after})
    return InitOutcome(before, after, company, created)


def require_current_schema(engine: Engine) -> None:
    """Refuse to work on a database that `receivables init` has not brought up to date."""
    revision = current_revision(engine)
    if revision is None:
        raise SchemaOutdated("the database has no receivables schema yet: run `receivables init --company NAME`")
    if revision != head_revision():
        raise SchemaOutdated(f"the database schema is at {revision}, this release needs {head_revision()}: "
                             "run `receivables init` to upgrade")
