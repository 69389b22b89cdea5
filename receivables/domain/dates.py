"""Calendar dates as people write them, and date arithmetic on month ends."""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timedelta

_YMD = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_EXCEL_EPOCH = date(1899, 12, 30)


def parse_date(text: str) -> date:
    """Read 2026-01-31, 2026/1/31, 2026.1.31 or 2026年1月31日; ValueError with the reason otherwise."""
    raw = text.strip()
    if len(raw) == 10 and raw[4] == "-" and raw[7] == "-":
        try:
            return date.fromisoformat(raw)
        except ValueError:
            raise ValueError(f"not a calendar date: {text!r}") from None
    if len(raw) == 19 and raw[10] in " T":  # a datetime exported by a spreadsheet
        raw = raw[:10]
    match = _YMD.match(raw)
    if not match:
        raise ValueError(f"not a date: {text!r} (expected 2026-01-31, 2026/1/31 or 2026年1月31日)")
    year, month, day = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"not a calendar date: {text!r}") from None


def date_from_cell(value: object) -> date:
    """A date from a spreadsheet cell: a date, a datetime, an Excel serial number, or text."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not 1 <= value < 2958466:
            raise ValueError(f"not an Excel date serial: {value!r}")
        return _EXCEL_EPOCH + timedelta(days=int(value))
    return parse_date(str(value))


def add_months(start: date, months: int) -> date:
    """The same day `months` later; with no such day, the month's last day (Civil Code Art. 202)."""
    index = start.year * 12 + (start.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(start.day, last))


def add_years(start: date, years: int) -> date:
    return add_months(start, 12 * years)


def days_between(earlier: date, later: date) -> int:
    return (later - earlier).days
