"""Limitation of every open item: its events loaded set-wise, the calculator per item, the watch by band."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from operator import attrgetter

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session, sessionmaker

from receivables.config import Settings
from receivables.domain.calendar import RestDayCalendar
from receivables.domain.dates import add_months
from receivables.domain.limitation import EVENT_KINDS, LimitationError, LimitationResult, limitation
from receivables.domain.limitation import LimitationEvent as Event
from receivables.files.holiday_schedules import load_rest_day_calendar
from receivables.services.errors import Refused
from receivables.storage import audit
from receivables.storage.database import unit_of_work
from receivables.storage.queries.aging import open_items_on
from receivables.storage.schema import Allocation, Company, Debtor, Payment, Receivable
from receivables.storage.schema.legal import LimitationEvent

BANDS: tuple[int, ...] = (30, 90, 180)
"""The watch's bands: items whose period ends within 180, 90 and 30 days appear on the worklist."""
WATCH_DAYS = BANDS[-1]
SHORTEST_PERIOD_MONTHS = 36
"""CN and DE periods are three years (DE from the end of the year), UK six: none ends sooner."""
PART_PAYMENT_SOURCE = "payment"


@dataclass(frozen=True, slots=True)
class EventSource:
    """An event the analysis considered and the record that evidences it (`letter_delivery:12`, `payment:R-7`)."""

    kind: str
    date: date
    source: str


@dataclass(frozen=True, slots=True)
class ItemLimitation:
    """One open item's limitation analysis on a date: the calculator's result and the evidence behind it."""

    debtor_code: str
    debtor_name: str
    receivable_number: str
    open_amount: Decimal
    currency: str
    due_date: date
    jurisdiction: str
    result: LimitationResult
    days_left: int
    sources: tuple[EventSource, ...]

    @property
    def expires_on(self) -> date:
        return self.result.expires_on

    @property
    def expired(self) -> bool:
        return self.days_left < 0

    @property
    def band(self) -> int | None:
        return band_of(self.days_left)


@dataclass(frozen=True, slots=True)
class ExpiringClaim:
    """An open item whose limitation period ends within the watch: for the dunning run and the worklist."""

    debtor_code: str
    receivable_number: str
    open_amount: Decimal
    currency: str
    expires_on: date
    days_left: int
    basis: str
    basis_on: date
    band: int | None
    jurisdiction: str


def band_of(days_left: int) -> int | None:
    """The narrowest band (30, 90, 180 days) the remaining days fall in; None when expired or further off."""
    if days_left < 0:
        return None
    return next((band for band in BANDS if days_left <= band), None)


def rest_days_of(settings: Settings | None) -> RestDayCalendar:
    """The shipped and user holiday schedules under the user's rest-day setting (shipped only without settings)."""
    return load_rest_day_calendar(settings.home if settings is not None else None)


_OpenRow = tuple[int, int, str, date, str, Decimal, int]
"""receivable id, debtor id, number, due date, currency, open amount on the date, company id."""
_NO_EVENTS: frozenset[tuple[str, date]] = frozenset()


def _of_debtor(debtor_code: str | None) -> list[ColumnElement[bool]]:
    return [Receivable.debtor_id.in_(select(Debtor.id).where(Debtor.code == debtor_code))] if debtor_code else []


def _open_items(session: Session, as_of: date, debtor_code: str | None, due_by: date | None
                ) -> tuple[list[_OpenRow], dict[int, list[EventSource]]]:
    """The open items (positive open amount on `as_of`) and, per item, its part payments: the payments applied
    to it by `as_of` and not reversed then, dated when the debtor paid.

    One statement: the open items outer-joined to their counted allocations (SQLite looks each item's up by
    its index), so an item with several payments comes once per allocation. A Core execution: no ORM rows.
    """
    due = [Receivable.due_date <= due_by] if due_by is not None else []
    items = open_items_on(as_of, *_of_debtor(debtor_code), *due).subquery()
    counted = and_(Allocation.receivable_id == items.c.receivable_id, Allocation.applied_on <= as_of,
                   or_(Allocation.reversed_on.is_(None), Allocation.reversed_on > as_of))
    query = (select(items.c.receivable_id, items.c.group_id, Receivable.number, items.c.due_date, items.c.currency,
                    items.c.open_amount, Receivable.company_id, Payment.received_on, Payment.reference)
             .join(Receivable, Receivable.id == items.c.receivable_id)
             .outerjoin(Allocation, counted)
             .outerjoin(Payment, and_(Payment.id == Allocation.payment_id, Payment.received_on <= as_of))
             .where(items.c.open_amount > 0))
    found: dict[int, _OpenRow] = {}
    paid: dict[int, dict[tuple[date, str], None]] = {}  # one event per payment and item, in the order met
    for receivable_id, debtor_id, number, due_date, currency, open_amount, company_id, received_on, reference \
            in session.connection().execute(query):
        if receivable_id not in found:
            found[receivable_id] = (receivable_id, debtor_id, number, due_date, currency, open_amount, company_id)
        if reference is not None:
            paid.setdefault(receivable_id, {})[(received_on, reference)] = None
    payments = {receivable_id: [EventSource("part_payment", received_on, f"{PART_PAYMENT_SOURCE}:{reference}")
                                for received_on, reference in by_payment]
                for receivable_id, by_payment in paid.items()}
    return list(found.values()), payments


