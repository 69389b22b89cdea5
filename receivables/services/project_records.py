"""Recording what a project manager knows about a construction contract: terms, variations, milestones, billing,
acceptance and settlement, and the items they create (progress, settlement balance or credit, retention), each due
date with its rule. One batch of facts is checked and written in a few statements (imports use the same path)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, type_coerce
from sqlalchemy.orm import Session

from receivables.domain import projects as rules
from receivables.domain.money import ZERO, normalize_currency
from receivables.services.errors import Refused, UnknownRecord
from receivables.services.users import require_role
from receivables.storage import audit
from receivables.storage.ledger import refresh_open_amounts
from receivables.storage.schema import Company, Contract, Debtor, Receivable
from receivables.storage.schema.projects import (
    ConstructionProject,
    ContractVariation,
    MilestoneBilling,
    ProjectMilestone,
    ProjectSettlement,
)
from receivables.storage.types import Amount

BILLED_KINDS = ("invoice", "progress", "credit_note")
PROJECT_ROLES = ("project_manager", "finance")
"""Who records a project's facts, by hand or by import (admin always may); reading them is open to every role."""


class ProjectRefused(Refused):
    """The project fact cannot be recorded as given; nothing was written."""


# --- values handed to the CLI, the web and the dunning run ---------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ItemView:
    number: str
    kind: str
    issue_date: date
    due_date: date
    due_rule: str | None
    amount: Decimal
    open_amount: Decimal


@dataclass(frozen=True, slots=True)
class ProjectTerms:
    """The construction facts of one contract, as recorded by a user or an import row."""

    contract_id: int
    project: str | None = None
    project_manager: str | None = None
    retention_rate: Decimal = rules.RETENTION_CAP_PERCENT
    defect_liability_months: int = rules.DEFAULT_DEFECT_LIABILITY_MONTHS
    final_payment_days: int | None = None
    retention_return_on: date | None = None
    completion_report_on: date | None = None
    accepted_on: date | None = None


@dataclass(frozen=True, slots=True)
class SettlementRequest:
    contract_id: int
    settled_on: date
    settled_amount: Decimal


@dataclass(frozen=True, slots=True)
class SettlementView:
    contract_number: str
    settled_on: date
    settled_amount: Decimal
    billed: Decimal
    retention: Decimal
    balance: Decimal
    items: tuple[ItemView, ...]
    claim_from: date | None
    claim_rule: str | None
    flags: tuple[str, ...]


@dataclass
class Outcome:
    """What a batch of facts did: problems by position in the batch, and the audit entries to write."""

    problems: list[tuple[int, str, str]] = field(default_factory=list)  # index, field, reason
    changes: list[tuple[str, dict[str, Any] | None, dict[str, Any] | None]] = field(default_factory=list)
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


# --- finding a contract -------------------------------------------------------------------------------------------

def find_contract(session: Session, number: str, debtor: str | None = None) -> tuple[Contract, Debtor]:
    """The contract with this number (of this debtor, when several debtors have one with that number)."""
    query = select(Contract, Debtor).join(Debtor, Debtor.id == Contract.debtor_id).where(Contract.number == number)
    if debtor:
        query = query.where(Debtor.code == debtor)
    found = session.execute(query).all()
    if not found:
        of = f" of debtor {debtor}" if debtor else ""
        raise UnknownRecord(f"no contract {number!r}{of} (add one with `receivables project add`)")
    if len(found) > 1:
        codes = ", ".join(sorted(row.Debtor.code for row in found))
        raise ProjectRefused(f"contract number {number!r} exists for debtors {codes}; name one with --debtor")
    return found[0].Contract, found[0].Debtor


def _facts(session: Session, contract: Contract) -> ConstructionProject:
    facts = session.execute(select(ConstructionProject).where(ConstructionProject.contract_id == contract.id)
                            ).scalar_one_or_none()
    if facts is None:
        raise ProjectRefused(_no_facts(contract.number))
    return facts


def _no_facts(contract: str) -> str:
    return (f"contract {contract} has no construction facts (import projects or run `receivables project add` "
            "first)")


def settlement_of(session: Session, contract_id: int) -> ProjectSettlement | None:
    return session.execute(select(ProjectSettlement).where(ProjectSettlement.contract_id == contract_id)
                           ).scalar_one_or_none()


