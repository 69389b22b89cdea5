"""Single receivables and payments posted by another system (the ERP through the API), by the same rules as
an import row: same parsing, same checks, same allocation of payments; and the answers kept for retries
that carry an Idempotency-Key."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from receivables.services.errors import Refused, UnknownRecord
from receivables.services.imports.context import ImportContext, Lookups, RowRejected
from receivables.services.imports.items import parse_item, parse_payment, write_items, write_payments
from receivables.services.imports.parties import parse_contract, write_contracts
from receivables.storage import audit
from receivables.storage.schema import Allocation, Company, Contract, Debtor, IdempotentRequest, Payment, Receivable
from receivables.storage.schema.projects import ConstructionProject

ITEM_FIELDS = ("debtor", "number", "kind", "issue_date", "due_date", "amount", "currency", "contract", "company")
PAYMENT_FIELDS = ("debtor", "reference", "date", "amount", "currency", "applies_to", "company")
CONTRACT_FIELDS = ("debtor", "number", "title", "kind", "amount", "currency", "signed_on", "payment_terms_days",
                   "company")


class PostingRefused(Refused):
    """The posted record breaks a rule; `field` names the field at fault (None: the record as a whole)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class IdempotencyConflict(Refused):
    """The Idempotency-Key was used before for a different request."""


@dataclass(frozen=True, slots=True)
class PostedItem:
    debtor: str
    number: str
    kind: str
    issue_date: date
    due_date: date
    currency: str
    amount: Decimal
    open_amount: Decimal
    created: bool


@dataclass(frozen=True, slots=True)
class PostedPayment:
    debtor: str
    reference: str
    received_on: date
    currency: str
    amount: Decimal
    applied: tuple[tuple[str, Decimal], ...]
    unapplied: Decimal
    created: bool


def _context(session: Session, code: str, actor: str, table: Any) -> ImportContext:
    debtor_id = session.execute(select(Debtor.id).where(Debtor.code == code)).scalar()
    companies = dict(session.execute(select(Company.name, Company.id)).all())
    default = session.execute(select(Company.id).where(Company.is_default.is_(True))).scalar()
    lookups = Lookups({code: debtor_id} if debtor_id is not None else {}, companies, default)
    context = ImportContext(session, "api", actor, lookups)
    # Rows above this id were written by this posting; an equal row below it is a repeat (unchanged).
    context.max_id_before = session.execute(select(func.coalesce(func.max(table.id), 0))).scalar_one()
    return context


def _cells(fields: Mapping[str, Any], allowed: tuple[str, ...]) -> dict[str, Any]:
    unknown = sorted(set(fields) - set(allowed))
    if unknown:
        raise PostingRefused(f"unknown field {unknown[0]!r} (allowed: {', '.join(allowed)})", unknown[0])
    return {k: "" if v is None else str(v) for k, v in fields.items()}


def _raise_first_problem(context: ImportContext) -> None:
    if context.problems:
        problem = context.problems[0]
        raise PostingRefused(problem.reason, problem.column)


def post_receivable(session: Session, fields: Mapping[str, Any], *, actor: str) -> PostedItem:
    """Record one open item; posting the same item again changes nothing (`created` is False)."""
    cells = _cells(fields, ITEM_FIELDS)
    context = _context(session, cells.get("debtor", ""), actor, Receivable)
    try:
        values = parse_item(context.lookups, cells)
    except RowRejected as error:
        raise PostingRefused(error.reason, error.column) from None
    write_items(context, [(1, values)])
    _raise_first_problem(context)
    row = session.execute(select(Receivable).where(Receivable.debtor_id == values["debtor_id"],
                                                   Receivable.number == values["number"])).scalar_one()
    if context.inserted:
        audit.record(session, actor, "receivable.post", "receivable", f"{cells['debtor']}/{row.number}", after={
            "kind": row.kind, "issue_date": row.issue_date, "due_date": row.due_date, "currency": row.currency,
            "amount": row.amount})
    return PostedItem(cells["debtor"], row.number, row.kind, row.issue_date, row.due_date, row.currency, row.amount,
                      row.open_amount, bool(context.inserted))


