"""Unified social credit codes (GB 32100-2015): normalising and checking length, alphabet, check character."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from receivables.domain.identifiers import (
    ALPHABET, check_credit_code, credit_code_check_character, make_credit_code, normalize_credit_code,
)

# Codes in the published form; their check characters are verified independently by the first test.
VALID = "91350100M000100Y43"
VALID_2 = "91110000600037341L"


def test_the_check_character_follows_the_standards_weights() -> None:
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    first17 = VALID[:17]
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, weights))
    assert credit_code_check_character(first17) == ALPHABET[(31 - total % 31) % 31]


@pytest.mark.parametrize("code", [VALID, VALID_2])
def test_a_valid_code_is_valid(code: str) -> None:
    checked = check_credit_code(code)
    assert checked.valid
    assert checked.problem is None
    assert checked.code == code


def test_the_alphabet_has_31_characters_without_i_o_s_v_z() -> None:
    assert len(ALPHABET) == 31
    assert not set("IOSVZ") & set(ALPHABET)


@pytest.mark.parametrize("raw", [
    VALID.lower(), f" {VALID[:6]} {VALID[6:]} ", f"{VALID[:2]}-{VALID[2:8]}-{VALID[8:17]}-{VALID[17]}",
    f"\u3000{VALID}\t",
])
def test_case_spaces_and_hyphens_are_normalised_before_checking(raw: str) -> None:
    assert normalize_credit_code(raw) == VALID
    checked = check_credit_code(raw)
    assert checked.valid
    assert checked.code == VALID


@pytest.mark.parametrize("code", [VALID[:17], VALID + "1", "", "9135"])
def test_a_code_of_the_wrong_length_names_the_length_rule(code: str) -> None:
    checked = check_credit_code(code)
    assert not checked.valid
    assert checked.problem is not None and checked.problem.startswith("length:")
    assert f"has {len(code)}" in checked.problem


@pytest.mark.parametrize("bad", ["I", "O", "S", "V", "Z", "*", "中"])
def test_a_character_outside_the_alphabet_names_the_character_rule_and_position(bad: str) -> None:
    code = VALID[:9] + bad + VALID[10:]
    checked = check_credit_code(code)
    assert not checked.valid
    assert checked.problem is not None and checked.problem.startswith("character:")
    assert "position 10" in checked.problem


def test_a_wrong_check_character_names_the_check_rule_and_the_expected_character() -> None:
    wrong = "2" if VALID[17] != "2" else "3"
    checked = check_credit_code(VALID[:17] + wrong)
    assert not checked.valid
    assert checked.problem == f"check: the check character is {wrong!r}, expected {VALID[17]!r}"


def test_length_is_checked_before_the_alphabet() -> None:
    problem = check_credit_code("IOSVZ").problem
    assert problem is not None and problem.startswith("length:")


FIRST17 = st.text(alphabet=ALPHABET, min_size=17, max_size=17)


@settings(max_examples=300, deadline=None)
@given(FIRST17)
def test_make_credit_code_always_makes_a_valid_code(first17: str) -> None:
    code = make_credit_code(first17)
    assert len(code) == 18
    assert code[:17] == first17
    assert check_credit_code(code).valid


@settings(max_examples=300, deadline=None)
@given(FIRST17, st.integers(min_value=0, max_value=17), st.sampled_from(ALPHABET))
def test_any_single_character_change_of_a_valid_code_is_detected(first17: str, position: int, replacement: str) -> None:
    code = make_credit_code(first17)
    if code[position] == replacement:
        replacement = ALPHABET[(ALPHABET.index(replacement) + 1) % len(ALPHABET)]
    changed = code[:position] + replacement + code[position + 1:]
    checked = check_credit_code(changed)
    assert not checked.valid
    assert checked.problem is not None and checked.problem.startswith("check:")
