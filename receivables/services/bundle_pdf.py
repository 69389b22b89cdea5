"""The evidence bundle as one PDF: generated sections, stored PDFs merged, proof images on pages, a table of
contents with page numbers, an index of files with their SHA-256, and page numbers stamped on every page."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from letters.fonts import LetterFont, choose_font, visible_text
from letters.styles import letter_styles

MONO = "Courier"
CONTENTS_TITLE = "Contents 目录"
INDEX_TITLE = "Index of included files 文件索引"


@dataclass(frozen=True, slots=True)
class Text:
    """A paragraph; `style` is one of the letter styles (body, heading, subheading, small...)."""

    text: str
    style: str = "body"


@dataclass(frozen=True, slots=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    right: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Attachment:
    """A stored file to include as it is: a PDF's pages are merged, an image is placed on its own page."""

    label: str
    name: str
    sha256: str
    media_type: str
    content: bytes | None
    problem: str | None = None


Block = Text | Table | Attachment


@dataclass(frozen=True, slots=True)
class Section:
    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True, slots=True)
class BundleDocument:
    title: str
    cover_lines: tuple[str, ...]
    disclaimer: str
    sections: tuple[Section, ...]


@dataclass(frozen=True, slots=True)
class IndexedFile:
    number: int
    label: str
    name: str
    sha256: str
    section: str
    first_page: int
    last_page: int
    problem: str | None


@dataclass(frozen=True, slots=True)
class RenderedBundle:
    content: bytes
    pages: int
    contents: tuple[tuple[str, int], ...]
    files: tuple[IndexedFile, ...]
    warnings: tuple[str, ...]


@dataclass
class _Chunk:
    content: bytes
    pages: int


@dataclass
class _Layout:
    chunks: list[_Chunk] = field(default_factory=list)
    starts: list[tuple[str, int]] = field(default_factory=list)
    files: list[IndexedFile] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return sum(chunk.pages for chunk in self.chunks)


def render_bundle(document: BundleDocument, progress: Callable[[str], None] | None = None) -> RenderedBundle:
    """Lay out the sections, then the contents (whose page numbers are known only then), merge, number."""
    from pypdf import PdfReader, PdfWriter

    step = progress or (lambda _what: None)
    choice = choose_font()
    font = choice.font
    cover = _story_pdf(font, _cover_story(font, document))
    body = _Layout()
    for section in document.sections:
        step(section.title)
        _lay_out_section(font, section, body)
    index_title = f"{len(document.sections) + 1}. {INDEX_TITLE}"
    entries_without_pages = [title for title, _ in body.starts] + [index_title]
    # The contents' own length does not depend on the page numbers it shows: render once to count it.
    contents_pages = _story_pdf(font, _contents_story(font, [(t, 0) for t in entries_without_pages])).pages
    offset = cover.pages + contents_pages
    contents = [(title, start + offset) for title, start in body.starts]
    contents.append((index_title, offset + body.pages + 1))
    files = [IndexedFile(f.number, f.label, f.name, f.sha256, f.section, f.first_page + offset,
                         f.last_page + offset, f.problem) for f in body.files]
    step(INDEX_TITLE)
    index = _story_pdf(font, _index_story(font, index_title, files, document.disclaimer))
    toc = _story_pdf(font, _contents_story(font, contents))
    writer = PdfWriter()
    outline_at = {start: title for title, start in contents}
    for chunk in [cover, toc, *body.chunks, index]:
        for page in PdfReader(io.BytesIO(chunk.content)).pages:
            writer.add_page(page)
    step("page numbers")
    total = len(writer.pages)
    stamps = PdfReader(io.BytesIO(_stamps(font, [(float(p.mediabox.width), float(p.mediabox.height),
                                                  float(p.mediabox.left), float(p.mediabox.bottom))
                                                 for p in writer.pages], document.title)))
    for number, page in enumerate(writer.pages):
        page.merge_page(stamps.pages[number])
    for start, title in sorted(outline_at.items()):
        writer.add_outline_item(title=title, page_number=start - 1)
    writer.add_outline_item(title=CONTENTS_TITLE, page_number=cover.pages)
    writer.add_metadata({"/Title": document.title, "/Subject": document.disclaimer})
    out = io.BytesIO()
    writer.write(out)
    warnings = tuple(f"{f.name}: {f.problem}" for f in files if f.problem) + choice.warnings
    return RenderedBundle(out.getvalue(), total, tuple(contents), tuple(files), warnings)


