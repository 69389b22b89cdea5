"""Importing invoices (and other open items) and payments, with payments applied as they arrive."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from typing import Any

from sqlalchemy import Dialect, insert, select

from receivables.domain.allocation import OpenItem, plan_allocation
from receivables.domain.money import ZERO
from receivables.services.imports.context import (
    ImportContext,
    Lookups,
    Parsed,
    RowRejected,
    amount_cell,
    choice_cell,
    currency_cell,
    date_cell,
    text_cell,
)
from receivables.storage.bulk import BulkInsert, insert_rows, join_keys, max_id
from receivables.storage.ledger import refresh_open_amounts
from receivables.storage.schema import Allocation, Contract, Payment, Receivable, ReceivableKind
from receivables.storage.schema.base import table_of

ITEM_KINDS = {
    **{k.value: k.value for k in ReceivableKind},
    "发票": "invoice", "销售发票": "invoice", "应收": "invoice",
    "红字发票": "credit_note", "贷项通知单": "credit_note", "credit note": "credit_note", "退款": "credit_note",
    "进度款": "progress", "结算款": "settlement_balance", "结算尾款": "settlement_balance", "尾款": "settlement_balance",
    "质保金": "retention", "质量保证金": "retention", "费用": "fee", "利息": "interest", "违约金": "interest",
}
_COMPARED = ("company_id", "contract_id", "kind", "issue_date", "due_date", "currency", "amount")


def _contract_terms(context: ImportContext, keys: set[tuple[int, str]]) -> dict[tuple[int, str], Any]:
    if not keys:
        return {}
    rows = context.session.execute(join_keys(
        context.session,
        select(Contract.id, Contract.debtor_id, Contract.number, Contract.payment_terms_days, Contract.currency),
        (Contract.debtor_id, Contract.number), keys))
    return {(r.debtor_id, r.number): r for r in rows}


def parse_item(lookups: Lookups, cells: dict[str, Any]) -> dict[str, Any]:
    kind = choice_cell(cells, "kind", ITEM_KINDS, "invoice") if cells.get("kind") else "invoice"
    amount = amount_cell(cells, "amount")
    assert amount is not None
    if amount <= ZERO:
        if amount == ZERO:
            raise RowRejected("amount", amount, "an open item cannot be zero")
        if kind != "credit_note":
            raise RowRejected("amount", amount, f"negative amount on a {kind}; record it as kind credit_note")
    if kind == "credit_note":
        amount = -abs(amount)  # exports show credit notes with either sign; they always reduce the balance
    issue_date = date_cell(cells, "issue_date")
    due_date = date_cell(cells, "due_date", required=False) if cells.get("due_date") else None
    if due_date is not None and issue_date is not None and due_date < issue_date:
        raise RowRejected("due_date", due_date.isoformat(), f"due before the issue date {issue_date}")
    values = {
        "debtor_id": lookups.debtor_id(cells),
        "company_id": lookups.company_id(cells),
        "number": text_cell(cells, "number", required=True, max_length=64),
        "kind": kind,
        "issue_date": issue_date,
        "due_date": due_date,
        "amount": amount,
        "currency": currency_cell(cells, default="") if cells.get("currency") else "",
        "contract": text_cell(cells, "contract", max_length=64) if cells.get("contract") else "",
        "contract_id": None,  # every row has the same keys in the same order (the parser process packs them)
    }
    if not values["contract"]:
        # Settled here, in the parser (a second process for large files), rather than by the writer:
        # only an item naming a contract needs the database for its defaults.
        _settle_contract_defaults(values, None)
    return values


def _settle_contract_defaults(values: dict[str, Any], contract: Any) -> None:
    """Fill due date and currency from the contract; without one, due on issue and in CNY."""
    values["contract_id"] = contract.id if contract is not None else None
    if values["due_date"] is None:
        terms = contract.payment_terms_days if contract is not None and contract.payment_terms_days else 0
        values["due_date"] = values["issue_date"] + timedelta(days=terms)
    if not values["currency"]:
        values["currency"] = contract.currency if contract is not None else "CNY"
    elif contract is not None and values["currency"] != contract.currency:
        raise RowRejected("currency", values["currency"], f"the contract is in {contract.currency}")


# The order of an item's values in a batch (open_amount is the amount: a new item is wholly open).
ITEM_KEYS = ("company_id", "debtor_id", "contract_id", "kind", "number", "issue_date", "due_date", "currency",
             "amount", "open_amount")


@dataclass(frozen=True, slots=True)
class ItemBatch:
    """A chunk of parsed items as the writer takes them: the items settled without the database, already
    bound for the driver (with their file rows and keys), and the items naming a contract, which only the
    writer can settle."""

    rows: list[int]
    keys: list[tuple[int, str]]  # (debtor_id, number) of each bound item
    bound: list[Any]
    naming_contract: Parsed


def item_batcher(dialect: Dialect) -> Callable[[Parsed], ItemBatch]:
    """What turns parsed items into an `ItemBatch` for a database of this dialect."""
    return partial(batch_items, BulkInsert.of(dialect, table_of(Receivable), ITEM_KEYS, skip_existing=True))


def batch_items(insert: BulkInsert, parsed: Parsed) -> ItemBatch:
    settled = [(number, values) for number, values in parsed if not values["contract"]]
    naming_contract = [(number, values) for number, values in parsed if values["contract"]]
    return ItemBatch([number for number, _ in settled],
                     [(values["debtor_id"], values["number"]) for _, values in settled],
                     insert.bind([_item_row(values) for _, values in settled]),
                     naming_contract)


def _item_row(values: dict[str, Any]) -> tuple[Any, ...]:
    return (values["company_id"], values["debtor_id"], values["contract_id"], values["kind"], values["number"],
            values["issue_date"], values["due_date"], values["currency"], values["amount"], values["amount"])


def write_items(context: ImportContext, parsed: Parsed) -> None:
    """Write parsed items (see `write_item_batch`)."""
    write_item_batch(context, item_batcher(context.session.get_bind().dialect)(parsed))


def write_item_batch(context: ImportContext, batch: ItemBatch) -> None:
    """Insert what is new; an item whose number exists is compared: the same values are unchanged,
    other values are refused, and a number inserted earlier in this import is a duplicate."""
    insert = BulkInsert.of(context.session.get_bind().dialect, table_of(Receivable), ITEM_KEYS, skip_existing=True)
    rows, keys, bound = batch.rows, batch.keys, batch.bound
    if batch.naming_contract:
        settled = _settle_contracts(context, batch.naming_contract)
        rows = rows + [number for number, _ in settled]
        keys = keys + [(values["debtor_id"], values["number"]) for _, values in settled]
        bound = bound + insert.bind([_item_row(values) for _, values in settled])
    if len(set(keys)) < len(keys):
        rows, keys, bound = _without_repeats(context, insert, rows, keys, bound)
    if not bound:
        return
    chunk_start = max_id(context.session, table_of(Receivable))
    inserted = insert.execute(context.session, bound)
    context.inserted += inserted
    if inserted < len(bound):
        _compare_existing(context, insert, chunk_start, dict(zip(keys, zip(rows, bound))))


def _settle_contracts(context: ImportContext, parsed: Parsed) -> Parsed:
    """Items naming a contract, with due date, currency and contract id from it; unknown contracts refused."""
    contracts = _contract_terms(context, {(values["debtor_id"], values["contract"]) for _, values in parsed})
    settled: Parsed = []
    for number, values in parsed:
        try:
            contract = contracts.get((values["debtor_id"], values["contract"]))
            if contract is None:
                raise RowRejected("contract", values["contract"], "unknown contract number for this debtor")
            _settle_contract_defaults(values, contract)
        except RowRejected as error:
            context.reject(number, error)
            continue
        settled.append((number, values))
    return settled


def _without_repeats(context: ImportContext, insert: BulkInsert, rows: list[int], keys: list[tuple[int, str]],
                     bound: list[Any]) -> tuple[list[int], list[tuple[int, str]], list[Any]]:
    """The chunk without items repeating an earlier row's number for the same debtor (each one reported)."""
    first: dict[tuple[int, str], int] = {}
    kept: list[int] = []
    for position in sorted(range(len(rows)), key=rows.__getitem__):  # items naming a contract come last
        number, key = rows[position], keys[position]
        if key in first:
            context.problem(number, "number", key[1],
                            f"duplicate number for this debtor in this file (also on row {first[key]})")
            continue
        first[key] = number
        kept.append(position)
    return [rows[i] for i in kept], [keys[i] for i in kept], [bound[i] for i in kept]


