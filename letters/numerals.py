"""Chinese capital amounts (大写金额): writing the canonical form and reading every allowed form.

Rules (DOMAIN.md, and the PBOC payment-settlement rules they come from):

- digits 零壹贰叁肆伍陆柒捌玖, units 拾佰仟, groups 万亿, then 元角分; prefix 人民币 without a gap;
- 整 after 元 when there are no 角 and 分; nothing after 分; after 角 整 may be written or not;
- one 零 for an inner run of zeros; when 角 is zero and 分 is not, 零 after 元 is required;
- when the 万 (or 亿) or 元 place is zero and the next place (仟, or 角) is not, the 零 is optional.

The canonical form written here always writes that optional 零 (壹仟陆佰捌拾元零叁角贰分): a gap that
is marked cannot be filled in later. Reading accepts both, and 正 for 整.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from itertools import product

DIGITS = "零壹贰叁肆伍陆柒捌玖"
PLACE_UNITS = ("", "拾", "佰", "仟")
PREFIX = "人民币"
LIMIT = Decimal("10000000000000000")  # 万亿 groups end below 10^16, the Numeric(18, 2) range

_OPTIONAL_ZERO = "\u0000"  # marks a 零 that the rules let a writer omit


def rmb_upper(amount: Decimal | int | str, prefix: bool = True) -> str:
    """The canonical capital form of a non-negative amount with at most two decimals."""
    return _with_all_optional_zeros(_pattern(_cents(amount)), prefix)


def allowed_forms(amount: Decimal | int | str) -> frozenset[str]:
    """Every form the rules allow for the amount, with and without the 人民币 prefix."""
    pattern = _pattern(_cents(amount))
    slots = pattern.count(_OPTIONAL_ZERO)
    forms: set[str] = set()
    for choice in product(("零", ""), repeat=slots):
        text = pattern
        for zero in choice:
            text = text.replace(_OPTIONAL_ZERO, zero, 1)
        for ending in _endings(text):
            forms.add(ending)
            forms.add(PREFIX + ending)
    return frozenset(forms)


def parse_rmb_upper(text: str) -> Decimal:
    """Read a capital amount in any allowed form; raise ValueError naming the problem otherwise."""
    cleaned = "".join(text.split())
    body = cleaned[len(PREFIX):] if cleaned.startswith(PREFIX) else cleaned
    if not body:
        raise ValueError(f"{text!r} is not a capital amount: it is empty")
    unknown = sorted({c for c in body if c not in DIGITS + "拾佰仟万亿元角分整正"})
    if unknown:
        raise ValueError(f"{text!r} is not a capital amount: unexpected {''.join(unknown)!r}")
    value = _lenient_value(body)
    if cleaned not in allowed_forms(value):
        raise ValueError(
            f"{text!r} is not a well-formed capital amount; {value} is written {rmb_upper(value)}")
    return value


def _cents(amount: Decimal | int | str) -> int:
    try:
        value = Decimal(str(amount).replace(",", "")) if not isinstance(amount, Decimal) else amount
    except InvalidOperation as exc:
        raise ValueError(f"{amount!r} is not an amount") from exc
    if not value.is_finite():
        raise ValueError(f"{amount!r} is not an amount")
    if value < 0:
        raise ValueError(f"{amount} is negative; capital amounts are written for positive sums")
    if value >= LIMIT:
        raise ValueError(f"{amount} is too large for a capital amount (limit 万亿)")
    cents = value * 100
    if cents != cents.to_integral_value():
        raise ValueError(f"{amount} has more than two decimals; round it before writing it out")
    return int(cents)


def _pattern(cents: int) -> str:
    yuan, fraction = divmod(cents, 100)
    jiao, fen = divmod(fraction, 10)
    integer = _integer_pattern(yuan)
    if yuan and not jiao and not fen:
        return integer + "元"
    words = integer + "元" if yuan else ""
    if jiao:
        gap = _OPTIONAL_ZERO if yuan and yuan % 10 == 0 else ""
        words += gap + DIGITS[jiao] + "角"
    if fen:
        if yuan and not jiao:
            words += "零"
        words += DIGITS[fen] + "分"
    return words if words else "零元"


def _integer_pattern(yuan: int) -> str:
    if yuan == 0:
        return ""
    digits = [int(d) for d in reversed(str(yuan))]
    out: list[str] = []
    pending_zero = False
    for place in range(len(digits) - 1, -1, -1):
        digit = digits[place]
        if digit:
            if pending_zero:
                # a run of zeros reaching the 万 or 亿 place, followed by a 仟: the 零 is optional
                out.append(_OPTIONAL_ZERO if place % 4 == 3 else "零")
            out.append(DIGITS[digit] + PLACE_UNITS[place % 4])
            pending_zero = False
        elif out:
            pending_zero = True
        if place % 4 == 0 and place:
            group_unit = _group_unit(place, digits)
            if group_unit:
                out.append(group_unit)
    return "".join(out)


def _group_unit(place: int, digits: list[int]) -> str:
    group = digits[place:place + 4]
    if place == 8:
        return "亿" if any(digits[8:16]) else ""
    if any(group):
        return "万"
    return ""


def _with_all_optional_zeros(pattern: str, prefix: bool) -> str:
    text = pattern.replace(_OPTIONAL_ZERO, "零")
    if text.endswith("元"):
        text += "整"
    return PREFIX + text if prefix else text


def _endings(text: str) -> tuple[str, ...]:
    if text.endswith("元"):
        return (text + "整", text + "正")
    if text.endswith("角"):
        return (text, text + "整", text + "正")
    return (text,)


def _lenient_value(body: str) -> Decimal:
    integer_text, _, fraction_text = body.partition("元")
    if "元" not in body:
        integer_text, fraction_text = "", body
    fraction = Decimal(0)
    digit = 0
    for char in fraction_text:
        if char in DIGITS:
            digit = DIGITS.index(char)
        elif char == "角":
            fraction += Decimal(digit) / 10
            digit = 0
        elif char == "分":
            fraction += Decimal(digit) / 100
            digit = 0
    return (Decimal(_lenient_integer(integer_text)) + fraction).quantize(Decimal("0.01"))


def _lenient_integer(text: str) -> int:
    total = section = number = 0
    for char in text:
        if char in DIGITS:
            number = DIGITS.index(char)
        elif char in "拾佰仟":
            section += number * 10 ** (PLACE_UNITS.index(char))
            number = 0
        elif char == "万":
            section = (section + number) * 10_000
            number = 0
        elif char == "亿":
            total = (total + section + number) * 100_000_000
            section = number = 0
    return total + section + number
