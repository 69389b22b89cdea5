"""Collection targets per project, contract, collector or company and period, and how much of each was recovered."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from receivables.domain.money import ZERO, normalize_currency
from receivables.domain.targets import SCOPES, Period, parse_period, recovery_rate
from receivables.services.errors import Refused
from receivables.storage import audit
from receivables.storage.schema import Allocation, Company, Contract, Debtor, Receivable
from receivables.storage.schema.projects import CollectionTarget, ConstructionProject
from receivables.storage.types import Amount


class TargetRefused(Refused):
    """The target cannot be set as given; nothing was written."""


@dataclass(frozen=True, slots=True)
class TargetView:
    scope: str
    name: str
    period: str
    currency: str
    amount: Decimal
    created: bool


@dataclass(frozen=True, slots=True)
class TargetLine:
    """A target and, for its scope's receivables, what allocations applied in the period recovered and what is
    still open today."""

    scope: str
    name: str
    period: str
    currency: str
    target: Decimal
    recovered: Decimal
    rate_percent: Decimal | None
    open_left: Decimal


def _scoped(scope: str, query: Select[Any]) -> tuple[Select[Any], Any]:
    """The query joined from `receivable` to what names the scope, and that naming column."""
    if scope == "project":
        return (query.join(ConstructionProject, ConstructionProject.contract_id == Receivable.contract_id),
                ConstructionProject.project)
    if scope == "contract":
        return query.join(Contract, Contract.id == Receivable.contract_id), Contract.number
    if scope == "company":
        return query.join(Company, Company.id == Receivable.company_id), Company.name
    return query.join(Debtor, Debtor.id == Receivable.debtor_id), Debtor.collector


def _name_exists(session: Session, scope: str, name: str) -> bool:
    probe, column = _scoped(scope, select(func.count()).select_from(Receivable))
    if session.execute(probe.where(column == name)).scalar_one():
        return True
    owners = {"project": ConstructionProject.project, "contract": Contract.number, "company": Company.name,
              "collector": Debtor.collector}
    return session.execute(select(func.count()).where(owners[scope] == name)).scalar_one() > 0


def set_target(session: Session, *, scope: str, name: str, period: str, amount: Decimal, actor: str,
               currency: str = "CNY") -> TargetView:
    """Set (or change) the amount to recover in a period for a project, contract, collector or company."""
    if scope not in SCOPES:
        raise TargetRefused(f"unknown scope {scope!r} (expected {', '.join(SCOPES)})")
    try:
        parsed = parse_period(period)
        currency = normalize_currency(currency)
    except ValueError as exc:
        raise TargetRefused(str(exc)) from None
    if amount < ZERO:
        raise TargetRefused(f"target amount {amount:f} cannot be negative")
    if not _name_exists(session, scope, name):
        raise TargetRefused(f"no {scope} named {name!r}")
    row = session.execute(select(CollectionTarget).where(
        CollectionTarget.scope == scope, CollectionTarget.name == name, CollectionTarget.period == parsed.label,
        CollectionTarget.currency == currency)).scalar_one_or_none()
    key = f"{scope}:{name}:{parsed.label}:{currency}"
    if row is None:
        session.add(CollectionTarget(scope=scope, name=name, period=parsed.label, currency=currency, amount=amount,
                                     set_by=actor))
        session.flush()
        audit.record(session, actor, "target.set", "collection_target", key, after={"amount": amount})
        return TargetView(scope, name, parsed.label, currency, amount, True)
    before = row.amount
    row.amount, row.set_by = amount, actor
    session.flush()
    audit.record(session, actor, "target.set", "collection_target", key, before={"amount": before},
                 after={"amount": amount})
    return TargetView(scope, name, parsed.label, currency, amount, False)


def _recovered(session: Session, scope: str, names: set[str], period: Period) -> dict[tuple[str, str], Decimal]:
    query, column = _scoped(scope, select().select_from(Allocation).join(Receivable,
                                                                         Receivable.id == Allocation.receivable_id))
    query = (query.add_columns(column, Receivable.currency, type_coerce(func.sum(Allocation.amount), Amount))
             .where(column.in_(names), Allocation.applied_on >= period.first, Allocation.applied_on <= period.last,
                    or_(Allocation.reversed_on.is_(None), Allocation.reversed_on > period.last))
             .group_by(column, Receivable.currency))
    return {(name, currency): total for name, currency, total in session.execute(query)}


def _open_left(session: Session, scope: str, names: set[str]) -> dict[tuple[str, str], Decimal]:
    query, column = _scoped(scope, select().select_from(Receivable))
    query = (query.add_columns(column, Receivable.currency, type_coerce(func.sum(Receivable.open_amount), Amount))
             .where(column.in_(names)).group_by(column, Receivable.currency))
    return {(name, currency): total for name, currency, total in session.execute(query)}


def targets_report(session: Session, period: str) -> list[TargetLine]:
    """Every target of the period: target, recovered in the period (allocations applied in it and not reversed by
    its end), rate, and the scope's open amount today; two grouped queries per scope."""
    try:
        parsed = parse_period(period)
    except ValueError as exc:
        raise TargetRefused(str(exc)) from None
    targets = list(session.execute(select(CollectionTarget).where(CollectionTarget.period == parsed.label)
                                   .order_by(CollectionTarget.scope, CollectionTarget.name)).scalars())
    names: dict[str, set[str]] = defaultdict(set)
    for target in targets:
        names[target.scope].add(target.name)
    recovered: dict[tuple[str, str, str], Decimal] = {}
    open_left: dict[tuple[str, str, str], Decimal] = {}
    for scope, scoped_names in names.items():
        recovered.update({(scope, *k): v for k, v in _recovered(session, scope, scoped_names, parsed).items()})
        open_left.update({(scope, *k): v for k, v in _open_left(session, scope, scoped_names).items()})
    lines = []
    for target in targets:
        key = (target.scope, target.name, target.currency)
        got = recovered.get(key) or ZERO
        lines.append(TargetLine(target.scope, target.name, target.period, target.currency, target.amount, got,
                                recovery_rate(got, target.amount), open_left.get(key) or ZERO))
    return lines
