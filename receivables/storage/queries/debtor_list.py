"""The debtor list: debtors found by search and filters (SQL), their open positions (one aggregate over the
open items, cached by the caller per ledger version), and the rows sorted and paged from the two."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal

from sqlalchemy import ColumnElement, case, exists, func, literal, or_, select, type_coerce
from sqlalchemy.orm import Session

from receivables.domain.aging import BUCKETS, aging_bucket, days_past_due
from receivables.storage.schema import Contact, Debtor, Receivable
from receivables.storage.types import Amount
from receivables.storage.queries.paging import Page
from receivables.storage.queries.text_match import containing

DebtorSort = Literal["code", "name", "open", "overdue", "oldest"]
SORTS: tuple[str, ...] = ("code", "name", "open", "overdue", "oldest")


@dataclass(frozen=True, slots=True)
class DebtorListRow:
    """One debtor in one currency (a debtor without open items has one row without currency)."""

    code: str
    name: str
    credit_code: str | None
    segment: str | None
    status: str
    on_hold: bool
    currency: str | None
    open_amount: Decimal | None
    overdue: Decimal | None
    oldest_due: date | None
    bucket: str | None
    debtor_id: int = 0
    collector: str | None = None
    risk_flag: bool = False


@dataclass(frozen=True, slots=True)
class DebtorFilter:
    search: str = ""
    bucket: str = ""
    status: str = ""
    segment: str = ""
    collector: str = ""


@dataclass(frozen=True, slots=True)
class Position:
    """What one debtor has open in one currency now, what of it is overdue on the as-of date, and the due
    date of its oldest open item."""

    currency: str
    open_amount: Decimal
    overdue: Decimal
    oldest_due: date | None


@dataclass(frozen=True, slots=True)
class DebtorMaster:
    id: int
    code: str
    name: str
    credit_code: str | None
    segment: str | None
    status: str
    on_hold: bool
    collector: str | None = None
    risk_flag: bool = False


def open_positions(session: Session, as_of: date) -> dict[int, tuple[Position, ...]]:
    """Per debtor id, its positions: one aggregate over the open items (the partial covering index)."""
    statement = (
        select(Receivable.debtor_id, Receivable.currency,
               type_coerce(func.sum(Receivable.open_amount), Amount),
               type_coerce(func.sum(case((Receivable.due_date < as_of, Receivable.open_amount),
                                         else_=literal(0, Amount))), Amount),
               func.min(case((Receivable.open_amount > 0, Receivable.due_date))))
        .where(Receivable.open_amount != 0)
        .group_by(Receivable.debtor_id, Receivable.currency)
    )
    found: dict[int, list[Position]] = {}
    for debtor_id, currency, open_amount, overdue, oldest in session.execute(statement):
        found.setdefault(debtor_id, []).append(Position(currency, open_amount, overdue, oldest))
    return {debtor_id: tuple(sorted(rows, key=lambda p: p.currency)) for debtor_id, rows in found.items()}


def debtor_masters(session: Session) -> list[DebtorMaster]:
    """Every debtor's listed fields, in one statement."""
    return [DebtorMaster(*row[:6], bool(row[6]), row[7], bool(row[8])) for row in session.execute(
        select(Debtor.id, Debtor.code, Debtor.name, Debtor.credit_code, Debtor.segment, Debtor.status,
               Debtor.on_hold, Debtor.collector, Debtor.risk_flag))]


def matching_debtor_ids(session: Session, criteria: DebtorFilter) -> set[int] | None:
    """Ids of the debtors whose code, name, credit code or a contact's name contains the search text (any
    case), with the status and segment asked for; None when nothing narrows the list."""
    conditions: list[ColumnElement[bool]] = []
    if criteria.search.strip():
        pattern = containing(criteria.search.strip())
        conditions.append(or_(
            Debtor.code.ilike(pattern, escape="\\"), Debtor.name.ilike(pattern, escape="\\"),
            Debtor.credit_code.ilike(pattern, escape="\\"),
            exists().where(Contact.debtor_id == Debtor.id, Contact.name.ilike(pattern, escape="\\")),
        ))
    if criteria.status:
        conditions.append(Debtor.status == criteria.status)
    if criteria.segment:
        conditions.append(Debtor.segment == criteria.segment)
    if criteria.collector:
        conditions.append(Debtor.collector == criteria.collector)
    if not conditions:
        return None
    return set(session.execute(select(Debtor.id).where(*conditions)).scalars())


_SORT_KEYS: dict[str, Callable[[DebtorListRow], Any]] = {
    "code": lambda r: r.code, "name": lambda r: r.name, "open": lambda r: r.open_amount,
    "overdue": lambda r: r.overdue, "oldest": lambda r: r.oldest_due,
}


class DebtorRows:
    """Every debtor's rows (one per currency held; one without amounts when nothing is open) on a date,
    with each ordering computed once when first asked for. Built from one ledger version; read-only."""

    def __init__(self, masters: Iterable[DebtorMaster], positions: Mapping[int, tuple[Position, ...]],
                 as_of: date) -> None:
        rows: list[DebtorListRow] = []
        for d in masters:
            held = positions.get(d.id, ())
            if not held:
                rows.append(DebtorListRow(d.code, d.name, d.credit_code, d.segment, d.status, d.on_hold,
                                          None, None, None, None, None, d.id, d.collector, d.risk_flag))
            for p in held:
                bucket = aging_bucket(days_past_due(p.oldest_due, as_of)) if p.oldest_due is not None else None
                rows.append(DebtorListRow(d.code, d.name, d.credit_code, d.segment, d.status, d.on_hold,
                                          p.currency, p.open_amount, p.overdue, p.oldest_due, bucket, d.id,
                                          d.collector, d.risk_flag))
        rows.sort(key=lambda r: (r.code, r.currency or ""))
        self.rows = rows
        self.statuses = sorted({d.status for d in rows if d.status})
        self.segments = sorted({d.segment for d in rows if d.segment})
        self.collectors = sorted({d.collector for d in rows if d.collector})
        self._orders: dict[tuple[str, bool], list[DebtorListRow]] = {}

    def ordered(self, sort: str, descending: bool) -> list[DebtorListRow]:
        """Sorted by `sort` (empty values last), ties by code and currency."""
        found = self._orders.get((sort, descending))
        if found is None:
            key = _SORT_KEYS[sort]
            present = [r for r in self.rows if key(r) is not None]
            present.sort(key=key, reverse=descending)
            found = present + [r for r in self.rows if key(r) is None]
            self._orders[(sort, descending)] = found
        return found

    def page(self, ids: set[int] | None, bucket: str = "", *, sort: str = "overdue", descending: bool = True,
             page: int = 1, per_page: int = 50) -> Page[DebtorListRow]:
        """The rows of the debtors in `ids` (None: all) whose oldest open item is in `bucket` (if given)."""
        if sort not in SORTS:
            raise ValueError(f"unknown sort {sort!r} (expected one of {', '.join(SORTS)})")
        if bucket and bucket not in BUCKETS:
            raise ValueError(f"unknown bucket {bucket!r} (expected one of {', '.join(BUCKETS)})")
        per_page, page = max(1, min(per_page, 500)), max(1, page)
        rows = self.ordered(sort, descending)
        if ids is not None or bucket:
            rows = [r for r in rows if (ids is None or r.debtor_id in ids) and (not bucket or r.bucket == bucket)]
        start = (page - 1) * per_page
        return Page(tuple(rows[start:start + per_page]), len(rows), page, per_page)
