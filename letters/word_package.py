"""The Word package every DOCX letter starts from, built once per locale and paper with python-docx:
named styles with the East Asian font (宋体), page size and margins, and the page-number footer.

Why a cached package instead of python-docx per letter: opening and saving a python-docx document
costs ~30 ms before any content, which alone breaks the 30 DOCX/s target. The style sheet, theme and
settings never change between letters, so they are built once and zipped once; each letter only
adds its own document body, relationships and properties (see ``letters.word``).
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO

from docx import Document as new_docx
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt
from docx.styles.style import ParagraphStyle

EAST_ASIAN_FONT = "宋体"
LATIN_FONT = "Times New Roman"
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
PAPER_MM = {"A4": (210, 297), "A5": (148, 210), "Letter": (215.9, 279.4)}
FOOTER_LABEL = {"zh_CN": ("第 ", " 页 共 ", " 页"), "en": ("Page ", " of ", "")}
DYNAMIC_PARTS = ("word/document.xml", "word/_rels/document.xml.rels", "docProps/core.xml")
_DROPPED_PARTS = ("word/stylesWithEffects.xml", "docProps/thumbnail.jpeg", "customXml/")

# style id -> (name, size in points, alignment, space before, space after, border)
PARAGRAPH_STYLES: dict[str, tuple[str, float, str, float, float, str]] = {
    "LetterTitle": ("Letter Title", 18, "center", 6, 12, ""),
    "LetterheadName": ("Letterhead Name", 16, "center", 0, 2, ""),
    "Letterhead": ("Letterhead", 9, "center", 0, 0, ""),
    "LetterheadRule": ("Letterhead Rule", 4, "left", 0, 10, "single:12"),
    "LetterBody": ("Letter Body", 11, "left", 0, 4, ""),
    "Recipient": ("Recipient", 11, "left", 0, 0, ""),
    "RightAligned": ("Right Aligned", 11, "right", 0, 0, ""),
    "Centered": ("Centered", 11, "center", 0, 0, ""),
    "Signature": ("Signature", 11, "right", 0, 0, ""),
    "SmallPrint": ("Small Print", 8.5, "left", 0, 2, ""),
    "SectionHeading": ("Section Heading", 13, "left", 8, 4, ""),
    "SubHeading": ("Sub Heading", 11.5, "left", 6, 2, ""),
    "CutLine": ("Cut Line", 8, "center", 12, 8, "dashed:6"),
    "HorizontalRule": ("Horizontal Rule", 4, "left", 0, 4, "single:6"),
    "TableText": ("Table Text", 9, "left", 0, 0, ""),
    "TableHeading": ("Table Heading", 9, "center", 0, 0, ""),
    "ListItem": ("List Item", 11, "left", 0, 2, ""),
}

_ALIGN = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER,
          "right": WD_ALIGN_PARAGRAPH.RIGHT}


@dataclass(frozen=True)
class WordPackage:
    """The static parts of a letter's .docx, zipped once, and the pieces each letter fills in."""

    static_zip: bytes
    document_head: str
    section_properties: str
    relationships: str


@lru_cache(maxsize=8)
def word_package(locale: str, paper: str) -> WordPackage:
    """The package for ``locale`` and ``paper``; built on first use, then shared by every letter."""
    document = new_docx()
    _set_defaults(document)
    for style_id, spec in PARAGRAPH_STYLES.items():
        _add_paragraph_style(document, style_id, *spec)
    _set_page(document, paper)
    _add_page_number_footer(document, locale)
    buffer = BytesIO()
    document.save(buffer)
    return _package_from(buffer.getvalue())


def _set_defaults(document: object) -> None:
    styles_element = document.styles.element  # type: ignore[attr-defined]
    r_fonts = styles_element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:rFonts')}")
    if r_fonts is not None:
        for attribute in list(r_fonts.attrib):
            del r_fonts.attrib[attribute]
        _set_fonts(r_fonts)
    lang = styles_element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:lang')}")
    if lang is not None:
        lang.set(qn("w:eastAsia"), "zh-CN")
    for name in ("Normal", "Table Grid", "Footer", "Heading 1", "Heading 2", "Heading 3", "Title"):
        if name in [s.name for s in document.styles]:  # type: ignore[attr-defined]
            style = document.styles[name]  # type: ignore[attr-defined]
            _set_fonts(style.element.get_or_add_rPr().get_or_add_rFonts())


def _set_fonts(r_fonts: object) -> None:
    element = r_fonts
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        element.attrib.pop(qn(theme), None)  # type: ignore[attr-defined]
    for attribute, font in (("w:ascii", LATIN_FONT), ("w:hAnsi", LATIN_FONT), ("w:eastAsia", EAST_ASIAN_FONT),
                            ("w:cs", LATIN_FONT)):
        element.set(qn(attribute), font)  # type: ignore[attr-defined]


