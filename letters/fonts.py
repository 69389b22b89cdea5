"""The PDF font: a TrueType CJK font found on the machine, else reportlab's built-in STSong-Light.

Order: an explicit choice (a path, or ``"cid"``), else ``RECEIVABLES_FONT``, else common system
fonts. A configured path that does not exist falls back to the built-in CID font with a warning
rather than to some other font, so the configuration is never silently ignored. Fonts are
registered with reportlab once per process and path.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics  # type: ignore[import-untyped]
from reportlab.pdfbase.cidfonts import UnicodeCIDFont  # type: ignore[import-untyped]
from reportlab.pdfbase.ttfonts import TTFont  # type: ignore[import-untyped]

from letters.errors import LetterError

FONT_ENVIRONMENT = "RECEIVABLES_FONT"
CID_FONT = "STSong-Light"
CID_CHOICE = "cid"
REPLACEMENT = "〓"
# same meaning, other code point: used when the font lacks the first but has the second
SUBSTITUTES = {"¥": "￥", "•": "·", "–": "－", "—": "－"}

SYSTEM_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/usr/share/fonts/truetype/arphic/ukai.ttc",
    "/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf",
    "/usr/share/fonts/truetype/arphic-gkai00mp/gkai00mp.ttf",
    "/usr/share/fonts/wenquanyi/wqy-microhei/wqy-microhei.ttc",
    "C:/Windows/Fonts/simsun.ttc",
    "C:/Windows/Fonts/simhei.ttf",
    "/Library/Fonts/Arial Unicode.ttf",
)

_lock = threading.Lock()


@dataclass(frozen=True)
class LetterFont:
    """A font registered with reportlab; ``path`` is None for the built-in (not embedded) CID font."""

    name: str
    path: Path | None
    codepoints: frozenset[int] | None

    @property
    def embedded(self) -> bool:
        return self.path is not None

    def covers(self, char: str) -> bool:
        """Whether the font has a glyph for ``char`` (the CID font covers GB 18030's common set)."""
        if self.codepoints is not None:
            return ord(char) in self.codepoints
        if ord(char) < 0x80:
            return True
        try:
            char.encode("gbk")
        except UnicodeEncodeError:
            return False
        return True


@dataclass(frozen=True)
class FontChoice:
    font: LetterFont
    warnings: tuple[str, ...]


def choose_font(explicit: Path | str | None = None) -> FontChoice:
    """The font for a letter and the warnings its choice gives (not embedded, path not found)."""
    if explicit is not None and str(explicit) == CID_CHOICE:
        return FontChoice(cid_font(), (_not_embedded("the built-in font was requested"),))
    configured = explicit if explicit is not None else os.environ.get(FONT_ENVIRONMENT) or None
    if configured is not None:
        path = Path(configured)
        if not path.is_file():
            return FontChoice(cid_font(), (_not_embedded(f"font {path} was not found"),))
        return FontChoice(truetype_font(path), ())
    warnings: list[str] = []
    for candidate in SYSTEM_FONTS:
        path = Path(candidate)
        if path.is_file():
            try:
                return FontChoice(truetype_font(path), tuple(warnings))
            except LetterError as exc:
                warnings.append(str(exc))
    return FontChoice(cid_font(), (*warnings, _not_embedded("no TrueType CJK font was found")))


def _not_embedded(reason: str) -> str:
    return (f"{reason}; using reportlab's built-in {CID_FONT}, which is NOT embedded in the PDF "
            f"(set {FONT_ENVIRONMENT} to a TrueType CJK font such as wqy-microhei.ttc or simsun.ttc)")


@lru_cache(maxsize=1)
def cid_font() -> LetterFont:
    with _lock:
        pdfmetrics.registerFont(UnicodeCIDFont(CID_FONT))
        _register_family(CID_FONT)
    return LetterFont(CID_FONT, None, None)


@lru_cache(maxsize=8)
def truetype_font(path: Path) -> LetterFont:
    """Register a TrueType/TrueType-collection font once per path; LetterError if reportlab can't use it."""
    name = "Letter-" + path.stem
    try:
        with _lock:
            font = TTFont(name, str(path), subfontIndex=0) if path.suffix.lower() == ".ttc" else TTFont(
                name, str(path))
            pdfmetrics.registerFont(font)
            _register_family(name)
    except Exception as exc:  # noqa: BLE001 - reportlab raises bare errors for unusable fonts
        raise LetterError(f"font {path} cannot be used: {exc}") from None
    return LetterFont(name, path, frozenset(font.face.charToGlyph))


def _register_family(name: str) -> None:
    pdfmetrics.registerFontFamily(name, normal=name, bold=name, italic=name, boldItalic=name)


@lru_cache(maxsize=8192)
def visible_text(text: str, font: LetterFont) -> tuple[str, frozenset[str]]:
    """The text with characters the font lacks replaced by a visible mark, and the set replaced."""
    if all(font.covers(c) or c in " \n\t" for c in text):
        return text, frozenset()
    text = "".join(SUBSTITUTES[c] if c in SUBSTITUTES and not font.covers(c) and font.covers(SUBSTITUTES[c])
                   else c for c in text)
    mark = REPLACEMENT if font.covers(REPLACEMENT) else "?"
    missing = frozenset(c for c in text if not font.covers(c) and c not in " \n\t")
    return "".join(mark if c in missing else c for c in text), missing