def project_key(debtor_code: str, contract_number: str) -> str:
    return f"{debtor_code}/{contract_number}"


# --- recording facts ----------------------------------------------------------------------------------------------

_TERM_FIELDS = ("project", "project_manager", "retention_rate", "defect_liability_months", "final_payment_days",
                "retention_return_on", "completion_report_on", "accepted_on")
# Once settled, the retention receivable carries dates computed from these: they cannot change silently.
_FROZEN_BY_SETTLEMENT = ("retention_rate", "defect_liability_months", "final_payment_days", "retention_return_on",
                         "completion_report_on", "accepted_on")


def terms_problems(terms: ProjectTerms, signed_on: date | None) -> list[tuple[str, str]]:
    """The checks on a contract's construction facts, with the field each one concerns."""
    found = [("retention_rate", p) for p in rules.retention_rate_problems(terms.retention_rate)]
    found += [("defect_liability_months", p) for p in rules.defect_liability_problems(terms.defect_liability_months)]
    if terms.final_payment_days is not None and not 0 <= terms.final_payment_days <= 3650:
        found.append(("final_payment_days", f"final-payment term of {terms.final_payment_days} days is not between "
                                            "0 and 3650"))
    found += [("accepted_on", p) for p in rules.acceptance_problems(terms.accepted_on, terms.completion_report_on,
                                                                    signed_on)]
    return found


def save_terms(session: Session, batch: Sequence[ProjectTerms], keys: Sequence[str]) -> Outcome:
    """Insert or update the construction facts of many contracts in a few statements; `keys` name them for the
    audit log and messages. Facts that fix the retention's dates cannot change once the contract is settled."""
    outcome = Outcome()
    ids = [t.contract_id for t in batch]
    existing = {row.contract_id: row for row in session.execute(
        select(ConstructionProject).where(ConstructionProject.contract_id.in_(ids))).scalars()}
    settled = set(session.execute(select(ProjectSettlement.contract_id)
                                  .where(ProjectSettlement.contract_id.in_(ids))).scalars())
    signed = dict(session.execute(select(Contract.id, Contract.signed_on).where(Contract.id.in_(ids))).all())
    new: list[ConstructionProject] = []
    seen: set[int] = set()
    for index, (terms, key) in enumerate(zip(batch, keys)):
        problems = terms_problems(terms, signed.get(terms.contract_id))
        if terms.contract_id in seen:
            problems.append(("contract", f"contract {key} appears twice"))
        seen.add(terms.contract_id)
        for column, reason in problems:
            outcome.problems.append((index, column, reason))
        if problems:
            continue
        after = {f: getattr(terms, f) for f in _TERM_FIELDS}
        current = existing.get(terms.contract_id)
        if current is None:
            new.append(ConstructionProject(contract_id=terms.contract_id, **after))
            outcome.changes.append((key, None, after))
            outcome.inserted += 1
            continue
        before = {f: getattr(current, f) for f in _TERM_FIELDS}
        if before == after:
            outcome.unchanged += 1
            continue
        frozen = [f for f in _FROZEN_BY_SETTLEMENT if before[f] != after[f]]
        if terms.contract_id in settled and frozen:
            outcome.problems.append((index, frozen[0], f"contract {key} is settled: {frozen[0]} fixes the retention's "
                                                       "due date and cannot change now"))
            continue
        for name, value in after.items():
            setattr(current, name, value)
        outcome.changes.append((key, before, after))
        outcome.updated += 1
    session.add_all(new)
    session.flush()
    return outcome


def _raise_problems(outcome: Outcome) -> None:
    if outcome.problems:
        raise ProjectRefused("; ".join(reason for _, _, reason in outcome.problems))


def _default_company(session: Session, name: str | None) -> int:
    query = select(Company.id).where(Company.name == name) if name else select(Company.id).where(
        Company.is_default.is_(True))
    found = session.execute(query).scalar()
    if found is None:
        raise ProjectRefused(f"unknown company {name!r}" if name else
                             "no default company (run `receivables init --company NAME`)")
    return found


