"""What the web application shows: the dashboard (aging cached per ledger version), the debtor list (open
positions cached likewise),
and one debtor's page (account, contacts, timeline, promises)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, TypeVar, cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from receivables.domain.aging import BUCKETS, AgingTotals
from receivables.domain.ledger import DebtorAccount
from receivables.domain.money import ZERO
from receivables.domain.promises import DEFAULT_GRACE_DAYS
from receivables.domain.statistics import DsoPoint, dso_trend, month_end_points
from receivables.services.disputes import DisputeView, list_disputes
from receivables.services.orgmap import ContactView, OrgMap, list_contacts, organization_map
from receivables.services.promises import PromiseView, list_promises
from receivables.services.reports import aging_report, debtor_account
from receivables.services.timeline import Timeline, debtor_timeline
from receivables.storage.queries.debtor_list import (
    DebtorFilter, DebtorListRow, DebtorRows, debtor_masters, matching_debtor_ids, open_positions,
)
from receivables.storage.queries.paging import Page
from receivables.storage.queries.trend import daily_billed, daily_received
from receivables.storage.schema import AuditEntry, Debtor, Letter, Receivable

TOP_OVERDUE = 10
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class OverdueDebtor:
    code: str
    name: str
    currency: str
    overdue: Decimal
    total: Decimal


@dataclass(frozen=True, slots=True)
class AgingSummary:
    """Aging totals per currency and the largest overdue debtors per currency, on one date."""

    as_of: date
    ledger_version: int
    totals: dict[str, AgingTotals]
    top_overdue: dict[str, tuple[OverdueDebtor, ...]]

    def overdue(self, currency: str) -> Decimal:
        totals = self.totals[currency]
        return totals.total - totals.buckets["current"]


@dataclass(frozen=True, slots=True)
class Dashboard:
    aging: AgingSummary
    dso_trend: dict[str, tuple[DsoPoint, ...]]
    promises_due_today: tuple[PromiseView, ...]
    promises_broken_this_week: tuple[PromiseView, ...]


def ledger_version(session: Session) -> int:
    """A number that changes whenever anything is written: the newest audit entry (every service audits
    its writes in the same transaction). Reading it is one index lookup."""
    return session.execute(select(func.coalesce(func.max(AuditEntry.id), 0))).scalar_one()


class LedgerCache:
    """Figures computed from the whole ledger, kept by (name, as-of date, ledger version); thread-safe.

    Aging over a million items takes seconds, the debtor list's rows (20,000 debtors' open positions)
    about half of one: each
    is computed once per ledger change and date, not per request. Each worker process keeps its own cache;
    all of them read the same version from the database.
    """

    def __init__(self, size: int = 8) -> None:
        self._entries: OrderedDict[tuple[str, date, int], Any] = OrderedDict()
        self._lock = threading.Lock()
        self._size = size

    def get(self, session: Session, name: str, as_of: date, compute: Callable[[Session, date, int], T]) -> T:
        key = (name, as_of, ledger_version(session))
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return cast(T, self._entries[key])
        value = compute(session, as_of, key[2])
        with self._lock:
            self._entries[key] = value
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return value

    def aging(self, session: Session, as_of: date) -> AgingSummary:
        return self.get(session, "aging", as_of, compute_aging_summary)

    def dso_trend(self, session: Session, as_of: date) -> dict[str, tuple[DsoPoint, ...]]:
        return self.get(session, "dso_trend", as_of, lambda s, day, _version: compute_dso_trend(s, day))

    def debtor_rows(self, session: Session, as_of: date) -> DebtorRows:
        return self.get(session, "debtor_rows", as_of,
                        lambda s, day, _version: DebtorRows(debtor_masters(s), open_positions(s, day), day))


def compute_aging_summary(session: Session, as_of: date, version: int) -> AgingSummary:
    report = aging_report(session, as_of, "debtor")
    top: dict[str, list[OverdueDebtor]] = {currency: [] for currency in report.totals}
    for row in report.rows:
        overdue = row.total - row.buckets["current"]
        if overdue > ZERO:
            top[row.currency].append(OverdueDebtor(row.key, row.name, row.currency, overdue, row.total))
    return AgingSummary(as_of, version, dict(report.totals), {
        currency: tuple(sorted(rows, key=lambda r: (-r.overdue, r.code))[:TOP_OVERDUE])
        for currency, rows in top.items()})


def compute_dso_trend(session: Session, as_of: date, months: int = 12) -> dict[str, tuple[DsoPoint, ...]]:
    """DSO per currency at `as_of` and the previous month ends: two grouped scans, whatever the ledger's size."""
    billed, received = daily_billed(session, as_of), daily_received(session, as_of)
    points = month_end_points(as_of, months)
    return {currency: dso_trend(points, billed.get(currency, {}), received.get(currency, {}))
            for currency in sorted(set(billed) | set(received))}


