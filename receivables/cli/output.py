"""How commands speak: tables and JSON on stdout, one-line errors on stderr, exit codes."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, is_dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from receivables.domain.money import format_amount


class OutputFormat(str, Enum):
    table = "table"
    json = "json"


class UserError(Exception):
    """A problem the user can fix: reported as one line on stderr, exit status 1."""


def fail(message: str) -> NoReturn:
    raise UserError(message)


def json_amount(value: Decimal) -> str:
    """A Decimal as JSON output carries it: an exact string. Amounts carry two decimals already; whole numbers
    get them too, other figures (DSO) keep theirs. (A report of many amounts passes them through this
    before encoding: json's C encoder then never calls back into Python.)"""
    text = str(value)
    if text[-3:-2] == "." and "E" not in text:
        return text
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and (exponent == -2 or exponent >= 0):
        return format_amount(value)
    return format(value, "f")


def _json_default(value: Any) -> Any:
    """What json cannot encode by itself: exact amounts as strings, ISO dates, dataclasses, sets."""
    if isinstance(value, Decimal):
        return json_amount(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def json_text(document: Any, *, pretty: bool = True) -> str:
    # Indented output uses json's pure-Python encoder; compact output its C encoder (ten times faster).
    return json.dumps(document, default=_json_default, ensure_ascii=False,
                      indent=2 if pretty else None, separators=None if pretty else (",", ":"))


def print_json(document: Any) -> None:
    """JSON with amounts as exact two-decimal strings and ISO dates: indented for a person at a
    terminal, compact when piped to a program or a file."""
    sys.stdout.write(json_text(document, pretty=sys.stdout.isatty()) + "\n")


def console() -> Console:
    # Piped output keeps whole rows: a narrow default width would cut amounts.
    return Console(soft_wrap=False, width=None if sys.stdout.isatty() else 200)


def error_console() -> Console:
    return Console(stderr=True, soft_wrap=True)


def print_table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]],
                right_align: Iterable[int] = ()) -> None:
    table = Table(title=title, show_lines=False)
    right = set(right_align)
    for index, column in enumerate(columns):
        table.add_column(column, justify="right" if index in right else "left")
    for row in rows:
        table.add_row(*[_cell(v) for v in row])
    console().print(table)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def exit_with(code: int) -> NoReturn:
    raise typer.Exit(code)