def add_project(session: Session, *, debtor: str, number: str, actor: str, amount: Decimal | None = None,
                currency: str | None = None, title: str | None = None, signed_on: date | None = None,
                payment_terms_days: int | None = None, company: str | None = None,
                project: str | None = None, project_manager: str | None = None,
                retention_rate: Decimal = rules.RETENTION_CAP_PERCENT,
                defect_liability_months: int = rules.DEFAULT_DEFECT_LIABILITY_MONTHS,
                final_payment_days: int | None = None, retention_return_on: date | None = None) -> list[str]:
    """Record a construction contract (new, or an existing contract of the debtor made a construction contract)
    with its terms; returns the flags on what was recorded. Needs the project_manager or finance role."""
    require_role(session, actor, PROJECT_ROLES, doing="recording a construction project")
    debtor_row = session.execute(select(Debtor).where(Debtor.code == debtor)).scalar_one_or_none()
    if debtor_row is None:
        raise UnknownRecord(f"unknown debtor {debtor!r}")
    if amount is not None and amount < ZERO:
        raise ProjectRefused(f"contract amount {amount:f} cannot be negative")
    try:
        currency = normalize_currency(currency) if currency else None
    except ValueError as exc:
        raise ProjectRefused(str(exc)) from None
    contract = session.execute(select(Contract).where(Contract.debtor_id == debtor_row.id,
                                                      Contract.number == number)).scalar_one_or_none()
    key = project_key(debtor, number)
    if contract is None:
        if amount is None:
            raise ProjectRefused(f"new contract {number}: give its amount (--amount)")
        contract = Contract(company_id=_default_company(session, company), debtor_id=debtor_row.id, number=number,
                            title=title, kind="construction", amount=amount, currency=currency or "CNY",
                            signed_on=signed_on, payment_terms_days=payment_terms_days)
        session.add(contract)
        session.flush()
        audit.record(session, actor, "contract.add", "contract", key, after={
            "kind": "construction", "amount": amount, "currency": contract.currency, "title": title,
            "signed_on": signed_on, "payment_terms_days": payment_terms_days})
    else:
        changes = {name: value for name, value in (("kind", "construction"), ("amount", amount),
                                                   ("currency", currency), ("title", title), ("signed_on", signed_on),
                                                   ("payment_terms_days", payment_terms_days))
                   if value is not None and getattr(contract, name) != value}
        if changes:
            before = {name: getattr(contract, name) for name in changes}
            for name, value in changes.items():
                setattr(contract, name, value)
            audit.record(session, actor, "contract.edit", "contract", key, before=before, after=changes)
        if contract.amount is None:
            raise ProjectRefused(f"contract {number} has no amount; give it with --amount")
    existing = session.execute(select(ConstructionProject.id).where(ConstructionProject.contract_id == contract.id)
                               ).scalar()
    if existing is not None:
        raise ProjectRefused(f"contract {number} already has construction facts (change them with "
                             "`receivables project edit`)")
    terms = ProjectTerms(contract.id, project or title, project_manager, retention_rate, defect_liability_months,
                         final_payment_days, retention_return_on)
    outcome = save_terms(session, [terms], [key])
    _raise_problems(outcome)
    audit.record_many(session, actor, "project.add", "project", outcome.changes)
    return rules.project_flags(retention_rate=retention_rate, defect_liability_months=defect_liability_months,
                               settled=None, billed=ZERO, billings_per_milestone=())


def edit_project(session: Session, number: str, changes: dict[str, Any], *, actor: str,
                 debtor: str | None = None) -> list[str]:
    """Change construction facts (project, manager, retention terms, dates); returns the flags after the change.
    Needs the project_manager or finance role."""
    require_role(session, actor, PROJECT_ROLES, doing="changing a project's terms")
    return _edit_project(session, number, changes, actor=actor, debtor=debtor)


def _edit_project(session: Session, number: str, changes: dict[str, Any], *, actor: str,
                  debtor: str | None) -> list[str]:
    contract, debtor_row = find_contract(session, number, debtor)
    facts = _facts(session, contract)
    unknown = sorted(set(changes) - set(_TERM_FIELDS))
    if unknown:
        raise ProjectRefused(f"cannot change {unknown[0]!r} (changeable: {', '.join(_TERM_FIELDS)})")
    current = {f: getattr(facts, f) for f in _TERM_FIELDS}
    terms = ProjectTerms(contract.id, **{**current, **changes})
    key = project_key(debtor_row.code, contract.number)
    outcome = save_terms(session, [terms], [key])
    _raise_problems(outcome)
    audit.record_many(session, actor, "project.edit", "project", outcome.changes)
    return rules.project_flags(retention_rate=terms.retention_rate,
                               defect_liability_months=terms.defect_liability_months,
                               settled=None, billed=ZERO, billings_per_milestone=())


