"""Money: amounts as people write them, half-up rounding in one place, currencies never mixed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from receivables.domain.money import Money, format_amount, normalize_currency, parse_amount, round_cents


@pytest.mark.parametrize(("text", "expected"), [
    ("1234.5", "1234.50"),
    ("1234", "1234.00"),
    ("1,234.50", "1234.50"),
    ("¥1,234.50", "1234.50"),
    ("￥1,234.50", "1234.50"),
    ("RMB 1,234.50", "1234.50"),
    ("1,234.50元", "1234.50"),
    ("  1234.50  ", "1234.50"),
    ("(1,234.50)", "-1234.50"),
    ("-1234.5", "-1234.50"),
    ("-1,234.50", "-1234.50"),
    ("+12", "12.00"),
    ("0.01", "0.01"),
    ("1,234,567,890.12", "1234567890.12"),
])
def test_amounts_are_read_as_people_write_them(text: str, expected: str) -> None:
    value = parse_amount(text)
    assert value == Decimal(expected)
    assert str(value) == expected  # always exactly two decimals


@pytest.mark.parametrize("text", ["1234.505", "0.001", "1,234.567", "¥0.005"])
def test_amount_with_more_than_two_decimals_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="more than two decimals"):
        parse_amount(text)


@pytest.mark.parametrize("text", ["", "   ", "abc", "12a", "1.2.3", "--5", "¥", "()"])
def test_text_that_is_not_an_amount_is_refused_with_a_reason(text: str) -> None:
    with pytest.raises(ValueError, match="amount"):
        parse_amount(text)


@pytest.mark.parametrize(("amount", "expected"), [
    ("0.005", "0.01"),
    ("-0.005", "-0.01"),
    ("0.004", "0.00"),
    ("0.015", "0.02"),  # half-up, not banker's rounding (which gives 0.02 too) ...
    ("0.025", "0.03"),  # ... here banker's rounding would give 0.02
    ("2.675", "2.68"),
    ("-2.675", "-2.68"),
    ("1.994999", "1.99"),
])
def test_rounding_is_half_up_to_the_cent(amount: str, expected: str) -> None:
    assert round_cents(Decimal(amount)) == Decimal(expected)
    assert str(round_cents(Decimal(amount))) == expected


def test_money_rounds_its_amount_half_up_on_creation() -> None:
    assert Money(Decimal("0.005"), "CNY").amount == Decimal("0.01")
    assert Money(Decimal("-0.005"), "CNY").amount == Decimal("-0.01")
    assert Money(Decimal("10.125"), "USD").amount == Decimal("10.13")


def test_money_refuses_a_float() -> None:
    with pytest.raises(TypeError, match="Decimal"):
        Money(0.1, "CNY")  # type: ignore[arg-type]


@pytest.mark.parametrize(("alias", "code"), [
    ("RMB", "CNY"), ("rmb", "CNY"), ("人民币", "CNY"), ("¥", "CNY"), ("￥", "CNY"), ("元", "CNY"),
    ("$", "USD"), ("€", "EUR"), ("£", "GBP"), ("usd", "USD"), (" eur ", "EUR"), ("CNY", "CNY"),
])
def test_currency_aliases_are_normalised_to_iso_codes(alias: str, code: str) -> None:
    assert normalize_currency(alias) == code


@pytest.mark.parametrize("code", ["", "US", "DOLLAR", "12A", "美元"])
def test_unknown_currency_is_refused_naming_the_expected_form(code: str) -> None:
    with pytest.raises(ValueError, match="three letters"):
        normalize_currency(code)


def test_same_currency_arithmetic_is_exact() -> None:
    total = Money(Decimal("0.10"), "CNY") + Money(Decimal("0.20"), "CNY")
    assert total == Money(Decimal("0.30"), "CNY")
    assert Money(Decimal("1.00"), "CNY") - Money(Decimal("0.01"), "CNY") == Money(Decimal("0.99"), "CNY")
    assert -Money(Decimal("5"), "EUR") == Money(Decimal("-5.00"), "EUR")
    assert Money.zero("USD") == Money(Decimal("0"), "USD")


def test_ten_thousand_cents_add_up_exactly() -> None:
    total = Money.zero("CNY")
    for _ in range(10_000):
        total = total + Money(Decimal("0.01"), "CNY")
    assert total.amount == Decimal("100.00")


@pytest.mark.parametrize("operation", [lambda a, b: a + b, lambda a, b: a - b])
def test_arithmetic_across_currencies_is_refused(operation) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="cannot combine CNY with USD"):
        operation(Money(Decimal("1"), "CNY"), Money(Decimal("1"), "USD"))


def test_money_prints_with_currency_and_grouping() -> None:
    assert str(Money(Decimal("1234567.5"), "CNY")) == "CNY 1,234,567.50"


@pytest.mark.parametrize(("amount", "text"), [
    (Decimal("1234.5"), "1234.50"), (Decimal("0"), "0.00"), (Decimal("-0.005"), "-0.01"),
    (Decimal("1000000"), "1000000.00"),
])
def test_output_amounts_have_two_decimals_and_no_grouping(amount: Decimal, text: str) -> None:
    assert format_amount(amount) == text
