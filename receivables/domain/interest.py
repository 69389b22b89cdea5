"""Late-payment interest: contractual and statutory rules, simple interest per segment, with its reasoning."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from receivables.domain.dates import parse_date
from receivables.domain.money import ZERO, normalize_currency, parse_amount, round_cents
from receivables.domain.rates import Fixing, RateError, RateSeries

BASES: tuple[int, ...] = (365, 360)
RULE_FORMS = "daily:RATE, annual:RATE, lpr:MULT, lpr-floating:MULT, uk-statutory, de-b2b, eu-statutory"
NOT_LEGAL_ADVICE = "This is not legal advice: check the contract and the law that applies to it."
_SERIES_OF = {"lpr": "cn_lpr_1y", "lpr-floating": "cn_lpr_1y", "uk-statutory": "boe_base",
              "de-b2b": "de_basiszins", "eu-statutory": "ecb_mro"}
_CURRENCY_OF = {"uk-statutory": "GBP", "de-b2b": "EUR", "eu-statutory": "EUR"}
_POINTS = {"uk-statutory": Decimal("0.08"), "de-b2b": Decimal("0.09"), "eu-statutory": Decimal("0.08")}
_LPR_START = date(2019, 8, 20)
_UK_TIERS = ((Decimal("1000.00"), Decimal("40.00")), (Decimal("10000.00"), Decimal("70.00")))
_UK_TOP, _EUR_FLAT = Decimal("100.00"), Decimal("40.00")


class InterestError(ValueError):
    """Input the calculator cannot use; the message says which and why."""


@dataclass(frozen=True, slots=True)
class Rule:
    """A parsed rule: `kind`, its figure (a daily or annual rate, or an LPR multiple), and its canonical text."""

    kind: str
    figure: Decimal | None
    text: str

    @property
    def series(self) -> str | None:
        """The rate series the rule reads, if any."""
        return _SERIES_OF.get(self.kind)

    @property
    def currency(self) -> str | None:
        """The currency a statutory rule's fixed sum is stated in (None: any currency)."""
        return _CURRENCY_OF.get(self.kind)


@dataclass(frozen=True, slots=True)
class PaymentIn:
    """A payment received on `on`; it counts at the end of that day."""

    on: date
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Segment:
    """Days `first`..`last` (both counted) at one principal and one annual rate (a decimal fraction)."""

    first: date
    last: date
    days: int
    principal: Decimal
    rate: Decimal
    amount: Decimal


@dataclass(frozen=True, slots=True)
class InterestResult:
    """The interest total (sum of the rounded segments), the statutory fixed sum, and how they were reached."""

    rule: str
    basis: int
    currency: str
    principal: Decimal
    first_day: date
    last_day: date
    total: Decimal
    fixed_sum: Decimal
    segments: tuple[Segment, ...]
    assumptions: tuple[str, ...]


def _figure(text: str, what: str) -> Decimal:
    raw = text.strip()
    scale = Decimal(1)
    if raw.endswith("%"):
        raw, scale = raw[:-1].strip(), Decimal("0.01")
    try:
        value = Decimal(raw) * scale
    except InvalidOperation:
        raise InterestError(f"{what}: not a number: {text!r}") from None
    if not value.is_finite() or value <= 0:
        raise InterestError(f"{what} must be a positive number, got {text!r}")
    return value


