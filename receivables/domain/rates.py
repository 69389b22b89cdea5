"""Reference-rate series (LPR, Bank of England base, German Basiszinssatz, ECB MRO): dated fixings and lookups."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from receivables.domain.dates import parse_date


class RateError(ValueError):
    """A rate series cannot answer: unknown series, no fixing on or before a date, a malformed fixing."""


@dataclass(frozen=True, slots=True)
class SeriesInfo:
    """What a series is: its name, what it measures, who publishes it and where."""

    name: str
    title: str
    publisher: str
    url: str


SERIES: Mapping[str, SeriesInfo] = {
    "cn_lpr_1y": SeriesInfo("cn_lpr_1y", "1-year Loan Prime Rate (贷款市场报价利率, 1年期)",
                            "National Interbank Funding Center / People's Bank of China",
                            "https://www.chinamoney.com.cn/chinese/bklpr/"),
    "boe_base": SeriesInfo("boe_base", "Bank of England Bank Rate (base rate)", "Bank of England",
                           "https://www.bankofengland.co.uk/boeapps/database/Bank-Rate.asp"),
    "de_basiszins": SeriesInfo("de_basiszins", "Basiszinssatz nach § 247 BGB", "Deutsche Bundesbank",
                               "https://www.bundesbank.de/de/bundesbank/organisation/agb-und-regelungen/"
                               "basiszinssatz-607820"),
    "ecb_mro": SeriesInfo("ecb_mro", "ECB main refinancing operations rate", "European Central Bank",
                          "https://www.ecb.europa.eu/stats/policy_and_exchange_rates/key_ecb_interest_rates/"
                          "html/index.en.html"),
}
_PERCENT_LIMIT = Decimal(100)
_MAX_DECIMALS = 8


@dataclass(frozen=True, slots=True)
class Fixing:
    """A rate in percent per year, valid from `effective_on` until the next fixing; `origin` is shipped or user."""

    effective_on: date
    percent: Decimal
    source: str
    origin: str = "shipped"

    @property
    def rate(self) -> Decimal:
        """The rate as a decimal fraction (3.35 % is 0.0335)."""
        return self.percent / 100


def check_series(name: str) -> SeriesInfo:
    """The series of that name, or a RateError listing the known ones."""
    info = SERIES.get(name.strip().lower())
    if info is None:
        raise RateError(f"unknown rate series {name!r} (known: {', '.join(SERIES)})")
    return info


def parse_percent(text: str) -> Decimal:
    """A percent per year as typed: 3.35, 3.35%, -0.88; more than 8 decimals or |p| >= 100 is refused."""
    raw = text.strip().removesuffix("%").strip()
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise RateError(f"not a percentage: {text!r} (expected e.g. 3.35)") from None
    if not value.is_finite():
        raise RateError(f"not a percentage: {text!r} (expected e.g. 3.35)")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -_MAX_DECIMALS:
        raise RateError(f"percentage {text!r} has more than {_MAX_DECIMALS} decimals")
    if abs(value) >= _PERCENT_LIMIT:
        raise RateError(f"percentage {text!r} is out of range (a rate in percent per year, e.g. 3.35)")
    return value


@dataclass(frozen=True, slots=True)
class RateSeries:
    """A series' fixings in date order; the rate in force on a day is the last fixing on or before it."""

    name: str
    fixings: tuple[Fixing, ...]

    def __post_init__(self) -> None:
        days = [f.effective_on for f in self.fixings]
        if days != sorted(days) or len(set(days)) != len(days):
            raise RateError(f"{self.name}: fixings must be in date order, one per date")

    @property
    def info(self) -> SeriesInfo:
        return check_series(self.name)

    def fixing_on(self, day: date) -> Fixing:
        """The fixing in force on `day`; a RateError when the series starts later."""
        found: Fixing | None = None
        for fixing in self.fixings:
            if fixing.effective_on > day:
                break
            found = fixing
        if found is None:
            first = self.fixings[0].effective_on.isoformat() if self.fixings else "none"
            raise RateError(f"{self.name}: no fixing in force on {day.isoformat()} (first fixing: {first}); "
                            f"add one with `receivables rates add {self.name} DATE PERCENT`")
        return found

    def changes_within(self, first: date, last: date) -> tuple[date, ...]:
        """The days after `first`, up to `last`, on which a new fixing takes effect."""
        return tuple(f.effective_on for f in self.fixings if first < f.effective_on <= last)


def merge_fixings(name: str, *groups: Iterable[Fixing]) -> RateSeries:
    """One series from several sources (shipped, then user); two fixings on one date is refused."""
    by_day: dict[date, Fixing] = {}
    for group in groups:
        for fixing in group:
            if fixing.effective_on in by_day:
                raise RateError(f"{name}: two fixings on {fixing.effective_on.isoformat()}")
            by_day[fixing.effective_on] = fixing
    return RateSeries(name, tuple(by_day[day] for day in sorted(by_day)))


def read_fixings_csv(text: str, label: str) -> tuple[Fixing, ...]:
    """Fixings from CSV text with the header `date,percent,source`; lines starting with `#` are comments."""
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    reader = csv.DictReader(io.StringIO("\n".join(lines)))
    if reader.fieldnames is None or [f.strip() for f in reader.fieldnames] != ["date", "percent", "source"]:
        raise RateError(f"{label}: the header must be date,percent,source")
    fixings = []
    for number, row in enumerate(reader, start=2):
        try:
            day = parse_date(row["date"] or "")
            percent = parse_percent(row["percent"] or "")
        except ValueError as exc:
            raise RateError(f"{label}: data row {number}: {exc}") from None
        fixings.append(Fixing(day, percent, (row["source"] or "").strip()))
    return tuple(fixings)
