"""Importing debtors and contracts: master data, inserted when new and updated when changed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import insert, select, update

from receivables.domain.identifiers import check_credit_code
from receivables.services.imports.context import (
    ImportContext, Lookups, Parsed, RowRejected, amount_cell, choice_cell, currency_cell, date_cell,
    positive_int_cell, text_cell,
)
from receivables.storage.bulk import join_keys
from receivables.storage.schema import Contract, Debtor

CONTRACT_KINDS = {
    "sale": "sale", "sales": "sale", "销售": "sale", "销售合同": "sale", "买卖": "sale",
    "service": "service", "服务": "service", "服务合同": "service",
    "construction": "construction", "施工": "construction", "工程": "construction", "施工合同": "construction",
}
_DEBTOR_FIELDS = ("name", "credit_code", "address", "segment")
_CONTRACT_FIELDS = ("company_id", "title", "kind", "amount", "currency", "signed_on", "payment_terms_days")


def parse_debtor(_: Lookups, cells: dict[str, Any]) -> dict[str, Any]:
    credit_code = text_cell(cells, "credit_code", max_length=40)
    if credit_code:
        checked = check_credit_code(credit_code)
        if not checked.valid:
            raise RowRejected("credit_code", credit_code, f"invalid unified social credit code: {checked.problem}")
        credit_code = checked.code
    return {
        "code": text_cell(cells, "code", required=True, max_length=64),
        "name": text_cell(cells, "name", required=True),
        "credit_code": credit_code or None,
        "address": text_cell(cells, "address", max_length=400) or None,
        "segment": text_cell(cells, "segment", max_length=60) or None,
    }


def write_debtors(context: ImportContext, chunk: Parsed) -> None:
    parsed: dict[str, dict[str, Any]] = {}
    for number, values in chunk:
        if values["code"] in parsed or values["code"] in context.seen_keys:
            context.problem(number, "code", values["code"], "duplicate debtor code in this file")
            continue
        parsed[values["code"]] = values
    context.seen_keys.update(parsed)
    if not parsed:
        return
    existing = {
        row.code: row for row in context.session.execute(
            select(Debtor.id, Debtor.code, *[getattr(Debtor, f) for f in _DEBTOR_FIELDS])
            .where(Debtor.code.in_(list(parsed)))
        )
    }
    _insert_or_update(context, Debtor, parsed, existing, _DEBTOR_FIELDS, label="code")


def parse_contract(lookups: Lookups, cells: dict[str, Any]) -> dict[str, Any]:
    amount = amount_cell(cells, "amount", required=False)
    if amount is not None and amount < 0:
        raise RowRejected("amount", amount, "a contract amount cannot be negative")
    return {
        "debtor_id": lookups.debtor_id(cells),
        "company_id": lookups.company_id(cells),
        "number": text_cell(cells, "number", required=True, max_length=64),
        "title": text_cell(cells, "title") or None,
        "kind": choice_cell(cells, "kind", CONTRACT_KINDS, "sale"),
        "amount": amount,
        "currency": currency_cell(cells),
        "signed_on": date_cell(cells, "signed_on", required=False),
        "payment_terms_days": positive_int_cell(cells, "payment_terms_days"),
    }


def write_contracts(context: ImportContext, chunk: Parsed) -> None:
    parsed: dict[tuple[int, str], dict[str, Any]] = {}
    for number, values in chunk:
        key = (values["debtor_id"], values["number"])
        if key in parsed or key in context.seen_keys:
            context.problem(number, "number", values["number"],
                            "duplicate contract number for this debtor in this file")
            continue
        parsed[key] = values
    context.seen_keys.update(parsed)
    if not parsed:
        return
    existing = {
        (row.debtor_id, row.number): row for row in context.session.execute(join_keys(
            context.session,
            select(Contract.id, Contract.debtor_id, Contract.number, *[getattr(Contract, f) for f in _CONTRACT_FIELDS]),
            (Contract.debtor_id, Contract.number), parsed))
    }
    _insert_or_update(context, Contract, parsed, existing, _CONTRACT_FIELDS, label="number")


def _insert_or_update(context: ImportContext, table: Any, parsed: Mapping[Any, dict[str, Any]],
                      existing: Mapping[Any, Any], fields: tuple[str, ...], *, label: str) -> None:
    """Master data: new keys are inserted; existing ones updated where a field changed (audited)."""
    new = [values for key, values in parsed.items() if key not in existing]
    if new:
        context.session.execute(insert(table), new)
        context.inserted += len(new)
    for key, values in parsed.items():
        current = existing.get(key)
        if current is None:
            continue
        before = {f: getattr(current, f) for f in fields}
        after = {f: values[f] for f in fields}
        if before == after:
            context.unchanged += 1
            continue
        context.session.execute(update(table).where(table.id == current.id).values(**after))
        context.changes.append((values[label], before, after))
        context.updated += 1