def parse_rule(text: str) -> Rule:
    """`daily:0.0005` (or `daily:0.05%`), `annual:0.06` (or `annual:6%`), `lpr:1.5`, `lpr-floating:1.5`,
    `uk-statutory`, `de-b2b`, `eu-statutory`; an InterestError naming the expected forms otherwise."""
    raw = text.strip().lower()
    kind, _, argument = raw.partition(":")
    kind = kind.strip()
    if kind in ("uk-statutory", "de-b2b", "eu-statutory"):
        if argument.strip():
            raise InterestError(f"rule {kind} takes no value, got {text!r}")
        return Rule(kind, None, kind)
    if kind in ("lpr", "lpr-floating"):
        multiple = _figure(argument, f"{kind} multiple") if argument.strip() else Decimal(1)
        if multiple > 10:
            raise InterestError(f"{kind} multiple {argument.strip()} is more than 10 times the LPR")
        return Rule(kind, multiple, f"{kind}:{multiple.normalize():f}")
    if kind == "daily":
        rate = _figure(argument, "daily rate")
        if rate >= Decimal("0.01"):
            raise InterestError(f"daily rate {argument.strip()} is {rate * 100:f}% a day: for 0.05% a day "
                                "write daily:0.0005 or daily:0.05%")
        return Rule(kind, rate, f"daily:{rate.normalize():f}")
    if kind == "annual":
        rate = _figure(argument, "annual rate")
        if rate > 1:
            raise InterestError(f"annual rate {argument.strip()} is {rate * 100:f}% a year: for 6% a year "
                                "write annual:0.06 or annual:6%")
        return Rule(kind, rate, f"annual:{rate.normalize():f}")
    raise InterestError(f"unknown interest rule {text!r} (expected {RULE_FORMS})")


def parse_payment(text: str) -> PaymentIn:
    """`DATE:AMOUNT`, e.g. `2026-09-01:10000`."""
    day_text, separator, amount_text = text.strip().partition(":")
    if not separator:
        raise InterestError(f"payment {text!r}: expected DATE:AMOUNT, e.g. 2026-09-01:10000.00")
    try:
        return PaymentIn(parse_date(day_text), parse_amount(amount_text))
    except ValueError as exc:
        raise InterestError(f"payment {text!r}: {exc}") from None


def percent_text(rate: Decimal) -> str:
    """A decimal fraction as a percentage with at least two decimals: 0.031 is 3.10%, 0.05025 is 5.025%."""
    tidy = (rate * 100).normalize()
    exponent = tidy.as_tuple().exponent
    return f"{tidy.quantize(Decimal('0.01')) if isinstance(exponent, int) and exponent > -2 else tidy:f}%"


def _half_year_start(day: date) -> date:
    return date(day.year, 1 if day.month <= 6 else 7, 1)


def _half_year_starts(first: date, last: date) -> list[date]:
    starts, year = [], first.year
    while year <= last.year:
        starts += [d for d in (date(year, 1, 1), date(year, 7, 1)) if first < d <= last]
        year += 1
    return starts


def _uk_reference_day(first: date) -> date:
    """The last 30 June or 31 December before interest starts to run."""
    return date(first.year - 1, 12, 31) if first.month <= 6 else date(first.year, 6, 30)


def _series(rule: Rule, rates: Mapping[str, RateSeries]) -> RateSeries:
    name = rule.series
    assert name is not None
    series = rates.get(name)
    if series is None or not series.fixings:
        raise InterestError(f"rule {rule.text} needs the {name} rate series, which has no fixings")
    return series


def _fixing(series: RateSeries, day: date) -> Fixing:
    try:
        return series.fixing_on(day)
    except RateError as exc:
        raise InterestError(str(exc)) from None


def _cite(name: str, fixing: Fixing) -> str:
    origin = "added by a user" if fixing.origin == "user" else fixing.source
    return f"{name} {percent_text(fixing.rate)} from {fixing.effective_on.isoformat()} ({origin})"


RateAt = Callable[[date], Decimal]