def _debtors(session: Session, debtor_code: str | None) -> dict[int, tuple[str, str]]:
    query = select(Debtor.id, Debtor.code, Debtor.name)
    if debtor_code:
        query = query.where(Debtor.code == debtor_code)
    return {debtor_id: (code, name) for debtor_id, code, name in session.connection().execute(query)}


def _recorded_events(session: Session, as_of: date, debtor_code: str | None
                     ) -> tuple[dict[int, list[EventSource]], dict[int, list[EventSource]]]:
    """Events known by `as_of`: debtor-wide ones (by debtor id) and per-item ones (by receivable id)."""
    query = select(LimitationEvent.debtor_id, LimitationEvent.receivable_id, LimitationEvent.kind,
                   LimitationEvent.occurred_on, LimitationEvent.source).where(LimitationEvent.occurred_on <= as_of)
    if debtor_code:
        query = query.where(LimitationEvent.debtor_id.in_(select(Debtor.id).where(Debtor.code == debtor_code)))
    debtor_wide: dict[int, list[EventSource]] = defaultdict(list)
    per_item: dict[int, list[EventSource]] = defaultdict(list)
    for debtor_id, receivable_id, kind, occurred_on, source in session.execute(query):
        event = EventSource(kind, occurred_on, source)
        (per_item[receivable_id] if receivable_id is not None else debtor_wide[debtor_id]).append(event)
    return debtor_wide, per_item


def _source_order(event: EventSource) -> tuple[date, str, str]:
    return event.date, event.kind, event.source


def _by_date(event: tuple[str, date]) -> tuple[date, str]:
    return event[1], event[0]


_listing_order = attrgetter("result.expires_on", "debtor_code", "receivable_number")
"""By expiry, then debtor and item number."""


def item_limitations(session: Session, as_of: date, rest_days: RestDayCalendar | None = None, *,
                     debtor_code: str | None = None, due_by: date | None = None,
                     progress: Callable[[int, int], None] | None = None) -> list[ItemLimitation]:
    """Every open item (positive open amount on `as_of`), with its limitation analysis, ordered by expiry.

    Set-based queries load the items with their part payments, the debtors, the companies' jurisdictions and
    the recorded events; the calculator runs once per distinct input (jurisdiction, due date, events), which
    many items share.
    """
    calendar = rest_days or rest_days_of(None)
    items, payments = _open_items(session, as_of, debtor_code, due_by)
    debtors = _debtors(session, debtor_code)
    companies = session.connection().execute(select(Company.id, Company.jurisdiction))
    jurisdictions = {company_id: jurisdiction.strip().upper() for company_id, jurisdiction in companies}
    debtor_wide, per_item = _recorded_events(session, as_of, debtor_code)
    known = {code: frozenset(EVENT_KINDS.get(code, ())) for code in set(jurisdictions.values())}
    computed: dict[tuple[str, date, frozenset[tuple[str, date]]], tuple[LimitationResult, int]] = {}
    lines = []
    total = len(items)
    for done, (receivable_id, debtor_id, number, due_date, currency, open_amount, company_id) in enumerate(
            items, start=1):
        code = jurisdictions[company_id]
        recorded = (*debtor_wide.get(debtor_id, ()), *per_item.get(receivable_id, ()),
                    *payments.get(receivable_id, ()))
        if recorded:
            # A kind the creditor's law does not know (a demand under UK or German law) cannot change the date.
            kinds = known[code]
            sources = tuple(sorted((e for e in recorded if e.kind in kinds), key=_source_order))
            # Events before the due date change nothing: they are not passed (the sources still show them), so
            # items that differ only there share one computation.
            interrupting = frozenset((e.kind, e.date) for e in sources if e.date >= due_date)
        else:
            sources, interrupting = (), _NO_EVENTS
        key = (code, due_date, interrupting)
        found = computed.get(key)
        if found is None:
            try:
                # In the order of the sources (date, kind), whatever the set's order: events of one day are
                # applied in the same order in every run.
                events = [Event(kind, day) for kind, day in sorted(interrupting, key=_by_date)]
                result = limitation(code, [due_date], events, calendar)
            except LimitationError as exc:
                raise Refused(f"item {number} of debtor {debtors[debtor_id][0]}: {exc} (the creditor company's "
                              "jurisdiction)") from None
            found = computed[key] = (result, (result.expires_on - as_of).days)
        debtor, debtor_name = debtors[debtor_id]
        lines.append(ItemLimitation(debtor, debtor_name, number, open_amount, currency, due_date, code, found[0],
                                    found[1], sources))
        if progress is not None and (done % 1000 == 0 or done == total):
            progress(done, total)
    lines.sort(key=_listing_order)
    return lines


