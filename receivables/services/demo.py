"""Demo data: a realistic, deterministic ledger for two creditor companies, loaded small or large."""

from __future__ import annotations

import gc
import random
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from math import log
from typing import Any, Literal, NamedTuple

from sqlalchemy import Table, func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from receivables.domain.identifiers import ALPHABET, make_credit_code
from receivables.services.demo_catalogue import (
    Region, REGIONS, BRANDS, SURNAMES, GIVEN_NAMES, TRADES, LEGAL_FORMS, INSTITUTIONS, STATE_COMPANIES, ENGLISH_BRANDS, ENGLISH_TRADES, ENGLISH_FORMS, ROADS, ENGLISH_ROADS, PROJECTS, SERVICES, CONTACT_TITLES,
)
from receivables.services.demo_projects import add_project_facts
from receivables.storage import audit
from receivables.storage.bulk import insert_rows
from receivables.storage.database import unit_of_work
from receivables.storage.schema import all_tables
from receivables.storage.schema.base import utc_now

DemoSize = Literal["small", "large"]
Progress = Callable[[int, int], None]
Row = dict[str, Any]

CHUNK_ITEMS = 20_000
"""Receivables generated and written per batch; memory stays flat however large the load."""


@dataclass(frozen=True, slots=True)
class DemoScale:
    debtors: int
    receivables: int


SCALES: dict[str, DemoScale] = {"small": DemoScale(60, 1_500), "large": DemoScale(20_000, 1_000_000)}


class DemoError(ValueError):
    """Demo data cannot be loaded here (the database already holds data, or the size is unknown)."""


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """What one demo load wrote."""

    size: str
    seed: int
    as_of: date
    companies: int
    debtors: int
    contacts: int
    contracts: int
    receivables: int
    open_receivables: int
    payments: int
    allocations: int
    reversed_payments: int
    payments_with_credit: int

    @property
    def open_fraction(self) -> float:
        return self.open_receivables / self.receivables if self.receivables else 0.0


NUMBER_PREFIXES = {"invoice": "INV", "credit_note": "CN", "progress": "PB", "settlement_balance": "SB",
                   "retention": "RT", "fee": "FEE", "interest": "INT"}
CONTRACT_CODES = {"construction": "SG", "sale": "XS", "service": "FW"}  # 施工, 销售, 服务
SEGMENTS = (("construction", 0.30), ("distribution", 0.36), ("retail", 0.26), ("public", 0.08))
TERMS = {"construction": ((30, 60, 90), (2, 4, 4)), "sale": ((30, 60, 90), (5, 4, 1)),
         "service": ((30, 60, 90), (4, 4, 2))}
FOREIGN_CURRENCIES = (("USD", 0.55, 1 / 7.1), ("EUR", 0.30, 1 / 7.8), ("CNY", 0.15, 1.0))
REVERSAL_REASON = "退票：出票人账户余额不足 (returned: insufficient funds)"


@dataclass(frozen=True, slots=True)
class Creditor:
    key: str
    name: str
    credit_code: str
    address: str
    phone: str


CONTRACTOR = Creditor("contractor", "华建工程有限公司", make_credit_code("91320500MA1HJ7GC2"),
                      "江苏省苏州市工业园区星湖街218号", "0512-62888000")
DISTRIBUTOR = Creditor("distributor", "东方商贸有限公司", make_credit_code("91310000MA1FL3D8K"),
                       "上海市浦东新区张杨路1588号", "021-58886000")


# --- Payment behaviour: how each debtor pays decides what is still open at as_of -----------------------

@dataclass(frozen=True, slots=True)
class Behaviour:
    """Days after the due date a debtor pays; a debtor that stopped paying pays nothing after `stop`."""

    name: str
    weight: float
    delay: tuple[int, int]


BEHAVIOURS = (Behaviour("prompt", 0.42, (-5, 12)), Behaviour("late", 0.30, (0, 70)),
              Behaviour("slow", 0.16, (30, 200)), Behaviour("stopped", 0.12, (0, 60)))
