"""The set-based aging statement equals aging computed item by item in Python, on a generated ledger with
partial payments, credit notes and a bounced payment, for today and for past dates, by every grouping."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from receivables.domain.aging import BUCKETS, AgingRow, aging_bucket, aging_row, days_past_due
from receivables.domain.money import ZERO
from receivables.services.demo import load_demo
from receivables.storage.queries.aging import NO_CONTRACT, aging_rows, allocations_changed_after
from receivables.storage.schema import Allocation, Company, Contract, Debtor, Receivable

AS_OF = date(2026, 6, 30)
DATES = (AS_OF, date(2026, 3, 31), date(2026, 1, 1), date(2025, 12, 31), date(2025, 2, 28), date(2024, 2, 29))


def _aging_item_by_item(session: Session, as_of: date, by: str) -> list[AgingRow]:
    """Open amount on `as_of` = amount less the allocations applied by then and not reversed by then."""
    paid: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for allocation in session.execute(select(Allocation)).scalars():
        if allocation.applied_on <= as_of and (allocation.reversed_on is None or allocation.reversed_on > as_of):
            paid[allocation.receivable_id] += allocation.amount
    debtors = {d.id: d for d in session.execute(select(Debtor)).scalars()}
    contracts = {c.id: c for c in session.execute(select(Contract)).scalars()}
    companies = {c.id: c.name for c in session.execute(select(Company)).scalars()}
    cells: dict[tuple[str, str, str], dict[str, Decimal]] = {}
    for item in session.execute(select(Receivable)).scalars():
        open_amount = item.amount - paid[item.id]
        if item.issue_date > as_of or open_amount == 0:
            continue
        if by == "debtor":
            key, name = debtors[item.debtor_id].code, debtors[item.debtor_id].name
        elif by == "company":
            key = name = companies[item.company_id]
        elif item.contract_id is None:
            key = name = NO_CONTRACT
        else:
            contract = contracts[item.contract_id]
            key, name = f"{debtors[contract.debtor_id].code}/{contract.number}", contract.title or contract.number
        buckets = cells.setdefault((key, name, item.currency), dict.fromkeys(BUCKETS, ZERO))
        buckets[aging_bucket(days_past_due(item.due_date, as_of))] += open_amount
    return [aging_row(key, name, currency, [buckets.get(label, ZERO) for label in BUCKETS])
            for (key, name, currency), buckets in cells.items()]




@pytest.mark.parametrize("by", ["debtor", "contract", "company"])
def test_aging_statement_equals_item_by_item_aging_on_every_date(sessions: sessionmaker[Session], by: str) -> None:
    load_demo(sessions, size="small", seed=11, as_of=AS_OF, actor="test")
    with sessions() as session:
        for as_of in DATES:
            expected = sorted(_aging_item_by_item(session, as_of, by), key=lambda r: (r.key, r.currency))
            actual = sorted(aging_rows(session, as_of, by), key=lambda r: (r.key, r.currency))  # type: ignore[arg-type]
            assert actual == expected, f"aging by {by} on {as_of}"
        assert any(r.buckets[">365"] for r in _aging_item_by_item(session, AS_OF, by))


def test_the_oracle_dates_cover_both_statements_with_and_without_later_allocations(
        sessions: sessionmaker[Session]) -> None:
    load_demo(sessions, size="small", seed=11, as_of=AS_OF, actor="test")
    with sessions() as session:
        later = {as_of: allocations_changed_after(session, as_of) for as_of in DATES}
        last_change = session.execute(select(func.max(func.coalesce(Allocation.reversed_on, Allocation.applied_on)))
                                      ).scalar_one()
    assert later[AS_OF] is False  # the stored open amounts are the answer: no join with allocations
    assert all(later[as_of] for as_of in DATES if as_of < last_change)
    assert any(later.values())
