"""A small ledger with a month of every kind of movement, for statement tests on both backends."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from receivables.services.letters import catalog_for
from receivables.services.payments import reverse_payment
from receivables.services.statement_responses import set_schedule
from receivables.services.users import add_user
from receivables.storage.blobs import BlobStore
from receivables.storage.schema import Contact, Debtor

AS_OF = date(2026, 12, 5)
CLERK = "clerk"
"""The registered finance user who issues, sends and records statements in these tests."""
DEBTORS = [["D1", "深圳腾达科技有限公司", "", "广东省深圳市南山区科技园1号", ""],
           ["D2", "Quiet Trading Ltd", "", "", ""]]
INVOICES = [
    ["D1", "F-0901", "2026-09-15", "2026-10-15", "1000.00", "CNY", "", "发票"],
    ["D1", "F-1003", "2026-10-03", "2026-11-03", "2000.00", "CNY", "", "发票"],
    ["D1", "F-1105", "2026-11-05", "2026-12-05", "500.00", "CNY", "", "发票"],
    ["D1", "CN-1120", "2026-11-20", "2026-11-20", "(100.00)", "CNY", "", "红字发票"],
    ["D1", "F-1128", "2026-11-28", "2026-12-28", "300.00", "CNY", "", "发票"],
    ["D1", "U-1110", "2026-11-10", "2026-12-10", "50.00", "USD", "", "发票"],
    ["D1", "F-1202", "2026-12-02", "2027-01-02", "999.00", "CNY", "", "发票"],
]
PAYMENTS = [
    ["D1", "P-1010", "2026-10-10", "1000.00", "CNY", "F-0901"],
    ["D1", "P-1112", "2026-11-12", "1500.00", "CNY", "F-1003"],
]
FINANCE_EMAIL = "caiwu@tengda.example"


@dataclass(frozen=True)
class Workspace:
    sessions: sessionmaker[Session]
    blobs: BlobStore
    user_templates: Path

    def issue_kwargs(self) -> dict[str, object]:
        return {"catalog": catalog_for(self.user_templates), "blobs": self.blobs,
                "user_templates": self.user_templates, "workers": 1}


@pytest.fixture
def workspace(ledger: sessionmaker[Session], write_csv: Callable[..., Path], tmp_path: Path) -> Workspace:
    """D1 owes in CNY and USD, with a November of invoices, a credit note, a payment and its reversal;
    D2 has nothing at all. Both reconcile monthly on the 5th; D1's finance contact has an e-mail address;
    the user `clerk` has the finance role."""
    from receivables.services.imports import run_import

    header = {"debtors": ["code", "name", "credit_code", "address", "segment"],
              "invoices": ["debtor", "number", "issue_date", "due_date", "amount", "currency", "contract", "kind"],
              "payments": ["debtor", "reference", "date", "amount", "currency", "applies_to"]}
    for kind, rows in (("debtors", DEBTORS), ("invoices", INVOICES), ("payments", PAYMENTS)):
        outcome = run_import(ledger, kind, write_csv(f"{kind}.csv", header[kind], rows), actor="test")
        assert not outcome.problems, outcome.problems
    with ledger.begin() as session:
        reverse_payment(session, "P-1112", date(2026, 11, 25), "退票 bounced", actor="test")
        d1 = session.execute(select(Debtor).where(Debtor.code == "D1")).scalar_one()
        session.add(Contact(debtor_id=d1.id, name="张伟", role="finance", title="财务总监", email=FINANCE_EMAIL,
                            is_primary=True))
        add_user(session, CLERK, "finance", "a-long-password", actor="test")
        for code in ("D1", "D2"):
            set_schedule(session, code, frequency="monthly", day=5, actor=CLERK)
    return Workspace(ledger, BlobStore(tmp_path / "blobs"), tmp_path / "user-templates")