STUCK = 0.03      # an item left unpaid (lost, disputed, forgotten) while the rest is paid
PARTIAL = 0.07    # an item paid only in part
BOUNCE_EVERY = 40  # every 40th debtor (from the 12th) has its latest payment returned by the bank


# --- Generated values ------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class DebtorPlan:
    id: int
    index: int
    segment: str
    company: Creditor
    company_id: int
    currency: str
    factor: float
    english: bool
    region: Region
    behaviour: Behaviour
    stop: int | None
    start: int
    bounces: bool


class Item(NamedTuple):
    """One receivable as generated; `paid` is what its payment applies (0 when unpaid)."""

    id: int
    contract_id: int | None
    kind: str
    number: str
    issue: int
    due: int
    cents: int
    paid_on: int | None
    paid: int


@dataclass
class IdSequence:
    """The next primary key per table, assigned here so inserts need no RETURNING."""

    next_ids: dict[str, int]

    def take(self, table: str) -> int:
        value = self.next_ids[table]
        self.next_ids[table] = value + 1
        return value


WRITE_ORDER = ("debtor", "contact", "contract", "receivable", "payment", "allocation")


@dataclass
class Batch:
    """Rows waiting to be written, per table in foreign-key order, with what they hold."""

    rows: dict[str, list[Row]] = field(default_factory=lambda: {name: [] for name in WRITE_ORDER})
    open_items: int = 0
    reversed_payments: int = 0
    payments_with_credit: int = 0

    def tally(self) -> dict[str, int]:
        return {**{name: len(rows) for name, rows in self.rows.items()}, "open_receivable": self.open_items,
                "reversed_payment": self.reversed_payments, "payment_with_credit": self.payments_with_credit}


def money(cents: int) -> Decimal:
    """Cents generated as integers, handed to the Amount column as an exact Decimal."""
    return Decimal(cents).scaleb(-2)


@lru_cache(maxsize=8192)
def day(ordinal: int) -> date:
    """Dates are generated as ordinals; a few thousand distinct days cover every load."""
    return date.fromordinal(ordinal)


def between(rng: random.Random, low: int, high: int) -> int:
    """A whole number from low to high inclusive (random.randint, at a fraction of its cost)."""
    return low + int(rng.random() * (high - low + 1))


# --- Parties -------------------------------------------------------------------------------------------

def person_name(rng: random.Random) -> tuple[str, str]:
    surname, surname_latin = rng.choice(SURNAMES)
    given, given_latin = rng.choice(GIVEN_NAMES)
    return surname + given, f"{given_latin}.{surname_latin}"


def credit_code(rng: random.Random, kind: str, region: Region) -> str:
    return make_credit_code(kind + region.code + "".join(rng.choice(ALPHABET) for _ in range(9)))


def debtor_name(rng: random.Random, plan: DebtorPlan, taken: set[str]) -> tuple[str, str]:
    """A name not used yet and the e-mail domain that goes with it."""
    for attempt in range(40):
        region = plan.region if attempt < 20 else rng.choice(REGIONS)
        slug = region.english.lower().replace("'", "")
        brand, latin = rng.choice(BRANDS)
        if plan.english:
            english_brand = rng.choice(ENGLISH_BRANDS)
            name = f"{english_brand} {rng.choice(ENGLISH_TRADES)} ({region.english}) {rng.choice(ENGLISH_FORMS)}"
            domain = english_brand.lower().replace(" ", "") + ".com"
        elif plan.segment == "public" and rng.random() < 0.5:
            name = f"{region.city}市{rng.choice(region.districts)}{rng.choice(INSTITUTIONS)}"
            domain = f"{slug}.gov.cn"
        elif plan.segment == "public":
            name, domain = f"{region.city}{brand}{rng.choice(STATE_COMPANIES)}", f"{latin}-{slug}.com.cn"
        else:
            name = f"{region.city}{brand}{rng.choice(TRADES[plan.segment])}{rng.choice(LEGAL_FORMS)}"
            domain = f"{latin}-{slug}.com.cn"
        if name not in taken:
            taken.add(name)
            return name, domain
    name = f"{name}第{plan.index}分公司"
    taken.add(name)
    return name, domain


