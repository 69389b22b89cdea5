"""Demo data for projects: construction facts (project manager, retention terms, acceptance) on the demo's
construction contracts, so that `receivables projects` and `retention` have something to show."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from receivables.domain.projects import DEFAULT_DEFECT_LIABILITY_MONTHS
from receivables.storage.bulk import insert_rows
from receivables.storage.schema import Contract, Receivable
from receivables.storage.schema.base import table_of
from receivables.storage.schema.projects import ConstructionProject

PROJECT_MANAGERS = ("王建国", "李志强", "张伟", "刘洋", "陈静")


def add_project_facts(session: Session) -> int:
    """Give every demo construction contract its facts in one read and one insert; a finished project (one with a
    retention item) was accepted on its settlement date with 3% retention and a 12-month period."""
    rows = session.execute(
        select(Contract.id, Contract.title, func.min(Receivable.issue_date))
        .outerjoin(Receivable, (Receivable.contract_id == Contract.id) & (Receivable.kind == "retention"))
        .where(Contract.kind == "construction")
        .group_by(Contract.id, Contract.title).order_by(Contract.id)).all()
    facts = [{"contract_id": contract_id, "project": title, "retention_rate": Decimal(3),
              "project_manager": PROJECT_MANAGERS[index % len(PROJECT_MANAGERS)],
              "defect_liability_months": DEFAULT_DEFECT_LIABILITY_MONTHS, "final_payment_days": None,
              "retention_return_on": None, "completion_report_on": None, "accepted_on": accepted}
             for index, (contract_id, title, accepted) in enumerate(rows)]
    return insert_rows(session, table_of(ConstructionProject), facts)


__all__ = ["add_project_facts"]