def _compare_existing(context: ImportContext, insert: BulkInsert, chunk_start: int,
                      refused: dict[tuple[int, str], tuple[int, Any]]) -> None:
    """Items of the chunk whose number was already recorded: unchanged, duplicate in this file, or refused."""
    existing = context.session.execute(join_keys(
        context.session,
        select(Receivable.id, Receivable.debtor_id, Receivable.number, *[getattr(Receivable, f) for f in _COMPARED])
        .where(Receivable.id <= chunk_start),
        (Receivable.debtor_id, Receivable.number), refused)).all()
    for current in existing:
        number, bound = refused[(current.debtor_id, current.number)]
        if current.id > context.max_id_before:
            context.problem(number, "number", current.number, "duplicate number for this debtor in this file")
            continue
        values = insert.readable(bound)
        differing = [f for f in _COMPARED if getattr(current, f) != values[f]]
        if not differing:
            context.unchanged += 1
            continue
        field = differing[0]
        context.problem(number, field, values[field],
                        f"{values['number']} is already recorded with {field} {getattr(current, field)}; "
                        "an issued item is not changed by import (book a credit note instead)")


def parse_payment(lookups: Lookups, cells: dict[str, Any]) -> dict[str, Any]:
    amount = amount_cell(cells, "amount")
    assert amount is not None
    if amount <= ZERO:
        raise RowRejected("amount", amount, "a payment must be positive (record refunds as credit notes)")
    applies_to = [n.strip() for n in text_cell(cells, "applies_to", max_length=1000).replace("；", ";").split(";")]
    return {
        "debtor_id": lookups.debtor_id(cells),
        "company_id": lookups.company_id(cells),
        "reference": text_cell(cells, "reference", required=True, max_length=100),
        "received_on": date_cell(cells, "date"),
        "amount": amount,
        "currency": currency_cell(cells),
        "applies_to": ";".join(n for n in applies_to if n) or None,
    }