def set_by(result: LimitationResult) -> tuple[str, date]:
    """What the expiry runs from: the last applied event that set it, or the due date."""
    setting = [event for event in result.events_applied if event.expires_on == result.expires_on]
    return (setting[-1].kind, setting[-1].date) if setting else (result.basis.kind, result.basis.date)


def as_claim(line: ItemLimitation) -> ExpiringClaim:
    basis, basis_on = set_by(line.result)
    return ExpiringClaim(line.debtor_code, line.receivable_number, line.open_amount, line.currency,
                         line.expires_on, line.days_left, basis, basis_on, line.band, line.jurisdiction)


def expiring_claims(session: Session, as_of: date, within_days: int, *,
                    rest_days: RestDayCalendar | None = None) -> list[ExpiringClaim]:
    """Open items whose limitation period ends between `as_of` and `within_days` later, soonest first.

    Expired items are not listed: no letter can save them (only the debtor's agreement to pay).
    """
    # No period is shorter than three years from the due date (events and rest days only move the end
    # later), so items due after this day cannot expire within the window: SQL leaves them out.
    due_by = add_months(as_of + timedelta(days=within_days), -SHORTEST_PERIOD_MONTHS)
    return [as_claim(line) for line in item_limitations(session, as_of, rest_days, due_by=due_by)
            if 0 <= line.days_left <= within_days]


def band_counts(claims: Iterable[ExpiringClaim]) -> dict[int, int]:
    """How many claims fall in each band (the narrowest one)."""
    counts = {band: 0 for band in BANDS}
    for claim in claims:
        if claim.band is not None:
            counts[claim.band] += 1
    return counts


def limitation_watch(sessions: sessionmaker[Session], settings: Settings, as_of: date, actor: str) -> str:
    """Scheduler job: count the items whose limitation ends within 180, 90 and 30 days; audit; one-line summary."""
    calendar = rest_days_of(settings)
    with unit_of_work(sessions) as session:
        lines = item_limitations(session, as_of, calendar)
        claims = [as_claim(line) for line in lines if 0 <= line.days_left <= WATCH_DAYS]
        counts = band_counts(claims)
        expired = sum(1 for line in lines if line.expired)
        audit.record(session, actor, "limitation.watch", "limitation", as_of.isoformat(), detail={
            "as_of": as_of.isoformat(), "open_items": len(lines), "expired": expired,
            "within_days": {str(band): count for band, count in counts.items()},
            "soonest": [{"debtor": c.debtor_code, "item": c.receivable_number, "expires_on": c.expires_on.isoformat()}
                        for c in claims[:10]]})
    return (f"limitation watch {as_of}: {counts[30]} item(s) expire within 30 days, {counts[90]} within 31-90, "
            f"{counts[180]} within 91-180; {expired} already expired; {len(lines)} open item(s) checked")


def rule_summary(jurisdictions: Sequence[str]) -> list[str]:
    """The rules the listing applied, one line per jurisdiction present."""
    texts = {
        "CN": ("CN: PRC Civil Code Art. 188, 3 years from the due date (20-year long-stop); interrupted and "
               "restarted by an evidenced demand, an acknowledgment, a part payment, legal action or an "
               "agreement to pay (Art. 195); the last day moves past statutory rest days (Arts. 201-203)."),
        "UK": ("UK: Limitation Act 1980 s.5, 6 years from the due date; a signed written acknowledgment or a part "
               "payment restarts it only while it runs (ss.29-30)."),
        "DE": ("DE: BGB §§195, 199, 3 years from the end of the year the claim fell due; an acknowledgment or a "
               "part payment restarts it (§212); legal action suspends it (§204)."),
    }
    return [texts[code] for code in sorted(set(jurisdictions)) if code in texts]
