"""Dunning selection as set-based SQL: per debtor and currency what is open and dunnable on a date, and the items.

An item is dunnable on `as_of` when it is open for more than nothing, not blocked from dunning, not under an
open dispute, and not retention money that is not yet due. Debtors on hold are left out altogether.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, false, func, not_, or_, select, type_coerce
from sqlalchemy.orm import Session

from receivables.domain.money import ZERO
from receivables.storage.queries.aging import open_items_on
from receivables.storage.schema import (
    Allocation,
    Company,
    Contract,
    Debtor,
    Dispute,
    DisputeItem,
    Interaction,
    Payment,
    Receivable,
)
from receivables.storage.types import Amount


@dataclass(frozen=True, slots=True)
class DebtorPosition:
    """One debtor in one currency on a date, as the choice of a dunning step needs it."""

    debtor_id: int
    code: str
    name: str
    segment: str | None
    policy_id: int | None
    level: int
    stepped_on: date | None
    collector: str | None
    currency: str
    balance: Decimal
    overdue: Decimal
    due_soon: Decimal
    oldest_due: date | None


@dataclass(frozen=True, slots=True)
class DunnableItem:
    receivable_id: int
    debtor_id: int
    currency: str
    number: str
    due_date: date
    open_amount: Decimal
    interest_rule: str | None


def _disputed() -> Any:
    return (select(DisputeItem.receivable_id).join(Dispute, Dispute.id == DisputeItem.dispute_id)
            .where(Dispute.status == "open").distinct().subquery())


def _unapplied_payments(as_of: date) -> Any:
    """Per debtor and currency, money received by `as_of` and not applied to any item then (credit on account)."""
    applied = (select(Allocation.payment_id, func.sum(Allocation.amount).label("applied"))
               .where(Allocation.applied_on <= as_of,
                      or_(Allocation.reversed_on.is_(None), Allocation.reversed_on > as_of))
               .group_by(Allocation.payment_id).subquery())
    rest = Payment.amount - func.coalesce(applied.c.applied, 0)
    return (select(Payment.debtor_id, Payment.currency, type_coerce(func.sum(rest), Amount).label("unapplied"))
            .outerjoin(applied, applied.c.payment_id == Payment.id)
            .where(Payment.received_on <= as_of, or_(Payment.reversed_on.is_(None), Payment.reversed_on > as_of),
                   rest != 0)
            .group_by(Payment.debtor_id, Payment.currency).subquery())


@dataclass(frozen=True, slots=True)
class Selection:
    """The positions of every debtor not on hold, and the dunnable items they were summed from."""

    positions: tuple[DebtorPosition, ...]
    items: tuple[DunnableItem, ...]


def dunning_selection(session: Session, as_of: date, horizon_days: int, *, collector: str | None = None
                      ) -> Selection:
    """Every debtor not on hold (of one collector, if named) with something open or paid on account on `as_of`,
    per currency: its balance (open items less unapplied payments), and what is dunnable: overdue, falling due
    within `horizon_days` (a courtesy window), the oldest due date. Three set-based statements: debtors,
    balances (on the covering open-items index), and the dunnable items (the one scan that reads the items)."""
    debtor_query = select(Debtor.id, Debtor.code, Debtor.name, Debtor.segment, Debtor.dunning_policy_id,
                          Debtor.dunning_level, Debtor.dunning_stepped_on, Debtor.collector
                          ).where(Debtor.on_hold == false())
    if collector is not None:
        debtor_query = debtor_query.where(Debtor.collector == collector)
    debtors = {row.id: row for row in session.execute(debtor_query)}
    open_items = open_items_on(as_of).subquery()
    credits = _unapplied_payments(as_of)
    balances: dict[tuple[int, str], Decimal] = {}
    for debtor_id, currency, amount in session.execute(
            select(open_items.c.group_id, open_items.c.currency,
                   type_coerce(func.sum(open_items.c.open_amount), Amount))
            .group_by(open_items.c.group_id, open_items.c.currency)):
        if debtor_id in debtors:
            balances[(debtor_id, currency)] = amount or ZERO
    for debtor_id, currency, unapplied in session.execute(select(credits)):
        if debtor_id in debtors and (debtor_id, currency) in balances:
            balances[(debtor_id, currency)] -= unapplied or ZERO
    items = tuple(i for i in dunnable_items(session, as_of, as_of + timedelta(days=horizon_days))
                  if i.debtor_id in debtors)
    overdue: dict[tuple[int, str], Decimal] = defaultdict(lambda: ZERO)
    soon: dict[tuple[int, str], Decimal] = defaultdict(lambda: ZERO)
    oldest: dict[tuple[int, str], date] = {}
    for item in items:
        key = (item.debtor_id, item.currency)
        if item.due_date < as_of:
            overdue[key] += item.open_amount
        else:
            soon[key] += item.open_amount
        if key not in oldest or item.due_date < oldest[key]:
            oldest[key] = item.due_date
    positions = []
    for (debtor_id, currency), balance in balances.items():
        d = debtors[debtor_id]
        key = (debtor_id, currency)
        positions.append(DebtorPosition(debtor_id, d.code, d.name, d.segment, d.dunning_policy_id,
                                        d.dunning_level or 0, d.dunning_stepped_on, d.collector, currency, balance,
                                        overdue[key], soon[key], oldest.get(key)))
    positions.sort(key=lambda p: (p.code, p.currency))
    return Selection(tuple(positions), items)


def debtors_above_level_zero(session: Session, collector: str | None = None) -> dict[int, str]:
    """Debtors (not on hold) that have reached a dunning level: id -> code."""
    query = select(Debtor.id, Debtor.code).where(Debtor.dunning_level > 0, Debtor.on_hold == false())
    if collector is not None:
        query = query.where(Debtor.collector == collector)
    return dict(session.execute(query).all())


def _as_date(value: Any) -> date | None:
    # SQLite hands back MIN() over a CASE of dates as text.
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def dunnable_items(session: Session, as_of: date, last_due: date) -> list[DunnableItem]:
    """The dunnable items due on or before `last_due`, with the interest rule that applies to each
    (the contract's, else its creditor company's default). Debtors on hold are the caller's to leave out."""
    items = open_items_on(as_of, Receivable.dunning_block == false(), Receivable.due_date <= last_due,
                          not_(and_(Receivable.kind == "retention", Receivable.due_date > as_of))).subquery()
    disputed = _disputed()
    contract_rules = dict(session.execute(select(Contract.id, Contract.interest_rule)
                                          .where(func.coalesce(Contract.interest_rule, "") != "")).all())
    company_rules = dict(session.execute(select(Company.id, Company.default_interest_rule)
                                         .where(func.coalesce(Company.default_interest_rule, "") != "")).all())
    rows = session.execute(
        select(items.c.receivable_id, items.c.group_id, items.c.currency, Receivable.number, items.c.due_date,
               items.c.open_amount, Receivable.contract_id, Receivable.company_id)
        .join(Receivable, Receivable.id == items.c.receivable_id)
        .outerjoin(disputed, disputed.c.receivable_id == items.c.receivable_id)
        .where(disputed.c.receivable_id.is_(None), items.c.open_amount > 0)
    ).all()
    found = [DunnableItem(rid, did, currency, number, due, amount, contract_rules.get(contract)
                          or company_rules.get(company))
             for rid, did, currency, number, due, amount, contract, company in rows]
    found.sort(key=lambda i: (i.debtor_id, i.due_date, i.number))
    return found


