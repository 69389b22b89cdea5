"""Issuing letters from the ledger: numbered, rendered, stored by hash, recorded, never changed."""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from letters import (
    RenderedLetter,
    TemplateCatalog,
    TemplateInfo,
    render_letter,
    shipped_templates_dir,
)
from receivables.domain.ledger import OpenItemLine
from receivables.domain.money import ZERO
from receivables.domain.numbering import format_letter_number
from receivables.services.errors import Refused, UnknownRecord
from receivables.storage import audit
from receivables.storage.blobs import BlobStore
from receivables.storage.frozen import frozen_value
from receivables.storage.numbering import next_sequence
from receivables.storage.queries.debtors import debtor_open_items, debtor_payments, find_debtor
from receivables.storage.schema import Company, Contact, Contract, Debtor, Letter, LetterFile, Receivable

DEFAULT_DEADLINE_DAYS = 15
_RECIPIENT_ROLES = ("finance", "boss", "legal_rep", "procurement")
_NO_CONTACT = {"zh_CN": ("财务负责人", "财务部"), "en": ("Head of Finance", "Finance Department")}
# Letters that demand payment: they list only what is overdue (and open credits, which reduce the debt),
# never amounts not yet due, and cite the earlier demands of the same creditor.
DEMAND_KINDS = frozenset({"reminder", "demand", "final_demand", "collection_notice", "lawyer_letter"})
OVERDUE_ONLY_KINDS = DEMAND_KINDS - {"reminder"}


class LetterRefused(Refused):
    """The letter cannot be issued as asked (no open items, ambiguous currency, unknown company)."""


@dataclass(frozen=True, slots=True)
class IssuedLetter:
    number: str
    debtor: str
    template: str
    locale: str
    files: Mapping[str, str]  # format -> SHA-256
    paths: Mapping[str, Path]  # format -> file in the blob store
    warnings: tuple[str, ...]


def catalog_for(user_templates: Path) -> TemplateCatalog:
    """User templates override the shipped ones of the same name and locale."""
    return TemplateCatalog([user_templates, shipped_templates_dir()])


def creditor_company(session: Session, company: str | None) -> Company:
    query = select(Company).where(Company.name == company) if company else select(Company).where(
        Company.is_default.is_(True))
    found = session.execute(query).scalar_one_or_none()
    if found is None:
        raise LetterRefused(f"unknown company {company!r}" if company else
                            "no default company: run `receivables init --company NAME`")
    return found


def recipient_fields(session: Session, debtor: Debtor, locale: str) -> dict[str, Any]:
    # People who have left the debtor never receive a letter.
    contacts = session.execute(
        select(Contact).where(Contact.debtor_id == debtor.id, Contact.active.is_(True))
    ).scalars().all()
    ranked = sorted(contacts, key=lambda c: (not c.is_primary,
                                             _RECIPIENT_ROLES.index(c.role) if c.role in _RECIPIENT_ROLES else 9,
                                             c.id))
    if ranked:
        chosen = ranked[0]
        return {"name": chosen.name, "title": chosen.title or "", "company": debtor.name,
                "address": chosen.address or debtor.address or ""}
    name, title = _NO_CONTACT.get(locale, _NO_CONTACT["en"])
    return {"name": name, "title": title, "company": debtor.name, "address": debtor.address or ""}


def _contract_of(session: Session, items: Sequence[OpenItemLine], debtor_id: int) -> dict[str, Any] | None:
    numbers = {i.contract for i in items}
    if len(numbers) != 1 or None in numbers:
        return None
    contract = session.execute(
        select(Contract).where(Contract.debtor_id == debtor_id, Contract.number == numbers.pop())
    ).scalar_one()
    return {"number": contract.number, "name": contract.title or contract.number,
            "date": contract.signed_on.isoformat() if contract.signed_on else None}


def _previous_demands(session: Session, company_id: int, debtor_id: int, as_of: date) -> list[str]:
    """Dates on which this creditor issued demands to the debtor up to `as_of`, oldest first, each once
    (final demands cite them). Statements, plans and retention requests are not demands."""
    rows = session.execute(
        select(Letter.letter_date).distinct()
        .where(Letter.company_id == company_id, Letter.debtor_id == debtor_id, Letter.letter_date <= as_of,
               Letter.template_kind.in_(sorted(DEMAND_KINDS)))
        .order_by(Letter.letter_date))
    return [d.isoformat() for d in rows.scalars()]


def _owed_to(session: Session, creditor: Company, debtor: Debtor,
             items: Sequence[OpenItemLine]) -> list[OpenItemLine]:
    """The items the debtor owes this creditor (a debtor may owe several of our companies)."""
    numbers = {i.number for i in items}
    if not numbers:
        return []
    ours = set(session.execute(
        select(Receivable.number).where(Receivable.debtor_id == debtor.id, Receivable.company_id == creditor.id,
                                        Receivable.number.in_(sorted(numbers)))).scalars())
    return [i for i in items if i.number in ours]


