"""Template filters: money with grouping and symbol, Chinese capitals, locale dates, percentages."""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from letters.errors import LetterError
from letters.numerals import rmb_upper as _rmb_upper

LOCALES = ("zh_CN", "en")
CENT = Decimal("0.01")

_SYMBOLS: dict[str, dict[str, str]] = {
    "zh_CN": {"CNY": "¥", "USD": "US$", "EUR": "€", "GBP": "£", "HKD": "HK$"},
    "en": {"USD": "$", "EUR": "€", "GBP": "£", "HKD": "HK$"},
}

_EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")


class FilterInputError(ValueError):
    """A value a filter cannot read; the sandbox adds the template line."""


def check_locale(locale: str) -> str:
    """The locale itself when letters can be written in it, else a LetterError listing the known ones."""
    if locale not in LOCALES:
        raise LetterError(f"unknown locale {locale!r}; letters are written in {', '.join(LOCALES)}")
    return locale


def to_amount(value: Any) -> Decimal:
    """A Decimal from a Decimal, int or numeric string; floats are refused so no cent is lost."""
    if isinstance(value, bool) or isinstance(value, float):
        raise FilterInputError(f"amount {value!r} must be a Decimal or a string, not a float")
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, (int, str)):
        try:
            amount = Decimal(str(value).replace(",", "").strip())
        except InvalidOperation as exc:
            raise FilterInputError(f"amount {value!r} is not a number") from exc
    else:
        raise FilterInputError(f"amount {value!r} is not a number")
    if not amount.is_finite():
        raise FilterInputError(f"amount {value!r} is not a number")
    return amount


def to_date(value: Any) -> date:
    """A date from a date or an ISO 8601 string (YYYY-MM-DD)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError as exc:
            raise FilterInputError(f"date {value!r} is not an ISO date like 2026-11-29") from exc
    raise FilterInputError(f"date {value!r} is not a date")


def amount_text(value: Any) -> str:
    """An amount with thousands grouping and two decimals, rounded half-up: 1,234,567.80."""
    return f"{to_amount(value).quantize(CENT, rounding=ROUND_HALF_UP):,.2f}"


def money_text(value: Any, currency: str, locale: str) -> str:
    """An amount with its currency as the locale writes it: ¥1,234.50 / CNY 1,234.50."""
    figures = amount_text(value)
    sign, digits = ("-", figures[1:]) if figures.startswith("-") else ("", figures)
    symbol = _SYMBOLS[check_locale(locale)].get(currency.upper())
    if symbol:
        return f"{sign}{symbol}{digits}"
    return f"{sign}{currency.upper()} {digits}"


def capital_text(value: Any, prefix: bool = True) -> str:
    """The Chinese capital form of an amount (人民币壹拾万元整), rounded half-up to the cent first."""
    amount = to_amount(value).quantize(CENT, rounding=ROUND_HALF_UP)
    try:
        return _rmb_upper(amount, prefix=prefix)
    except ValueError as exc:
        raise FilterInputError(str(exc)) from exc


def date_text(value: Any, locale: str) -> str:
    """A date as the locale writes it in letters: 2026年11月29日 / 29 November 2026."""
    day = to_date(value)
    if check_locale(locale) == "zh_CN":
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.day} {_EN_MONTHS[day.month - 1]} {day.year}"


def percent_text(value: Any) -> str:
    """A rate given as a fraction, as a percentage without trailing zeros: 0.0005 -> 0.05%."""
    percent = to_amount(value) * 100
    text = f"{percent.normalize():f}"
    return f"{text}%"
