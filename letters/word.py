"""The DOCX renderer: the document model written as WordprocessingML into the cached Word package.

Paragraphs use the package's named styles, tables are real Word tables whose header row repeats on
every page, and the zip is written with fixed timestamps and order, so the same letter gives the
same bytes.
"""

from __future__ import annotations

import zipfile
from collections.abc import Mapping, Sequence
from io import BytesIO
from xml.sax.saxutils import escape, quoteattr

from letters.document import (Block, Document, Heading, Image, Inline, LineBreak, ListBlock, Paragraph,
                              Rule, Run, Section, Table, plain_text)
from letters.images import Picture
from letters.markup import first_paragraph
from letters.word_package import PAPER_MM, fixed_entry, word_package

CUT_LABEL = {"zh_CN": "（请沿此线剪下回执，签章后寄回）", "en": "(cut along this line, sign and return the slip)"}
TEXT_WIDTH_TWIPS = {paper: int((width - 44) / 25.4 * 1440) for paper, (width, _) in PAPER_MM.items()}
EMU_PER_MM = 36000
LOGO_HEIGHT_MM = 16
_SECTION_STYLE = {"letterhead": "Letterhead", "recipient": "Recipient", "right": "RightAligned",
                  "center": "Centered", "signature": "Signature", "small": "SmallPrint", "slip": "LetterBody",
                  "keep": "LetterBody", "body": "LetterBody"}
_HEADING_STYLE = {1: "LetterTitle", 2: "SectionHeading"}
_DRAWING_NS = ('xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
               'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
               'xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture" '
               'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"')