def paid_after_due(session: Session, as_of: date, receivable_ids: list[int]) -> dict[int, list[tuple[date, Decimal]]]:
    """Per item, payments applied to it (by `as_of`, not reversed then) received after its due date, by date."""
    found: dict[int, list[tuple[date, Decimal]]] = {}
    for start in range(0, len(receivable_ids), _CHUNK):
        _paid_after_due(session, as_of, receivable_ids[start:start + _CHUNK], found)
    return found


_CHUNK = 5000  # SQLite's limit on bound parameters


def _paid_after_due(session: Session, as_of: date, receivable_ids: list[int],
                    found: dict[int, list[tuple[date, Decimal]]]) -> None:
    rows = session.execute(
        select(Allocation.receivable_id, Payment.received_on, func.sum(Allocation.amount))
        .join(Payment, Payment.id == Allocation.payment_id)
        .join(Receivable, Receivable.id == Allocation.receivable_id)
        .where(Allocation.receivable_id.in_(receivable_ids), Allocation.applied_on <= as_of,
               or_(Allocation.reversed_on.is_(None), Allocation.reversed_on > as_of),
               Payment.received_on <= as_of, Payment.received_on > Receivable.due_date)
        .group_by(Allocation.receivable_id, Payment.received_on)
        .order_by(Allocation.receivable_id, Payment.received_on))
    for rid, received_on, amount in rows:
        found.setdefault(rid, []).append((received_on, amount))


def last_contacts(session: Session, debtor_ids: list[int] | None = None) -> dict[int, date]:
    """The day of each debtor's latest recorded interaction (any channel, either direction)."""
    query = select(Interaction.debtor_id, func.max(Interaction.occurred_at)).group_by(Interaction.debtor_id)
    if debtor_ids is not None:
        query = query.where(Interaction.debtor_id.in_(debtor_ids))
    result: dict[int, date] = {}
    for debtor_id, latest in session.execute(query):
        if latest is not None:
            result[debtor_id] = latest.date() if hasattr(latest, "date") else date.fromisoformat(str(latest)[:10])
    return result
