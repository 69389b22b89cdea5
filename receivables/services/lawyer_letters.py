"""Law-firm profiles and lawyer letters: the claims (principal, interest table, fees), statutes, deadline."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import and_, insert, or_, select
from sqlalchemy.orm import Session

from letters import TemplateCatalog
from receivables.domain.interest import InterestError, PaymentIn, Rule, late_interest, parse_rule
from receivables.domain.money import ZERO, parse_amount
from receivables.files.statutes import StatuteError, relied_on, shipped_statutes
from receivables.services.errors import Refused, UnknownRecord
from receivables.services.letters import IssuedLetter, build_letter_data, creditor_company, issue_letters
from receivables.services.rates import load_series
from receivables.services.users import require_role
from receivables.storage import audit
from receivables.storage.blobs import BlobStore
from receivables.storage.schema import Allocation, Company, Contract, Debtor, Payment, Receivable
from receivables.storage.schema.legal import LawFirm

LAWYER_LETTER = "lawyer_letter"
LEGAL_ROLES = ("legal",)
DEFAULT_DEADLINE_DAYS = 7
FIRM_FIELDS: tuple[str, ...] = ("address", "lawyer", "licence_number", "phone", "email")
_FIELD_LIMITS = {"name": 200, "address": 400, "lawyer": 100, "licence_number": 60, "phone": 60, "email": 200}


class LawFirmRefused(Refused):
    """The law firm cannot be added or changed as asked; nothing was written."""


class LawyerLetterRefused(Refused):
    """The lawyer letter cannot be issued as asked; nothing was written and no number was used."""


@dataclass(frozen=True, slots=True)
class LawFirmView:
    name: str
    address: str | None
    lawyer: str | None
    licence_number: str | None
    phone: str | None
    email: str | None
    active: bool


def _view(firm: LawFirm) -> LawFirmView:
    return LawFirmView(firm.name, firm.address, firm.lawyer, firm.licence_number, firm.phone, firm.email, firm.active)


def _checked(values: Mapping[str, str | None]) -> dict[str, str | None]:
    cleaned: dict[str, str | None] = {}
    for field, value in values.items():
        text = value.strip() if isinstance(value, str) else None
        if text is not None and len(text) > _FIELD_LIMITS[field]:
            raise LawFirmRefused(f"{field}: at most {_FIELD_LIMITS[field]} characters, got {len(text)}")
        if field == "email" and text and ("@" not in text or " " in text):
            raise LawFirmRefused(f"email: {text!r} is not an e-mail address")
        cleaned[field] = text or None
    return cleaned


def _firm(session: Session, name: str) -> LawFirm:
    firm = session.execute(select(LawFirm).where(LawFirm.name == name)).scalar_one_or_none()
    if firm is None:
        raise UnknownRecord(f"no law firm named {name!r} (add it with `receivables legal firm add`)")
    return firm


def add_firm(session: Session, name: str, *, actor: str, **details: str | None) -> LawFirmView:
    values = _checked({"name": name, **{field: details.get(field) for field in FIRM_FIELDS}})
    if not values["name"]:
        raise LawFirmRefused("name: give the firm's name")
    if session.execute(select(LawFirm.id).where(LawFirm.name == values["name"])).first() is not None:
        raise LawFirmRefused(f"a law firm named {values['name']!r} exists already (change it with `legal firm edit`)")
    session.execute(insert(LawFirm).values(**values))
    audit.record(session, actor, "law_firm.add", "law_firm", values["name"], after=values)
    return _view(_firm(session, str(values["name"])))


def edit_firm(session: Session, name: str, *, actor: str, active: bool | None = None,
              **changes: str | None) -> LawFirmView:
    """Change the given fields (an empty text clears one); `active=False` retires the firm from new letters."""
    firm = _firm(session, name)
    wanted = _checked({field: value for field, value in changes.items() if field in FIRM_FIELDS and value is not None})
    before = {field: getattr(firm, field) for field in (*wanted, "active")}
    for field, value in wanted.items():
        setattr(firm, field, value)
    if active is not None:
        firm.active = active
    after = {field: getattr(firm, field) for field in before}
    if after == before:
        raise LawFirmRefused(f"law firm {name!r}: nothing to change")
    session.flush()
    audit.record(session, actor, "law_firm.edit", "law_firm", name, before=before, after=after)
    return _view(firm)


def list_firms(session: Session) -> list[LawFirmView]:
    return [_view(firm) for firm in session.execute(select(LawFirm).order_by(LawFirm.name)).scalars()]


@dataclass(frozen=True, slots=True)
class Fee:
    """A fee the contract lets the creditor claim (e.g. lawyer's fees under its clause 12)."""

    description: str
    amount: Decimal


def parse_fee(text: str) -> Fee:
    """`DESCRIPTION:AMOUNT`, e.g. `律师费（合同第十二条）:5000`."""
    description, separator, amount = text.rpartition(":")
    if not separator or not description.strip():
        raise LawyerLetterRefused(f"fee {text!r}: expected DESCRIPTION:AMOUNT, e.g. 'Lawyer fee (clause 12):5000'")
    try:
        value = parse_amount(amount)
    except ValueError as exc:
        raise LawyerLetterRefused(f"fee {text!r}: {exc}") from None
    if value <= ZERO:
        raise LawyerLetterRefused(f"fee {text!r}: the amount must be positive")
    return Fee(description.strip(), value)


@dataclass(frozen=True, slots=True)
class _Claimed:
    number: str
    due_date: date
    open_amount: Decimal
    rule: Rule | None
    rule_origin: str
    contract_kind: str | None


def _stored_rule(value: str | None) -> str | None:
    return value if value is not None and value.strip() else None


def _claimed_items(session: Session, creditor: Company, debtor: Debtor, lines: Sequence[Mapping[str, Any]],
                   explicit: Rule | None) -> list[_Claimed]:
    numbers = [line["number"] for line in lines]
    rows = session.execute(select(Receivable.number, Contract).outerjoin(Contract, Contract.id == Receivable.contract_id)
                           .where(Receivable.debtor_id == debtor.id, Receivable.company_id == creditor.id,
                                  Receivable.number.in_(numbers))).all()
    contracts = {number: contract for number, contract in rows}
    company_rule = _stored_rule(creditor.default_interest_rule)
    claimed = []
    for line in lines:
        contract = contracts.get(line["number"])
        rule, origin = explicit, "--interest-rule"
        contract_rule = _stored_rule(contract.interest_rule) if contract is not None else None
        try:
            if rule is None and contract is not None and contract_rule:
                rule, origin = parse_rule(contract_rule), f"contract {contract.number}"
            elif rule is None and company_rule:
                rule, origin = parse_rule(company_rule), "company default"
        except InterestError as exc:
            raise LawyerLetterRefused(f"item {line['number']}: stored interest rule: {exc}") from None
        claimed.append(_Claimed(line["number"], date.fromisoformat(line["due_date"]), Decimal(line["open"]), rule,
                                origin, contract.kind if contract is not None else None))
    return claimed


def _payments_after_due(session: Session, debtor: Debtor, claimed: Sequence[_Claimed], as_of: date
                        ) -> dict[str, list[PaymentIn]]:
    """Per item, what was paid on it after its due date and by `as_of` (it lowers the principal from then)."""
    counted = and_(Allocation.applied_on <= as_of,
                   or_(Allocation.reversed_on.is_(None), Allocation.reversed_on > as_of))
    due = {c.number: c.due_date for c in claimed}
    paid: dict[str, dict[date, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for number, received_on, amount in session.execute(
            select(Receivable.number, Payment.received_on, Allocation.amount)
            .join(Allocation, Allocation.receivable_id == Receivable.id)
            .join(Payment, Payment.id == Allocation.payment_id)
            .where(Receivable.debtor_id == debtor.id, Receivable.number.in_(sorted(due)), counted,
                   Payment.received_on <= as_of)):
        if received_on > due[number]:
            paid[number][received_on] += amount
    return {number: [PaymentIn(day, amount) for day, amount in sorted(days.items())] for number, days in paid.items()}


def _rate_text(rate: Decimal) -> str:
    return format(rate.normalize(), "f")


def _percent(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f}%"


def rule_wording(rule: Rule, origin: str, locale: str) -> str:
    """How the letter names an interest rule and where it comes from, e.g. 每日0.05%（合同HT-1约定）."""
    zh = locale != "en"
    figure = rule.figure
    if rule.kind == "daily" and figure is not None:
        text = f"每日{_percent(figure)}" if zh else f"{_percent(figure)} a day"
    elif rule.kind == "annual" and figure is not None:
        text = f"年利率{_percent(figure)}" if zh else f"{_percent(figure)} a year"
    elif rule.kind in ("lpr", "lpr-floating") and figure is not None:
        multiple = f"{figure.normalize():f}"
        text = (f"一年期贷款市场报价利率（LPR）的{multiple}倍" if zh else f"{multiple} times the 1-year Loan Prime Rate")
    else:
        text = rule.text
    if origin.startswith("contract "):
        number = origin.removeprefix("contract ")
        return f"{text}（合同{number}约定）" if zh else f"{text} (agreed in contract {number})"
    return f"{text}（委托人主张）" if zh else f"{text} (as claimed by our client)"


def interest_claim(session: Session, creditor: Company, debtor: Debtor, lines: Sequence[Mapping[str, Any]],
                   as_of: date, currency: str, explicit: Rule | None, locale: str = "zh_CN"
                   ) -> tuple[list[dict[str, Any]], str, Decimal, list[str], set[str]]:
    """The interest table of the overdue items: rows (item, from, to, days, principal, rate, basis, amount), the
    basis text, the total, the calculator's assumptions, and the contract kinds (for the statutes relied on)."""
    claimed = _claimed_items(session, creditor, debtor, lines, explicit)
    payments = _payments_after_due(session, debtor, claimed, as_of)
    series = load_series(session) if any(c.rule is not None and c.rule.series for c in claimed) else {}
    rows: list[dict[str, Any]] = []
    bases: dict[str, str] = {}
    notes: list[str] = []
    total = ZERO
    for item in claimed:
        first = item.due_date + timedelta(days=1)
        if item.rule is None or first > as_of:
            continue
        paid_later = payments.get(item.number, [])
        principal = item.open_amount + sum((p.amount for p in paid_later), ZERO)
        try:
            result = late_interest(principal, first, as_of, item.rule, payments=paid_later, rates=series,
                                   currency=currency)
        except InterestError as exc:
            raise LawyerLetterRefused(f"item {item.number}: interest: {exc}") from None
        bases.setdefault(rule_wording(item.rule, item.rule_origin, locale), item.rule.text)
        notes.extend(note for note in result.assumptions if note not in notes)
        total += result.total
        per_day = item.rule.kind == "daily" and item.rule.figure is not None
        for segment in result.segments:
            rows.append({"item": item.number, "from": segment.first.isoformat(), "to": segment.last.isoformat(),
                         "days": segment.days, "principal": segment.principal,
                         "rate": _rate_text(item.rule.figure if per_day and item.rule.figure else segment.rate),
                         "basis": "day" if per_day else "year", "amount": segment.amount})
    basis = ("；" if locale != "en" else "; ").join(bases)
    return rows, basis, total, notes, {c.contract_kind for c in claimed if c.contract_kind}


def issue_lawyer_letter(session: Session, *, debtor_code: str, firm_name: str, as_of: date, locale: str,
                        actor: str, catalog: TemplateCatalog, blobs: BlobStore, user_templates: Path,
                        formats: Sequence[str] = ("pdf", "docx"), deadline_days: int = DEFAULT_DEADLINE_DAYS,
                        interest_rule: str | None = None, fees: Sequence[Fee] = (), clauses: Sequence[str] = (),
                        company: str | None = None, currency: str | None = None) -> IssuedLetter:
    """Issue a lawyer letter on the firm's letterhead: only a user with the legal role may (admin always may).

    The claims are the overdue principal, the interest table by the explicit rule, else the contract's, else the
    company's default rule (none: no interest is claimed), and the fees the contract provides for; then the
    contract clauses and statutes relied on, the deadline and the lawful consequences of not paying.
    """
    require_role(session, actor, LEGAL_ROLES, doing="issuing a lawyer letter")
    firm = _firm(session, firm_name)
    if not firm.active:
        raise LawyerLetterRefused(f"law firm {firm_name!r} is retired: reactivate it with `legal firm edit --active`")
    missing = [field for field in ("address", "lawyer", "licence_number", "phone") if not getattr(firm, field)]
    if missing:
        raise LawyerLetterRefused(f"law firm {firm_name!r} has no {', '.join(missing)}: a lawyer letter names them "
                                  "(add with `receivables legal firm edit`)")
    try:
        explicit = parse_rule(interest_rule) if interest_rule else None
    except InterestError as exc:
        raise LawyerLetterRefused(f"--interest-rule: {exc}") from None
    creditor = creditor_company(session, company)
    debtor = session.execute(select(Debtor).where(Debtor.code == debtor_code)).scalar_one_or_none()
    if debtor is None:
        raise UnknownRecord(f"no debtor with code {debtor_code!r}")
    base = build_letter_data(session, creditor, debtor, as_of=as_of, locale=locale, currency=currency,
                             deadline_days=deadline_days, blobs=blobs, overdue_only=True)
    overdue = [line for line in base["items"]
               if line.get("kind") != "unapplied_payment" and line["days_overdue"] > 0 and Decimal(line["open"]) > 0]
    rows, basis, interest_total, notes, contract_kinds = interest_claim(
        session, creditor, debtor, overdue, as_of, base["currency"], explicit, locale)
    fees_total = sum((fee.amount for fee in fees), ZERO)
    occasions = ["costs", "demand", *(["penalty"] if rows else []), *sorted(contract_kinds)]
    try:
        statutes = relied_on(shipped_statutes(), creditor.jurisdiction, occasions, locale)
    except StatuteError as exc:
        raise LawyerLetterRefused(str(exc)) from None
    extra = {
        "law_firm": {"name": firm.name, "address": firm.address, "lawyer": firm.lawyer,
                     "licence_no": firm.licence_number, "phone": firm.phone, "email": firm.email or ""},
        "interest": rows, "interest_basis": basis, "interest_total": interest_total,
        "interest_notes": notes,
        "fees": [{"description": fee.description, "amount": fee.amount} for fee in fees], "fees_total": fees_total,
        "claims_total": Decimal(base["totals"]["open"]) + interest_total + fees_total,
        "clauses": [clause.strip() for clause in clauses if clause.strip()],
        "statutes": statutes,
    }
    issued = issue_letters(session, template=LAWYER_LETTER, debtor_codes=[debtor.code], as_of=as_of, locale=locale,
                           formats=formats, actor=actor, catalog=catalog, blobs=blobs, user_templates=user_templates,
                           company=creditor.name, currency=base["currency"], deadline_days=deadline_days,
                           extra=extra)[0]
    audit.record(session, actor, "lawyer_letter.issue", "letter", issued.number, detail={
        "debtor": debtor.code, "firm": firm.name, "interest_rule": basis, "interest_total": str(interest_total),
        "fees_total": str(fees_total), "statutes": [s["id"] for s in statutes]})
    return issued