def build_letter_data(session: Session, creditor: Company, debtor: Debtor, *, as_of: date, locale: str,
                      currency: str | None, deadline_days: int, blobs: BlobStore,
                      overdue_only: bool = False) -> dict[str, Any]:
    """The data a template sees, frozen as of `as_of` (without the letter number, assigned at issue).

    Only items owed to `creditor` count. With `overdue_only` (demands), items not yet due are left out;
    open credits (credit notes) stay in, since they reduce what the debtor owes.
    """
    items = [i for i in debtor_open_items(session, debtor.id, as_of) if i.open_amount != ZERO]
    items = _owed_to(session, creditor, debtor, items)
    if not items:
        raise LetterRefused(f"debtor {debtor.code} has nothing open with {creditor.name} on {as_of}")
    if overdue_only:
        items = [i for i in items if i.days_past_due > 0 or i.open_amount < ZERO]
        if not any(i.open_amount > ZERO for i in items):
            raise LetterRefused(f"debtor {debtor.code} has nothing overdue on {as_of}: nothing to demand "
                                "(a reminder lists items not yet due)")
    currencies = sorted({i.currency for i in items})
    if currency is None:
        if len(currencies) > 1:
            raise LetterRefused(f"debtor {debtor.code} owes in {', '.join(currencies)}: choose one with --currency")
        currency = currencies[0]
    items = [i for i in items if i.currency == currency]
    if not items:
        raise LetterRefused(f"debtor {debtor.code} has nothing open in {currency} on {as_of}")
    credits = [p for p in debtor_payments(session, debtor.id, as_of, company_id=creditor.id)
               if p.currency == currency and p.unapplied > ZERO]
    if sum((i.open_amount for i in items), ZERO) - sum((p.unapplied for p in credits), ZERO) <= ZERO:
        raise LetterRefused(f"debtor {debtor.code} owes nothing in {currency} on {as_of}: "
                            "its open credits and unapplied payments cover its open items")
    letterhead: dict[str, Any] = {"name": creditor.name, "address": creditor.address or "",
                                  "phone": creditor.phone or ""}
    if creditor.logo_sha256:
        letterhead["logo"] = str(blobs.path_for(creditor.logo_sha256))
    overdue = [i for i in items if i.days_past_due > 0]
    # Money received but not yet matched to an item still reduces what the debtor owes: a demand must
    # never ask for more than the balance, so it appears as a negative line, like a credit note.
    lines: list[dict[str, Any]] = [{"number": i.number, "kind": i.kind, "issue_date": i.issue_date, "due_date": i.due_date,
              "amount": i.amount, "paid": i.amount - i.open_amount, "open": i.open_amount,
              "days_overdue": max(i.days_past_due, 0) if i.open_amount > ZERO else 0} for i in items]
    lines += [{"number": p.reference, "kind": "unapplied_payment", "issue_date": p.received_on,
               "due_date": p.received_on, "amount": -p.unapplied, "paid": ZERO, "open": -p.unapplied,
               "days_overdue": 0} for p in credits]
    data: dict[str, Any] = frozen_value({
        "letterhead": letterhead,
        "date": as_of,
        "recipient": recipient_fields(session, debtor, locale),
        "debtor": {"code": debtor.code, "name": debtor.name, "credit_code": debtor.credit_code or "",
                   "address": debtor.address or ""},
        "contract": _contract_of(session, items, debtor.id),
        "currency": currency,
        "items": lines,
        "totals": {"amount": sum((line["amount"] for line in lines), ZERO),
                   "paid": sum((line["paid"] for line in lines), ZERO),
                   "open": sum((line["open"] for line in lines), ZERO),
                   "overdue": sum((i.open_amount for i in overdue), ZERO),
                   "unapplied_payments": sum((p.unapplied for p in credits), ZERO)},
        "interest": [], "interest_basis": "", "interest_total": ZERO,
        "payment": {"bank": creditor.bank_name or "", "account": creditor.bank_account or "",
                    "account_name": creditor.name},
        "deadline": as_of + timedelta(days=deadline_days),
        "contact": {"name": creditor.contact_name or "", "phone": creditor.contact_phone or creditor.phone or ""},
        "previous_demands": _previous_demands(session, creditor.id, debtor.id, as_of),
    })
    return data


@dataclass(frozen=True, slots=True)
class LetterDraft:
    debtor: Debtor
    number: str
    year: int
    sequence: int
    data: dict[str, Any]


