"""Promises to pay: recording them, and listing them with whether each was kept (for people and the dunning engine)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from receivables.domain.money import normalize_currency
from receivables.domain.promises import (
    DEFAULT_GRACE_DAYS, STATUSES, PaymentReceived, PromiseTerms, evaluate_promises, new_promise_problems,
)
from receivables.services.errors import Refused
from receivables.services.orgmap import find_contact, find_debtor
from receivables.storage import audit
from receivables.storage.schema import Contact, Debtor, Payment, Promise


class PromiseRefused(Refused):
    """The promise cannot be recorded as given; nothing was written."""


@dataclass(frozen=True, slots=True)
class PromiseView:
    id: int
    debtor: str
    debtor_name: str
    contact: str | None
    amount: Decimal
    currency: str
    promised_on: date
    made_on: date
    status: str
    paid: Decimal
    note: str | None


def add_promise(session: Session, code: str, *, amount: Decimal, promised_on: date, as_of: date, actor: str,
                currency: str = "CNY", contact: str | None = None, note: str | None = None) -> PromiseView:
    """Record a promise made on `as_of`; a non-positive amount or a promised date already past is refused."""
    debtor = find_debtor(session, code)
    problems = new_promise_problems(amount, promised_on, as_of)
    if problems:
        raise PromiseRefused("; ".join(problems))
    try:
        currency = normalize_currency(currency)
    except ValueError as exc:
        raise PromiseRefused(str(exc)) from None
    person = find_contact(session, debtor, contact) if contact else None
    row = Promise(debtor_id=debtor.id, contact_id=person.id if person else None, amount=amount, currency=currency,
                  promised_on=promised_on, made_on=as_of, note=note, recorded_by=actor)
    session.add(row)
    session.flush()
    audit.record(session, actor, "promise.add", "promise", f"{debtor.code}#{row.id}", after={
        "amount": amount, "currency": currency, "promised_on": promised_on, "made_on": as_of,
        "contact": person.name if person else None, "note": note})
    return PromiseView(row.id, debtor.code, debtor.name, person.name if person else None, amount, currency,
                       promised_on, as_of, "pending", Decimal("0.00"), note)


def list_promises(session: Session, as_of: date, *, code: str | None = None, due_by: date | None = None,
                  status: str | None = None, grace_days: int = DEFAULT_GRACE_DAYS) -> list[PromiseView]:
    """Promises with their outcome on `as_of`, by promised date; filtered by debtor, due date and status."""
    if status is not None and status not in STATUSES:
        raise PromiseRefused(f"unknown status {status!r} (allowed: {', '.join(STATUSES)})")
    query = (select(Promise, Debtor, Contact).join(Debtor, Debtor.id == Promise.debtor_id)
             .outerjoin(Contact, Contact.id == Promise.contact_id).where(Promise.made_on <= as_of))
    if code:
        query = query.where(Promise.debtor_id == find_debtor(session, code).id)
    rows = session.execute(query.order_by(Promise.promised_on, Promise.id)).all()
    outcomes = _outcomes(session, [row for row, _, _ in rows], as_of, grace_days)
    views = []
    for row, debtor, person in rows:
        outcome_status, paid = outcomes[row.id]
        if due_by is not None and row.promised_on > due_by:
            continue
        if status is not None and outcome_status != status:
            continue
        views.append(PromiseView(row.id, debtor.code, debtor.name, person.name if person else None, row.amount,
                                 row.currency, row.promised_on, row.made_on, outcome_status, paid, row.note))
    return views


def broken_promise_counts(session: Session, as_of: date, grace_days: int = DEFAULT_GRACE_DAYS) -> dict[str, int]:
    """Broken promises per debtor code on `as_of` (debtors with none are absent): the dunning engine's input."""
    counts: dict[str, int] = defaultdict(int)
    for view in list_promises(session, as_of, status="broken", grace_days=grace_days):
        counts[view.debtor] += 1
    return dict(counts)


def _outcomes(session: Session, promises: list[Promise], as_of: date,
              grace_days: int) -> dict[int, tuple[str, Decimal]]:
    by_debtor: dict[int, list[Promise]] = defaultdict(list)
    for promise in promises:
        by_debtor[promise.debtor_id].append(promise)
    payments: dict[int, list[PaymentReceived]] = defaultdict(list)
    if by_debtor:
        for debtor_id, received_on, amount, currency in session.execute(
            select(Payment.debtor_id, Payment.received_on, Payment.amount, Payment.currency)
            .where(Payment.debtor_id.in_(list(by_debtor)), Payment.received_on <= as_of,
                   or_(Payment.reversed_on.is_(None), Payment.reversed_on > as_of))
        ):
            payments[debtor_id].append(PaymentReceived(received_on, amount, currency))
    result: dict[int, tuple[str, Decimal]] = {}
    for debtor_id, debtor_promises in by_debtor.items():
        terms = [PromiseTerms(p.id, p.amount, p.currency, p.promised_on, p.made_on) for p in debtor_promises]
        for outcome in evaluate_promises(terms, payments[debtor_id], as_of, grace_days):
            result[outcome.promise_id] = (outcome.status, outcome.paid)
    return result
