"""Legal cases: the stage machine, commission per recovery, debtor credit events, enforcement double interest."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from receivables.domain.money import ZERO, round_cents

STAGES: tuple[str, ...] = ("referred", "pre_litigation_mediation", "payment_order", "suit_filed", "judgment",
                           "enforcement", "closed")
OUTCOMES: tuple[str, ...] = ("recovered", "settled", "written_off")
AGENT_KINDS: tuple[str, ...] = ("law_firm", "agency")
PRESERVATION = "preservation"
"""Asset preservation (财产保全) is a step inside a stage, not a stage: it is recorded without moving the case."""
STEPS: tuple[str, ...] = (*STAGES, PRESERVATION)

# Steps that count as a suit for limitation (Civil Code Art. 195(3); SPC Limitation Rules Art. 11).
LEGAL_ACTION_STEPS: frozenset[str] = frozenset({"payment_order", "suit_filed", "enforcement", PRESERVATION})
# Stages a court gives a case number to.
COURT_STAGES: frozenset[str] = frozenset({"payment_order", "suit_filed", "judgment", "enforcement"})

# Where each stage may be reached from. Mediation and the payment order are optional; an objection to a payment
# order ends it and the creditor sues (Civil Procedure Law Art. 228); only a judgment or an unopposed payment
# order is enforceable; any open case may be closed.
_REACHED_FROM: dict[str, frozenset[str]] = {
    "pre_litigation_mediation": frozenset({"referred"}),
    "payment_order": frozenset({"referred", "pre_litigation_mediation"}),
    "suit_filed": frozenset({"referred", "pre_litigation_mediation", "payment_order"}),
    "judgment": frozenset({"suit_filed"}),
    "enforcement": frozenset({"judgment", "payment_order"}),
    "closed": frozenset(STAGES[:-1]),
}

CREDIT_EVENT_KINDS: tuple[str, ...] = ("lawsuit", "asset_transfer", "management_change", "dissolution",
                                       "enforcement_listing", "other")
"""Facts about the debtor's creditworthiness: a lawsuit against it, a transfer of its assets, a change of its
management or legal representative, its dissolution or deregistration, its listing as a dishonest judgment
debtor (失信被执行人), anything else worth a flag."""

DOUBLE_INTEREST_DAILY_RATE = Decimal("0.000175")
"""日万分之一点七五: SPC Interpretation on Interest on Debts during Delayed Performance (法释〔2014〕8号) Art. 1."""
DOUBLE_INTEREST_IN_FORCE = date(2014, 8, 1)
DOUBLE_INTEREST_RULE = (
    "Civil Procedure Law of the PRC Art. 264 (2023 text; Art. 260 in the 2021 text, Art. 253 before): a judgment "
    "debtor who fails to pay money within the period set by the judgment pays double interest on the debt for the "
    "period of delay. SPC Interpretation on the Calculation of Interest on Debts during Delayed Performance in "
    "Enforcement (法释〔2014〕8号, in force 2014-08-01) Art. 1: the doubled part = the money debt set by the "
    "effective legal document, other than ordinary interest, x 0.0175% per day x the period of delay; Art. 2: the "
    "delay runs from the day the performance period ends; Art. 3: to the day of performance (for each part paid, "
    "to the day that part was paid).")


class CaseError(ValueError):
    """A case step that the rules do not allow; the message says which and why."""


@dataclass(frozen=True, slots=True)
class Transition:
    """A step accepted on a case: the stage the case is in afterwards, and whether the step moved it."""

    step: str
    stage: str
    moves: bool
    legal_action: bool


def check_step(current: str, step: str, *, outcome: str | None = None) -> Transition:
    """Whether `step` may follow `current`; a CaseError naming the allowed next stages otherwise."""
    if step not in STEPS:
        raise CaseError(f"unknown stage {step!r} (known: {', '.join(STEPS)})")
    if current == "closed":
        raise CaseError("the case is closed: no further stage can be recorded")
    if step == "closed":
        if outcome not in OUTCOMES:
            raise CaseError(f"closing a case needs its outcome: one of {', '.join(OUTCOMES)}")
    elif outcome is not None:
        raise CaseError("an outcome is given only when the case is closed")
    if step == PRESERVATION:
        return Transition(step, current, False, True)
    if current not in _REACHED_FROM.get(step, frozenset()):
        raise CaseError(f"a case at stage {current} cannot move to {step} "
                        f"(allowed next: {', '.join(next_stages(current))})")
    return Transition(step, step, True, step in LEGAL_ACTION_STEPS)


def next_stages(current: str) -> tuple[str, ...]:
    """The stages a case at `current` may move to (preservation may be recorded at any open stage)."""
    return tuple(stage for stage in STAGES if current in _REACHED_FROM.get(stage, frozenset()))


def check_commission_rate(rate: Decimal) -> Decimal:
    """A commission rate is a fraction from 0 to 1 (0.15 is 15%)."""
    if not rate.is_finite() or rate < 0 or rate > 1:
        raise CaseError(f"commission rate {rate} is outside 0..1 (write 0.15 for 15%)")
    return rate


def commission(amount: Decimal, rate: Decimal) -> Decimal:
    """The agent's commission on one recovery: the amount times the rate, rounded half-up to the cent."""
    return round_cents(amount * check_commission_rate(rate))