def record_acceptance(session: Session, number: str, *, actor: str, debtor: str | None = None,
                      accepted_on: date | None = None, completion_report_on: date | None = None) -> None:
    """Record completion acceptance, or the contractor's completion report when the employer delays acceptance.
    Needs the project_manager or finance role."""
    require_role(session, actor, PROJECT_ROLES, doing="recording completion acceptance")
    if accepted_on is None and completion_report_on is None:
        raise ProjectRefused("give the acceptance date (--on) or the completion report date (--report)")
    changes: dict[str, Any] = {}
    if accepted_on is not None:
        changes["accepted_on"] = accepted_on
    if completion_report_on is not None:
        changes["completion_report_on"] = completion_report_on
    _edit_project(session, number, changes, actor=actor, debtor=debtor)


def add_variation(session: Session, number: str, *, reference: str, amount: Decimal, signed_on: date, actor: str,
                  description: str | None = None, debtor: str | None = None) -> Decimal:
    """Record a signed change order; returns the contract value with every variation. Needs the project_manager
    or finance role."""
    require_role(session, actor, PROJECT_ROLES, doing="recording a contract variation")
    contract, debtor_row = find_contract(session, number, debtor)
    _facts(session, contract)
    earlier = list(session.execute(select(ContractVariation.amount)
                                   .where(ContractVariation.contract_id == contract.id)).scalars())
    problems = rules.variation_problems(contract.amount, earlier, amount)
    if amount == ZERO:
        problems.append("a variation of zero changes nothing")
    if session.execute(select(ContractVariation.id).where(ContractVariation.contract_id == contract.id,
                                                          ContractVariation.reference == reference)).scalar():
        problems.append(f"variation {reference} is already recorded on contract {contract.number}")
    if problems:
        raise ProjectRefused("; ".join(problems))
    session.add(ContractVariation(contract_id=contract.id, reference=reference, signed_on=signed_on, amount=amount,
                                  description=description, recorded_by=actor))
    session.flush()
    audit.record(session, actor, "project.variation", "project", project_key(debtor_row.code, contract.number),
                 after={"reference": reference, "amount": amount, "signed_on": signed_on, "description": description})
    assert contract.amount is not None
    return rules.contract_value(contract.amount, [*earlier, amount])


@dataclass(frozen=True, slots=True)
class MilestoneRequest:
    contract_id: int
    code: str
    title: str | None
    percent: Decimal | None
    amount: Decimal | None
    planned_on: date | None


def save_milestones(session: Session, batch: Sequence[MilestoneRequest], keys: Sequence[str]) -> Outcome:
    """Add milestones to many contracts in a few statements: each checked against the contract's earlier
    milestones and the ones before it in the batch (percentages at most 100% in all)."""
    outcome = Outcome()
    ids = {m.contract_id for m in batch}
    known: dict[int, list[rules.MilestoneTerms]] = defaultdict(list)
    for row in session.execute(select(ProjectMilestone.contract_id, ProjectMilestone.code, ProjectMilestone.percent,
                                      ProjectMilestone.amount).where(ProjectMilestone.contract_id.in_(ids))):
        known[row.contract_id].append(rules.MilestoneTerms(row.code, row.percent, row.amount))
    with_facts = set(session.execute(select(ConstructionProject.contract_id)
                                     .where(ConstructionProject.contract_id.in_(ids))).scalars())
    new: list[ProjectMilestone] = []
    for index, (request, key) in enumerate(zip(batch, keys)):
        if request.contract_id not in with_facts:
            outcome.problems.append((index, "contract", _no_facts(key)))
            continue
        terms = rules.MilestoneTerms(request.code, request.percent, request.amount)
        problems = rules.milestone_problems(known[request.contract_id], terms)
        if problems:
            outcome.problems.extend((index, "percent" if "percent" in p else "code", f"{key}: {p}") for p in problems)
            continue
        known[request.contract_id].append(terms)
        new.append(ProjectMilestone(contract_id=request.contract_id, code=request.code, title=request.title,
                                    percent=request.percent, amount=request.amount, planned_on=request.planned_on))
        outcome.changes.append((f"{key}#{request.code}", None, {
            "title": request.title, "percent": request.percent, "amount": request.amount,
            "planned_on": request.planned_on}))
        outcome.inserted += 1
    session.add_all(new)
    session.flush()
    return outcome


