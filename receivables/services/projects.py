"""Construction contracts as project managers and finance see them: the per-contract overview (billed, received,
open, overdue, retention held, next due, late interest), one contract in detail, and the retention coming due.
Recording the facts is in `project_records`; its actions are re-exported here for the CLI and the web."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, or_, select, type_coerce
from sqlalchemy.orm import Session

from receivables.domain import projects as rules
from receivables.domain.interest import InterestError, PaymentIn, late_interest, parse_rule
from receivables.domain.money import ZERO
from receivables.services.project_records import (
    BILLED_KINDS,
    ItemView,
    MilestoneRequest,
    Outcome,
    ProjectRefused,
    ProjectTerms,
    SettlementRequest,
    SettlementView,
    add_milestone,
    add_project,
    add_variation,
    bill_milestone,
    billings_per_milestone,
    edit_project,
    find_contract,
    project_key,
    record_acceptance,
    save_milestones,
    save_terms,
    settle,
    settle_contracts,
    settlement_of,
)
from receivables.storage.schema import Allocation, AuditEntry, Contract, Debtor, Payment, Receivable
from receivables.storage.schema.projects import (
    ConstructionProject,
    ContractVariation,
    MilestoneBilling,
    ProjectMilestone,
    ProjectSettlement,
)
from receivables.storage.types import Amount

__all__ = [
    "HistoryEntry",
    "ItemView",
    "MilestoneRequest",
    "MilestoneView",
    "Outcome",
    "ProjectDetail",
    "ProjectLine",
    "ProjectRefused",
    "ProjectTerms",
    "RetentionDue",
    "SettlementRequest",
    "SettlementView",
    "add_milestone",
    "add_project",
    "add_variation",
    "bill_milestone",
    "edit_project",
    "find_contract",
    "list_projects",
    "project_key",
    "record_acceptance",
    "retention_due",
    "retention_release_candidates",
    "save_milestones",
    "save_terms",
    "settle",
    "settle_contracts",
    "show_project",
]


@dataclass(frozen=True, slots=True)
class RetentionDue:
    """An open retention receivable and its due date with the rule that produced it."""

    debtor_code: str
    contract_number: str
    receivable_number: str
    amount: Decimal
    currency: str
    due_date: date
    rule: str
    debtor_name: str = ""
    project_manager: str | None = None
    claim_from: date | None = None
    claim_rule: str | None = None


@dataclass(frozen=True, slots=True)
class ProjectLine:
    """One construction contract on a date: what it is worth, billed, received, open, overdue and held."""

    debtor_code: str
    debtor_name: str
    contract_number: str
    title: str | None
    project: str | None
    project_manager: str | None
    currency: str
    value: Decimal | None
    billed: Decimal
    received: Decimal
    open: Decimal
    overdue: Decimal
    retention_held: Decimal
    retention_due_date: date | None
    next_due_amount: Decimal | None
    next_due_date: date | None
    late_interest: Decimal | None
    interest_rule: str | None
    settled_on: date | None
    flags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MilestoneView:
    code: str
    title: str | None
    percent: Decimal | None
    amount: Decimal | None
    planned_on: date | None
    billings: tuple[tuple[str, date, Decimal, str], ...]  # receivable number, billed on, amount, due rule


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    on: str
    what: str
    who: str | None


@dataclass(frozen=True, slots=True)
class ProjectDetail:
    line: ProjectLine
    contract_amount: Decimal | None
    payment_terms_days: int | None
    retention_rate: Decimal | None
    defect_liability_months: int | None
    final_payment_days: int | None
    retention_return_on: date | None
    completion_report_on: date | None
    accepted_on: date | None
    dates: tuple[tuple[str, date, str], ...]  # what, date, rule
    flags: tuple[str, ...]
    variations: tuple[tuple[str, date, Decimal, str | None], ...]
    milestones: tuple[MilestoneView, ...]
    items: tuple[ItemView, ...]
    history: tuple[HistoryEntry, ...]



# --- reading ------------------------------------------------------------------------------------------------------

def _sum(expression: Any, condition: ColumnElement[bool] | None = None) -> ColumnElement[Decimal]:
    value = expression if condition is None else case((condition, expression), else_=literal(0, Amount))
    return type_coerce(func.coalesce(func.sum(value), literal(0, Amount)), Amount)


def _project_rows(session: Session, as_of: date, *, pm: str | None = None,
                  contract_id: int | None = None) -> list[Any]:
    """Every construction contract with its figures, in a handful of grouped sub-selects joined once."""
    variations = (select(ContractVariation.contract_id, _sum(ContractVariation.amount).label("total"))
                  .group_by(ContractVariation.contract_id).subquery())
    positive_open = Receivable.open_amount > 0
    items = (select(Receivable.contract_id,
                    _sum(Receivable.amount, Receivable.kind.in_(BILLED_KINDS + ("settlement_balance", "retention")))
                    .label("billed"),
                    _sum(Receivable.open_amount).label("open"),
                    _sum(Receivable.open_amount, and_(positive_open, Receivable.due_date < as_of)).label("overdue"),
                    _sum(Receivable.open_amount, Receivable.kind == "retention").label("retention_held"),
                    func.min(case((and_(Receivable.kind == "retention", positive_open), Receivable.due_date)))
                    .label("retention_due"),
                    func.min(case((and_(positive_open, Receivable.due_date >= as_of), Receivable.due_date)))
                    .label("next_due"))
             .where(Receivable.contract_id.is_not(None))
             .group_by(Receivable.contract_id).subquery())
    next_amount = (select(Receivable.contract_id, _sum(Receivable.open_amount).label("amount"))
                   .join(items, and_(items.c.contract_id == Receivable.contract_id,
                                     items.c.next_due == Receivable.due_date))
                   .where(positive_open).group_by(Receivable.contract_id).subquery())
    received = (select(Receivable.contract_id, _sum(Allocation.amount).label("total"))
                .join(Allocation, Allocation.receivable_id == Receivable.id)
                .where(Allocation.applied_on <= as_of,
                       or_(Allocation.reversed_on.is_(None), Allocation.reversed_on > as_of))
                .group_by(Receivable.contract_id).subquery())
    query = (select(Contract.id, Contract.number, Contract.title, Contract.currency, Contract.amount,
                    Debtor.code, Debtor.name, ConstructionProject.project, ConstructionProject.project_manager,
                    variations.c.total.label("variations"), items.c.billed, items.c.open, items.c.overdue,
                    items.c.retention_held, items.c.retention_due, items.c.next_due,
                    next_amount.c.amount.label("next_amount"), received.c.total.label("received"),
                    ProjectSettlement.settled_on, ProjectSettlement.settled_amount,
                    ProjectSettlement.billed_amount.label("billed_at_settlement"), ConstructionProject.retention_rate,
                    ConstructionProject.defect_liability_months, Contract.interest_rule)
             .join(Debtor, Debtor.id == Contract.debtor_id)
             .outerjoin(ConstructionProject, ConstructionProject.contract_id == Contract.id)
             .outerjoin(ProjectSettlement, ProjectSettlement.contract_id == Contract.id)
             .outerjoin(variations, variations.c.contract_id == Contract.id)
             .outerjoin(items, items.c.contract_id == Contract.id)
             .outerjoin(next_amount, next_amount.c.contract_id == Contract.id)
             .outerjoin(received, received.c.contract_id == Contract.id)
             .where(or_(Contract.kind == "construction", ConstructionProject.id.is_not(None)))
             .order_by(Debtor.code, Contract.number))
    if pm is not None:
        query = query.where(ConstructionProject.project_manager == pm)
    if contract_id is not None:
        query = query.where(Contract.id == contract_id)
    return list(session.execute(query).all())


def _accrued_interest(session: Session, as_of: date, rows: Sequence[Any]) -> dict[int, Decimal]:
    """Late interest on each contract's overdue open items, by the contract's rule: one query for the items and
    one for their payments; contracts without a rule are left out."""
    parsed = {}
    for row in rows:
        if row.interest_rule:
            try:
                parsed[row.id] = parse_rule(row.interest_rule)
            except InterestError:
                continue  # an unusable rule shows no interest rather than a wrong one
    if not parsed:
        return {}
    overdue = session.execute(
        select(Receivable.id, Receivable.contract_id, Receivable.amount, Receivable.due_date, Receivable.currency)
        .where(Receivable.contract_id.in_(list(parsed)), Receivable.open_amount > 0, Receivable.due_date < as_of,
               Receivable.kind != "interest")).all()
    paid: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
    for receivable_id, on, amount in session.execute(
            select(Allocation.receivable_id, Allocation.applied_on, Allocation.amount)
            .where(Allocation.receivable_id.in_([r.id for r in overdue]), Allocation.applied_on <= as_of,
                   or_(Allocation.reversed_on.is_(None), Allocation.reversed_on > as_of))):
        paid[receivable_id].append((on, amount))
    from receivables.services.rates import load_series

    series = load_series(session) if any(r.series for r in parsed.values()) else {}
    totals: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for item in overdue:
        first = item.due_date + timedelta(days=1)
        before = sum((a for on, a in paid[item.id] if on < first), ZERO)
        later = [PaymentIn(on, a) for on, a in paid[item.id] if on >= first]
        principal = item.amount - before
        if principal <= ZERO:
            continue
        try:
            result = late_interest(principal, first, as_of, parsed[item.contract_id], payments=later, rates=series,
                                   currency=item.currency)
        except InterestError:
            continue
        totals[item.contract_id] += result.total
    return dict(totals)


def _line(row: Any, interest: dict[int, Decimal], billings: dict[int, list[tuple[str, int]]]) -> ProjectLine:
    value = None if row.amount is None else rules.contract_value(row.amount, [row.variations or ZERO])
    flags = () if row.retention_rate is None else tuple(rules.project_flags(
        retention_rate=row.retention_rate, defect_liability_months=row.defect_liability_months,
        settled=row.settled_amount, billed=row.billed_at_settlement or ZERO,
        billings_per_milestone=billings.get(row.id, ())))
    return ProjectLine(row.code, row.name, row.number, row.title, row.project, row.project_manager, row.currency,
                       value, row.billed or ZERO, row.received or ZERO, row.open or ZERO, row.overdue or ZERO,
                       row.retention_held or ZERO, row.retention_due, row.next_amount, row.next_due,
                       interest.get(row.id, ZERO) if row.interest_rule else None, row.interest_rule, row.settled_on,
                       flags)


def _lines(session: Session, as_of: date, rows: Sequence[Any]) -> list[ProjectLine]:
    interest = _accrued_interest(session, as_of, rows)
    billings = billings_per_milestone(session, [row.id for row in rows])
    return [_line(row, interest, billings) for row in rows]


def list_projects(session: Session, as_of: date, *, pm: str | None = None) -> list[ProjectLine]:
    """Every construction contract (of one project manager) on `as_of`, with its flags."""
    return _lines(session, as_of, _project_rows(session, as_of, pm=pm))


def show_project(session: Session, number: str, as_of: date, *, debtor: str | None = None) -> ProjectDetail:
    """One construction contract: its figures, terms, computed dates with their rules, flags, variations,
    milestones and billings, items, and history."""
    contract, debtor_row = find_contract(session, number, debtor)
    rows = _project_rows(session, as_of, contract_id=contract.id)
    if not rows:
        raise ProjectRefused(f"contract {number} is not a construction contract")
    line = _lines(session, as_of, rows)[0]
    facts = session.execute(select(ConstructionProject).where(ConstructionProject.contract_id == contract.id)
                            ).scalar_one_or_none()
    settlement = settlement_of(session, contract.id)
    variations = tuple(session.execute(
        select(ContractVariation.reference, ContractVariation.signed_on, ContractVariation.amount,
               ContractVariation.description).where(ContractVariation.contract_id == contract.id)
        .order_by(ContractVariation.signed_on, ContractVariation.id)).all())
    billings: dict[int, list[tuple[str, date, Decimal, str]]] = defaultdict(list)
    for milestone_id, item_number, billed_on, amount, rule in session.execute(
            select(MilestoneBilling.milestone_id, Receivable.number, MilestoneBilling.billed_on,
                   MilestoneBilling.amount, MilestoneBilling.due_rule)
            .join(Receivable, Receivable.id == MilestoneBilling.receivable_id)
            .join(ProjectMilestone, ProjectMilestone.id == MilestoneBilling.milestone_id)
            .where(ProjectMilestone.contract_id == contract.id).order_by(MilestoneBilling.id)):
        billings[milestone_id].append((item_number, billed_on, amount, rule))
    milestones = tuple(MilestoneView(m.code, m.title, m.percent, m.amount, m.planned_on, tuple(billings[m.id]))
                       for m in session.execute(select(ProjectMilestone)
                                                .where(ProjectMilestone.contract_id == contract.id)
                                                .order_by(ProjectMilestone.id)).scalars())
    rules_by_item = {item_number: rule for m in milestones for item_number, _, _, rule in m.billings}
    if settlement is not None:
        rules_by_item.update(_settlement_rules(session, settlement))
    items = tuple(ItemView(r.number, r.kind, r.issue_date, r.due_date, rules_by_item.get(r.number), r.amount,
                           r.open_amount)
                  for r in session.execute(select(Receivable).where(Receivable.contract_id == contract.id)
                                           .order_by(Receivable.due_date, Receivable.number)).scalars())
    dates: list[tuple[str, date, str]] = []
    if facts is not None:
        start = rules.defect_liability_start(facts.accepted_on, facts.completion_report_on)
        if start is not None:
            schedule = rules.retention_schedule(start, facts.defect_liability_months, facts.retention_return_on)
            dates += [("defect-liability period starts", start.on, start.rule),
                      ("defect-liability period ends", schedule.period_end.on, schedule.period_end.rule),
                      ("retention verified by", schedule.verification_by.on, schedule.verification_by.rule),
                      ("retention due", schedule.due.on, schedule.due.rule)]
            if schedule.claim_from is not None:
                dates.append(("retention claimable from", schedule.claim_from.on, schedule.claim_from.rule))
        if settlement is not None and settlement.balance_due_on is not None and settlement.balance_due_rule:
            dates.append(("settlement balance due", settlement.balance_due_on, settlement.balance_due_rule))
    return ProjectDetail(
        line, contract.amount, contract.payment_terms_days, facts.retention_rate if facts else None,
        facts.defect_liability_months if facts else None, facts.final_payment_days if facts else None,
        facts.retention_return_on if facts else None, facts.completion_report_on if facts else None,
        facts.accepted_on if facts else None, tuple(sorted(dates, key=lambda d: d[1])), line.flags, variations,
        milestones, items, _history(session, contract, debtor_row))


def _settlement_rules(session: Session, settlement: ProjectSettlement) -> dict[str, str]:
    found: dict[str, str] = {}
    for receivable_id, rule in ((settlement.balance_receivable_id, settlement.balance_due_rule),
                                (settlement.retention_receivable_id, settlement.retention_due_rule)):
        if receivable_id is not None:
            item_number = session.execute(select(Receivable.number).where(Receivable.id == receivable_id)).scalar()
            if item_number and rule:
                found[item_number] = rule
    return found


def _history(session: Session, contract: Contract, debtor: Debtor) -> tuple[HistoryEntry, ...]:
    """What users recorded on the contract (from the audit log) and the payments applied to its items."""
    key = project_key(debtor.code, contract.number)
    entries = [HistoryEntry(at.strftime("%Y-%m-%d %H:%M"), f"{action} {_describe(before, after)}".strip(), actor)
               for at, action, actor, before, after in session.execute(
                   select(AuditEntry.at, AuditEntry.action, AuditEntry.actor, AuditEntry.before, AuditEntry.after)
                   .where(AuditEntry.entity.in_(("project", "contract")),
                          or_(AuditEntry.entity_key == key, AuditEntry.entity_key.like(f"{key}#%")))
                   .order_by(AuditEntry.at, AuditEntry.id))]
    entries += [HistoryEntry(on.isoformat(), f"payment {reference} applied {amount:,.2f} to {item_number}"
                             + (f" (reversed {reversed_on})" if reversed_on else ""), None)
                for on, reference, amount, item_number, reversed_on in session.execute(
                    select(Allocation.applied_on, Payment.reference, Allocation.amount, Receivable.number,
                           Allocation.reversed_on)
                    .join(Payment, Payment.id == Allocation.payment_id)
                    .join(Receivable, Receivable.id == Allocation.receivable_id)
                    .where(Receivable.contract_id == contract.id).order_by(Allocation.applied_on, Allocation.id))]
    return tuple(sorted(entries, key=lambda e: e.on))


def _describe(before: Any, after: Any) -> str:
    """An audit entry in one line: what changed (for an edit) or what was recorded."""
    if not isinstance(after, dict):
        return ""
    if isinstance(before, dict):
        return ", ".join(f"{k}: {before.get(k)} -> {v}" for k, v in after.items() if before.get(k) != v)
    return ", ".join(f"{k}={v}" for k, v in after.items() if v not in (None, "", [], False))


def _retention_query() -> Any:
    return (select(Debtor.code, Debtor.name, Contract.number.label("contract_number"),
                   Receivable.number.label("item_number"), Receivable.open_amount, Receivable.currency,
                   Receivable.due_date, ProjectSettlement.retention_due_rule, ProjectSettlement.retention_claim_on,
                   ProjectSettlement.retention_claim_rule, ConstructionProject.project_manager)
            .join(Debtor, Debtor.id == Receivable.debtor_id)
            .join(Contract, Contract.id == Receivable.contract_id)
            .outerjoin(ConstructionProject, ConstructionProject.contract_id == Contract.id)
            .outerjoin(ProjectSettlement, ProjectSettlement.retention_receivable_id == Receivable.id)
            .where(Receivable.kind == "retention", Receivable.open_amount > 0)
            .order_by(Receivable.due_date, Debtor.code, Receivable.number))


def _retention_views(session: Session, query: Any) -> list[RetentionDue]:
    return [RetentionDue(r.code, r.contract_number, r.item_number, r.open_amount, r.currency, r.due_date,
                         r.retention_due_rule or "due date as recorded on the item", r.name, r.project_manager,
                         r.retention_claim_on, r.retention_claim_rule)
            for r in session.execute(query)]


def retention_due(session: Session, as_of: date, *, within_days: int | None = None) -> list[RetentionDue]:
    """Open retention: overdue, and (with `within_days`) only what falls due within that many days of `as_of`."""
    query = _retention_query()
    if within_days is not None:
        query = query.where(Receivable.due_date <= as_of + timedelta(days=within_days))
    return _retention_views(session, query)


def retention_release_candidates(session: Session, as_of: date, within_days: int) -> list[RetentionDue]:
    """Open retention not yet due that falls due within `within_days` of `as_of`: the items for which to send the
    retention release request letter (质保金退还申请函) ahead of the date. Overdue retention is left to dunning."""
    if within_days < 0:
        raise ProjectRefused(f"within_days must not be negative, got {within_days}")
    query = _retention_query().where(Receivable.due_date >= as_of,
                                          Receivable.due_date <= as_of + timedelta(days=within_days))
    return _retention_views(session, query)