def _rate_plan(rule: Rule, first: date, last: date, basis: int,
               rates: Mapping[str, RateSeries]) -> tuple[RateAt, list[date], list[str]]:
    """How the annual rate is found for a day, the days it may change, and what to tell the reader."""
    if rule.kind == "daily":
        assert rule.figure is not None
        daily = rule.figure
        annual = daily * basis
        return (lambda _day: annual), [], [
            f"Contract rate {daily.normalize():f} per day ({percent_text(daily)} a day), {percent_text(annual)} a year "
            f"on a {basis}-day year; a daily rate is applied per day, the day-count basis only restates it."]
    if rule.kind == "annual":
        assert rule.figure is not None
        annual = rule.figure
        return (lambda _day: annual), [], [f"Contract rate {percent_text(annual)} a year."]
    series = _series(rule, rates)
    if rule.kind in ("lpr", "lpr-floating"):
        assert rule.figure is not None
        multiple = rule.figure
        pre_lpr = (f" Before {_LPR_START.isoformat()} the 1-year benchmark lending rate (贷款基准利率) stands "
                   "in for the LPR, which began that day.") if first < _LPR_START else ""
        if rule.kind == "lpr":
            fixing = _fixing(series, first)
            fixed = fixing.rate * multiple
            return (lambda _day: fixed), [], [
                f"1-year LPR in force on the first day of delay {first.isoformat()}: "
                f"{_cite(series.name, fixing)}; × {multiple.normalize():f} = {percent_text(fixed)} a year, "
                f"fixed for the whole period.{pre_lpr}"]
        changes = list(series.changes_within(first, last))
        used = [_fixing(series, d) for d in [first, *changes]]
        return (lambda day: _fixing(series, day).rate * multiple), changes, [
            f"1-year LPR in force on each day × {multiple.normalize():f}, a new segment at each fixing; fixings "
            f"used: {'; '.join(_cite(series.name, f) for f in used)}.{pre_lpr}"]
    points = _POINTS[rule.kind]
    if rule.kind == "uk-statutory":
        reference = _uk_reference_day(first)
        fixing = _fixing(series, reference)
        fixed = fixing.rate + points
        return (lambda _day: fixed), [], [
            "Late Payment of Commercial Debts (Interest) Act 1998: Bank of England base rate in force on "
            f"{reference.isoformat()} (the last 30 June or 31 December before interest starts on "
            f"{first.isoformat()}): {_cite(series.name, fixing)}; + 8 points = {percent_text(fixed)} a year, "
            "fixed for the whole debt (later base-rate changes do not apply to it)."]
    law = ("BGB § 288(2): Basiszinssatz (§ 247) + 9 points" if rule.kind == "de-b2b"
           else "Directive 2011/7/EU: ECB main refinancing rate + 8 points")
    starts = [_half_year_start(first), *_half_year_starts(first, last)]
    used = [_fixing(series, d) for d in starts]
    return (lambda day: _fixing(series, _half_year_start(day)).rate + points), starts[1:], [
        f"{law}; the rate in force on 1 January or 1 July applies to the days of that half-year: "
        + "; ".join(f"{d.isoformat()}: {_cite(series.name, f)} → {percent_text(f.rate + points)}"
                    for d, f in zip(starts, used)) + "."]


def _fixed_sum(rule: Rule, principal: Decimal, currency: str) -> tuple[Decimal, list[str]]:
    if rule.kind == "uk-statutory":
        amount = next((fee for below, fee in _UK_TIERS if principal < below), _UK_TOP)
        return amount, [f"Fixed sum {currency} {amount} for a debt of {principal:,.2f} (GBP 40 under 1,000; "
                        "70 under 10,000; 100 from 10,000), per invoice, on top of the interest."]
    if rule.kind in ("de-b2b", "eu-statutory"):
        law = "BGB § 288(5)" if rule.kind == "de-b2b" else "Directive 2011/7/EU Art. 6"
        return _EUR_FLAT, [f"Flat compensation EUR 40 per invoice ({law}), on top of the interest."]
    return ZERO, []


