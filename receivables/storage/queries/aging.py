"""Aging as one set-based statement: what was open on a date, bucketed by days past due."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement, Select, SQLColumnExpression, case, func, literal, or_, select, text, type_coerce, union_all,
)
from sqlalchemy.orm import Session

from receivables.domain.aging import BUCKETS, AgingRow, aging_row, bucket_bounds
from receivables.storage.schema import Allocation, Company, Contract, Debtor, Receivable
from receivables.storage.types import Amount

AgingGroup = Literal["debtor", "contract", "company"]
NO_CONTRACT = "(no contract)"
AGING_WORK_MEM = "64MB"


def allocation_changes_after(as_of: date) -> Select[Any]:
    """Per item, what its open amount today differs by from its open amount at the end of `as_of`.

    An allocation counts on a date when it was applied by then and not yet reversed. Items untouched
    since `as_of` do not appear, so the stored open amount can be used for them as it is. Two branches,
    each on its own date index: for a recent date both are a handful of rows, whatever the ledger's size.
    """
    applied_later = (
        select(Allocation.receivable_id,
               case((Allocation.reversed_on.is_(None), Allocation.amount), else_=literal(0, Amount)).label("change"))
        .where(Allocation.applied_on > as_of)
    )
    reversed_later = (
        select(Allocation.receivable_id, (-Allocation.amount).label("change"))
        .where(Allocation.reversed_on > as_of, Allocation.applied_on <= as_of)
    )
    changes = union_all(applied_later, reversed_later).subquery()
    return (select(changes.c.receivable_id, type_coerce(func.sum(changes.c.change), Amount).label("adjustment"))
            .group_by(changes.c.receivable_id))


_GROUP_COLUMN = {"debtor": Receivable.debtor_id, "company": Receivable.company_id, "contract": Receivable.contract_id}


def allocations_changed_after(session: Session, as_of: date) -> bool:
    """Whether any allocation was applied or reversed after `as_of` (two probes of the date indexes).

    When none was, every item's stored open amount is its open amount at the end of `as_of`.
    """
    applied = select(Allocation.id).where(Allocation.applied_on > as_of).exists()
    reversed_later = select(Allocation.id).where(Allocation.reversed_on > as_of).exists()
    return bool(session.execute(select(or_(applied, reversed_later))).scalar())


def open_items_on(as_of: date, *criteria: ColumnElement[bool], group: AgingGroup = "debtor",
                  with_bucket: bool = False, changed_later: bool = True) -> Select[Any]:
    """Every item open at the end of `as_of`: id, group key, currency, due date and open amount then.

    Two branches so that each uses its own index: items open today (the partial, covering open-items
    index, so grouping by debtor never touches the table), and items closed today that were still open
    on `as_of` (found through later allocations). `criteria` on Receivable narrow both branches.
    `with_bucket` adds `bucket`, the position of the item's aging bucket in BUCKETS. `changed_later=False`
    (see `allocations_changed_after`) leaves the later allocations out: the first branch alone, with no
    join, which PostgreSQL scans and sums in parallel. (SQLite keeps the union: it flattens a plain
    subquery into the grouping and would then work out each item's bucket once per bucket sum.)
    """
    columns: list[Any] = [Receivable.id.label("receivable_id"), _GROUP_COLUMN[group].label("group_id"),
                          Receivable.currency, Receivable.due_date]
    if with_bucket:
        columns.append(bucket_number(Receivable.due_date, as_of).label("bucket"))
    if not changed_later:
        return select(*columns, Receivable.open_amount).where(
            Receivable.open_amount != 0, Receivable.issue_date <= as_of, *criteria)
    changes = allocation_changes_after(as_of).cte("allocation_changes")
    open_on_date = Receivable.open_amount + func.coalesce(changes.c.adjustment, 0)
    open_now = (
        select(*columns, type_coerce(open_on_date, Amount).label("open_amount"))
        .outerjoin(changes, changes.c.receivable_id == Receivable.id)
        .where(Receivable.open_amount != 0, Receivable.issue_date <= as_of, open_on_date != 0, *criteria)
    )
    closed_now = (
        select(*columns, type_coerce(changes.c.adjustment, Amount).label("open_amount"))
        .select_from(changes)
        .join(Receivable, Receivable.id == changes.c.receivable_id)
        .where(Receivable.open_amount == 0, Receivable.issue_date <= as_of, changes.c.adjustment != 0, *criteria)
    )
    return union_all(open_now, closed_now)  # type: ignore[return-value]


def bucket_number(due_date: SQLColumnExpression[date], as_of: date) -> ColumnElement[int]:
    """The position in BUCKETS of an item's bucket on `as_of`, from its due date
    (domain.aging.bucket_bounds): one CASE that stops at the first threshold the due date reaches."""
    bounds = bucket_bounds(as_of)
    return case(*[(due_date >= bound.earliest_due, position) for position, bound in enumerate(bounds)
                  if bound.earliest_due is not None], else_=len(bounds) - 1)


def bucket_sums(bucket: ColumnElement[int], open_amount: ColumnElement[Any]) -> list[Any]:
    """One SUM per bucket over items already numbered by `bucket_number`.

    Each item is added to its own bucket's sum only (FILTER), not as a zero to the six others: numeric
    additions are what an aging costs in PostgreSQL (a third less time over a million items); in SQLite
    numbering each item once costs a third less than a date range per bucket."""
    return [type_coerce(func.coalesce(func.sum(open_amount).filter(bucket == position), literal(0, Amount)), Amount)
            .label(label) for position, label in enumerate(BUCKETS)]


def aging_rows(session: Session, as_of: date, by: AgingGroup = "debtor") -> list[AgingRow]:
    """Open amounts on `as_of` per group and currency, one column per bucket, in one statement:
    aggregated on integer keys first and only then joined to the names."""
    if by not in _GROUP_COLUMN:
        raise ValueError(f"aging by {by!r}: expected debtor, contract or company")
    postgresql = session.get_bind().dialect.name == "postgresql"
    if postgresql:
        # PostgreSQL's default 4 MB spills the grouping of a million-item ledger to disk in batches.
        session.execute(text(f"SET LOCAL work_mem = '{AGING_WORK_MEM}'"))
    changed_later = not postgresql or allocations_changed_after(session, as_of)
    items = open_items_on(as_of, group=by, with_bucket=True, changed_later=changed_later).subquery()
    totals = (
        select(items.c.group_id, items.c.currency, *bucket_sums(items.c.bucket, items.c.open_amount))
        .group_by(items.c.group_id, items.c.currency)
        .subquery()
    )
    bucket_columns = [totals.c[label] for label in BUCKETS]
    if by == "debtor":
        statement = select(Debtor.code, Debtor.name, totals.c.currency, *bucket_columns).join(
            totals, totals.c.group_id == Debtor.id)
    elif by == "company":
        statement = select(Company.name, Company.name, totals.c.currency, *bucket_columns).join(
            totals, totals.c.group_id == Company.id)
    else:
        # Contract numbers are unique per debtor only, so the key carries the debtor's code.
        statement = (
            select(func.coalesce(Debtor.code + literal("/") + Contract.number, literal(NO_CONTRACT)),
                   func.coalesce(Contract.title, Contract.number, literal(NO_CONTRACT)), totals.c.currency,
                   *bucket_columns)
            .select_from(totals)
            .outerjoin(Contract, Contract.id == totals.c.group_id)
            .outerjoin(Debtor, Debtor.id == Contract.debtor_id)
        )
    # Core rows: the statement names no entity, and twenty thousand rows skip the ORM's loading.
    return [aging_row(str(key), name or "", currency, amounts)
            for key, name, currency, *amounts in session.connection().execute(statement).all()]