def dashboard(session: Session, as_of: date, cache: LedgerCache) -> Dashboard:
    """The aging summary (cached), promises due on `as_of`, and promises that broke in the last 7 days."""
    promises = list_promises(session, as_of, due_by=as_of)
    due_today = tuple(p for p in promises if p.promised_on == as_of and p.status == "pending")
    # A promise turns broken DEFAULT_GRACE_DAYS after its date: broken this week = due in the 7 days before that.
    since = as_of - timedelta(days=7 + DEFAULT_GRACE_DAYS)
    broken = tuple(p for p in promises if p.status == "broken" and p.promised_on > since)
    return Dashboard(cache.aging(session, as_of), cache.dso_trend(session, as_of), due_today, broken)


@dataclass(frozen=True, slots=True)
class DebtorList:
    page: Page[DebtorListRow]
    statuses: list[str]
    segments: list[str]
    buckets: tuple[str, ...]
    collectors: list[str]


def debtor_list(session: Session, as_of: date, criteria: DebtorFilter, cache: LedgerCache, *, sort: str,
                descending: bool, page: int, per_page: int) -> DebtorList:
    """Debtors found by search text, status and segment, with their open positions (cached per ledger
    version), filtered by the bucket of their oldest open item, sorted and paged."""
    everyone = cache.debtor_rows(session, as_of)
    page_rows = everyone.page(matching_debtor_ids(session, criteria), criteria.bucket, sort=sort,
                              descending=descending, page=page, per_page=per_page)
    return DebtorList(page_rows, everyone.statuses, everyone.segments, BUCKETS, everyone.collectors)


@dataclass(frozen=True, slots=True)
class LetterLine:
    number: str
    title: str
    letter_date: date
    kind: str


ESCALATION_ROLES = ("finance", "boss")
"""The step the debtor page's organization chart highlights: who a demand letter reaches."""


@dataclass(frozen=True, slots=True)
class DebtorPage:
    account: DebtorAccount
    status: str
    on_hold: bool
    legal_representative: str | None
    contacts: tuple[ContactView, ...]
    timeline: Timeline
    promises: tuple[PromiseView, ...]
    org: OrgMap
    disputes: tuple[DisputeView, ...]
    letters: tuple[LetterLine, ...]
    held_items: frozenset[str]
    risk_flag: bool = False
    risk_flagged_on: date | None = None
    collector: str | None = None


def debtor_overview(session: Session, code: str, as_of: date) -> DebtorPage:
    """Everything the debtor page shows; an unknown code is UnknownRecord."""
    account = debtor_account(session, code, as_of)
    debtor = session.execute(select(Debtor).where(Debtor.code == code)).scalar_one()
    letters = session.execute(select(Letter.number, Letter.title, Letter.letter_date, Letter.template_kind)
                              .where(Letter.debtor_id == debtor.id, Letter.letter_date <= as_of)
                              .order_by(Letter.letter_date.desc(), Letter.id.desc()))
    held = session.execute(select(Receivable.number).where(Receivable.debtor_id == debtor.id,
                                                           Receivable.dunning_block.is_(True)))
    return DebtorPage(account, debtor.status, debtor.on_hold, debtor.legal_representative,
                      tuple(list_contacts(session, code)), debtor_timeline(session, code, as_of),
                      tuple(list_promises(session, as_of, code=code)),
                      organization_map(session, code, ESCALATION_ROLES),
                      tuple(list_disputes(session, as_of, code=code)),
                      tuple(LetterLine(*row) for row in letters), frozenset(held.scalars()),
                      bool(debtor.risk_flag), debtor.risk_flagged_on, debtor.collector)