def _add_paragraph_style(document: object, style_id: str, name: str, size: float, align: str,
                         before: float, after: float, border: str) -> None:
    style: ParagraphStyle = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)  # type: ignore[attr-defined]
    style.element.set(qn("w:styleId"), style_id)
    style.base_style = document.styles["Normal"]  # type: ignore[attr-defined]
    style.quick_style = True
    style.font.size = Pt(size)
    _set_fonts(style.element.get_or_add_rPr().get_or_add_rFonts())
    paragraph = style.paragraph_format
    paragraph.alignment = _ALIGN[align]
    paragraph.space_before = Pt(before)
    paragraph.space_after = Pt(after)
    paragraph.line_spacing = 1.3
    if border:
        kind, size_eighths = border.split(":")
        edge = "top" if kind == "dashed" else "bottom"
        style.element.get_or_add_pPr().append(parse_xml(
            f'<w:pBdr {nsdecls("w")}><w:{edge} w:val="{kind}" w:sz="{size_eighths}" w:space="1" '
            f'w:color="000000"/></w:pBdr>'))


def _set_page(document: object, paper: str) -> None:
    width, height = PAPER_MM[paper]
    section = document.sections[0]  # type: ignore[attr-defined]
    section.page_width, section.page_height = Mm(width), Mm(height)
    section.left_margin = section.right_margin = Mm(22)
    section.top_margin, section.bottom_margin = Mm(18), Mm(20)
    section.footer_distance = Mm(8)


def _add_page_number_footer(document: object, locale: str) -> None:
    footer = document.sections[0].footer  # type: ignore[attr-defined]
    footer.is_linked_to_previous = False
    paragraph = footer.paragraphs[0]
    paragraph.style = document.styles["Footer"]  # type: ignore[attr-defined]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    before, middle, after = FOOTER_LABEL[locale]
    paragraph.add_run(before)
    _add_field(paragraph, "PAGE")
    paragraph.add_run(middle)
    _add_field(paragraph, "NUMPAGES")
    if after:
        paragraph.add_run(after)


def _add_field(paragraph: object, instruction: str) -> None:
    for xml in (f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="begin"/></w:r>',
                f'<w:r {nsdecls("w")}><w:instrText xml:space="preserve"> {instruction} </w:instrText></w:r>',
                f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="separate"/></w:r>',
                f'<w:r {nsdecls("w")}><w:t>1</w:t></w:r>',
                f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="end"/></w:r>'):
        paragraph._p.append(parse_xml(xml))  # type: ignore[attr-defined]


def _package_from(saved: bytes) -> WordPackage:
    parts: dict[str, bytes] = {}
    with zipfile.ZipFile(BytesIO(saved)) as source:
        for name in source.namelist():
            if not name.startswith(_DROPPED_PARTS):
                parts[name] = source.read(name)
    parts["[Content_Types].xml"] = _content_types(parts["[Content_Types].xml"].decode())
    parts["_rels/.rels"] = re.sub(rb"<Relationship [^>]*thumbnail[^>]*/>", b"", parts["_rels/.rels"])
    document_xml = parts["word/document.xml"].decode()
    body_at = document_xml.index("<w:body>") + len("<w:body>")
    sect_at = document_xml.index("<w:sectPr")
    relationships = re.sub(r'<Relationship [^>]*(stylesWithEffects|customXml)[^>]*/>', "",
                           parts["word/_rels/document.xml.rels"].decode())
    static = BytesIO()
    with zipfile.ZipFile(static, "w", zipfile.ZIP_DEFLATED) as target:
        for name in ["[Content_Types].xml"] + sorted(n for n in parts if n != "[Content_Types].xml"):
            if name not in DYNAMIC_PARTS:
                target.writestr(fixed_entry(name), parts[name])
    return WordPackage(static.getvalue(), document_xml[:body_at], document_xml[sect_at:],
                       relationships)


def _content_types(xml: str) -> bytes:
    xml = re.sub(r'<Override PartName="/(word/stylesWithEffects|customXml/)[^>]*/>', "", xml)
    xml = re.sub(r'<Default Extension="jpeg"[^>]*/>', "", xml)
    defaults = "".join(f'<Default Extension="{ext}" ContentType="image/{ext}"/>' for ext in ("png", "jpeg", "gif"))
    return xml.replace("<Default ", defaults + "<Default ", 1).encode()


def fixed_entry(name: str) -> zipfile.ZipInfo:
    """A zip entry with a fixed timestamp and permissions, so the same content zips to the same bytes."""
    entry = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
    entry.compress_type = zipfile.ZIP_DEFLATED
    entry.external_attr = 0o644 << 16
    entry.create_system = 0
    return entry
