"""Construction contracts: the dates and amounts that follow from acceptance, settlement and retention money,
each date with the rule that produced it, and the checks and flags on the facts a project manager records."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from receivables.domain.dates import add_months, add_years
from receivables.domain.money import ZERO, round_cents

DEFAULT_FINAL_PAYMENT_DAYS = 90
DEFAULT_DEFECT_LIABILITY_MONTHS = 12
DELAYED_ACCEPTANCE_DAYS = 90
VERIFICATION_DAYS = 14
REPAYMENT_DAYS = 14
RETENTION_CAP_PERCENT = Decimal(3)
DEFECT_LIABILITY_MAX_MONTHS = 24
CLAIM_YEARS = 2
HUNDRED = Decimal(100)

MEASURES_2017 = "建设工程质量保证金管理办法 (2017)"
SPC_ART_17 = "SPC Construction Interpretation I Art. 17"


@dataclass(frozen=True, slots=True)
class DatedRule:
    """A computed date and, in words, the rule that produced it."""

    on: date
    rule: str


@dataclass(frozen=True, slots=True)
class RetentionSchedule:
    """When the defect-liability period runs, when the retention is verified and repaid, and (without an agreed
    return date) from when the contractor may claim it in court."""

    period_start: DatedRule
    period_end: DatedRule
    verification_by: DatedRule
    due: DatedRule
    claim_from: DatedRule | None


@dataclass(frozen=True, slots=True)
class SettlementOutcome:
    """What a settlement leaves owed: the retention held, and the balance (negative: a credit to the employer)."""

    settled: Decimal
    billed: Decimal
    retention: Decimal
    balance: Decimal

    @property
    def is_credit(self) -> bool:
        return self.balance < ZERO


@dataclass(frozen=True, slots=True)
class MilestoneTerms:
    """A milestone for progress billing: a percent of the contract value, or a fixed amount."""

    code: str
    percent: Decimal | None
    amount: Decimal | None


def defect_liability_start(accepted_on: date | None, completion_report_on: date | None) -> DatedRule | None:
    """The period runs from completion acceptance; when the employer delays acceptance, it starts by itself 90 days
    after the contractor's completion report (whichever comes first). None while neither date is known."""
    automatic = (completion_report_on + timedelta(days=DELAYED_ACCEPTANCE_DAYS)
                 if completion_report_on is not None else None)
    if accepted_on is not None and (automatic is None or accepted_on <= automatic):
        return DatedRule(accepted_on, f"completion acceptance on {accepted_on.isoformat()}")
    if automatic is not None and completion_report_on is not None:
        late = " (acceptance came later)" if accepted_on is not None else " (not yet accepted)"
        return DatedRule(automatic, f"{DELAYED_ACCEPTANCE_DAYS} days after the completion report of "
                                    f"{completion_report_on.isoformat()}{late}, {MEASURES_2017}")
    return None


def retention_schedule(start: DatedRule, defect_liability_months: int,
                       agreed_return_on: date | None) -> RetentionSchedule:
    """Dates of the retention: the agreed return date if any, else the end of the defect-liability period plus
    14 days to verify and 14 days to repay; with no agreed date, the 2-year claim date is given as well."""
    end_on = add_months(start.on, defect_liability_months)
    period_end = DatedRule(end_on, f"defect-liability period of {defect_liability_months} months from "
                                   f"{start.on.isoformat()} ({start.rule})")
    verify_on = end_on + timedelta(days=VERIFICATION_DAYS)
    verification = DatedRule(verify_on, f"employer verifies within {VERIFICATION_DAYS} days after the "
                                        f"defect-liability period ends on {end_on.isoformat()}, {MEASURES_2017}")
    if agreed_return_on is not None:
        return RetentionSchedule(start, period_end, verification,
                                 DatedRule(agreed_return_on, "agreed retention return date"), None)
    repay_on = verify_on + timedelta(days=REPAYMENT_DAYS)
    due = DatedRule(repay_on, f"defect-liability period ends {end_on.isoformat()} "
                              f"({defect_liability_months} months from {start.on.isoformat()}), "
                              f"+{VERIFICATION_DAYS} days verification, +{REPAYMENT_DAYS} days repayment, "
                              f"{MEASURES_2017}")
    claim = DatedRule(add_years(start.on, CLAIM_YEARS),
                      f"no agreed return date: claimable {CLAIM_YEARS} years after {start.on.isoformat()} "
                      f"({start.rule}), {SPC_ART_17}")
    return RetentionSchedule(start, period_end, verification, due, claim)


def final_payment_due(settled_on: date, final_payment_days: int | None) -> DatedRule:
    """The settlement balance is due the agreed number of days after settlement (90 when none was agreed)."""
    if final_payment_days is None:
        return DatedRule(settled_on + timedelta(days=DEFAULT_FINAL_PAYMENT_DAYS),
                         f"{DEFAULT_FINAL_PAYMENT_DAYS} days after settlement on {settled_on.isoformat()} "
                         "(default final-payment term)")
    return DatedRule(settled_on + timedelta(days=final_payment_days),
                     f"{final_payment_days} days after settlement on {settled_on.isoformat()} "
                     "(agreed final-payment term)")


def progress_due(billed_on: date, payment_terms_days: int | None) -> DatedRule:
    """A progress billing is due per the contract's payment terms (on billing when it has none)."""
    if not payment_terms_days:
        return DatedRule(billed_on, f"billed on {billed_on.isoformat()}; no payment terms on the contract, "
                                    "due on billing")
    return DatedRule(billed_on + timedelta(days=payment_terms_days),
                     f"{payment_terms_days} days after billing on {billed_on.isoformat()} (contract payment terms)")


