"""What every importer shares while it reads one file: the session, lookups, counts and problems."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from receivables.domain.dates import date_from_cell
from receivables.domain.money import normalize_currency, parse_amount, round_cents
from receivables.domain.problems import Problem
from receivables.storage.schema import Company, Debtor


class RowRejected(Exception):
    """Raised by a cell parser; carries the column and reason into a Problem for that row."""

    def __init__(self, column: str, value: Any, reason: str) -> None:
        super().__init__(reason)
        self.column, self.value, self.reason = column, value, reason


@dataclass(frozen=True)
class Lookups:
    """What parsing a row needs from the database, loaded once per import (and handed to the parser
    process as it is: plain maps, no connection)."""

    debtor_ids: dict[str, int]
    company_ids: dict[str, int]
    default_company_id: int | None

    @classmethod
    def load(cls, session: Session, default_company_id: int | None) -> Lookups:
        return cls(dict(session.execute(select(Debtor.code, Debtor.id)).all()),
                   dict(session.execute(select(Company.name, Company.id)).all()),
                   default_company_id)

    def debtor_id(self, cells: dict[str, Any]) -> int:
        found = self.debtor_ids.get(cells.get("debtor"))  # type: ignore[arg-type]
        if found is not None:
            return found
        code = text_cell(cells, "debtor", required=True)
        found = self.debtor_ids.get(code)
        if found is None:
            raise RowRejected("debtor", code, "unknown debtor code (import debtors first)")
        return found

    def company_id(self, cells: dict[str, Any]) -> int:
        if not cells.get("company") and self.default_company_id is not None:
            return self.default_company_id
        name = text_cell(cells, "company")
        if name:
            found = self.company_ids.get(name)
            if found is None:
                known = ", ".join(sorted(self.company_ids)) or "none"
                raise RowRejected("company", name, f"unknown company (known: {known}; add one with "
                                                    "`receivables init --company NAME`)")
            return found
        raise RowRejected("company", "", "no company column and no default company "
                                         "(run `receivables init --company NAME`)")


Parsed = list[tuple[int, dict[str, Any]]]


@dataclass
class ImportContext:
    """One import's transaction, counts and problems, shared by the chunk writers."""

    session: Session
    source: str
    actor: str
    lookups: Lookups
    problems: list[Problem] = field(default_factory=list)
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rows: int = 0
    changes: list[tuple[str, dict[str, Any] | None, dict[str, Any] | None]] = field(default_factory=list)
    seen_keys: set[Any] = field(default_factory=set)
    max_id_before: int = 0
    deferred: list[Any] = field(default_factory=list)  # work an importer finishes after the last chunk

    def problem(self, row: int | None, column: str | None, value: Any, reason: str) -> None:
        self.problems.append(Problem(self.source, row, column, None if value is None else str(value), reason))

    def reject(self, row: int, error: RowRejected) -> None:
        self.problem(row, error.column, error.value, error.reason)


def text_cell(cells: dict[str, Any], column: str, *, required: bool = False, max_length: int = 300) -> str:
    raw = cells.get(column, "")
    if type(raw) is str:
        value = raw.strip()
    elif raw is None:
        value = ""
    elif isinstance(raw, float) and raw.is_integer():
        value = str(int(raw))  # Excel turns codes such as 1001 into 1001.0
    else:
        value = str(raw).strip()
    if not value:
        if required:
            raise RowRejected(column, value, "required value is empty")
        return value
    if len(value) > max_length:
        raise RowRejected(column, value[:40] + "…", f"longer than {max_length} characters")
    return value


def amount_cell(cells: dict[str, Any], column: str, *, required: bool = True) -> Decimal | None:
    raw = cells.get(column, "")
    if type(raw) is str and raw:
        try:
            return parse_amount(raw)
        except ValueError as exc:
            raise RowRejected(column, raw, str(exc)) from None
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if required:
            raise RowRejected(column, "", "required amount is empty")
        return None
    try:
        if isinstance(raw, (int, Decimal)) and not isinstance(raw, bool):
            return round_cents(Decimal(raw))
        if isinstance(raw, float):
            return round_cents(Decimal(repr(raw)))
        return parse_amount(str(raw))
    except ValueError as exc:
        raise RowRejected(column, raw, str(exc)) from None


def date_cell(cells: dict[str, Any], column: str, *, required: bool = True) -> date | None:
    raw = cells.get(column, "")
    if type(raw) is str and len(raw) == 10 and raw[4] == "-":
        try:
            return date.fromisoformat(raw)
        except ValueError:
            pass  # the full parser below gives the reason
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if required:
            raise RowRejected(column, "", "required date is empty")
        return None
    try:
        return date_from_cell(raw)
    except ValueError as exc:
        raise RowRejected(column, raw, str(exc)) from None


def currency_cell(cells: dict[str, Any], column: str = "currency", default: str = "CNY") -> str:
    raw = text_cell(cells, column)
    if not raw:
        return default
    try:
        return normalize_currency(raw)
    except ValueError as exc:
        raise RowRejected(column, raw, str(exc)) from None


def choice_cell(cells: dict[str, Any], column: str, choices: dict[str, str], default: str) -> str:
    raw = cells.get(column)
    if type(raw) is str and raw in choices:
        return choices[raw]
    raw = text_cell(cells, column)
    if not raw:
        return default
    found = choices.get(raw.lower()) or choices.get(raw)
    if found is None:
        allowed = ", ".join(sorted(set(choices.values())))
        raise RowRejected(column, raw, f"unknown value (allowed: {allowed})")
    return found


def positive_int_cell(cells: dict[str, Any], column: str) -> int | None:
    raw = text_cell(cells, column)
    if not raw:
        return None
    try:
        value = int(Decimal(raw))
    except Exception:
        raise RowRejected(column, raw, "not a whole number of days") from None
    if value < 0 or value > 3650:
        raise RowRejected(column, raw, "days must be between 0 and 3650")
    return value