def check_credit_event_kind(kind: str) -> str:
    if kind not in CREDIT_EVENT_KINDS:
        raise CaseError(f"unknown credit event kind {kind!r} (known: {', '.join(CREDIT_EVENT_KINDS)})")
    return kind


# --- enforcement double interest (加倍部分债务利息) -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class DelayPayment:
    """Part of the judgment debt paid (or taken by the court) on `on`; that part stops accruing that day."""

    on: date
    amount: Decimal


@dataclass(frozen=True, slots=True)
class DelaySegment:
    """Days after `after` up to and including `through`, on one unpaid debt."""

    after: date
    through: date
    days: int
    debt: Decimal
    amount: Decimal


@dataclass(frozen=True, slots=True)
class DoubleInterest:
    """The doubled part of interest for delayed performance, its segments, and what was assumed."""

    debt: Decimal
    period_ended_on: date
    paid_on: date
    days: int
    daily_rate: Decimal
    total: Decimal
    segments: tuple[DelaySegment, ...]
    rule: str
    assumptions: tuple[str, ...]


def enforcement_interest(debt: Decimal, period_ended_on: date, paid_on: date,
                         payments: Sequence[DelayPayment] = ()) -> DoubleInterest:
    """Double interest for delayed performance of a money judgment (法释〔2014〕8号 Arts. 1-3).

    `period_ended_on` is the last day of the performance period the judgment set (with none set: the day it took
    effect); `paid_on` the day the debt was paid in full or taken by the court (or the day of calculation). The
    days of delay are the days after `period_ended_on` up to and including `paid_on` (the starting day is not
    counted, Civil Code Art. 201). Part payments reduce the debt from the day after they are paid; the payments
    go to the debt first (Art. 4). Each segment is rounded half-up to the cent; the total is their sum.
    """
    if not debt.is_finite() or debt <= 0:
        raise CaseError(f"the judgment debt must be a positive amount, got {debt}")
    if round_cents(debt) != debt:
        raise CaseError(f"the judgment debt {debt} has more than two decimals")
    ordered = sorted(payments, key=lambda payment: payment.on)
    for payment in ordered:
        if payment.amount <= 0:
            raise CaseError(f"payment on {payment.on}: the amount must be positive, got {payment.amount}")
        if not period_ended_on < payment.on <= paid_on:
            raise CaseError(f"payment on {payment.on} is outside the delay ({period_ended_on} exclusive to {paid_on})")
    if sum((p.amount for p in ordered), ZERO) > debt:
        raise CaseError("the part payments add up to more than the judgment debt")
    assumptions = [
        ("the debt is the money the judgment orders paid, without the ordinary interest it also awards "
         "(that interest is computed separately, as the judgment says)"),
        ("days of delay: from the day after the performance period ended through the day of payment "
         "(the starting day is not counted, Civil Code Art. 201); some courts also count the first day — "
         "then add one day's interest"),
        ("daily rate 0.0175% (日万分之一点七五) on the unpaid debt, simple interest, no annual day count; "
         "each segment rounded half-up to the cent"),
    ]
    start = period_ended_on
    if paid_on > period_ended_on and period_ended_on < DOUBLE_INTEREST_IN_FORCE - timedelta(days=1):
        start = DOUBLE_INTEREST_IN_FORCE - timedelta(days=1)
        assumptions.append(f"days before {DOUBLE_INTEREST_IN_FORCE} follow the rule then in force (double the "
                           "benchmark lending rate, Art. 7) and are NOT included here")
    if ordered:
        assumptions.append("part payments go to the judgment debt first, then to the doubled interest (Art. 4)")
    segments: list[DelaySegment] = []
    unpaid = debt - sum((p.amount for p in ordered if p.on <= start), ZERO)
    after = start
    for cut, paid in [(p.on, p.amount) for p in ordered if p.on > start] + [(paid_on, ZERO)]:
        days = (cut - after).days
        if days > 0:
            segments.append(DelaySegment(after, cut, days, unpaid,
                                         round_cents(unpaid * DOUBLE_INTEREST_DAILY_RATE * days)))
            after = cut
        unpaid -= paid
    total = sum((segment.amount for segment in segments), ZERO)
    days_total = sum(segment.days for segment in segments)
    if days_total == 0:
        assumptions.append("no day of delay: paid within the performance period, nothing is due")
    assumptions.append("This is not legal advice.")
    return DoubleInterest(debt, period_ended_on, paid_on, days_total, DOUBLE_INTEREST_DAILY_RATE, total,
                          tuple(segments), DOUBLE_INTEREST_RULE, tuple(assumptions))