def render_docx(document: Document, pictures: Mapping[str, Picture]) -> bytes:
    """The letter as .docx bytes; the same document always gives the same bytes."""
    package = word_package(document.locale, document.paper)
    writer = _BodyWriter(document, pictures)
    body = writer.blocks(document.blocks, "body")
    if not body.endswith("</w:p>"):
        body += '<w:p><w:pPr><w:pStyle w:val="LetterBody"/></w:pPr></w:p>'
    relationships = package.relationships.replace("</Relationships>", "".join(
        f'<Relationship Id="{rid}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        f'image" Target="media/{name}"/>' for rid, name, _ in writer.media) + "</Relationships>")
    buffer = BytesIO(package.static_zip)
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(fixed_entry("word/document.xml"),
                         package.document_head + body + package.section_properties)
        archive.writestr(fixed_entry("word/_rels/document.xml.rels"), relationships)
        archive.writestr(fixed_entry("docProps/core.xml"), _core_properties(document.title))
        for _, name, data in writer.media:
            archive.writestr(fixed_entry(f"word/media/{name}"), data)
    return buffer.getvalue()


class _BodyWriter:
    """Writes model blocks as WordprocessingML and collects the pictures they show."""

    def __init__(self, document: Document, pictures: Mapping[str, Picture]) -> None:
        self.locale, self.paper, self.pictures = document.locale, document.paper, pictures
        self.media: list[tuple[str, str, bytes]] = []

    def blocks(self, blocks: Sequence[Block], context: str) -> str:
        keep = context in ("slip", "signature", "keep")
        first = first_paragraph(blocks)
        parts = [self.block(b, context, first=i == first, keep_next=keep and i < len(blocks) - 1)
                 for i, b in enumerate(blocks)]
        return "".join(parts)

    def block(self, block: Block, context: str, first: bool, keep_next: bool = False) -> str:
        if isinstance(block, Paragraph):
            style = "LetterheadName" if context == "letterhead" and first else _SECTION_STYLE.get(context, "LetterBody")
            return _paragraph(style, block.inlines, keep_next=keep_next)
        if isinstance(block, Heading):
            return _paragraph(_HEADING_STYLE.get(block.level, "SubHeading"), block.inlines, keep_next=True)
        if isinstance(block, Table):
            return self.table(block)
        if isinstance(block, Image):
            return self.image(block, context)
        if isinstance(block, ListBlock):
            return self.list_items(block)
        if isinstance(block, Rule):
            return '<w:p><w:pPr><w:pStyle w:val="HorizontalRule"/></w:pPr></w:p>'
        return self.section(block)

    def section(self, section: Section) -> str:
        inner = self.blocks(section.blocks, section.kind)
        if section.kind == "letterhead":
            return inner + '<w:p><w:pPr><w:pStyle w:val="LetterheadRule"/></w:pPr></w:p>'
        if section.kind == "slip":
            return _paragraph("CutLine", (Run(CUT_LABEL[self.locale]),), keep_next=True) + inner
        if section.kind == "signature":
            return '<w:p><w:pPr><w:pStyle w:val="Signature"/><w:keepNext/></w:pPr></w:p>' + inner
        return inner

    def list_items(self, block: ListBlock) -> str:
        out: list[str] = []
        for offset, item in enumerate(block.items):
            marker = f"{block.start + offset}. " if block.ordered else "· "
            for index, inner in enumerate(item):
                if isinstance(inner, Paragraph):
                    prefix = (Run(marker),) if index == 0 else ()
                    out.append(_paragraph("ListItem", prefix + inner.inlines, indent=True))
                else:
                    out.append(self.block(inner, "body", first=False))
        return "".join(out)

    def table(self, table: Table) -> str:
        columns = max(len(table.header), *(len(r) for r in table.rows)) if table.rows else len(table.header)
        aligns = list(table.aligns) + ["left"] * (columns - len(table.aligns))
        widths = _column_widths(table, columns, TEXT_WIDTH_TWIPS[self.paper])
        grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in widths)
        rows = [_row(table.header, widths, aligns, header=True)]
        rows.extend(_row(row, widths, aligns, header=False) for row in table.rows)
        return ('<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:w="5000" w:type="pct"/>'
                '<w:jc w:val="center"/><w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" '
                f'w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid>{grid}</w:tblGrid>'
                + "".join(rows) + "</w:tbl>")

    def image(self, image: Image, context: str) -> str:
        picture = self.pictures[image.source]
        number = len(self.media) + 1
        rid, name = f"rIdLetterImage{number}", f"image{number}.{picture.extension}"
        self.media.append((rid, name, picture.data))
        height = LOGO_HEIGHT_MM * EMU_PER_MM
        width = int(height * picture.width / max(picture.height, 1))
        alt = quoteattr(image.alt)
        drawing = (
            f'<w:drawing><wp:inline {_DRAWING_NS} distT="0" distB="0" distL="0" distR="0">'
            f'<wp:extent cx="{width}" cy="{height}"/><wp:docPr id="{number}" name="Picture {number}" descr={alt}/>'
            '<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">'
            f'<pic:pic><pic:nvPicPr><pic:cNvPr id="{number}" name="{name}"/><pic:cNvPicPr/></pic:nvPicPr>'
            f'<pic:blipFill><a:blip r:embed="{rid}"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill>'
            f'<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{width}" cy="{height}"/></a:xfrm>'
            '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic></a:graphicData></a:graphic>'
            '</wp:inline></w:drawing>')
        style = _SECTION_STYLE.get(context, "LetterBody")
        return f'<w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr><w:r>{drawing}</w:r></w:p>'


def _row(cells: Sequence[tuple[Inline, ...]], widths: Sequence[int], aligns: Sequence[str], header: bool) -> str:
    filled = list(cells) + [()] * (len(widths) - len(cells))
    properties = "<w:trPr><w:tblHeader/><w:cantSplit/></w:trPr>" if header else "<w:trPr><w:cantSplit/></w:trPr>"
    out = [f"<w:tr>{properties}"]
    for cell, width, align in zip(filled, widths, aligns):
        shade = '<w:shd w:val="clear" w:color="auto" w:fill="EBEBEB"/>' if header else ""
        style = "TableHeading" if header else "TableText"
        justify = "" if header or align == "left" else f'<w:jc w:val="{"center" if align == "center" else "right"}"/>'
        out.append(f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{shade}<w:vAlign w:val="center"/></w:tcPr>'
                   f'<w:p><w:pPr><w:pStyle w:val="{style}"/>{justify}</w:pPr>{_runs(cell)}</w:p></w:tc>')
    out.append("</w:tr>")
    return "".join(out)


def _column_widths(table: Table, columns: int, available: int) -> list[int]:
    natural = [1.0] * columns
    for row in (table.header, *table.rows[:200]):
        for index, cell in enumerate(row):
            text = plain_text(cell)
            natural[index] = max(natural[index], sum(2.0 if ord(c) > 0x2E80 else 1.0 for c in text) + 2)
    total = sum(natural)
    return [int(available * n / total) for n in natural]


def _paragraph(style: str, inlines: Sequence[Inline], keep_next: bool = False, indent: bool = False) -> str:
    extra = ("<w:keepNext/>" if keep_next else "") + ('<w:ind w:left="360" w:hanging="240"/>' if indent else "")
    return f'<w:p><w:pPr><w:pStyle w:val="{style}"/>{extra}</w:pPr>{_runs(inlines)}</w:p>'


def _runs(inlines: Sequence[Inline]) -> str:
    out: list[str] = []
    for inline in inlines:
        if isinstance(inline, LineBreak):
            out.append("<w:r><w:br/></w:r>")
            continue
        properties = ("<w:b/><w:bCs/>" if inline.bold else "") + ("<w:i/><w:iCs/>" if inline.italic else "")
        run_properties = f"<w:rPr>{properties}</w:rPr>" if properties else ""
        out.append(f'<w:r>{run_properties}<w:t xml:space="preserve">{escape(_xml_safe(inline.text))}</w:t></w:r>')
    return "".join(out)


def _xml_safe(text: str) -> str:
    """Text without the control characters XML 1.0 forbids (they would make Word refuse the file)."""
    return "".join(c for c in text if c in "\t\n" or ord(c) >= 0x20)


def _core_properties(title: str) -> str:
    return ("<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"<dc:title>{escape(title)}</dc:title><dc:creator>receivables letters</dc:creator>"
            "<cp:lastModifiedBy>receivables letters</cp:lastModifiedBy><cp:revision>1</cp:revision>"
            '<dcterms:created xsi:type="dcterms:W3CDTF">2000-01-01T00:00:00Z</dcterms:created>'
            '<dcterms:modified xsi:type="dcterms:W3CDTF">2000-01-01T00:00:00Z</dcterms:modified>'
            "</cp:coreProperties>")