def _lay_out_section(font: LetterFont, section: Section, layout: _Layout) -> None:
    layout.starts.append((section.title, layout.pages + 1))
    pending: list[Block] = [Text(section.title, "heading")]

    def flush() -> None:
        if pending:
            layout.chunks.append(_story_pdf(font, _blocks_story(font, pending)))
            pending.clear()

    for block in section.blocks:
        if not isinstance(block, Attachment):
            pending.append(block)
            continue
        if block.content is not None and block.media_type == "application/pdf":
            flush()
            chunk = _readable_pdf(block.content)
            if chunk is None:
                block = Attachment(block.label, block.name, block.sha256, block.media_type, None,
                                   "the stored PDF cannot be read")
            else:
                first = layout.pages + 1
                layout.chunks.append(chunk)
                layout.files.append(IndexedFile(len(layout.files) + 1, block.label, block.name, block.sha256,
                                                section.title, first, layout.pages, None))
                continue
        flush()
        first = layout.pages + 1
        layout.chunks.append(_story_pdf(font, _attachment_story(font, block)))
        layout.files.append(IndexedFile(len(layout.files) + 1, block.label, block.name, block.sha256, section.title,
                                        first, layout.pages, block.problem))
    flush()


def _readable_pdf(content: bytes) -> _Chunk | None:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        return _Chunk(content, len(PdfReader(io.BytesIO(content)).pages))
    except (PdfReadError, ValueError, KeyError, OSError):
        return None


# --- reportlab stories ----------------------------------------------------------------------------------------


def _paragraph(font: LetterFont, text: str, style: str = "body") -> object:
    from reportlab.platypus import Paragraph  # type: ignore[import-untyped]

    shown, _missing = visible_text(text, font)
    return Paragraph(escape(shown).replace("\n", "<br/>"), getattr(letter_styles(font.name), style))


def _story_pdf(font: LetterFont, story: list[object]) -> _Chunk:
    from reportlab.lib.pagesizes import A4  # type: ignore[import-untyped]
    from reportlab.lib.units import mm  # type: ignore[import-untyped]
    from reportlab.platypus import SimpleDocTemplate

    out = io.BytesIO()
    pages = [0]

    def count(_canvas: object, _doc: object) -> None:
        pages[0] += 1

    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, topMargin=18 * mm,
                            bottomMargin=20 * mm)
    doc.build(story, onFirstPage=count, onLaterPages=count)
    return _Chunk(out.getvalue(), pages[0])


def _cover_story(font: LetterFont, document: BundleDocument) -> list[object]:
    from reportlab.lib.units import mm
    from reportlab.platypus import Spacer

    story: list[object] = [Spacer(1, 40 * mm), _paragraph(font, document.title, "title"), Spacer(1, 10 * mm)]
    story += [_paragraph(font, line, "center") for line in document.cover_lines]
    story += [Spacer(1, 20 * mm), _paragraph(font, document.disclaimer, "center")]
    return story


def _contents_story(font: LetterFont, entries: Sequence[tuple[str, int]]) -> list[object]:
    from reportlab.platypus import Table as RlTable

    rows = [[_paragraph(font, title, "body"), _paragraph(font, str(page) if page else "0000", "right")]
            for title, page in entries]
    table = RlTable(rows, colWidths=[140 * _MM, 25 * _MM])
    return [_paragraph(font, CONTENTS_TITLE, "title"), table]


def _blocks_story(font: LetterFont, blocks: Sequence[Block]) -> list[object]:
    story: list[object] = []
    for block in blocks:
        if isinstance(block, Text):
            story.append(_paragraph(font, block.text, block.style))
        elif isinstance(block, Table):
            story.extend(_table(font, block))
    return story


def _table(font: LetterFont, table: Table) -> list[object]:
    from reportlab.lib import colors  # type: ignore[import-untyped]
    from reportlab.platypus import Spacer, TableStyle
    from reportlab.platypus import Table as RlTable

    header = [_paragraph(font, column, "header_cell") for column in table.columns]
    rows = [[_paragraph(font, cell, "cell_right" if index in table.right else "cell")
             for index, cell in enumerate(row)] for row in table.rows]
    if not rows:
        return [_paragraph(font, "(none)", "small")]
    built = RlTable([header, *rows], repeatRows=1, colWidths=_widths(table))
    built.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.92, 0.92, 0.92)),
                               ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return [built, Spacer(1, 4 * _MM)]


