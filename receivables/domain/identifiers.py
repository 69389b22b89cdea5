"""Unified social credit codes (统一社会信用代码, GB 32100-2015): normalising and checking."""

from __future__ import annotations

from dataclasses import dataclass

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_VALUE = {c: i for i, c in enumerate(ALPHABET)}


@dataclass(frozen=True, slots=True)
class CreditCodeCheck:
    """The normalised code and, when invalid, the rule it breaks."""

    code: str
    problem: str | None

    @property
    def valid(self) -> bool:
        return self.problem is None


def normalize_credit_code(raw: str) -> str:
    """Upper case, without spaces or hyphens (as people copy codes from licences)."""
    return "".join(ch for ch in raw.upper() if ch not in " -\t\u3000")


def credit_code_check_character(first17: str) -> str:
    """The 18th character: (31 - sum(value x weight) mod 31) mod 31, as a character."""
    total = sum(_VALUE[c] * w for c, w in zip(first17, WEIGHTS))
    return ALPHABET[(31 - total % 31) % 31]


def check_credit_code(raw: str) -> CreditCodeCheck:
    """Check length, alphabet and check character, in that order, naming the first rule broken."""
    code = normalize_credit_code(raw)
    if len(code) != 18:
        return CreditCodeCheck(code, f"length: a credit code has 18 characters, {code!r} has {len(code)}")
    for position, character in enumerate(code, start=1):
        if character not in _VALUE:
            return CreditCodeCheck(
                code,
                f"character: {character!r} at position {position} is not allowed "
                "(digits and A-Z without I, O, S, V, Z)",
            )
    expected = credit_code_check_character(code[:17])
    if code[17] != expected:
        return CreditCodeCheck(code, f"check: the check character is {code[17]!r}, expected {expected!r}")
    return CreditCodeCheck(code, None)


def make_credit_code(first17: str) -> str:
    """A valid code from its first 17 characters (demo data and tests)."""
    return first17 + credit_code_check_character(first17)
