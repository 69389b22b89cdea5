"""Aging as one set-based statement: what was open on a date, bucketed by days past due."""

from __future__ import annotations

from datetime import date
from typing import Literal

from sqlalchemy import Select, and_, case, func, literal, or_, select, type_coerce, union_all
from sqlalchemy.orm import Session

from receivables.domain.aging import AgingCell, bucket_bounds
from receivables.storage.schema import Allocation, Company, Contract, Debtor, Receivable
from receivables.storage.types import Amount

AgingGroup = Literal["debtor", "contract", "company"]
NO_CONTRACT = "(no contract)"


def allocation_changes_after(as_of: date) -> Select[tuple[int, object]]:
    """Per item, what its open amount today differs by from its open amount at the end of `as_of`.

    An allocation counts on a date when it was applied by then and not yet reversed. Items untouched
    since `as_of` do not appear, so the stored open amount can be used for them as it is.
    """
    adjustment = type_coerce(func.sum(
        case(
            (Allocation.reversed_on.is_(None), Allocation.amount),
            (and_(Allocation.applied_on <= as_of, Allocation.reversed_on > as_of), -Allocation.amount),
            else_=literal(0, Amount),
        )
    ), Amount)
    return (
        select(Allocation.receivable_id, adjustment.label("adjustment"))
        .where(or_(Allocation.applied_on > as_of, Allocation.reversed_on > as_of))
        .group_by(Allocation.receivable_id)
    )


def open_items_on(as_of: date) -> Select[tuple[int, ...]]:
    """(receivable id, open amount at the end of `as_of`) for every item open on that date.

    Two branches so that each uses its own index: items open today (the partial open-items index),
    and items closed today that were still open on `as_of` (found through later allocations).
    """
    changes = allocation_changes_after(as_of).subquery()
    open_now = (
        select(Receivable.id.label("receivable_id"),
               type_coerce(Receivable.open_amount + func.coalesce(changes.c.adjustment, 0), Amount)
               .label("open_amount"))
        .outerjoin(changes, changes.c.receivable_id == Receivable.id)
        .where(Receivable.open_amount != 0, Receivable.issue_date <= as_of)
    )
    closed_now = (
        select(changes.c.receivable_id, type_coerce(changes.c.adjustment, Amount).label("open_amount"))
        .join(Receivable, Receivable.id == changes.c.receivable_id)
        .where(Receivable.open_amount == 0, Receivable.issue_date <= as_of)
    )
    return union_all(open_now, closed_now)  # type: ignore[return-value]


def bucket_expression(as_of: date):  # type: ignore[no-untyped-def]
    """The domain's buckets as due-date comparisons (see domain.aging.bucket_bounds)."""
    bounds = bucket_bounds(as_of)
    return case(
        *[(Receivable.due_date >= b.earliest_due, literal(b.label)) for b in bounds if b.earliest_due],
        else_=literal(bounds[-1].label),
    )


def aging_cells(session: Session, as_of: date, by: AgingGroup = "debtor") -> list[AgingCell]:
    """Open amounts on `as_of` summed per group, currency and bucket, in one statement."""
    items = open_items_on(as_of).subquery()
    bucket = bucket_expression(as_of).label("bucket")
    amount = func.sum(items.c.open_amount).label("amount")
    base = select().select_from(items).join(Receivable, Receivable.id == items.c.receivable_id)
    if by == "debtor":
        statement = (base.join(Debtor, Debtor.id == Receivable.debtor_id)
                     .add_columns(Debtor.code, Debtor.name, Receivable.currency, bucket, amount)
                     .group_by(Debtor.code, Debtor.name, Receivable.currency, bucket))
    elif by == "company":
        statement = (base.join(Company, Company.id == Receivable.company_id)
                     .add_columns(Company.name, Company.name, Receivable.currency, bucket, amount)
                     .group_by(Company.id, Company.name, Receivable.currency, bucket))
    elif by == "contract":
        statement = (base.outerjoin(Contract, Contract.id == Receivable.contract_id)
                     .add_columns(func.coalesce(Contract.number, NO_CONTRACT),
                                  func.coalesce(Contract.title, NO_CONTRACT), Receivable.currency, bucket, amount)
                     .group_by(Contract.number, Contract.title, Receivable.currency, bucket))
    else:
        raise ValueError(f"aging by {by!r}: expected debtor, contract or company")
    return [AgingCell(str(key), name or "", currency, label, value)
            for key, name, currency, label, value in session.execute(statement)]