def add_milestone(session: Session, number: str, *, code: str, actor: str, percent: Decimal | None = None,
                  amount: Decimal | None = None, title: str | None = None, planned_on: date | None = None,
                  debtor: str | None = None) -> None:
    """Add a progress-billing milestone: a percent of the contract value or a fixed amount. Needs the
    project_manager or finance role."""
    require_role(session, actor, PROJECT_ROLES, doing="adding a project milestone")
    contract, debtor_row = find_contract(session, number, debtor)
    key = project_key(debtor_row.code, contract.number)
    outcome = save_milestones(session, [MilestoneRequest(contract.id, code, title, percent, amount, planned_on)], [key])
    _raise_problems(outcome)
    audit.record_many(session, actor, "project.milestone", "project", outcome.changes)


def _value(session: Session, contract: Contract) -> Decimal:
    variations = session.execute(select(ContractVariation.amount)
                                 .where(ContractVariation.contract_id == contract.id)).scalars()
    return rules.contract_value(contract.amount or ZERO, variations)


def _new_item(contract: Contract, *, kind: str, number: str, issue_date: date, due: rules.DatedRule,
              amount: Decimal) -> Receivable:
    # open_amount starts at the amount; refresh_open_amounts (the one code path) then confirms it.
    return Receivable(company_id=contract.company_id, debtor_id=contract.debtor_id, contract_id=contract.id,
                      kind=kind, number=number, issue_date=issue_date, due_date=due.on, currency=contract.currency,
                      amount=amount, open_amount=amount)


def _taken_numbers(session: Session, debtor_id: int, numbers: Sequence[str]) -> list[str]:
    return list(session.execute(select(Receivable.number).where(Receivable.debtor_id == debtor_id,
                                                                Receivable.number.in_(numbers))).scalars())


def bill_milestone(session: Session, number: str, code: str, *, billed_on: date, actor: str,
                   debtor: str | None = None, invoice: str | None = None, amount: Decimal | None = None,
                   again: bool = False) -> ItemView:
    """Bill a milestone: a progress receivable due per the contract's payment terms. Billing the same milestone a
    second time needs `again` (and is flagged). Needs the project_manager or finance role."""
    require_role(session, actor, PROJECT_ROLES, doing="billing a project milestone")
    contract, debtor_row = find_contract(session, number, debtor)
    _facts(session, contract)
    milestone = session.execute(select(ProjectMilestone).where(ProjectMilestone.contract_id == contract.id,
                                                               ProjectMilestone.code == code)).scalar_one_or_none()
    if milestone is None:
        raise UnknownRecord(f"contract {contract.number} has no milestone {code!r}")
    if settlement_of(session, contract.id) is not None:
        raise ProjectRefused(f"contract {contract.number} is settled; bill nothing more on it")
    billed_before = session.execute(select(func.count()).select_from(MilestoneBilling)
                                    .where(MilestoneBilling.milestone_id == milestone.id)).scalar_one()
    if billed_before and not again:
        raise ProjectRefused(f"milestone {code} of contract {contract.number} was already billed; "
                             "bill it again only with --again (it will be flagged)")
    if contract.signed_on is not None and billed_on < contract.signed_on:
        raise ProjectRefused(f"billing date {billed_on} is before the contract was signed on {contract.signed_on}")
    due_amount = amount if amount is not None else rules.milestone_amount(
        rules.MilestoneTerms(milestone.code, milestone.percent, milestone.amount), _value(session, contract))
    if due_amount <= ZERO:
        raise ProjectRefused(f"billing amount {due_amount:f} must be positive")
    item_number = invoice or f"{contract.number}-{code}" + (f"-{billed_before + 1}" if billed_before else "")
    if _taken_numbers(session, contract.debtor_id, [item_number]):
        raise ProjectRefused(f"debtor {debtor_row.code} already has an item {item_number}; give another with --invoice")
    due = rules.progress_due(billed_on, contract.payment_terms_days)
    item = _new_item(contract, kind="progress", number=item_number, issue_date=billed_on, due=due, amount=due_amount)
    session.add(item)
    session.flush()
    refresh_open_amounts(session, [item.id])
    session.add(MilestoneBilling(milestone_id=milestone.id, receivable_id=item.id, billed_on=billed_on,
                                 amount=due_amount, due_rule=due.rule, recorded_by=actor))
    audit.record(session, actor, "project.bill", "project", project_key(debtor_row.code, contract.number), after={
        "milestone": code, "receivable": item_number, "amount": due_amount, "billed_on": billed_on,
        "due_date": due.on, "due_rule": due.rule, "again": bool(billed_before)})
    return ItemView(item_number, "progress", billed_on, due.on, due.rule, due_amount, due_amount)


