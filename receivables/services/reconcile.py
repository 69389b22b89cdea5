"""Matching a debtor's own ledger against ours: our side from the ledger tables, the match, its report and audit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import literal, select, union_all
from sqlalchemy.orm import Session

from receivables.domain.matching import ZERO, LedgerLine, MatchOptions, Reconciliation, ledger_line, reconcile
from receivables.files.reconcile_report import ReportHeading, write_reconcile_report
from receivables.files.their_ledger import LedgerFileError, TheirLedger, load_map, read_their_ledger
from receivables.services.errors import Refused
from receivables.services.imports.run import file_sha256
from receivables.services.orgmap import find_debtor
from receivables.storage import audit
from receivables.storage.schema import Company, Payment, Receivable


class ReconcileRefused(Refused):
    """Their ledger, the map file or the options cannot be used; nothing was written."""


@dataclass(frozen=True, slots=True)
class MatchRun:
    """One match of a debtor's ledger against ours, as reported and audited."""

    debtor_code: str
    debtor_name: str
    currency: str
    as_of: date
    their_file: str
    sha256: str
    their: TheirLedger
    result: Reconciliation


def our_lines(session: Session, debtor_id: int, currency: str, as_of: date) -> list[LedgerLine]:
    """Our side up to `as_of` in one statement: invoices and other items (credit notes are negative),
    payments (negative) and their reversals (positive again, on the reversal date)."""
    items = select(Receivable.kind, Receivable.number, Receivable.issue_date, Receivable.amount).where(
        Receivable.debtor_id == debtor_id, Receivable.currency == currency, Receivable.issue_date <= as_of)
    paid = select(literal("payment"), Payment.reference, Payment.received_on, -Payment.amount).where(
        Payment.debtor_id == debtor_id, Payment.currency == currency, Payment.received_on <= as_of)
    reversed_ = select(literal("reversal"), Payment.reference, Payment.reversed_on, Payment.amount).where(
        Payment.debtor_id == debtor_id, Payment.currency == currency, Payment.reversed_on.is_not(None),
        Payment.reversed_on <= as_of)
    rows = session.execute(union_all(items, paid, reversed_)).all()
    return [ledger_line("ours", number, on, amount, kind, f"{kind} {number}") for kind, number, on, amount in rows]


def _currency(session: Session, debtor_id: int, wanted: str | None) -> str:
    if wanted:
        return wanted.strip().upper()
    used = set(session.execute(select(Receivable.currency).where(Receivable.debtor_id == debtor_id).distinct())
               .scalars())
    used |= set(session.execute(select(Payment.currency).where(Payment.debtor_id == debtor_id).distinct()).scalars())
    if len(used) > 1:
        raise ReconcileRefused(f"the debtor has items in {', '.join(sorted(used))}; choose one with --currency")
    return used.pop() if used else "CNY"


def _creditor(session: Session, debtor_id: int) -> str:
    """Our company that sells to the debtor (the one on its items), else the first one."""
    selling = select(Company.name).join(Receivable, Receivable.company_id == Company.id).where(
        Receivable.debtor_id == debtor_id).limit(1)
    found = session.execute(selling).scalar_one_or_none()
    if found is None:
        found = session.execute(select(Company.name).order_by(Company.id).limit(1)).scalar_one_or_none()
    return found or ""


def _from_opening(lines: list[LedgerLine], opening: LedgerLine) -> list[LedgerLine]:
    """When their ledger starts from an opening balance, ours does too: what came before its date is one line."""
    before = [line for line in lines if line.on < opening.on]
    carried = sum((line.amount for line in before), ZERO)
    kept = [line for line in lines if line.on >= opening.on]
    return [ledger_line("ours", "期初余额 opening balance", opening.on, carried, "opening",
                        f"opening balance before {opening.on.isoformat()}"), *kept]


def match_debtor_ledger(session: Session, code: str, their_file: Path, *, as_of: date, actor: str,
                        map_file: Path | None = None, window_days: int = 7, currency: str | None = None,
                        report: Path | None = None) -> MatchRun:
    """Read their ledger, match it against ours up to `as_of`, write the report if asked, audit the run."""
    debtor = find_debtor(session, code)
    try:
        options = MatchOptions(window_days=window_days)
    except ValueError as exc:
        raise ReconcileRefused(str(exc)) from None
    try:
        mapping = load_map(map_file) if map_file is not None else None
        their = read_their_ledger(their_file, mapping)
        digest = file_sha256(their_file)
    except LedgerFileError as exc:
        raise ReconcileRefused(str(exc)) from None
    except OSError as exc:
        raise ReconcileRefused(f"{their_file}: cannot read the file ({exc.strerror or exc})") from None
    chosen = _currency(session, debtor.id, currency)
    ours = our_lines(session, debtor.id, chosen, as_of)
    opening = their.opening
    if opening is not None:
        ours = _from_opening(ours, opening)
    result = reconcile(ours, their.lines, options)
    run = MatchRun(debtor.code, debtor.name, chosen, as_of, str(their_file), digest, their, result)
    if report is not None:
        heading = ReportHeading(_creditor(session, debtor.id), debtor.code, debtor.name, chosen, as_of, their_file.name)
        try:
            write_reconcile_report(report, heading, result)
        except OSError as exc:
            raise ReconcileRefused(f"{report}: cannot write the report ({exc.strerror or exc})") from None
    audit.record(session, actor, "reconcile.match", "debtor", debtor.code, detail={
        "file": str(their_file), "sha256": digest, "as_of": as_of.isoformat(), "currency": chosen,
        "window_days": window_days, "map": str(map_file) if map_file else None,
        "report": str(report) if report else None,
        "our_balance": str(result.our_balance), "their_balance": str(result.their_balance),
        "difference": str(result.difference), "explained": result.explained, "matched": len(result.matched),
        "only_ours": len(result.only_ours), "only_theirs": len(result.only_theirs),
        "differences": len(result.differences)})
    return run