def write_payments(context: ImportContext, chunk: Parsed) -> None:
    parsed: dict[str, tuple[int, dict[str, Any]]] = {}
    for number, values in chunk:
        if values["reference"] in parsed:
            context.problem(number, "reference", values["reference"],
                            f"duplicate payment reference in this file (also on row {parsed[values['reference']][0]})")
            continue
        parsed[values["reference"]] = (number, values)
    if not parsed:
        return
    compared = ("debtor_id", "received_on", "amount", "currency")
    for current in context.session.execute(
        select(Payment.id, Payment.reference, *[getattr(Payment, f) for f in compared])
        .where(Payment.reference.in_(list(parsed)))
    ):
        number, values = parsed.pop(current.reference)
        if current.id > context.max_id_before:
            context.problem(number, "reference", current.reference, "duplicate payment reference in this file")
        elif all(getattr(current, f) == values[f] for f in compared):
            context.unchanged += 1
        else:
            context.problem(number, "reference", current.reference,
                            "a payment with this reference is already recorded with other values")
    if parsed:
        _apply_payments(context, parsed)


def _apply_payments(context: ImportContext, parsed: dict[str, tuple[int, dict[str, Any]]]) -> None:
    """Insert the payments, then allocate each to its debtor's open items, set-based per chunk."""
    debtor_ids = {v["debtor_id"] for _, v in parsed.values()}
    open_rows = context.session.execute(
        select(Receivable.id, Receivable.debtor_id, Receivable.number, Receivable.currency,
               Receivable.issue_date, Receivable.due_date, Receivable.open_amount)
        .where(Receivable.debtor_id.in_(debtor_ids), Receivable.open_amount > 0)
    ).all()
    named_items = _named_items(context, parsed)
    open_by_debtor: dict[tuple[int, str], dict[str, Any]] = defaultdict(dict)
    issue_dates: dict[int, date] = {}
    for r in open_rows:
        open_by_debtor[(r.debtor_id, r.currency)][r.number] = OpenItem(r.id, r.number, r.due_date, r.open_amount)
        issue_dates[r.id] = r.issue_date
    accepted: list[tuple[dict[str, Any], list[str]]] = []
    for number, values in sorted(parsed.values(), key=lambda p: (p[1]["received_on"], p[0])):
        named = values["applies_to"].split(";") if values["applies_to"] else []
        problem = _named_problem(values, named, named_items)
        if problem:
            context.problem(number, "applies_to", *problem)
            continue
        accepted.append((values, named))
    if not accepted:
        return
    ids = dict(context.session.execute(
        insert(Payment).returning(Payment.reference, Payment.id, sort_by_parameter_order=True),
        [values for values, _ in accepted],
    ).all())
    context.inserted += len(accepted)
    allocations: list[dict[str, Any]] = []
    for values, named in accepted:
        items = open_by_debtor[(values["debtor_id"], values["currency"])]
        eligible = [i for i in items.values() if named or issue_dates[i.item_id] <= values["received_on"]]
        plan = plan_allocation(values["amount"], eligible, named)
        for planned in plan.allocations:
            item = items[planned.number]
            items[planned.number] = OpenItem(item.item_id, item.number, item.due_date, item.open_amount - planned.amount)
            allocations.append({"payment_id": ids[values["reference"]], "receivable_id": planned.item_id,
                                "amount": planned.amount,
                                "applied_on": max(values["received_on"], issue_dates[planned.item_id])})
    if allocations:
        insert_rows(context.session, table_of(Allocation), allocations)
        refresh_open_amounts(context.session, {a["receivable_id"] for a in allocations})