def address(rng: random.Random, plan: DebtorPlan) -> str:
    if plan.english:
        return f"Room {between(rng, 2, 32)}{between(rng, 1, 20):02d}, No. {between(rng, 1, 1999)} " \
               f"{rng.choice(ENGLISH_ROADS)}, {plan.region.english}, China"
    return f"{plan.region.prefix}{rng.choice(plan.region.districts)}{rng.choice(ROADS)}{between(rng, 1, 1999)}号"


def debtor_row(rng: random.Random, plan: DebtorPlan, name: str, now: datetime) -> Row:
    institution = name.endswith(INSTITUTIONS)
    frequency = "monthly" if plan.segment in ("construction", "public") else rng.choice(("quarterly", "none"))
    return {
        "id": plan.id, "code": f"D{plan.index + 1:05d}", "name": name,
        "credit_code": credit_code(rng, "12" if institution else "91", plan.region),
        "address": address(rng, plan), "segment": plan.segment,
        "legal_representative": person_name(rng)[0], "status": "active", "on_hold": False,
        "reconciliation_frequency": frequency, "created_at": now, "updated_at": now,
    }


def phone(rng: random.Random, plan: DebtorPlan, landline: bool) -> str:
    if landline:
        digits = 8 if len(plan.region.area_code) == 3 else 7 + between(rng, 0, 1)
        return f"{plan.region.area_code}-{between(rng, 2, 8)}{rng.randrange(10 ** (digits - 1)):0{digits - 1}d}"
    return f"1{rng.choice('3589')}{rng.randrange(10 ** 9):09d}"


def contact_rows(rng: random.Random, plan: DebtorPlan, domain: str, ids: IdSequence, now: datetime) -> list[Row]:
    """1 to 3 people; finance first, since that is who the collectors call first."""
    roles = ["finance", *rng.sample(("procurement", "boss", "front_desk"), between(rng, 0, 2))]
    rows = []
    for position, role in enumerate(roles):
        name, mailbox = person_name(rng)
        rows.append({
            "id": ids.take("contact"), "debtor_id": plan.id, "name": name, "role": role,
            "title": rng.choice(CONTACT_TITLES[role]), "phone": phone(rng, plan, role == "front_desk"),
            "email": f"{'info' if role == 'front_desk' else mailbox}@{domain}", "address": None,
            "is_primary": position == 0, "notes": None, "created_at": now,
        })
    return rows


# --- Contracts and what they bill --------------------------------------------------------------------

