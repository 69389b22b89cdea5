"""Template filters: money with grouping and symbol, capitals, locale dates, percentages."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from letters.errors import LetterError
from letters.filters import (FilterInputError, amount_text, capital_text, date_text, money_text,
                             percent_text)


def test_money_uses_grouping_and_the_locale_symbol() -> None:
    assert money_text(Decimal("1234567.8"), "CNY", "zh_CN") == "¥1,234,567.80"
    assert money_text("1234567.80", "CNY", "en") == "CNY 1,234,567.80"
    assert money_text("-12.5", "GBP", "en") == "-£12.50"
    assert money_text(1000, "USD", "en") == "$1,000.00"


def test_money_rounds_half_up_to_the_cent() -> None:
    assert amount_text("0.005") == "0.01"
    assert amount_text("2.675") == "2.68"


def test_money_refuses_floats_and_text() -> None:
    with pytest.raises(FilterInputError, match="float"):
        amount_text(1.1)
    with pytest.raises(FilterInputError, match="not a number"):
        amount_text("abc")


def test_rmb_upper_filter_writes_capitals_with_prefix() -> None:
    assert capital_text("100000") == "人民币壹拾万元整"
    assert capital_text(Decimal("1409.5"), prefix=False) == "壹仟肆佰零玖元伍角"


def test_date_in_locale_form() -> None:
    assert date_text("2026-11-29", "zh_CN") == "2026年11月29日"
    assert date_text(date(2026, 11, 29), "en") == "29 November 2026"
    with pytest.raises(FilterInputError, match="ISO date"):
        date_text("29/11/2026", "en")


def test_unknown_locale_is_a_clear_error() -> None:
    with pytest.raises(LetterError, match="unknown locale 'fr'"):
        date_text("2026-11-29", "fr")


def test_percent_trims_trailing_zeros() -> None:
    assert percent_text("0.0005") == "0.05%"
    assert percent_text(Decimal("0.03")) == "3%"