def issue_letters(session: Session, *, template: str, debtor_codes: Sequence[str], as_of: date, locale: str,
                  formats: Sequence[str], actor: str, catalog: TemplateCatalog, blobs: BlobStore,
                  user_templates: Path, company: str | None = None, currency: str | None = None,
                  deadline_days: int = DEFAULT_DEADLINE_DAYS, extra: Mapping[str, Any] | None = None,
                  workers: int | None = None,
                  progress: Callable[[int, int], None] | None = None) -> list[IssuedLetter]:
    """Issue one letter per debtor, all in the caller's transaction: numbers, files and rows together.

    Rendering runs in a process pool when there is more than one letter. If any letter fails, the
    transaction rolls back and no number is used (files already written to the blob store are harmless:
    nothing refers to them).
    """
    info = catalog.get(template, locale)
    origin = "user" if Path(info.path).resolve().is_relative_to(user_templates.resolve()) else "shipped"
    creditor = creditor_company(session, company)
    drafts = []
    for code in dict.fromkeys(debtor_codes):
        debtor = find_debtor(session, code)
        if debtor is None:
            raise UnknownRecord(f"no debtor with code {code!r}")
        data = build_letter_data(session, creditor, debtor, as_of=as_of, locale=locale, currency=currency,
                                 deadline_days=deadline_days, blobs=blobs,
                                 overdue_only=info.kind in OVERDUE_ONLY_KINDS)
        data.update(frozen_value(dict(extra or {})))
        require_fields(info, data)
        sequence = next_sequence(session, creditor.id, as_of.year, info.numbering_prefix)
        data["letter_number"] = format_letter_number(info.numbering_prefix, as_of.year, sequence, locale)
        drafts.append(LetterDraft(debtor, data["letter_number"], as_of.year, sequence, data))
    rendered = render_drafts(info, drafts, tuple(formats), workers, progress)
    issued = []
    for draft, letter in zip(drafts, rendered):
        issued.append(store_letter(session, info, origin, creditor, draft, letter, as_of, actor, blobs))
    return issued


def require_fields(info: TemplateInfo, data: Mapping[str, Any]) -> None:
    """Fields the template needs that the ledger does not hold must come from --data, before any number."""
    missing = [name for name in info.required_fields if name != "letter_number" and name not in data]
    if missing:
        raise LetterRefused(
            f"template {info.name} ({info.locale}) needs {', '.join(missing)}, which the ledger does not hold: "
            f"give {'it' if len(missing) == 1 else 'them'} in a JSON file with --data EXTRA.json "
            f"(example: templates/examples/extra/{info.name}.{info.locale}.json)")


def render_drafts(info: TemplateInfo, drafts: Sequence[LetterDraft], formats: tuple[str, ...], workers: int | None,
                progress: Callable[[int, int], None] | None) -> list[RenderedLetter]:
    """Render in order; a batch uses a pool of fresh processes (forkserver: no open transaction or
    progress thread is copied into the workers). A letter's error is raised here, as it was raised."""
    total = len(drafts)
    results: list[RenderedLetter] = []
    if total <= 1 or workers == 1:
        for done, draft in enumerate(drafts, start=1):
            results.append(render_letter(info, draft.data, formats))
            if progress:
                progress(done, total)
        return results
    context = multiprocessing.get_context("forkserver" if sys.platform == "linux" else "spawn")
    with ProcessPoolExecutor(max_workers=min(workers or os.cpu_count() or 1, total), mp_context=context) as pool:
        futures = [pool.submit(render_letter, info, d.data, formats) for d in drafts]
        try:
            for done, future in enumerate(futures, start=1):
                results.append(future.result())
                if progress:
                    progress(done, total)
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return results


def store_letter(session: Session, info: TemplateInfo, origin: str, creditor: Company, draft: LetterDraft,
           letter: RenderedLetter, as_of: date, actor: str, blobs: BlobStore) -> IssuedLetter:
    hashes = {fmt: blobs.put(content) for fmt, content in letter.files.items()}
    letter_id = session.execute(insert(Letter).values(
        company_id=creditor.id, debtor_id=draft.debtor.id, number=draft.number, year=draft.year,
        sequence=draft.sequence, template_name=info.name, template_kind=info.kind, locale=info.locale,
        template_sha256=info.source_sha256, template_origin=origin, title=letter.title, letter_date=as_of,
        data=draft.data, issued_by=actor,
    ).returning(Letter.id)).scalar_one()
    session.execute(insert(LetterFile), [
        {"letter_id": letter_id, "format": fmt, "sha256": sha, "size": len(letter.files[fmt])}
        for fmt, sha in hashes.items()
    ])
    audit.record(session, actor, "letter.issue", "letter", draft.number, after={
        "debtor": draft.debtor.code, "template": info.name, "locale": info.locale,
        "template_sha256": info.source_sha256, "files": hashes})
    return IssuedLetter(draft.number, draft.debtor.code, info.name, info.locale, hashes,
                        {fmt: blobs.path_for(sha) for fmt, sha in hashes.items()}, letter.warnings)