def _widths(table: Table) -> list[float]:
    """Column widths in proportion to the longest text of each column, within bounds, filling the page."""
    weights = [max(10, min(max([len(column), *(len(row[index]) for row in table.rows)]), 40))
               for index, column in enumerate(table.columns)]
    return [170 * _MM * weight / sum(weights) for weight in weights]


def _attachment_story(font: LetterFont, block: Attachment) -> list[object]:
    from reportlab.lib.styles import ParagraphStyle  # type: ignore[import-untyped]
    from reportlab.platypus import Image, Paragraph

    story: list[object] = [_paragraph(font, block.label, "subheading"),
                           Paragraph(f"{escape(block.name)}<br/>SHA-256 {block.sha256}",
                                     ParagraphStyle("sha", fontName=MONO, fontSize=7, leading=9))]
    if block.content is None or block.problem:
        story.append(_paragraph(font, f"Not included: {block.problem or 'the file is missing'}", "body"))
        return story
    try:
        from PIL import Image as PilImage

        with PilImage.open(io.BytesIO(block.content)) as picture:
            picture.load()
            converted = io.BytesIO()
            picture.convert("RGB").save(converted, format="PNG")
            width, height = picture.size
    except Exception as exc:  # noqa: BLE001 - Pillow raises many kinds for a damaged image
        story.append(_paragraph(font, f"Not included: the image cannot be read ({exc.__class__.__name__})", "body"))
        return story
    converted.seek(0)
    scale = min(170 * _MM / width, 215 * _MM / height)
    story.append(Image(converted, width=width * scale, height=height * scale))
    return story


def _index_story(font: LetterFont, title: str, files: Sequence[IndexedFile], disclaimer: str) -> list[object]:
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, TableStyle
    from reportlab.platypus import Table as RlTable

    sha_style = ParagraphStyle("sha-cell", fontName=MONO, fontSize=6, leading=8)
    rows: list[list[object]] = [[_paragraph(font, "#", "header_cell"), _paragraph(font, "File, section, pages", "header_cell"),
                                 _paragraph(font, "SHA-256", "header_cell")]]
    for f in files:
        where = f"p. {f.first_page}" if f.first_page == f.last_page else f"pp. {f.first_page}-{f.last_page}"
        text = f"{f.label}\n{f.name}\n{f.section}; {where}" + (f"\nNOT INCLUDED: {f.problem}" if f.problem else "")
        rows.append([_paragraph(font, str(f.number), "cell"), _paragraph(font, text, "cell"),
                     Paragraph(f.sha256, sha_style)])
    story: list[object] = [_paragraph(font, title, "heading")]
    if len(rows) == 1:
        story.append(_paragraph(font, "No stored file is included.", "body"))
    else:
        table = RlTable(rows, repeatRows=1, colWidths=[8 * _MM, 70 * _MM, 92 * _MM])
        table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
        story.append(table)
    story.append(_paragraph(font, "Each hash is the SHA-256 of the file as stored when the bundle was made; "
                                  "the stored file can be checked against it at any time.", "small"))
    story.append(_paragraph(font, disclaimer, "small"))
    return story


def _stamps(font: LetterFont, pages: Sequence[tuple[float, float, float, float]], title: str) -> bytes:
    """One overlay page per bundle page, of its size, with 'page n of N' in the bottom right corner."""
    from reportlab.pdfgen.canvas import Canvas  # type: ignore[import-untyped]

    out = io.BytesIO()
    canvas = Canvas(out)
    total = len(pages)
    for number, (width, height, left, bottom) in enumerate(pages, start=1):
        canvas.setPageSize((left + width, bottom + height))
        canvas.setFont(font.name, 7.5)
        label = f"证据第 {number} 页 共 {total} 页 · Bundle page {number} of {total}"
        canvas.drawRightString(left + width - 10 * _MM, bottom + 5 * _MM, label)
        canvas.showPage()
    canvas.save()
    return out.getvalue()


_MM = 72 / 25.4
