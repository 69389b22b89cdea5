"""Helpers for integration tests: write import files, run imports, and snapshot what the database holds."""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from receivables.services.imports import ImportOutcome, run_import
from receivables.services.setup import initialise
from receivables.storage.schema import Allocation, AuditEntry, Company, Contact, Contract, Debtor, Payment, Receivable

COMPANY = "Our Trading Co"
TABLES = (Company, Debtor, Contact, Contract, Receivable, Payment, Allocation, AuditEntry)

WriteFile = Callable[..., Path]


@pytest.fixture
def ledger(engine: Engine, sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """A migrated database with a default creditor company, as `receivables init --company` leaves it."""
    initialise(engine, sessions, actor="test", company=COMPANY)
    return sessions


@pytest.fixture
def write_csv(tmp_path: Path) -> WriteFile:
    """write_csv(name, header, rows, encoding='utf-8') -> path of a CSV file as a spreadsheet exports it."""
    def write(name: str, header: Sequence[str], rows: Sequence[Sequence[Any]], encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        with path.open("w", encoding=encoding, newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)
        return path
    return write


@pytest.fixture
def write_xlsx(tmp_path: Path) -> WriteFile:
    """write_xlsx(name, header, rows) -> path of a workbook; cells keep their Python types (dates, numbers)."""
    def write(name: str, header: Sequence[Any], rows: Sequence[Sequence[Any]]) -> Path:
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        sheet.append(list(header))
        for row in rows:
            sheet.append(list(row))
        path = tmp_path / name
        workbook.save(path)
        return path
    return write


ImportFile = Callable[..., ImportOutcome]


@pytest.fixture
def import_file(ledger: sessionmaker[Session]) -> ImportFile:
    """import_file(kind, path, dry_run=False) -> the outcome of `receivables import` on the test database."""
    def run(kind: str, path: Path, *, dry_run: bool = False, company: str | None = None) -> ImportOutcome:
        return run_import(ledger, kind, path, actor="test", dry_run=dry_run, company=company)
    return run


def snapshot(sessions: sessionmaker[Session]) -> dict[str, Any]:
    """Row counts of every table and the total open amount: equal snapshots mean nothing was written."""
    with sessions() as session:
        counts: dict[str, Any] = {
            table.__tablename__: session.execute(select(func.count()).select_from(table)).scalar_one()
            for table in TABLES
        }
        counts["open_total"] = session.execute(select(func.sum(Receivable.open_amount))).scalar()
        counts["debtors"] = sorted(session.execute(select(Debtor.code, Debtor.name, Debtor.credit_code)).all())
    return counts


@pytest.fixture
def db_snapshot(ledger: sessionmaker[Session]) -> Callable[[], dict[str, Any]]:
    return lambda: snapshot(ledger)
