"""The one code path that keeps `receivable.open_amount` equal to amount less active allocations."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from receivables.storage.schema import Allocation, Receivable

_ACTIVE_ALLOCATED = (
    select(func.coalesce(func.sum(Allocation.amount), 0))
    .where(Allocation.receivable_id == Receivable.id, Allocation.reversed_on.is_(None))
    .correlate(Receivable)
    .scalar_subquery()
)


def refresh_open_amounts(session: Session, receivable_ids: Collection[int] | Select[tuple[int]]) -> None:
    """Recompute open amounts for the given items in one statement per call (ids or a sub-select)."""
    if isinstance(receivable_ids, Collection) and not receivable_ids:
        return
    ids = receivable_ids if isinstance(receivable_ids, Select) else list(receivable_ids)
    session.execute(
        update(Receivable)
        .where(Receivable.id.in_(ids))
        .values(open_amount=Receivable.amount - _ACTIVE_ALLOCATED)
        .execution_options(synchronize_session=False)
    )


def open_amount_mismatches(session: Session) -> list[tuple[str, str]]:
    """Items whose stored open amount disagrees with their allocations (the invariant's check)."""
    allocated = (
        select(Allocation.receivable_id, func.sum(Allocation.amount).label("allocated"))
        .where(Allocation.reversed_on.is_(None))
        .group_by(Allocation.receivable_id)
        .subquery()
    )
    rows = session.execute(
        select(Receivable.number, Receivable.amount, Receivable.open_amount, allocated.c.allocated)
        .outerjoin(allocated, allocated.c.receivable_id == Receivable.id)
        .where(Receivable.open_amount != Receivable.amount - func.coalesce(allocated.c.allocated, 0))
    ).all()
    return [(number, f"open {open_} but amount {amount} less allocated {alloc or 0}")
            for number, amount, open_, alloc in rows]
