"""Chinese capital amounts: the DOMAIN.md rules, the canonical form, and reading every allowed form."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from letters.numerals import allowed_forms, parse_rmb_upper, rmb_upper


@pytest.mark.parametrize("amount, expected", [
    ("1409.50", "壹仟肆佰零玖元伍角"),
    ("6007.14", "陆仟零柒元壹角肆分"),
    ("16409.02", "壹万陆仟肆佰零玖元零贰分"),
    ("100000", "壹拾万元整"),
    ("1680.32", "壹仟陆佰捌拾元零叁角贰分"),
    ("0.50", "伍角"),
    ("0.05", "伍分"),
    ("0", "零元整"),
    ("10", "壹拾元整"),
    ("10.05", "壹拾元零伍分"),
    ("100700", "壹拾万零柒佰元整"),
    ("100000000", "壹亿元整"),
    ("1000000000000", "壹万亿元整"),
    ("123456789012.34", "壹仟贰佰叁拾肆亿伍仟陆佰柒拾捌万玖仟零壹拾贰元叁角肆分"),
])
def test_canonical_capital_form_follows_domain_examples(amount: str, expected: str) -> None:
    assert rmb_upper(Decimal(amount), prefix=False) == expected
    assert rmb_upper(Decimal(amount)) == "人民币" + expected


def test_prefix_has_no_gap_and_zheng_follows_yuan_only_without_jiao_fen() -> None:
    assert rmb_upper(Decimal("100000")) == "人民币壹拾万元整"
    assert not rmb_upper(Decimal("1.23")).endswith("整")


def test_optional_zero_after_yuan_is_accepted_both_ways() -> None:
    assert parse_rmb_upper("壹仟陆佰捌拾元叁角贰分") == Decimal("1680.32")
    assert parse_rmb_upper("壹仟陆佰捌拾元零叁角贰分") == Decimal("1680.32")


def test_optional_zero_at_wan_place_is_accepted_both_ways() -> None:
    assert parse_rmb_upper("壹拾万柒仟元整") == Decimal("107000")
    assert parse_rmb_upper("壹拾万零柒仟元整") == Decimal("107000")


def test_required_zero_after_yuan_when_jiao_is_zero_and_fen_is_not() -> None:
    assert parse_rmb_upper("壹万陆仟肆佰零玖元零贰分") == Decimal("16409.02")
    with pytest.raises(ValueError):
        parse_rmb_upper("壹万陆仟肆佰零玖元贰分")


def test_zheng_or_zheng_variant_after_yuan_and_optional_after_jiao() -> None:
    assert parse_rmb_upper("人民币壹拾万元正") == Decimal("100000")
    assert parse_rmb_upper("壹仟肆佰零玖元伍角整") == Decimal("1409.50")
    with pytest.raises(ValueError):
        parse_rmb_upper("壹元贰分整")


@pytest.mark.parametrize("text", ["", "人民币", "壹仟仟元整", "拾元整", "壹元整伍角", "壹佰元", "一百元整", "壹佰元整 5"])
def test_malformed_capitals_are_refused_with_a_reason(text: str) -> None:
    with pytest.raises(ValueError, match="capital amount"):
        parse_rmb_upper(text)


@pytest.mark.parametrize("amount", ["-1", "1.234", "10000000000000000", "abc"])
def test_amounts_that_cannot_be_written_are_refused(amount: str) -> None:
    with pytest.raises(ValueError):
        rmb_upper(amount)


cents = st.integers(min_value=0, max_value=10**16 * 100 - 1).map(lambda c: Decimal(c) / 100)
small_cents = st.integers(min_value=0, max_value=10**9).map(lambda c: Decimal(c) / 100)


@given(cents, st.booleans())
def test_capitals_round_trip(amount: Decimal, prefix: bool) -> None:
    assert parse_rmb_upper(rmb_upper(amount, prefix=prefix)) == amount


@given(small_cents)
def test_every_allowed_form_reads_back_to_the_same_amount(amount: Decimal) -> None:
    forms = allowed_forms(amount)
    assert rmb_upper(amount) in forms
    for form in forms:
        assert parse_rmb_upper(form) == amount
