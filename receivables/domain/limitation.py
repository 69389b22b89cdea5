"""Limitation periods: the day a claim stops being enforceable, under PRC, English and German law."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from receivables.domain.calendar import RestDayCalendar
from receivables.domain.dates import add_months, add_years, parse_date

JURISDICTIONS: tuple[str, ...] = ("CN", "UK", "DE")
EVENT_KINDS: Mapping[str, tuple[str, ...]] = {
    "CN": ("demand", "acknowledgment", "part_payment", "legal_action", "agreement_to_pay"),
    "UK": ("acknowledgment", "part_payment", "legal_action", "agreement_to_pay"),
    "DE": ("acknowledgment", "part_payment", "legal_action", "agreement_to_pay"),
}
_UNKNOWN_BECAUSE = {
    ("UK", "demand"): "a creditor's demand does not affect limitation under the Limitation Act 1980",
    ("DE", "demand"): "a reminder (Mahnung) neither restarts nor suspends limitation under the BGB",
}
NOT_LEGAL_ADVICE = "This is not legal advice."
CN_YEARS, CN_LONG_STOP_YEARS, UK_YEARS, DE_YEARS = 3, 20, 6, 3
_Day = date  # for annotations in classes whose field `date` hides the type


class LimitationError(ValueError):
    """Input the calculator cannot use: an unknown jurisdiction or event kind, no due date."""


@dataclass(frozen=True, slots=True)
class LimitationEvent:
    """Something that happened to the claim: `demand`, `acknowledgment`, `part_payment`, ..."""

    kind: str
    date: date


@dataclass(frozen=True, slots=True)
class Basis:
    """What the period runs from: `due`, or `last_instalment` (Civil Code Art. 189)."""

    kind: str
    date: date


@dataclass(frozen=True, slots=True)
class AppliedEvent:
    kind: str
    date: date
    effect: str
    expires_on: _Day


@dataclass(frozen=True, slots=True)
class IgnoredEvent:
    kind: str
    date: date
    reason: str


@dataclass(frozen=True, slots=True)
class Waiver:
    """The debtor agreed to pay an expired claim: it may no longer plead limitation (Art. 192)."""

    date: date
    reason: str


@dataclass(frozen=True, slots=True)
class LimitationResult:
    jurisdiction: str
    expires_on: date
    basis: Basis
    events_applied: tuple[AppliedEvent, ...]
    events_ignored: tuple[IgnoredEvent, ...]
    assumptions: tuple[str, ...]
    long_stop: date | None = None
    waiver: Waiver | None = None


def parse_event(text: str) -> LimitationEvent:
    """`KIND:DATE`, e.g. `demand:2023-05-01` or `part_payment:2023年5月1日`."""
    kind, separator, when = text.partition(":")
    if not separator or not kind.strip():
        raise LimitationError(f"not an event: {text!r} (expected KIND:DATE, e.g. demand:2023-05-01)")
    try:
        return LimitationEvent(kind.strip().lower(), parse_date(when))
    except ValueError as exc:
        raise LimitationError(f"event {text!r}: {exc}") from None


def limitation(jurisdiction: str, due_dates: Sequence[date], events: Iterable[LimitationEvent] = (),
               rest_days: RestDayCalendar | None = None) -> LimitationResult:
    """The expiry of a claim due on `due_dates` (several: instalments of one debt) after `events`.

    `rest_days` is used for CN only; without it, only weekends are rest days and the assumptions say so.
    """
    code = jurisdiction.strip().upper()
    if code not in JURISDICTIONS:
        raise LimitationError(f"unknown jurisdiction {jurisdiction!r} (known: {', '.join(JURISDICTIONS)})")
    if not due_dates:
        raise LimitationError("give the due date of the claim")
    ordered = sorted(events, key=lambda event: event.date)
    for event in ordered:
        _check_kind(code, event.kind)
    if code == "CN":
        return _china(due_dates, ordered, rest_days or RestDayCalendar())
    if len(set(due_dates)) > 1:
        raise LimitationError(f"{code}: each instalment has its own period; running them all from the last "
                              "due date is a rule of PRC law (Civil Code Art. 189): compute each instalment alone")
    if code == "UK":
        return _england(Basis("due", due_dates[0]), ordered)
    return _germany(Basis("due", due_dates[0]), ordered)


def check_event_kind(jurisdiction: str, kind: str) -> None:
    """A LimitationError naming the known kinds when `jurisdiction` does not know the event `kind`."""
    code = jurisdiction.strip().upper()
    if code not in JURISDICTIONS:
        raise LimitationError(f"unknown jurisdiction {jurisdiction!r} (known: {', '.join(JURISDICTIONS)})")
    _check_kind(code, kind)


def _check_kind(code: str, kind: str) -> None:
    if kind in EVENT_KINDS[code]:
        return
    known = ", ".join(EVENT_KINDS[code])
    because = _UNKNOWN_BECAUSE.get((code, kind))
    if because:
        raise LimitationError(f"{code} does not know the event {kind!r}: {because} (known: {known})")
    raise LimitationError(f"unknown event kind {kind!r} for {code} (known: {known})")


# --- PRC: Civil Code Arts. 188-195, 201-203 ---------------------------------------------------------

_CN_EFFECT = {
    "demand": "interruption by the creditor's demand, delivery evidenced (Art. 195(1); SPC Limitation Rules "
              "Art. 8); a demand for part of the debt interrupts the whole debt (Art. 9)",
    "acknowledgment": "interruption: the debtor acknowledged the debt, which is agreeing to perform "
                      "(Art. 195(2); SPC Limitation Rules Art. 14)",
    "part_payment": "interruption: a part payment is agreeing to perform (Art. 195(2); SPC Limitation Rules "
                    "Art. 14); it interrupts for the whole debt",
    "legal_action": "interruption by suit, arbitration or an equal application: payment order, preservation, "
                    "enforcement (Art. 195(3)-(4); SPC Limitation Rules Art. 11); the new period runs from the "
                    "end of the proceedings, counted here from the filing date, the earliest possible date",
    "agreement_to_pay": "interruption: the debtor agreed to perform (Art. 195(2))",
}
_CN_AFTER_EXPIRY = {
    "demand": "after expiry: a demand cannot revive an expired claim (Art. 192); only the debtor's "
              "agreement to pay can",
    "acknowledgment": "after expiry: an acknowledgment alone restarts nothing; it waives the defence only if the "
                      "debtor agreed to pay (Art. 192; SPC Limitation Rules Art. 19): record that as "
                      "agreement_to_pay",
    "part_payment": "after expiry: what was paid cannot be reclaimed (Art. 192(2)), but the payment does not "
                    "revive the rest of the claim; if the debtor agreed to pay the rest, record agreement_to_pay",
    "legal_action": "after expiry: a suit restarts nothing; the debtor may plead limitation and the court "
                    "will not raise it on its own (Arts. 192-193)",
}
_CN_WAIVER = ("the debtor agreed to pay a claim whose limitation period had expired: it may no longer plead "
              "limitation (Art. 192; SPC Limitation Rules Art. 19)")


def _china(due_dates: Sequence[date], events: Sequence[LimitationEvent], rest: RestDayCalendar) -> LimitationResult:
    last_due, harm = max(due_dates), min(due_dates)
    basis = Basis("last_instalment" if len(set(due_dates)) > 1 else "due", last_due)
    long_stop = _cn_period_end(harm, CN_LONG_STOP_YEARS, rest)
    start, expires = basis.date, min(_cn_period_end(basis.date, CN_YEARS, rest), long_stop)
    applied: list[AppliedEvent] = []
    ignored: list[IgnoredEvent] = []
    waiver: Waiver | None = None
    for event in events:
        if event.date < basis.date:
            ignored.append(IgnoredEvent(event.kind, event.date, f"before the period began on {basis.date}: "
                                        "there is nothing to interrupt yet"))
        elif event.date > long_stop:
            ignored.append(IgnoredEvent(event.kind, event.date, f"after the 20-year long-stop ({long_stop}), "
                                        "which no event interrupts (Art. 188; General Part Interpretation "
                                        "2022 Art. 35)"))
        elif event.date <= expires:
            start, expires = event.date, min(max(_cn_period_end(event.date, CN_YEARS, rest), expires), long_stop)
            applied.append(AppliedEvent(event.kind, event.date, _CN_EFFECT[event.kind] +
                                        ": a new 3-year period runs from this day", expires))
        elif event.kind == "agreement_to_pay":
            waiver = Waiver(event.date, _CN_WAIVER)
            start, expires = event.date, min(_cn_period_end(event.date, CN_YEARS, rest), long_stop)
            applied.append(AppliedEvent(event.kind, event.date, "after expiry: the debtor's agreement to pay "
                                        "waives the limitation defence (Art. 192); a new 3-year period runs "
                                        "from this day", expires))
        else:
            ignored.append(IgnoredEvent(event.kind, event.date, _CN_AFTER_EXPIRY[event.kind]))
    assumptions = _cn_assumptions(start, expires, long_stop, rest, events)
    return LimitationResult("CN", expires, basis, tuple(applied), tuple(ignored), assumptions, long_stop, waiver)


@lru_cache(maxsize=65536)  # a ledger's items share few start days: the listing computes each once
def _cn_period_end(start: date, years: int, rest: RestDayCalendar) -> date:
    """Arts. 201-203: the start day is not counted; the last day is the corresponding day `years` later (none:
    the month's last day); a last day that is a statutory rest day moves to the first day after the rest."""
    return rest.first_day_after_rest(add_years(start, years))


def _cn_assumptions(start: date, expires: date, long_stop: date, rest: RestDayCalendar,
                    events: Sequence[LimitationEvent]) -> tuple[str, ...]:
    counted = add_years(start, CN_YEARS)
    notes = [
        ("Counting (Civil Code Arts. 201-203): the day of the due date or event is not counted; a 3-year period "
         "ends on the corresponding day three years later (no such day: the month's last day). This is the "
         "earlier, creditor-safe date."),
        (f"Note: some commentators count one day later (here {counted + timedelta(days=1)}); that is a note, "
         "never the date used."),
        rest.setting(),
    ]
    if expires == long_stop and add_years(start, CN_YEARS) >= long_stop:
        notes.append(f"The 20-year long-stop from the harm ({long_stop}) caps the period; no event interrupts it "
                     "(Art. 188; General Part Interpretation 2022 Art. 35).")
    elif counted != expires:
        notes.append(f"The last day by count, {counted}, is a statutory rest day: the period ends on the first day "
                     f"after the rest, {expires} (Art. 203).")
    else:
        notes.append(f"The last day by count, {counted}, is not a rest day.")
    if not rest.covers(counted):
        scope = "only weekends were treated as rest days" if rest.weekends_rest else "no day was a rest day"
        notes.append(f"No official holiday schedule for {counted.year} is loaded: {scope}; add "
                     f"holidays/cn/{counted.year}.json when the State Council publishes it.")
    notes.append("The creditor is taken to have known of the harm and the debtor on the due date (Art. 188); "
                 f"the 20-year long-stop runs from the first due date and ends {long_stop}.")
    notes.append("Events are taken as evidenced: a demand counts only when its delivery can be proved (SPC "
                 "Limitation Rules Art. 8).")
    if any(event.kind == "legal_action" for event in events):
        notes.append("After a suit or application the new period runs from the end of the proceedings; the "
                     "calculator counts from the filing date, the earliest possible date.")
    notes.append(NOT_LEGAL_ADVICE)
    return tuple(notes)


# --- England and Wales: Limitation Act 1980 ss. 5, 29, 30 ---------------------------------------------

_UK_EFFECT = {
    "acknowledgment": "the right of action accrues afresh on this day (s.29(5)(a)); the acknowledgment is "
                      "taken to be in writing and signed by the debtor (s.30)",
    "part_payment": "the right of action accrues afresh on this day (s.29(5)(b))",
    "agreement_to_pay": "a written, signed agreement to pay acknowledges the debt: the right of action accrues "
                        "afresh on this day (s.29(5)(a), s.30)",
}

_UK_ASSUMPTIONS = (
    ("Limitation Act 1980 s.5: 6 years from the day the cause of action accrued (the due date); that day is "
     "not counted, so the period ends on the anniversary (29 February: 28 February)."),
    "An acknowledgment or part payment restarts the period only while it runs (s.29(5), (7)).",
    ("No rest-day extension: when the court office is closed on the last day, a claim may be issued on the "
     "next day it opens; that later date is not used (the earlier, creditor-safe date)."),
    "No long-stop applies to a contract debt.",
    NOT_LEGAL_ADVICE,
)


def _england(basis: Basis, events: Sequence[LimitationEvent]) -> LimitationResult:
    expires = add_years(basis.date, UK_YEARS)
    applied: list[AppliedEvent] = []
    ignored: list[IgnoredEvent] = []
    for event in events:
        if event.date < basis.date:
            ignored.append(IgnoredEvent(event.kind, event.date, f"before the cause of action accrued on "
                                        f"{basis.date}"))
        elif event.date > expires:
            reason = ("after expiry: proceedings issued now are time-barred if the debtor pleads limitation (s.5)"
                      if event.kind == "legal_action" else
                      "after expiry: an acknowledgment or payment cannot revive a time-barred debt (s.29(7))")
            ignored.append(IgnoredEvent(event.kind, event.date, reason))
        elif event.kind == "legal_action":
            applied.append(AppliedEvent(event.kind, event.date, "claim brought in time: proceedings issued "
                                        "before expiry stop the period for this claim (s.5)", expires))
        else:
            expires = max(expires, add_years(event.date, UK_YEARS))
            applied.append(AppliedEvent(event.kind, event.date, _UK_EFFECT[event.kind] +
                                        "; a new 6-year period runs", expires))
    return LimitationResult("UK", expires, basis, tuple(applied), tuple(ignored), _UK_ASSUMPTIONS)


# --- Germany: BGB §§ 195, 199, 204, 209, 212 ---------------------------------------------------------

_DE_AFTER_EXPIRY = ("after expiry: a restart (§212) needs a running period; what the debtor pays cannot be "
                    "reclaimed (§214(2)); an acknowledgment made knowing of the expiry may waive the defence: "
                    "take advice")

_DE_ASSUMPTIONS = (
    ("BGB §195/§199(1): 3 years from the end of the year in which the claim arose; the creditor is taken to "
     "have known the claim and the debtor in the year it fell due."),
    ("A restart (§212) runs 3 years from the event's day, not from a year end; legal action only suspends "
     "(§204), modelled as described in the event's effect."),
    ("No rest-day extension (§193 BGB) is applied: the period ends on the computed day, the earlier, "
     "creditor-safe date."),
    NOT_LEGAL_ADVICE,
)


def _germany(basis: Basis, events: Sequence[LimitationEvent]) -> LimitationResult:
    expires = date(basis.date.year + DE_YEARS, 12, 31)
    applied: list[AppliedEvent] = []
    ignored: list[IgnoredEvent] = []
    for event in events:
        if event.date < basis.date:
            ignored.append(IgnoredEvent(event.kind, event.date, f"before the claim arose on {basis.date}"))
        elif event.date > expires:
            reason = ("after expiry: the debtor may refuse performance if it pleads limitation (§214(1))"
                      if event.kind == "legal_action" else _DE_AFTER_EXPIRY)
            ignored.append(IgnoredEvent(event.kind, event.date, reason))
        elif event.kind == "legal_action":
            suspended = (add_months(event.date, 6) - event.date).days
            expires = expires + timedelta(days=suspended)
            applied.append(AppliedEvent(event.kind, event.date, f"suspension (§204(1)), not a restart: the period "
                                        f"is extended by {suspended} days (§209), as if the proceedings ended the "
                                        "day they began and the suspension six months later (§204(2)); the real "
                                        "date is later by the length of the proceedings", expires))
        elif add_years(event.date, DE_YEARS) <= expires:
            ignored.append(IgnoredEvent(event.kind, event.date, f"no effect: a new period from this day would "
                                        f"end {add_years(event.date, DE_YEARS)}, before the running period "
                                        f"ends ({expires})"))
        else:
            expires = add_years(event.date, DE_YEARS)
            applied.append(AppliedEvent(event.kind, event.date, "restart (§212(1) no. 1): the debtor acknowledged "
                                        "the claim (a part payment or an agreement to pay is an acknowledgment); "
                                        "a new 3-year period runs from this day, without the year-end rule",
                                        expires))
    return LimitationResult("DE", expires, basis, tuple(applied), tuple(ignored), _DE_ASSUMPTIONS)
