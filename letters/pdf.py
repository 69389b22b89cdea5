"""The PDF renderer: the document model typeset with reportlab platypus, byte-for-byte reproducible."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from reportlab import rl_config  # type: ignore[import-untyped]
from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import A4, A5, LETTER  # type: ignore[import-untyped]
from reportlab.lib.units import mm  # type: ignore[import-untyped]
from reportlab.pdfbase.pdfmetrics import stringWidth  # type: ignore[import-untyped]
from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]
from reportlab.platypus import (Flowable, HRFlowable, KeepTogether,  # type: ignore[import-untyped]
                                SimpleDocTemplate, Spacer)
from reportlab.platypus import Image as PdfImage
from reportlab.platypus import Table as PdfTable
from reportlab.platypus import TableStyle

from letters.document import (Block, Document, Heading, Image, Inline, LineBreak, ListBlock, Paragraph,
                              Rule, Run, Section, Table, plain_text)
from letters.fonts import LetterFont, visible_text
from letters.images import Picture
from letters.markup import first_paragraph
from letters.styles import CELL_SIZE, KinsokuParagraph, LetterStyles, letter_styles

PAPER = {"A4": A4, "A5": A5, "Letter": LETTER}
MARGIN = 22 * mm
PAGE_LABEL = {"zh_CN": "第 {page} 页 共 {total} 页", "en": "Page {page} of {total}"}
CUT_LABEL = {"zh_CN": "（请沿此线剪下回执，签章后寄回）", "en": "(cut along this line, sign and return the slip)"}
CELL_PADDING = 3.0
LOGO_HEIGHT = 16 * mm


@dataclass(frozen=True)
class PdfResult:
    data: bytes
    missing_characters: frozenset[str]


def render_pdf(document: Document, font: LetterFont, pictures: Mapping[str, Picture]) -> PdfResult:
    """The letter as PDF bytes; the same document and font always give the same bytes."""
    # binary (Flate only) streams: ASCII85 in pure Python costs ~2 ms per page and 25% more bytes
    rl_config.useA85 = 0
    page = PAPER[document.paper]
    builder = _StoryBuilder(font, letter_styles(font.name), document.locale, pictures, page[0] - 2 * MARGIN)
    story = builder.flowables(document.blocks, "body")
    buffer = BytesIO()
    template = SimpleDocTemplate(
        buffer, pagesize=page, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=18 * mm,
        bottomMargin=20 * mm, title=document.title, author="", subject=document.title,
        creator="receivables letters", producer="receivables letters (reportlab)", invariant=1,
        lang="zh-CN" if document.locale == "zh_CN" else "en")
    template.build(story, canvasmaker=_numbered_canvas(font.name, PAGE_LABEL[document.locale]))
    return PdfResult(buffer.getvalue(), frozenset(builder.missing))


class _StoryBuilder:
    """Turns model blocks into platypus flowables, noting characters the font lacks."""

    def __init__(self, font: LetterFont, styles: LetterStyles, locale: str, pictures: Mapping[str, Picture],
                 width: float) -> None:
        self.font, self.styles, self.locale, self.pictures, self.width = font, styles, locale, pictures, width
        self.missing: set[str] = set()

    def flowables(self, blocks: Sequence[Block], context: str) -> list[Any]:
        story: list[Any] = []
        first = first_paragraph(blocks)
        for index, block in enumerate(blocks):
            story.extend(self._block(block, context, first=index == first))
        return story

    def _block(self, block: Block, context: str, first: bool) -> list[Any]:
        if isinstance(block, Paragraph):
            return [KinsokuParagraph(self._markup(block.inlines), self._paragraph_style(context, first))]
        if isinstance(block, Heading):
            style = {1: self.styles.title, 2: self.styles.heading}.get(block.level, self.styles.subheading)
            return [KinsokuParagraph(self._markup(block.inlines), style)]
        if isinstance(block, Table):
            return [self._table(block)]
        if isinstance(block, Image):
            return [self._image(block)]
        if isinstance(block, ListBlock):
            return self._list(block, context)
        if isinstance(block, Rule):
            return [HRFlowable(width="100%", thickness=0.6, color=colors.grey, spaceBefore=4, spaceAfter=4)]
        return self._section(block)

    def _section(self, section: Section) -> list[Any]:
        inner = self.flowables(section.blocks, section.kind)
        if section.kind == "letterhead":
            return [*inner, HRFlowable(width="100%", thickness=1.2, color=colors.black, spaceBefore=4,
                                       spaceAfter=10)]
        if section.kind == "signature":
            return [KeepTogether([Spacer(1, 8 * mm), *inner])]
        if section.kind == "slip":
            return [KeepTogether([Spacer(1, 6 * mm), CutLine(self.font.name, CUT_LABEL[self.locale]),
                                  Spacer(1, 4 * mm), *inner])]
        if section.kind == "keep":
            return [KeepTogether(inner)]
        return [*inner, Spacer(1, 2 * mm)] if section.kind == "recipient" else inner

    def _paragraph_style(self, context: str, first: bool) -> Any:
        if context == "letterhead":
            return self.styles.letterhead_name if first else self.styles.letterhead
        return {"right": self.styles.right, "signature": self.styles.right, "center": self.styles.center,
                "small": self.styles.small}.get(context, self.styles.body)

    def _list(self, block: ListBlock, context: str) -> list[Any]:
        story: list[Any] = []
        for offset, item in enumerate(block.items):
            marker = f"{block.start + offset}." if block.ordered else "·"
            for index, inner in enumerate(item):
                if isinstance(inner, Paragraph):
                    prefix = escape(marker) + " " if index == 0 else ""
                    story.append(KinsokuParagraph(prefix + self._markup(inner.inlines),
                                                  self._indented(context)))
                else:
                    story.extend(self._block(inner, context, first=False))
        return story

    def _indented(self, context: str) -> Any:
        base = self._paragraph_style(context, first=False)
        return _indented_style(base.name, base)

    def _markup(self, inlines: Sequence[Inline]) -> str:
        parts: list[str] = []
        for inline in inlines:
            if isinstance(inline, LineBreak):
                parts.append("<br/>")
                continue
            text = escape(self._visible(inline.text))
            if inline.bold:
                text = f"<b>{text}</b>"
            if inline.italic:
                text = f"<i>{text}</i>"
            parts.append(text)
        return "".join(parts)

    def _visible(self, text: str) -> str:
        shown, missing = visible_text(text, self.font)
        self.missing.update(missing)
        return shown

    def _image(self, image: Image) -> Any:
        picture = self.pictures[image.source]
        height = LOGO_HEIGHT
        width = min(picture.width * height / max(picture.height, 1), self.width)
        return PdfImage(BytesIO(picture.data), width=width, height=width * picture.height / max(picture.width, 1))

    def _table(self, table: Table) -> Any:
        texts = [[self._visible(plain_text(cell)) for cell in row] for row in (table.header, *table.rows)]
        columns = max(len(row) for row in texts)
        texts = [row + [""] * (columns - len(row)) for row in texts]
        aligns = list(table.aligns) + ["left"] * (columns - len(table.aligns))
        natural = [max(self._width(row[c]) for row in texts) + 2 * CELL_PADDING for c in range(columns)]
        widths = _column_widths(natural, self.width)
        data = [[self._cell(text, widths[c], aligns[c], header=r == 0) for c, text in enumerate(row)]
                for r, row in enumerate(texts)]
        commands: list[tuple[Any, ...]] = [
            ("FONT", (0, 0), (-1, -1), self.font.name, CELL_SIZE, CELL_SIZE * 1.35),
            ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.92, 0.92, 0.92)),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("ALIGN", (0, 0), (-1, 0), "CENTER"),
            *[("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING), ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING)],
        ]
        commands += [("ALIGN", (c, 1), (c, -1), aligns[c].upper()) for c in range(columns)
                     if aligns[c] != "left"]
        return PdfTable(data, colWidths=widths, repeatRows=1, style=TableStyle(commands), hAlign="CENTER",
                        spaceBefore=4, spaceAfter=6)

    def _width(self, text: str) -> float:
        return max((float(stringWidth(line, self.font.name, CELL_SIZE)) for line in text.split("\n")),
                   default=0.0)

    def _cell(self, text: str, width: float, align: str, header: bool) -> Any:
        if "\n" not in text and self._width(text) + 2 * CELL_PADDING <= width:
            return text
        styles = self.styles
        style = styles.header_cell if header else {"right": styles.cell_right,
                                                   "center": styles.cell_center}.get(align, styles.cell)
        return KinsokuParagraph(escape(text).replace("\n", "<br/>"), style)


def _column_widths(natural: list[float], available: float) -> list[float]:
    """Natural widths stretched to the line, or the widest columns shrunk until the table fits."""
    total = sum(natural)
    if total <= available:
        return [w * available / total for w in natural] if total else natural
    fair = available / len(natural)
    narrow = [w for w in natural if w <= fair]
    rest = available - sum(narrow)
    wide_total = sum(w for w in natural if w > fair)
    return [w if w <= fair else w * rest / wide_total for w in natural]


@lru_cache(maxsize=16)
def _indented_style(name: str, base: Any) -> Any:
    from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]
    return ParagraphStyle(name + "_item", parent=base, leftIndent=12, firstLineIndent=-8)


class CutLine(Flowable):  # type: ignore[misc]
    """A dashed line across the page with a label: cut here to detach the acknowledgment slip."""

    def __init__(self, font: str, label: str) -> None:
        super().__init__()
        self.font, self.label = font, label

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        return available_width, 12.0

    def draw(self) -> None:
        canvas = self.canv
        label_width = float(stringWidth(self.label, self.font, 8))
        canvas.saveState()
        canvas.setDash(4, 3)
        canvas.setLineWidth(0.6)
        gap = (self.width - label_width) / 2 - 4
        canvas.line(0, 6, gap, 6)
        canvas.line(self.width - gap, 6, self.width, 6)
        canvas.setFont(self.font, 8)
        canvas.drawCentredString(self.width / 2, 3.5, self.label)
        canvas.restoreState()


@lru_cache(maxsize=16)
def _numbered_canvas(font: str, label: str) -> type:
    """A canvas that writes 'page n of N' on every page once the number of pages is known."""

    class NumberedCanvas(Canvas):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._saved_pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab's name
            self._saved_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._saved_pages)
            for number, state in enumerate(self._saved_pages, start=1):
                self.__dict__.update(state)
                self.setFont(font, 8.5)
                width = self._pagesize[0]
                self.drawCentredString(width / 2, 10 * mm, label.format(page=number, total=total))
                super().showPage()
            super().save()

    return NumberedCanvas
