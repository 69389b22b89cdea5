"""Read-only views of the ledger: aging and a debtor's account on a date."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from receivables.domain.aging import AgingReport, build_aging_report
from receivables.domain.ledger import DebtorAccount, balances, oldest_overdue
from receivables.services.errors import UnknownRecord
from receivables.storage.queries.aging import AgingGroup, aging_rows
from receivables.storage.queries.debtors import debtor_open_items, debtor_payments, debtor_sales, find_debtor


def aging_report(session: Session, as_of: date, by: AgingGroup = "debtor") -> AgingReport:
    """Aging on `as_of`: only items and payments dated on or before it count."""
    return build_aging_report(as_of, by, aging_rows(session, as_of, by))


def debtor_account(session: Session, code: str, as_of: date) -> DebtorAccount:
    debtor = find_debtor(session, code)
    if debtor is None:
        raise UnknownRecord(f"no debtor with code {code!r}")
    items = debtor_open_items(session, debtor.id, as_of)
    payments = debtor_payments(session, debtor.id, as_of)
    return DebtorAccount(
        code=debtor.code, name=debtor.name, credit_code=debtor.credit_code, address=debtor.address,
        segment=debtor.segment, as_of=as_of, open_items=tuple(items), payments=tuple(payments),
        balances=balances(items, payments, debtor_sales(session, debtor.id, as_of)),
        oldest_overdue=oldest_overdue(items),
    )