def _check(principal: Decimal, first: date, last: date, basis: int, payments: Sequence[PaymentIn]) -> None:
    if principal <= 0:
        raise InterestError(f"the principal must be positive, got {principal}")
    if first > last:
        raise InterestError(f"the first day {first.isoformat()} is after the last day {last.isoformat()}")
    if basis not in BASES:
        raise InterestError(f"day-count basis must be 365 or 360, got {basis}")
    paid = ZERO
    for payment in sorted(payments, key=lambda p: p.on):
        if payment.amount <= 0:
            raise InterestError(f"payment on {payment.on.isoformat()}: the amount must be positive")
        if not first <= payment.on <= last:
            raise InterestError(f"payment on {payment.on.isoformat()} is outside the period {first.isoformat()} "
                                f"to {last.isoformat()} (reduce the principal for earlier payments)")
        paid += payment.amount
        if paid > principal:
            raise InterestError(f"payments up to {payment.on.isoformat()} ({paid}) exceed the principal "
                                f"({principal})")


def late_interest(principal: Decimal, first_day: date, last_day: date, rule: Rule, *, basis: int = 365,
                  payments: Iterable[PaymentIn] = (), rates: Mapping[str, RateSeries] | None = None,
                  currency: str | None = None) -> InterestResult:
    """Simple interest on the open principal from `first_day` to `last_day`, both counted, by `rule`.

    A new segment starts wherever the principal (a payment, counted at the end of its day) or the rate
    changes; each segment is rounded half-up to the cent, and the total is the sum of the segments.
    """
    paid = tuple(payments)
    _check(principal, first_day, last_day, basis, paid)
    try:
        chosen = normalize_currency(currency) if currency else (rule.currency or "CNY")
    except ValueError as exc:
        raise InterestError(str(exc)) from None
    if rule.currency and chosen != rule.currency:
        raise InterestError(f"rule {rule.text} states its fixed sum in {rule.currency}; the debt is in {chosen}")
    rate_at, rate_changes, notes = _rate_plan(rule, first_day, last_day, basis, rates or {})
    cuts = {first_day, *rate_changes, *(p.on + timedelta(days=1) for p in paid if p.on < last_day)}
    starts = sorted(cuts)
    segments: list[Segment] = []
    for index, start in enumerate(starts):
        end = starts[index + 1] - timedelta(days=1) if index + 1 < len(starts) else last_day
        open_principal = principal - sum((p.amount for p in paid if p.on < start), ZERO)
        if open_principal <= 0:
            break
        rate = rate_at(start)
        if segments and segments[-1].principal == open_principal and segments[-1].rate == rate:
            start = segments.pop().first
        days = (end - start).days + 1
        segments.append(Segment(start, end, days, open_principal, rate,
                                _amount(rule, open_principal, rate, days, basis)))
    fixed_sum, fee_notes = _fixed_sum(rule, principal, chosen)
    total = sum((s.amount for s in segments), ZERO)
    return InterestResult(rule.text, basis, chosen, principal, first_day, last_day, total, fixed_sum,
                          tuple(segments), tuple(notes + _common_notes(first_day, last_day, basis, paid)
                                                 + fee_notes + [NOT_LEGAL_ADVICE]))


def _amount(rule: Rule, principal: Decimal, rate: Decimal, days: int, basis: int) -> Decimal:
    if rule.kind == "daily" and rule.figure is not None:
        return round_cents(principal * rule.figure * days)
    return round_cents(principal * rate * days / basis)


def _common_notes(first: date, last: date, basis: int, paid: Sequence[PaymentIn]) -> list[str]:
    days = (last - first).days + 1
    notes = [f"Simple interest on the open principal from {first.isoformat()} to {last.isoformat()}, both days "
             f"counted ({days} days).",
             f"Day count ACT/{basis}: actual days over a {basis}-day year"
             + (", 365 in leap years too (29 February is counted as a day, the year is not 366)." if basis == 365
                else ".")]
    if paid:
        notes.append("A payment counts at the end of its day: the day of payment still bears interest on the "
                     "amount before it; the principal is lower from the next day.")
    notes.append("Each segment is rounded half-up to the cent; the total is the sum of the rounded segments.")
    return notes
