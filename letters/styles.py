"""PDF paragraph styles, built once per font, and the paragraph that wraps by the Chinese rules."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT  # type: ignore[import-untyped]
from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]
from reportlab.pdfbase.pdfmetrics import stringWidth  # type: ignore[import-untyped]
from reportlab.platypus import Paragraph  # type: ignore[import-untyped]
from reportlab.pdfbase.pdfmetrics import getAscentDescent
from reportlab.platypus.paragraph import FragLine, ParaLines, cjkU  # type: ignore[import-untyped]

from letters.linebreak import FORCED_BREAK, break_lines

BODY_SIZE = 11.0
CELL_SIZE = 9.0


@dataclass(frozen=True)
class LetterStyles:
    """Every paragraph style a letter uses, for one font."""

    font: str
    body: Any
    title: Any
    heading: Any
    subheading: Any
    letterhead_name: Any
    letterhead: Any
    right: Any
    center: Any
    small: Any
    cell: Any
    cell_right: Any
    cell_center: Any
    header_cell: Any
    footer: Any


@lru_cache(maxsize=8)
def letter_styles(font: str) -> LetterStyles:
    """The styles for ``font``; built once per process and font, shared by every letter."""
    def style(name: str, size: float = BODY_SIZE, align: int = TA_LEFT, **extra: Any) -> Any:
        return ParagraphStyle(name, fontName=font, fontSize=size, leading=size * 1.6, alignment=align,
                              wordWrap="CJK", **extra)

    return LetterStyles(
        font=font,
        body=style("body", spaceAfter=4, firstLineIndent=0),
        title=style("title", 18, TA_CENTER, spaceBefore=6, spaceAfter=12),
        heading=style("heading", 13, spaceBefore=8, spaceAfter=4),
        subheading=style("subheading", 11.5, spaceBefore=6, spaceAfter=2),
        letterhead_name=style("letterhead_name", 16, TA_CENTER, spaceAfter=2),
        letterhead=style("letterhead", 9, TA_CENTER),
        right=style("right", align=TA_RIGHT),
        center=style("center", align=TA_CENTER),
        small=style("small", 8.5),
        cell=style("cell", CELL_SIZE),
        cell_right=style("cell_right", CELL_SIZE, TA_RIGHT),
        cell_center=style("cell_center", CELL_SIZE, TA_CENTER),
        header_cell=style("header_cell", CELL_SIZE, TA_CENTER),
        footer=style("footer", 8.5, TA_CENTER),
    )


class _Glyph(cjkU):  # type: ignore[misc]
    """One character with its fragment and width, measured once."""

    def __new__(cls, value: str, frag: Any, width: float) -> "_Glyph":
        self = str.__new__(cls, value)
        self._frag = frag
        self._width = width
        return self


@lru_cache(maxsize=65536)
def _char_width(char: str, font: str, size: float) -> float:
    return float(stringWidth(char, font, size))


class KinsokuParagraph(Paragraph):  # type: ignore[misc]
    """A reportlab Paragraph that breaks lines by ``letters.linebreak`` instead of reportlab's CJK
    wrapping, which lets full-width commas, colons and closing brackets start a line."""

    def breakLinesCJK(self, maxWidths: Any) -> Any:  # noqa: N802 - reportlab's name
        if not isinstance(maxWidths, (list, tuple)):
            maxWidths = [maxWidths]
        if hasattr(self, "blPara") and getattr(self, "_splitpara", False):
            return self.blPara
        frags = self.frags
        if not frags or any(hasattr(f, "cbDefn") for f in frags):
            return super().breakLinesCJK(maxWidths)
        glyphs: list[_Glyph] = []
        for frag in frags:
            if hasattr(frag, "lineBreak"):
                glyphs.append(_Glyph("", frag, 0.0))
                continue
            text = frag.text.decode("utf8") if isinstance(frag.text, bytes) else frag.text
            glyphs.extend(_Glyph(c, frag, _char_width(c, frag.fontName, frag.fontSize)) for c in text)
        chars = [FORCED_BREAK if hasattr(g.frag, "lineBreak") else str(g) for g in glyphs]
        widths = [g.width for g in glyphs]
        lines = []
        for number, line in enumerate(break_lines(chars, widths, list(maxWidths))):
            max_width = maxWidths[min(number, len(maxWidths) - 1)]
            end = line.end
            while end > line.start and chars[end - 1] == " ":
                end -= 1
            used = sum(widths[line.start:end])
            lines.append(_line(glyphs[line.start:end], max_width, used, line.forced))
        return ParaLines(kind=1, lines=lines)


def _line(glyphs: list[_Glyph], max_width: float, used: float, forced: bool) -> Any:
    """reportlab's CJK line, built per run of glyphs sharing a fragment rather than per glyph."""
    words: list[Any] = []
    size = ascent = descent = 0.0
    start = 0
    for index in range(1, len(glyphs) + 1):
        if index < len(glyphs) and glyphs[index].frag is glyphs[start].frag:
            continue
        frag = glyphs[start].frag
        top, bottom = _ascent_descent(frag.fontName, frag.fontSize)
        size, ascent, descent = max(size, frag.fontSize), max(ascent, top), min(descent, bottom)
        word = frag.clone()
        word.text = "".join(glyphs[start:index])
        words.append(word)
        start = index
    return FragLine(kind=1, extraSpace=max_width - used, wordCount=1, words=words, fontSize=size,
                    ascent=ascent, descent=descent, maxWidth=max_width, currentWidth=used, lineBreak=forced)


@lru_cache(maxsize=256)
def _ascent_descent(font: str, size: float) -> tuple[float, float]:
    top, bottom = getAscentDescent(font, size)
    return float(top), float(bottom)