def contract_value(amount: Decimal, variations: Iterable[Decimal]) -> Decimal:
    """The contract amount with every signed variation (change order), plus or minus."""
    return amount + sum(variations, ZERO)


def retention_amount(settled: Decimal, rate_percent: Decimal) -> Decimal:
    """Retention is the rate (in percent) of the settled amount, rounded half-up to the cent."""
    return round_cents(settled * rate_percent / HUNDRED)


def settlement_outcome(settled: Decimal, billed: Decimal, rate_percent: Decimal) -> SettlementOutcome:
    """Settled amount less what was billed less the retention: owed by the employer, or (negative) a credit."""
    retention = retention_amount(settled, rate_percent)
    return SettlementOutcome(settled, billed, retention, settled - billed - retention)


def milestone_amount(terms: MilestoneTerms, value: Decimal) -> Decimal:
    """What billing a milestone asks for: its fixed amount, or its percent of the contract value."""
    if terms.amount is not None:
        return terms.amount
    assert terms.percent is not None
    return round_cents(value * terms.percent / HUNDRED)


def retention_rate_problems(rate_percent: Decimal) -> list[str]:
    if rate_percent < ZERO or rate_percent > HUNDRED:
        return [f"retention rate {rate_percent.normalize():f}% is outside 0% to 100%"]
    return []


def defect_liability_problems(months: int) -> list[str]:
    if months < 0:
        return [f"defect-liability period of {months} months cannot be negative"]
    if months > 120:
        return [f"defect-liability period of {months} months is longer than 10 years; check the contract"]
    return []


def variation_problems(amount: Decimal | None, variations: Sequence[Decimal], new: Decimal) -> list[str]:
    """A negative variation may reduce the contract, never below zero."""
    if amount is None:
        return ["the contract has no amount; record the contract amount before variations"]
    value = contract_value(amount, [*variations, new])
    if value < ZERO:
        return [f"variation {new:f} would take the contract value below zero "
                f"({contract_value(amount, variations):f} before it, {value:f} after)"]
    return []


def milestone_problems(existing: Sequence[MilestoneTerms], new: MilestoneTerms) -> list[str]:
    """One of percent or amount, positive; the percentages of all milestones together at most 100%."""
    problems: list[str] = []
    if (new.percent is None) == (new.amount is None):
        return [f"milestone {new.code}: give either a percent or an amount"]
    if new.percent is not None and not ZERO < new.percent <= HUNDRED:
        problems.append(f"milestone {new.code}: percent {new.percent.normalize():f} is not between 0 and 100")
    if new.amount is not None and new.amount <= ZERO:
        problems.append(f"milestone {new.code}: amount {new.amount:f} must be positive")
    if any(m.code == new.code for m in existing):
        problems.append(f"milestone {new.code} already exists on this contract")
    total = sum((m.percent for m in (*existing, new) if m.percent is not None), ZERO)
    if total > HUNDRED:
        problems.append(f"milestone percentages add up to {total.normalize():f}%, more than 100%")
    return problems


def settlement_problems(settled_on: date, settled_amount: Decimal, accepted_on: date | None,
                        completion_report_on: date | None) -> list[str]:
    """Settlement follows acceptance (or, when acceptance is delayed, the completion report)."""
    problems: list[str] = []
    if settled_amount < ZERO:
        problems.append(f"settled amount {settled_amount:f} cannot be negative")
    if accepted_on is None and completion_report_on is None:
        problems.append("record completion acceptance (or the completion report) before the settlement")
    elif accepted_on is not None and settled_on < accepted_on:
        problems.append(f"settlement date {settled_on.isoformat()} is before completion acceptance on "
                        f"{accepted_on.isoformat()}")
    elif accepted_on is None and completion_report_on is not None and settled_on < completion_report_on:
        problems.append(f"settlement date {settled_on.isoformat()} is before the completion report of "
                        f"{completion_report_on.isoformat()}")
    return problems


def acceptance_problems(accepted_on: date | None, completion_report_on: date | None,
                        signed_on: date | None) -> list[str]:
    problems: list[str] = []
    for label, day in (("acceptance", accepted_on), ("completion report", completion_report_on)):
        if day is not None and signed_on is not None and day < signed_on:
            problems.append(f"{label} date {day.isoformat()} is before the contract was signed on "
                            f"{signed_on.isoformat()}")
    if accepted_on is not None and completion_report_on is not None and accepted_on < completion_report_on:
        problems.append(f"acceptance on {accepted_on.isoformat()} is before the completion report of "
                        f"{completion_report_on.isoformat()}")
    return problems


def project_flags(*, retention_rate: Decimal, defect_liability_months: int, settled: Decimal | None,
                  billed: Decimal, billings_per_milestone: Iterable[tuple[str, int]]) -> list[str]:
    """What is recorded as agreed but deserves a look: the retention cap of 2017, a defect-liability period over
    two years, a settlement below the billing, a milestone billed more than once."""
    flags: list[str] = []
    if retention_rate > RETENTION_CAP_PERCENT:
        flags.append(f"retention rate {retention_rate.normalize():f}% is above the 3% cap on the settlement price "
                     f"({MEASURES_2017})")
    if defect_liability_months > DEFECT_LIABILITY_MAX_MONTHS:
        flags.append(f"defect-liability period of {defect_liability_months} months is over the 24-month maximum "
                     f"({MEASURES_2017})")
    if settled is not None and settled < billed:
        flags.append(f"settlement {settled:f} is below what was billed ({billed:f})")
    for code, count in billings_per_milestone:
        if count > 1:
            flags.append(f"milestone {code} billed {count} times")
    return flags
