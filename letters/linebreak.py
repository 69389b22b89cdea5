"""Where lines may break in Chinese and mixed text (the 禁则 rules), independent of any renderer.

No line begins with closing punctuation (，。、：；！？）」》 and their kin) and none ends with an
opening one (（「《 and their kin); Latin words and figures such as ``¥1,234.50`` are not split
unless a single word is longer than the line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

CANNOT_START = frozenset("，。、：；！？）」》』】〕〉”’…％‰℃·,.:;!?)]}%")
CANNOT_END = frozenset("（「《『【〔〈“‘([{")
FORCED_BREAK = "\n"
_FUZZ = 1e-6


@dataclass(frozen=True)
class Line:
    """Characters ``start`` to ``end`` (exclusive) form a line; ``forced`` when it ends at a hard break."""

    start: int
    end: int
    forced: bool


def break_lines(chars: Sequence[str], widths: Sequence[float], max_widths: Sequence[float]) -> list[Line]:
    """Lines no wider than ``max_widths`` (one per line, the last repeating) that obey the rules.

    ``chars`` are single characters; ``FORCED_BREAK`` marks a hard line break. A line may exceed its
    width only to hang closing punctuation that could not be pushed to an earlier break.
    """
    lines: list[Line] = []
    count = len(chars)
    start = 0
    while start < count:
        limit = max_widths[min(len(lines), len(max_widths) - 1)]
        end, width = start, 0.0
        while end < count and chars[end] != FORCED_BREAK:
            if width + widths[end] > limit + _FUZZ and end > start:
                break
            width += widths[end]
            end += 1
        if end < count and chars[end] == FORCED_BREAK:
            lines.append(Line(start, end + 1, True))
            start = end + 1
            continue
        if end >= count:
            lines.append(Line(start, count, False))
            break
        cut = _break_point(chars, start, end)
        lines.append(Line(start, cut, False))
        start = cut
        while start < count and chars[start] == " ":
            start += 1
    return lines


def _break_point(chars: Sequence[str], start: int, overflow: int) -> int:
    cut = overflow
    while cut > start + 1 and _forbidden(chars, cut):
        cut -= 1
    if not _forbidden(chars, cut):
        return cut
    # no allowed break on this line: hang the closing punctuation past the margin instead
    cut = overflow
    while cut < len(chars) and (chars[cut] in CANNOT_START or chars[cut] == " "):
        cut += 1
    return cut


def _forbidden(chars: Sequence[str], cut: int) -> bool:
    if cut >= len(chars):
        return False
    after = next((c for c in chars[cut:] if c != " "), "")
    before = next((c for c in reversed(chars[:cut]) if c != " "), "")
    if after in CANNOT_START or before in CANNOT_END:
        return after != "" and before != ""
    return _narrow(chars[cut - 1]) and _narrow(chars[cut])


def _narrow(char: str) -> bool:
    """Part of a Latin word or figure: not a space, not a wide (CJK) character."""
    return char not in (" ", FORCED_BREAK) and ord(char) < 0x2E80


def obeys_rules(lines: Sequence[str]) -> bool:
    """True when no line starts with closing punctuation and none ends with opening punctuation."""
    return all(not (line and (line[0] in CANNOT_START or line[-1] in CANNOT_END)) for line in lines)
