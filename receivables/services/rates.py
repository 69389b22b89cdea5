"""Reference-rate fixings: the shipped tables merged with the ones users add, and adding and listing them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Engine, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from receivables.domain.rates import SERIES, Fixing, RateError, RateSeries, check_series, merge_fixings
from receivables.files.rate_tables import all_shipped, shipped_fixings
from receivables.services.errors import Refused
from receivables.storage import audit
from receivables.storage.schema import RateFixing


class RateRefused(Refused):
    """The fixing cannot be added as given; nothing was written."""


@dataclass(frozen=True, slots=True)
class FixingView:
    series: str
    effective_on: date
    percent: Decimal
    source: str
    origin: str
    added_by: str | None


def _user_fixings(session: Session, series: str | None = None) -> list[RateFixing]:
    query = select(RateFixing).order_by(RateFixing.series, RateFixing.effective_on)
    if series is not None:
        query = query.where(RateFixing.series == series)
    return list(session.execute(query).scalars())


def _tidy(percent: Decimal) -> Decimal:
    """3.35000000 as stored is 3.35; at least two decimals are kept (4.00)."""
    tidy = percent.normalize()
    exponent = tidy.as_tuple().exponent
    return percent.quantize(Decimal("0.01")) if isinstance(exponent, int) and exponent > -2 else tidy


def _as_fixing(row: RateFixing) -> Fixing:
    return Fixing(row.effective_on, _tidy(row.percent), row.source or "", "user")


def shipped_series() -> dict[str, RateSeries]:
    """Every series from the shipped tables only (no database needed)."""
    try:
        return {name: merge_fixings(name, fixings) for name, fixings in all_shipped().items()}
    except RateError as exc:
        raise Refused(str(exc)) from None


def load_series(session: Session | None) -> dict[str, RateSeries]:
    """Every series: shipped fixings and, with a session, the ones users added."""
    if session is None:
        return shipped_series()
    user: dict[str, list[Fixing]] = {name: [] for name in SERIES}
    for row in _user_fixings(session):
        user.setdefault(row.series, []).append(_as_fixing(row))
    try:
        return {name: merge_fixings(name, shipped_fixings(name), user[name]) for name in SERIES}
    except RateError as exc:
        raise Refused(str(exc)) from None


def has_rate_table(engine: Engine) -> bool:
    """Whether the database holds user fixings (it was initialised at revision 0004 or later)."""
    with engine.connect() as connection:
        return inspect(connection).has_table(RateFixing.__tablename__)


def add_fixing(session: Session, series: str, effective_on: date, percent: Decimal, *, actor: str,
               source: str | None = None) -> FixingView:
    """Add one fixing; an unknown series, or a date the series already has (shipped or added), is refused."""
    try:
        name = check_series(series).name
    except RateError as exc:
        raise RateRefused(str(exc)) from None
    existing = next((f for f in load_series(session)[name].fixings if f.effective_on == effective_on), None)
    if existing is not None:
        raise RateRefused(f"{name} already has a fixing on {effective_on.isoformat()}: {existing.percent}% "
                          f"({existing.origin})")
    text = (source or "").strip() or None
    if text is not None and len(text) > 300:
        raise RateRefused("the source is longer than 300 characters")
    row = RateFixing(series=name, effective_on=effective_on, percent=percent, source=text, added_by=actor)
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        raise RateRefused(f"{name} already has a fixing on {effective_on.isoformat()}") from None
    audit.record(session, actor, "rate.add", "rate_fixing", f"{name}@{effective_on.isoformat()}",
                 after={"series": name, "effective_on": effective_on, "percent": percent, "source": text})
    return FixingView(name, effective_on, percent, text or "", "user", actor)


def list_fixings(session: Session | None, series: str | None = None) -> list[FixingView]:
    """Fixings by series and date, shipped and user-added, with where each came from."""
    names = list(SERIES)
    if series is not None:
        try:
            names = [check_series(series).name]
        except RateError as exc:
            raise RateRefused(str(exc)) from None
    added_by = {(r.series, r.effective_on): r.added_by for r in _user_fixings(session)} if session else {}
    merged = load_series(session)
    return [FixingView(name, f.effective_on, f.percent, f.source, f.origin, added_by.get((name, f.effective_on)))
            for name in names for f in merged[name].fixings]
