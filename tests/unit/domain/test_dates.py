"""Dates as people and spreadsheets write them, and month arithmetic on month ends."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from receivables.domain.dates import add_months, add_years, date_from_cell, days_between, parse_date


@pytest.mark.parametrize("text", [
    "2026-01-31", "2026/1/31", "2026/01/31", "2026.1.31", "2026年1月31日", "2026年01月31日", " 2026-01-31 ",
    "2026-01-31 00:00:00", "2026-01-31T08:30:00",
])
def test_dates_are_read_in_every_form_finance_staff_use(text: str) -> None:
    assert parse_date(text) == date(2026, 1, 31)


@pytest.mark.parametrize("text", ["2026-02-30", "2026/2/30", "2026年2月30日", "2025-02-29", "2026-13-01"])
def test_impossible_calendar_date_is_refused_with_the_reason(text: str) -> None:
    with pytest.raises(ValueError, match="not a calendar date"):
        parse_date(text)


def test_february_29_is_a_date_in_a_leap_year() -> None:
    assert parse_date("2024-02-29") == date(2024, 2, 29)
    assert parse_date("2000年2月29日") == date(2000, 2, 29)


@pytest.mark.parametrize("text", ["", "31/01/2026", "Jan 31 2026", "2026-1", "tomorrow", "20260131"])
def test_text_that_is_not_a_date_names_the_accepted_forms(text: str) -> None:
    with pytest.raises(ValueError, match="expected 2026-01-31"):
        parse_date(text)


@pytest.mark.parametrize(("cell", "expected"), [
    (46053, date(2026, 1, 31)),
    (46053.75, date(2026, 1, 31)),  # a serial with a time of day
    (45351, date(2024, 2, 29)),
    (61, date(1900, 3, 1)),
    (datetime(2026, 1, 31, 14, 5), date(2026, 1, 31)),
    (date(2026, 1, 31), date(2026, 1, 31)),
    ("2026年1月31日", date(2026, 1, 31)),
])
def test_spreadsheet_cells_become_dates(cell: object, expected: date) -> None:
    assert date_from_cell(cell) == expected


@pytest.mark.parametrize("cell", [0, -1, 2958466, True])
def test_numbers_outside_the_excel_serial_range_are_refused(cell: object) -> None:
    with pytest.raises(ValueError):
        date_from_cell(cell)


@pytest.mark.parametrize(("start", "months", "expected"), [
    (date(2026, 1, 31), 1, date(2026, 2, 28)),
    (date(2024, 1, 31), 1, date(2024, 2, 29)),
    (date(2028, 1, 31), 1, date(2028, 2, 29)),
    (date(2100, 1, 31), 1, date(2100, 2, 28)),  # not a leap year
    (date(2000, 1, 31), 1, date(2000, 2, 29)),  # a leap year
    (date(2026, 1, 31), 3, date(2026, 4, 30)),
    (date(2026, 3, 31), -1, date(2026, 2, 28)),
    (date(2026, 1, 15), 12, date(2027, 1, 15)),
    (date(2026, 12, 31), 1, date(2027, 1, 31)),
    (date(2026, 1, 31), -13, date(2024, 12, 31)),
    (date(2026, 5, 20), 0, date(2026, 5, 20)),
])
def test_adding_months_keeps_the_day_or_takes_the_months_last_day(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


def test_a_year_after_february_29_is_february_28() -> None:
    assert add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)
    assert add_years(date(2021, 3, 15), 3) == date(2024, 3, 15)


def test_days_between_counts_calendar_days_across_a_leap_day() -> None:
    assert days_between(date(2024, 2, 28), date(2024, 3, 1)) == 2
    assert days_between(date(2026, 2, 28), date(2026, 3, 1)) == 1
    assert days_between(date(2026, 3, 1), date(2026, 2, 28)) == -1
