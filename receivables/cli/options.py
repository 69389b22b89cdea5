"""Parsing of option values shared by commands: dates, formats, amounts."""

from __future__ import annotations

from datetime import date
from typing import Optional

import typer

from receivables.domain.dates import parse_date


def as_of_date(value: Optional[str]) -> date:
    """`--as-of`: a date as people write it; today when not given (the clock is read only here)."""
    if value is None or not value.strip():
        return date.today()
    try:
        return parse_date(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


AS_OF = typer.Option(None, "--as-of", help="The date to report on (2026-12-31, 2026/12/31 or 2026年12月31日); "
                     "default today.")