def payment_delay(rng: random.Random, plan: DebtorPlan, due: int, cents: int) -> tuple[int | None, int]:
    """When an item is paid and how much of it, or (None, 0) if it is still unpaid at as_of."""
    if cents <= 0 or rng.random() < STUCK:
        return None, 0
    paid_on = due + between(rng, *plan.behaviour.delay)
    if plan.stop is not None and paid_on >= plan.stop:
        return None, 0
    paid = cents if rng.random() >= PARTIAL else max(1, cents * rng.choice((2, 3, 5, 6, 8)) // 10)
    return paid_on, paid


def item(rng: random.Random, plan: DebtorPlan, ids: IdSequence, as_of: int, contract_id: int, kind: str,
         issue: int, due: int, cents: int) -> Item:
    item_id = ids.take("receivable")
    paid_on, paid = payment_delay(rng, plan, due, cents)
    if paid_on is not None and paid_on > as_of:
        paid_on, paid = None, 0
    return Item(item_id, contract_id, kind, f"{NUMBER_PREFIXES[kind]}-{day(issue).year}-{item_id:07d}",
                issue, due, cents, paid_on, paid)


def trade_items(rng: random.Random, plan: DebtorPlan, ids: IdSequence, as_of: int, contract_id: int,
                signed: int, terms: int, count: int, median: float) -> list[Item]:
    """Invoices for goods or services, with the odd credit note, fee and late-payment interest."""
    items: list[Item] = []
    last_invoice = 0
    for issue in sorted(between(rng, signed, as_of) for _ in range(count)):
        roll = rng.random()
        if roll < 0.04 and last_invoice:
            cents = -max(100, int(last_invoice * rng.uniform(0.02, 0.12)))
            items.append(item(rng, plan, ids, as_of, contract_id, "credit_note", issue, issue, cents))
        elif roll < 0.06:
            cents = int(between(rng, 300, 3000) * 100 * plan.factor)
            items.append(item(rng, plan, ids, as_of, contract_id, "fee", issue, issue + 30, cents))
        elif roll < 0.075 and last_invoice and plan.behaviour.name in ("slow", "stopped"):
            cents = max(100, last_invoice * between(rng, 30, 180) // 2000)  # 0.05% a day on an overdue invoice
            items.append(item(rng, plan, ids, as_of, contract_id, "interest", issue, issue + 15, cents))
        else:
            last_invoice = int(rng.lognormvariate(log(median), 0.9) * 100 * plan.factor) + 100
            items.append(item(rng, plan, ids, as_of, contract_id, "invoice", issue, issue + terms, last_invoice))
    return items


def construction_items(rng: random.Random, plan: DebtorPlan, ids: IdSequence, as_of: int, contract_id: int,
                       signed: int, terms: int, count: int, price: int) -> list[Item]:
    """Monthly progress billings; a finished project adds its settlement balance and 3% retention."""
    finished = count >= 4
    progress_count = count - 2 if finished else count
    step = min(30.0, (as_of - signed - 60) / (progress_count + 1))
    share = price * 80 // 100 // (progress_count if finished else max(progress_count + 4, 8))
    items = []
    issue = signed
    for number in range(1, progress_count + 1):
        issue = signed + int(number * step)
        cents = share * between(rng, 80, 120) // 100
        items.append(item(rng, plan, ids, as_of, contract_id, "progress", issue, issue + terms, cents))
    if finished:
        retention = price * 3 // 100
        billed = sum(i.cents for i in items)
        settled = min(as_of, issue + between(rng, 30, 60))
        balance = max(100, price - retention - billed)
        items.append(item(rng, plan, ids, as_of, contract_id, "settlement_balance", settled, settled + 90, balance))
        items.append(item(rng, plan, ids, as_of, contract_id, "retention", settled, settled + 365 + 28, retention))
    return items


def contract_rows(rng: random.Random, plan: DebtorPlan, ids: IdSequence, as_of: int, count: int,
                  now: datetime) -> tuple[list[Row], list[Item]]:
    """Split the debtor's item count over a few contracts and bill each of them."""
    contracts = between(rng, 1, max(1, min(12, count // 12)))
    shares = [1] * contracts
    for _ in range(count - contracts):
        shares[int(rng.random() * contracts)] += 1
    rows: list[Row] = []
    items: list[Item] = []
    for share in shares:
        contract_id = ids.take("contract")
        signed = between(rng, plan.start, max(plan.start, (plan.start + as_of) // 2 - 60))
        kind = contract_kind(rng, plan)
        days = rng.choices(*TERMS[kind])[0]
        if kind == "construction":
            price = int(rng.lognormvariate(log(3_000_000), 0.8) * 100 * plan.factor)
            billed = construction_items(rng, plan, ids, as_of, contract_id, signed, days, share, price)
        else:
            median = {"retail": 8_000, "distribution": 25_000}.get(plan.segment, 60_000)
            billed = trade_items(rng, plan, ids, as_of, contract_id, signed, days, share, median)
            price = -(-sum(i.cents for i in billed if i.cents > 0) // 1_000_000) * 1_000_000
        items.extend(billed)
        rows.append({
            "id": contract_id, "company_id": plan.company_id, "debtor_id": plan.id,
            "number": f"{'HJ' if plan.company is CONTRACTOR else 'DF'}-{CONTRACT_CODES[kind]}-"
                      f"{day(signed).year}-{contract_id:06d}",
            "title": contract_title(rng, plan, kind, signed), "kind": kind, "amount": money(price),
            "currency": plan.currency, "signed_on": day(signed), "payment_terms_days": days, "created_at": now,
        })
    return rows, items


def contract_kind(rng: random.Random, plan: DebtorPlan) -> str:
    if plan.segment == "construction":
        return "construction"
    if plan.segment == "public":
        return "construction" if rng.random() < 0.6 else "service"
    return "service" if rng.random() < 0.15 else "sale"


def contract_title(rng: random.Random, plan: DebtorPlan, kind: str, signed: int) -> str:
    year = day(signed).year
    if plan.english:
        return {"sale": f"Supply Agreement {year}", "service": "Service Agreement"}.get(kind, "Works Contract")
    if kind == "construction":
        return f"{plan.region.city}{rng.choice(plan.region.districts)}{rng.choice(PROJECTS)}施工合同"
    return f"{year}年度产品购销框架合同" if kind == "sale" else rng.choice(SERVICES)


# --- Payments: monthly payment runs; the rest of a rounded-up transfer is credit on account ---------------

def payment_runs(items: Iterable[Item]) -> list[list[Item]]:
    """Paid items grouped into one transfer per month (at most 20 items, as one remittance advice)."""
    runs: list[list[Item]] = []
    month: tuple[int, int] | None = None
    for paid in sorted((i for i in items if i.paid_on is not None), key=lambda i: (i.paid_on, i.id)):
        assert paid.paid_on is not None
        paid_day = day(paid.paid_on)
        if runs and month == (paid_day.year, paid_day.month) and len(runs[-1]) < 20:
            runs[-1].append(paid)
        else:
            runs.append([paid])
            month = (paid_day.year, paid_day.month)
    return runs


def payment_rows(rng: random.Random, plan: DebtorPlan, items: Sequence[Item], ids: IdSequence, as_of: int,
                 batch: Batch, now: datetime) -> set[int]:
    """Add the debtor's payments and allocations to the batch; returns the items whose allocation was reversed.

    Its last payment is returned by the bank when the debtor `bounces`: the payment and its allocations get
    the same `reversed_on`, and those items stay open.
    """
    runs = payment_runs(items)
    reversed_items: set[int] = set()
    for position, run in enumerate(runs):
        payment_id = ids.take("payment")
        received = max(i.paid_on for i in run if i.paid_on is not None)
        applied = sum(i.paid for i in run)
        amount = applied
        if rng.random() < 0.02:
            unit = 100_000 if plan.currency == "CNY" else 10_000
            amount = (applied // unit + 1) * unit
            batch.payments_with_credit += 1
        bounced = plan.bounces and position == len(runs) - 1
        reversed_on = day(min(as_of, received + between(rng, 3, 10))) if bounced else None
        if bounced:
            batch.reversed_payments += 1
            reversed_items.update(i.id for i in run)
        batch.rows["payment"].append({
            "id": payment_id, "company_id": plan.company_id, "debtor_id": plan.id,
            "reference": f"RC{day(received):%Y%m%d}{payment_id:07d}", "received_on": day(received),
            "currency": plan.currency, "amount": money(amount), "applies_to": ";".join(i.number for i in run),
            "reversed_on": reversed_on, "reversal_reason": REVERSAL_REASON if bounced else None,
            "created_at": now,
        })
        batch.rows["allocation"].extend(
            {"id": ids.take("allocation"), "payment_id": payment_id, "receivable_id": i.id,
             "amount": money(i.paid), "applied_on": day(max(received, i.issue)), "reversed_on": reversed_on}
            for i in run
        )
    return reversed_items


def receivable_rows(rng: random.Random, plan: DebtorPlan, items: Sequence[Item], reversed_items: set[int],
                    batch: Batch, now: datetime) -> None:
    """Open amount = amount less active allocations, from the same numbers the allocations were made of."""
    for i in items:
        open_cents = i.cents - (0 if i.id in reversed_items else i.paid)
        batch.open_items += open_cents != 0
        batch.rows["receivable"].append({
            "id": i.id, "company_id": plan.company_id, "debtor_id": plan.id, "contract_id": i.contract_id,
            "kind": i.kind, "number": i.number, "issue_date": day(i.issue), "due_date": day(i.due),
            "currency": plan.currency, "amount": money(i.cents), "open_amount": money(open_cents),
            "dunning_block": open_cents > 0 and rng.random() < 0.01, "created_at": now,
        })


# --- Putting one debtor together -------------------------------------------------------------------------

def plan_debtor(rng: random.Random, index: int, debtor_id: int, as_of: int,
                company_ids: dict[str, int]) -> DebtorPlan:
    segment = rng.choices([s for s, _ in SEGMENTS], [w for _, w in SEGMENTS])[0]
    english = segment in ("distribution", "retail") and rng.random() < 0.18
    currency, factor = "CNY", 1.0
    if english:
        currency, _, factor = rng.choices(FOREIGN_CURRENCIES, [w for _, w, _ in FOREIGN_CURRENCIES])[0]
    company = CONTRACTOR if segment in ("construction", "public") else DISTRIBUTOR
    bounces = index % BOUNCE_EVERY == 11
    behaviour = BEHAVIOURS[1] if bounces else rng.choices(BEHAVIOURS, [b.weight for b in BEHAVIOURS])[0]
    start = as_of - between(rng, 365, 1095)
    stop = between(rng, start + 60, as_of - 15) if behaviour.name == "stopped" else None
    return DebtorPlan(debtor_id, index, segment, company, company_ids[company.key], currency, factor, english,
                      rng.choice(REGIONS), behaviour, stop, start, bounces)


def add_debtor(rng: random.Random, plan: DebtorPlan, count: int, as_of: int, ids: IdSequence,
               names: set[str], batch: Batch, now: datetime) -> None:
    name, domain = debtor_name(rng, plan, names)
    batch.rows["debtor"].append(debtor_row(rng, plan, name, now))
    batch.rows["contact"].extend(contact_rows(rng, plan, domain, ids, now))
    contracts, items = contract_rows(rng, plan, ids, as_of, count, now)
    batch.rows["contract"].extend(contracts)
    reversed_items = payment_rows(rng, plan, items, ids, as_of, batch, now)
    receivable_rows(rng, plan, items, reversed_items, batch, now)


def item_counts(rng: random.Random, debtors: int, total: int) -> list[int]:
    """Exactly `total` items over the debtors, a few big accounts and many small ones."""
    weights = [rng.lognormvariate(0.0, 0.8) for _ in range(debtors)]
    spread, scale = total - 3 * debtors, sum(weights)
    counts = [3 + int(spread * w / scale) for w in weights]
    for index in range(total - sum(counts)):
        counts[index % debtors] += 1
    return counts


# --- Generating in batches ---------------------------------------------------------------------------

def demo_batches(rng: random.Random, scale: DemoScale, ids: IdSequence, companies: dict[str, int],
                 as_of: int, now: datetime) -> Iterator[Batch]:
    """The whole ledger, debtor by debtor, cut into batches of about CHUNK_ITEMS receivables."""
    batch, names = Batch(), set[str]()
    for index, count in enumerate(item_counts(rng, scale.debtors, scale.receivables)):
        plan = plan_debtor(rng, index, ids.take("debtor"), as_of, companies)
        add_debtor(rng, plan, count, as_of, ids, names, batch, now)
        if len(batch.rows["receivable"]) >= CHUNK_ITEMS:
            yield batch
            batch = Batch()
    yield batch


# --- Writing -------------------------------------------------------------------------------------------

def table(name: str) -> Table:
    return all_tables().tables[name]


def write_batch(session: Session, batch: Batch) -> None:
    """One executemany per table, through the bulk path the imports use (explicit keys, no RETURNING)."""
    for name in WRITE_ORDER:
        insert_rows(session, table(name), batch.rows[name])


def refuse_unless_empty(session: Session) -> None:
    if session.execute(select(table("debtor").c.id).limit(1)).first() is not None:
        raise DemoError("the database already holds data; use a fresh RECEIVABLES_HOME or --db")


def next_ids(session: Session) -> IdSequence:
    names = ("company", *WRITE_ORDER)
    return IdSequence({n: (session.execute(select(func.max(table(n).c.id))).scalar() or 0) + 1 for n in names})


def creditor_ids(session: Session, ids: IdSequence, now: datetime) -> dict[str, int]:
    """Our two companies, reusing one that `receivables init --company` already created by name."""
    company = table("company")
    has_default = session.execute(select(company.c.id).where(company.c.is_default)).first() is not None
    found: dict[str, int] = {}
    for creditor in (CONTRACTOR, DISTRIBUTOR):
        existing = session.execute(select(company.c.id).where(company.c.name == creditor.name)).scalar()
        if existing is None:
            existing = ids.take("company")
            session.execute(insert(company), [{
                "id": existing, "name": creditor.name, "credit_code": creditor.credit_code,
                "address": creditor.address, "phone": creditor.phone, "jurisdiction": "CN",
                "is_default": not has_default, "created_at": now,
            }])
            has_default = True
        found[creditor.key] = existing
    return found


def advance_sequences(session: Session) -> None:
    """PostgreSQL hands out ids from sequences, which explicit keys do not move: move them past the max."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for name in ("company", *WRITE_ORDER):
        key = table(name).c.id
        session.execute(select(func.setval(func.pg_get_serial_sequence(name, "id"),
                                           select(func.max(key)).scalar_subquery())))


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector for a bulk load: the generated rows hold no reference cycles (so
    memory is still freed batch by batch), and its scans over millions of new dicts cost a tenth of the time.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_demo(factory: sessionmaker[Session], *, size: DemoSize = "small", seed: int = 1, as_of: date,
              actor: str = "system", progress: Progress | None = None) -> DemoSummary:
    """Load the demo ledger as it stood on `as_of`, in one transaction; the same seed gives the same rows.

    Refuses a database that already has debtors. `progress(done, total)` counts receivables written.
    """
    scale = SCALES.get(size)
    if scale is None:
        raise DemoError(f"unknown demo size {size!r} (expected small or large)")
    now = utc_now()
    with collector_paused(), unit_of_work(factory) as session:
        refuse_unless_empty(session)
        ids = next_ids(session)
        companies = creditor_ids(session, ids, now)
        written: Counter[str] = Counter()
        batches = demo_batches(random.Random(seed), scale, ids, companies, as_of.toordinal(), now)
        for batch in batches:
            write_batch(session, batch)
            written.update(batch.tally())
            if progress is not None:
                progress(written["receivable"], scale.receivables)
        advance_sequences(session)
        add_project_facts(session)
        summary = DemoSummary(
            size=size, seed=seed, as_of=as_of, companies=len(companies), debtors=written["debtor"],
            contacts=written["contact"], contracts=written["contract"], receivables=written["receivable"],
            open_receivables=written["open_receivable"], payments=written["payment"],
            allocations=written["allocation"], reversed_payments=written["reversed_payment"],
            payments_with_credit=written["payment_with_credit"],
        )
        audit.record(session, actor, "demo.load", "database", None,
                     detail={"size": size, "seed": seed, "as_of": as_of, **summary_counts(summary)})
    return summary


def summary_counts(summary: DemoSummary) -> dict[str, int]:
    return {name: getattr(summary, name) for name in (
        "companies", "debtors", "contacts", "contracts", "receivables", "open_receivables", "payments",
        "allocations", "reversed_payments", "payments_with_credit")}