def settle_contracts(session: Session, batch: Sequence[SettlementRequest], keys: Sequence[str], *,
                     actor: str) -> tuple[Outcome, list[SettlementView]]:
    """Settle many contracts in a few statements: each gets its settlement balance (or a credit note when billing
    exceeded the settlement) due at the final-payment term, and its retention due at the agreed return date or at
    the end of the defect-liability period plus verification and repayment."""
    outcome = Outcome()
    ids = [r.contract_id for r in batch]
    contracts = {c.id: c for c in session.execute(select(Contract).where(Contract.id.in_(ids))).scalars()}
    facts = {f.contract_id: f for f in session.execute(
        select(ConstructionProject).where(ConstructionProject.contract_id.in_(ids))).scalars()}
    settled = set(session.execute(select(ProjectSettlement.contract_id)
                                  .where(ProjectSettlement.contract_id.in_(ids))).scalars())
    billed = dict(session.execute(
        select(Receivable.contract_id, type_coerce(func.sum(Receivable.amount), Amount))
        .where(Receivable.contract_id.in_(ids), Receivable.kind.in_(BILLED_KINDS))
        .group_by(Receivable.contract_id)).all())
    counts = billings_per_milestone(session, ids)
    wanted = {(c.debtor_id, f"{c.number}-{suffix}") for c in contracts.values()
              for suffix in ("settlement", "credit", "retention")}
    taken = set(session.execute(select(Receivable.debtor_id, Receivable.number).where(
        Receivable.debtor_id.in_({d for d, _ in wanted}), Receivable.number.in_({n for _, n in wanted}))).all())
    planned: list[tuple[SettlementRequest, str, list[tuple[str, Receivable, rules.DatedRule]], dict[str, Any]]] = []
    seen: set[int] = set()
    for index, (request, key) in enumerate(zip(batch, keys)):
        contract, terms = contracts[request.contract_id], facts.get(request.contract_id)
        if terms is None:
            outcome.problems.append((index, "contract", _no_facts(key)))
            continue
        if request.contract_id in settled or request.contract_id in seen:
            outcome.problems.append((index, "contract", f"contract {key} is already settled"))
            continue
        problems = rules.settlement_problems(request.settled_on, request.settled_amount, terms.accepted_on,
                                             terms.completion_report_on)
        if problems:
            outcome.problems.extend((index, "settled_on", f"{key}: {p}") for p in problems)
            continue
        seen.add(request.contract_id)
        money = rules.settlement_outcome(request.settled_amount, billed.get(request.contract_id) or ZERO,
                                         terms.retention_rate)
        start = rules.defect_liability_start(terms.accepted_on, terms.completion_report_on)
        assert start is not None  # settlement_problems requires acceptance or the completion report
        schedule = rules.retention_schedule(start, terms.defect_liability_months, terms.retention_return_on)
        balance_due = rules.final_payment_due(request.settled_on, terms.final_payment_days)
        items: list[tuple[str, Receivable, rules.DatedRule]] = []
        if money.balance != ZERO:
            kind, suffix = ("credit_note", "credit") if money.is_credit else ("settlement_balance", "settlement")
            due = balance_due if not money.is_credit else rules.DatedRule(
                request.settled_on, f"credit for billing above the settlement on {request.settled_on.isoformat()}")
            items.append(("balance", _new_item(contract, kind=kind, number=f"{contract.number}-{suffix}",
                                               issue_date=request.settled_on, due=due, amount=money.balance), due))
        if money.retention > ZERO:
            items.append(("retention", _new_item(contract, kind="retention", number=f"{contract.number}-retention",
                                                 issue_date=request.settled_on, due=schedule.due,
                                                 amount=money.retention), schedule.due))
        clash = [item.number for _, item, _ in items if (contract.debtor_id, item.number) in taken]
        if clash:
            outcome.problems.append((index, "contract", f"{key}: the debtor already has an item {clash[0]}"))
            continue
        flags = rules.project_flags(retention_rate=terms.retention_rate,
                                    defect_liability_months=terms.defect_liability_months,
                                    settled=request.settled_amount, billed=money.billed,
                                    billings_per_milestone=counts.get(request.contract_id, ()))
        owed = money.balance > ZERO
        row: dict[str, Any] = {
            "settled_on": request.settled_on, "settled_amount": request.settled_amount, "billed_amount": money.billed,
            "retention_amount": money.retention, "balance_amount": money.balance,
            "balance_due_on": balance_due.on if owed else None, "balance_due_rule": balance_due.rule if owed else None,
            "retention_due_on": schedule.due.on, "retention_due_rule": schedule.due.rule,
            "retention_claim_on": schedule.claim_from.on if schedule.claim_from else None,
            "retention_claim_rule": schedule.claim_from.rule if schedule.claim_from else None, "flags": flags}
        planned.append((request, key, items, row))
    if outcome.problems:
        return outcome, []
    session.add_all([item for _, _, items, _ in planned for _, item, _ in items])
    session.flush()
    refresh_open_amounts(session, [item.id for _, _, items, _ in planned for _, item, _ in items])
    views: list[SettlementView] = []
    for request, key, items, row in planned:
        by_role = {role: item for role, item, _ in items}
        flags = row.pop("flags")
        session.add(ProjectSettlement(
            contract_id=request.contract_id, recorded_by=actor,
            balance_receivable_id=by_role["balance"].id if "balance" in by_role else None,
            retention_receivable_id=by_role["retention"].id if "retention" in by_role else None, **row))
        outcome.changes.append((key, None, {**row, "items": [item.number for _, item, _ in items], "flags": flags}))
        outcome.inserted += 1
        views.append(SettlementView(
            contracts[request.contract_id].number, request.settled_on, request.settled_amount, row["billed_amount"],
            row["retention_amount"], row["balance_amount"],
            tuple(ItemView(item.number, item.kind, item.issue_date, item.due_date, due.rule, item.amount, item.amount)
                  for _, item, due in items),
            row["retention_claim_on"], row["retention_claim_rule"], tuple(flags)))
    session.flush()
    return outcome, views