def post_payment(session: Session, fields: Mapping[str, Any], *, actor: str) -> PostedPayment:
    """Record one payment and apply it as an imported one is (named invoices first, then oldest due);
    posting the same payment again changes nothing (`created` is False)."""
    cells = _cells(fields, PAYMENT_FIELDS)
    context = _context(session, cells.get("debtor", ""), actor, Payment)
    try:
        values = parse_payment(context.lookups, cells)
    except RowRejected as error:
        raise PostingRefused(error.reason, error.column) from None
    write_payments(context, [(1, values)])
    _raise_first_problem(context)
    payment = session.execute(select(Payment).where(Payment.reference == values["reference"])).scalar_one()
    applied = tuple((number, amount) for number, amount in session.execute(
        select(Receivable.number, Allocation.amount).join(Receivable, Receivable.id == Allocation.receivable_id)
        .where(Allocation.payment_id == payment.id, Allocation.reversed_on.is_(None)).order_by(Allocation.id)))
    unapplied = payment.amount - sum((a for _, a in applied), Decimal("0.00"))
    if context.inserted:
        audit.record(session, actor, "payment.post", "payment", payment.reference, after={
            "debtor": cells["debtor"], "received_on": payment.received_on, "currency": payment.currency,
            "amount": payment.amount, "applied": [[n, a] for n, a in applied]})
    return PostedPayment(cells["debtor"], payment.reference, payment.received_on, payment.currency, payment.amount,
                         applied, unapplied, bool(context.inserted))


@dataclass(frozen=True, slots=True)
class ContractLine:
    """A contract with what was billed under it and what of that is still open, per the ledger."""

    debtor: str
    number: str
    title: str | None
    kind: str
    amount: Decimal | None
    currency: str
    signed_on: date | None
    payment_terms_days: int | None
    billed: Decimal
    open: Decimal
    created: bool = False


def _contract_lines(session: Session, where: Any) -> list[ContractLine]:
    billed = (select(Receivable.contract_id, func.sum(Receivable.amount).label("billed"),
                     func.sum(Receivable.open_amount).label("open"))
              .where(Receivable.contract_id.is_not(None)).group_by(Receivable.contract_id).subquery())
    rows = session.execute(
        select(Debtor.code, Contract.number, Contract.title, Contract.kind, Contract.amount, Contract.currency,
               Contract.signed_on, Contract.payment_terms_days, billed.c.billed, billed.c.open)
        .join(Debtor, Debtor.id == Contract.debtor_id).outerjoin(billed, billed.c.contract_id == Contract.id)
        .where(where).order_by(Debtor.code, Contract.number))
    zero = Decimal("0.00")
    return [ContractLine(*row[:8], row[8] if row[8] is not None else zero, row[9] if row[9] is not None else zero)
            for row in rows]


def list_contracts(session: Session, code: str, *, managed_by: str | None = None) -> list[ContractLine]:
    """A debtor's contracts with billed and open amounts (one grouped statement); with `managed_by`, only the
    construction contracts that project manager manages."""
    debtor_id = session.execute(select(Debtor.id).where(Debtor.code == code)).scalar()
    if debtor_id is None:
        raise UnknownRecord(f"no debtor with code {code!r}")
    where = Contract.debtor_id == debtor_id
    if managed_by is not None:
        where = and_(where, Contract.id.in_(select(ConstructionProject.contract_id)
                                            .where(ConstructionProject.project_manager == managed_by)))
    return _contract_lines(session, where)


def post_contract(session: Session, fields: Mapping[str, Any], *, actor: str) -> ContractLine:
    """Record or update one contract, as a contracts import row does; an identical repeat changes nothing."""
    cells = _cells(fields, CONTRACT_FIELDS)
    context = _context(session, cells.get("debtor", ""), actor, Contract)
    try:
        values = parse_contract(context.lookups, cells)
    except RowRejected as error:
        raise PostingRefused(error.reason, error.column) from None
    write_contracts(context, [(1, values)])
    _raise_first_problem(context)
    contract_id = session.execute(select(Contract.id).where(Contract.debtor_id == values["debtor_id"],
                                                            Contract.number == values["number"])).scalar_one()
    changed = bool(context.inserted or context.updated)
    if changed:
        audit.record(session, actor, "contract.post", "contract", f"{cells['debtor']}/{values['number']}",
                     after={k: v for k, v in values.items() if k not in ("debtor_id", "company_id")})
    (line,) = _contract_lines(session, Contract.id == contract_id)
    return replace(line, created=bool(context.inserted))


def request_digest(endpoint: str, body: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps([endpoint, body], sort_keys=True, default=str).encode()).hexdigest()


def remembered_answer(session: Session, principal: str, key: str, endpoint: str,
                      digest: str) -> tuple[int, dict[str, Any]] | None:
    """The answer given before to this key, or None; the same key with another request is refused."""
    row = session.execute(select(IdempotentRequest).where(IdempotentRequest.principal == principal,
                                                          IdempotentRequest.key == key)).scalar_one_or_none()
    if row is None:
        return None
    if row.endpoint != endpoint or row.request_sha256 != digest:
        raise IdempotencyConflict("this Idempotency-Key was already used for a different request")
    return row.status_code, row.response


def remember_answer(session: Session, principal: str, key: str, endpoint: str, digest: str, status_code: int,
                    response: dict[str, Any]) -> None:
    """Keep the answer in the same transaction as the write it describes."""
    session.add(IdempotentRequest(principal=principal, key=key, endpoint=endpoint, request_sha256=digest,
                                  status_code=status_code, response=response))
