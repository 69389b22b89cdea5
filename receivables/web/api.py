"""The JSON API under /api/v1: debtors, contacts, receivables, payments, aging. Amounts are strings (exact
decimals), dates ISO 8601; errors are {"message", "field"}; writes take an optional Idempotency-Key."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from fastapi import APIRouter, Body, Depends, Header, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from receivables.domain.aging import BUCKETS
from receivables.services.orgmap import list_contacts
from receivables.services.overview import debtor_list
from receivables.services.postings import (
    list_contracts,
    post_contract,
    post_payment,
    post_receivable,
    remember_answer,
    remembered_answer,
    request_digest,
)
from receivables.services.reports import aging_report, debtor_account
from receivables.storage.database import unit_of_work
from receivables.storage.queries.debtor_list import SORTS, DebtorFilter
from receivables.web.deps import DATABASE, Caller, allowed, context

router = APIRouter(prefix="/api/v1", tags=["v1"])


def plain(value: Any) -> Any:
    """JSON-ready values: Decimal -> exact string, date -> ISO 8601, dataclasses -> objects."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def answer(document: Any, status_code: int = 200) -> JSONResponse:
    return JSONResponse(plain(document), status_code=status_code)


class Bucket(str, Enum):
    current = "current"
    d1_30 = "1-30"
    d31_60 = "31-60"
    d61_90 = "61-90"
    d91_180 = "91-180"
    d181_365 = "181-365"
    over_365 = ">365"


class Sort(str, Enum):
    code = "code"
    name = "name"
    open = "open"
    overdue = "overdue"
    oldest = "oldest"


assert tuple(b.value for b in Bucket) == BUCKETS and tuple(s.value for s in Sort) == SORTS


@router.get("/debtors", summary="Debtors with open and overdue amounts (search, filters, sorting, paging)")
def list_debtors(request: Request, q: str = Query("", max_length=100), bucket: Bucket | None = None, status: str = "",
                 segment: str = "", collector: str = Query("", max_length=100), sort: Sort = Sort.overdue, desc: bool = True, page: int = Query(1, ge=1),
                 per_page: int = Query(50, ge=1, le=500), who: Caller = Depends(allowed("read")),
                 session: Session = DATABASE) -> JSONResponse:
    listing = debtor_list(session, who.as_of, DebtorFilter(q, bucket.value if bucket else "", status, segment, collector),
                          context(request).ledger_cache, sort=sort.value, descending=desc, page=page,
                          per_page=per_page)
    result = listing.page
    return answer({"as_of": who.as_of, "page": result.page, "per_page": result.per_page, "total": result.total,
                   "rows": [{k: v for k, v in plain(row).items() if k != "debtor_id"} for row in result.rows]})


@router.get("/debtors/{code}", summary="One debtor's account: balances, open items, payments")
def show_debtor(code: str, as_of: date | None = None, who: Caller = Depends(allowed("read")),
                session: Session = DATABASE) -> JSONResponse:
    return answer(debtor_account(session, code, as_of or who.as_of))


@router.get("/contacts", summary="A debtor's contacts")
def contacts(debtor: str = Query(..., max_length=64), who: Caller = Depends(allowed("read")),
             session: Session = DATABASE) -> JSONResponse:
    return answer({"debtor": debtor, "rows": list_contacts(session, debtor)})


@router.get("/contracts", summary="A debtor's contracts with billed and open amounts (a project manager: their own)")
def contracts(debtor: str = Query(..., max_length=64), who: Caller = Depends(allowed("read")),
              session: Session = DATABASE) -> JSONResponse:
    # A project manager's token is named after the manager (`receivables token create NAME --role project_manager`).
    managed_by = who.identity.name.removeprefix("token:") if who.identity.role == "project_manager" else None
    return answer({"debtor": debtor, "rows": [{k: v for k, v in plain(line).items() if k != "created"}
                                              for line in list_contracts(session, debtor, managed_by=managed_by)]})


@router.get("/receivables", summary="A debtor's open items on a date")
def list_receivables(debtor: str = Query(..., max_length=64), as_of: date | None = None,
                     who: Caller = Depends(allowed("read")), session: Session = DATABASE) -> JSONResponse:
    account = debtor_account(session, debtor, as_of or who.as_of)
    return answer({"debtor": debtor, "as_of": account.as_of, "rows": account.open_items})


@router.get("/payments", summary="A debtor's payments up to a date, with what was applied")
def list_payments(debtor: str = Query(..., max_length=64), as_of: date | None = None,
                  who: Caller = Depends(allowed("read")), session: Session = DATABASE) -> JSONResponse:
    account = debtor_account(session, debtor, as_of or who.as_of)
    return answer({"debtor": debtor, "as_of": account.as_of, "rows": account.payments})


