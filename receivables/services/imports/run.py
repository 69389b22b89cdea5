"""Running one import: parse the file in chunks and write them inside one transaction; commit only
if every row is good."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Dialect, func, select
from sqlalchemy.orm import Session, sessionmaker

from receivables.domain.problems import Problem
from receivables.files.columns import (
    CONTACT_COLUMNS,
    CONTRACT_COLUMNS,
    DEBTOR_COLUMNS,
    INVOICE_COLUMNS,
    PAYMENT_COLUMNS,
)
from receivables.files.tables import Column, TableError
from receivables.services.errors import Refused
from receivables.services.imports.contacts import finish_contacts, parse_contact, write_contacts
from receivables.services.imports.context import ImportContext, Lookups
from receivables.services.imports.items import (
    item_batcher,
    parse_item,
    parse_payment,
    write_item_batch,
    write_payments,
)
from receivables.services.imports.parties import parse_contract, parse_debtor, write_contracts, write_debtors
from receivables.services.imports.pipeline import Batcher, RowParser, parse_file
from receivables.services.imports.projects import (
    MILESTONE_COLUMNS,
    PROJECT_COLUMNS,
    SETTLEMENT_COLUMNS,
    parse_milestone,
    parse_project,
    parse_settlement,
    write_milestones,
    write_projects,
    write_settlements,
)
from receivables.storage import audit
from receivables.storage.schema import Company, Contact, Contract, Debtor, Payment, Receivable
from receivables.storage.schema.projects import ProjectMilestone, ProjectSettlement

CHUNK_ROWS = 5000


@dataclass(frozen=True, slots=True)
class Importer:
    columns: Sequence[Column]
    parse: RowParser
    write: Callable[[ImportContext, Any], None]  # takes Parsed, or what `batcher`'s batches are
    table: Any
    entity: str
    finish: Callable[[ImportContext], None] | None = None  # runs after the last chunk, before the verdict
    # Makes, for the database's dialect, what batches a chunk's parsed rows beside the parser (in the
    # reader process for a large file), so that the writer has less to do than write.
    batcher: Callable[[Dialect], Batcher] | None = None


IMPORT_KINDS: dict[str, Importer] = {
    "debtors": Importer(DEBTOR_COLUMNS, parse_debtor, write_debtors, Debtor, "debtor"),
    "contracts": Importer(CONTRACT_COLUMNS, parse_contract, write_contracts, Contract, "contract"),
    "invoices": Importer(INVOICE_COLUMNS, parse_item, write_item_batch, Receivable, "receivable",
                         batcher=item_batcher),
    "payments": Importer(PAYMENT_COLUMNS, parse_payment, write_payments, Payment, "payment"),
    "contacts": Importer(CONTACT_COLUMNS, parse_contact, write_contacts, Contact, "contact", finish_contacts),
    "projects": Importer(PROJECT_COLUMNS, parse_project, write_projects, Contract, "contract"),
    "milestones": Importer(MILESTONE_COLUMNS, parse_milestone, write_milestones, ProjectMilestone, "milestone"),
    "settlements": Importer(SETTLEMENT_COLUMNS, parse_settlement, write_settlements, ProjectSettlement, "settlement"),
}


class ImportRefused(Refused):
    """The file cannot be imported at all (unreadable, empty, missing column); nothing was written."""


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    kind: str
    source: str
    sha256: str
    rows: int
    inserted: int
    updated: int
    unchanged: int
    problems: tuple[Problem, ...]
    dry_run: bool

    @property
    def committed(self) -> bool:
        return not self.dry_run and not self.problems


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def run_import(factory: sessionmaker[Session], kind: str, path: Path, *, actor: str,
               company: str | None = None, dry_run: bool = False,
               progress: Callable[[int], None] | None = None) -> ImportOutcome:
    """Import a file all-or-nothing: any bad row, and nothing is written; every bad row is reported."""
    importer = IMPORT_KINDS.get(kind)
    if importer is None:
        raise ImportRefused(f"unknown import {kind!r} (expected {', '.join(IMPORT_KINDS)})")
    session = factory()
    try:
        lookups = Lookups.load(session, _company_id(session, company))
        context = ImportContext(session, str(path), actor, lookups)
        context.max_id_before = session.execute(select(func.coalesce(func.max(importer.table.id), 0))).scalar_one()
        try:
            batch = importer.batcher(session.get_bind().dialect) if importer.batcher else None
            for chunk in parse_file(path, importer.columns, importer.parse, lookups, CHUNK_ROWS, batch):
                context.rows += chunk.rows
                for number, column, value, reason in chunk.rejected:
                    context.problem(number, column, value, reason)
                importer.write(context, chunk.good)
                if progress is not None:
                    progress(context.rows)
        except UnicodeDecodeError as exc:
            raise ImportRefused(f"{path}: cannot decode the text ({exc.reason}); save it as UTF-8 or GBK") from None
        except TableError as exc:
            raise ImportRefused(str(exc)) from None
        if importer.finish is not None:
            importer.finish(context)
        if context.rows == 0:
            raise ImportRefused(f"{path}: the file has a header but no data rows")
        context.problems.sort(key=lambda p: (p.row or 0))
        outcome = ImportOutcome(kind, str(path), file_sha256(path), context.rows, context.inserted,
                                context.updated, context.unchanged, tuple(context.problems), dry_run)
        if outcome.committed:
            audit.record_many(session, actor, f"import.{kind}.update", importer.entity, context.changes)
            audit.record(session, actor, f"import.{kind}", "file", path.name, detail={
                "path": str(path), "sha256": outcome.sha256, "rows": outcome.rows, "inserted": outcome.inserted,
                "updated": outcome.updated, "unchanged": outcome.unchanged})
            session.commit()
        else:
            session.rollback()
        return outcome
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _company_id(session: Session, name: str | None) -> int | None:
    if name:
        found = session.execute(select(Company.id).where(Company.name == name)).scalar()
        if found is None:
            raise ImportRefused(f"unknown company {name!r} (add it with `receivables init --company {name!r}`)")
        return found
    return session.execute(select(Company.id).where(Company.is_default.is_(True))).scalar()