def _named_problem(values: dict[str, Any], named: list[str],
                   named_items: dict[tuple[int, str], str]) -> tuple[str, str] | None:
    """(the numbers at fault, why) when a payment cannot go to the invoices it names, else None."""
    unknown = [n for n in named if (values["debtor_id"], n) not in named_items]
    if unknown:
        return ";".join(unknown), "no such invoice for this debtor"
    other = [n for n in named if named_items[(values["debtor_id"], n)] != values["currency"]]
    if other:
        currency = named_items[(values["debtor_id"], other[0])]
        return ";".join(other), f"the invoice is in {currency} but the payment is in {values['currency']}"
    return None


def _named_items(context: ImportContext, parsed: dict[str, tuple[int, dict[str, Any]]]) -> dict[tuple[int, str], str]:
    """(debtor, number) -> currency of every item the payments name."""
    wanted = {(v["debtor_id"], n) for _, v in parsed.values() if v["applies_to"] for n in v["applies_to"].split(";")}
    if not wanted:
        return {}
    rows = context.session.execute(join_keys(
        context.session,
        select(Receivable.debtor_id, Receivable.number, Receivable.currency),
        (Receivable.debtor_id, Receivable.number), wanted))
    return {(r.debtor_id, r.number): r.currency for r in rows}