@router.get("/aging", summary="Aging totals per currency and the largest rows")
def aging(request: Request, as_of: date | None = None, by: str = Query("debtor", pattern="^(debtor|contract|company)$"),
          limit: int = Query(100, ge=0, le=100_000), who: Caller = Depends(allowed("read")),
          session: Session = DATABASE) -> JSONResponse:
    day = as_of or who.as_of
    if by == "debtor" and limit <= 10:
        summary = context(request).ledger_cache.aging(session, day)  # the dashboard's cached figures
        return answer({"as_of": day, "by": by, "buckets": BUCKETS, "totals": summary.totals,
                       "rows": [r for rows in summary.top_overdue.values() for r in rows][:limit]})
    report = aging_report(session, day, by)  # type: ignore[arg-type]
    return answer({"as_of": day, "by": by, "buckets": BUCKETS, "totals": report.totals,
                   "rows": report.rows[:limit], "row_count": len(report.rows)})


class ReceivableIn(BaseModel):
    """An open item, as one row of an invoices import."""

    debtor: str = Field(max_length=64, description="Debtor code")
    number: str = Field(max_length=64)
    kind: str = Field("invoice", description="invoice, credit_note, progress, settlement_balance, retention, fee, "
                                             "interest")
    issue_date: date
    due_date: date | None = Field(None, description="Default: issue date plus the contract's payment terms")
    amount: Decimal = Field(description="Exact decimal, e.g. \"1234.50\"")
    currency: str | None = Field(None, max_length=3)
    contract: str | None = Field(None, max_length=64)
    company: str | None = Field(None, max_length=200)


class ContractIn(BaseModel):
    """A contract, as one row of a contracts import; posting it again with changes updates it."""

    debtor: str = Field(max_length=64, description="Debtor code")
    number: str = Field(max_length=64)
    title: str | None = Field(None, max_length=300)
    kind: str = Field("sale", description="sale, service, construction, ...")
    amount: Decimal | None = Field(None, description="Exact decimal, e.g. \"1200000.00\"")
    currency: str | None = Field(None, max_length=3)
    signed_on: date | None = None
    payment_terms_days: int | None = Field(None, ge=0, le=3650)
    company: str | None = Field(None, max_length=200)


class PaymentIn(BaseModel):
    """A payment, as one row of a payments import; applied to the named invoices, else oldest due first."""

    debtor: str = Field(max_length=64)
    reference: str = Field(max_length=100)
    date: date
    amount: Decimal
    currency: str = Field(max_length=3)
    applies_to: str | None = Field(None, max_length=1000, description="Invoice numbers separated by ;")
    company: str | None = Field(None, max_length=200)


def _idempotent(request: Request, who: Caller, key: str | None, endpoint: str, body: dict[str, Any],
                write: Any) -> JSONResponse:
    """Run `write(session)` once per Idempotency-Key: a retry with the same key and body gets the first answer."""
    web = context(request)
    digest = request_digest(endpoint, body)
    principal = who.identity.name
    for attempt in (1, 2):
        try:
            with unit_of_work(web.runtime.sessions) as session:
                if key:
                    earlier = remembered_answer(session, principal, key, endpoint, digest)
                    if earlier is not None:
                        return JSONResponse(earlier[1], status_code=earlier[0], headers={"Idempotent-Replay": "true"})
                result = write(session)
                document = plain(result)
                status_code = 201 if result.created else 200
                if key:
                    remember_answer(session, principal, key, endpoint, digest, status_code, document)
            return JSONResponse(document, status_code=status_code)
        except IntegrityError:
            if attempt == 2 or not key:
                raise  # a concurrent duplicate without a key: the natural-key check answers on retry
    raise AssertionError("unreachable")


@router.post("/receivables", status_code=201, summary="Post one receivable (idempotent)")
def create_receivable(request: Request, item: ReceivableIn = Body(...),
                      idempotency_key: str | None = Header(None, max_length=200),
                      who: Caller = Depends(allowed("post_ledger"))) -> JSONResponse:
    fields = {k: v for k, v in item.model_dump().items() if v is not None}
    return _idempotent(request, who, idempotency_key, "receivables", fields,
                       lambda session: post_receivable(session, fields, actor=who.identity.name))


@router.post("/payments", status_code=201, summary="Post one payment (idempotent)")
def create_payment(request: Request, payment: PaymentIn = Body(...),
                   idempotency_key: str | None = Header(None, max_length=200),
                   who: Caller = Depends(allowed("post_ledger"))) -> JSONResponse:
    fields = {k: v for k, v in payment.model_dump().items() if v is not None}
    return _idempotent(request, who, idempotency_key, "payments", fields,
                       lambda session: post_payment(session, fields, actor=who.identity.name))


@router.post("/contracts", status_code=201, summary="Post one contract (idempotent)")
def create_contract(request: Request, contract: ContractIn = Body(...),
                    idempotency_key: str | None = Header(None, max_length=200),
                    who: Caller = Depends(allowed("post_ledger"))) -> JSONResponse:
    fields = {k: v for k, v in contract.model_dump().items() if v is not None}
    return _idempotent(request, who, idempotency_key, "contracts", fields,
                       lambda session: post_contract(session, fields, actor=who.identity.name))