def settle(session: Session, number: str, *, settled_on: date, settled_amount: Decimal, actor: str,
           debtor: str | None = None) -> SettlementView:
    """Record the settlement of one contract and create what it leaves owed. Needs the project_manager or finance
    role."""
    require_role(session, actor, PROJECT_ROLES, doing="recording a project settlement")
    contract, debtor_row = find_contract(session, number, debtor)
    key = project_key(debtor_row.code, contract.number)
    outcome, views = settle_contracts(session, [SettlementRequest(contract.id, settled_on, settled_amount)], [key],
                                      actor=actor)
    _raise_problems(outcome)
    audit.record_many(session, actor, "project.settle", "project", outcome.changes)
    return views[0]


def billings_per_milestone(session: Session, contract_ids: Sequence[int]) -> dict[int, list[tuple[str, int]]]:
    found: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for contract_id, code, count in session.execute(
            select(ProjectMilestone.contract_id, ProjectMilestone.code, func.count(MilestoneBilling.id))
            .join(MilestoneBilling, MilestoneBilling.milestone_id == ProjectMilestone.id)
            .where(ProjectMilestone.contract_id.in_(contract_ids))
            .group_by(ProjectMilestone.contract_id, ProjectMilestone.code)):
        found[contract_id].append((code, count))
    return found
