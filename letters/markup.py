"""Markdown (CommonMark, tables, ``:::`` blocks) read by markdown-it-py into the document model."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.container import container_plugin

from letters.document import (Block, Document, Heading, Image, Inline, LineBreak, ListBlock, Paragraph,
                              Rule, Run, Section, Table)

SECTION_KINDS = ("letterhead", "recipient", "right", "center", "signature", "slip", "small", "keep")


class MarkupError(ValueError):
    """Markdown the letter model cannot hold, such as an unknown ``:::`` block."""


@lru_cache(maxsize=1)
def markdown_parser() -> MarkdownIt:
    """CommonMark without raw HTML, plus tables and ``::: kind`` containers; built once."""
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    container_plugin(md, "section", validate=lambda params, *_: bool(params.strip()))
    return md


def parse_document(markdown: str, title: str, locale: str, paper: str) -> Document:
    """The letter's document model from its rendered Markdown."""
    tokens = markdown_parser().parse(markdown)
    blocks, _ = _blocks(tokens, 0, None, keep_lines=False)
    return Document(title=title, locale=locale, paper=paper, blocks=tuple(blocks))


def _blocks(tokens: Sequence[Token], i: int, close: str | None, keep_lines: bool) -> tuple[list[Block], int]:
    blocks: list[Block] = []
    while i < len(tokens):
        token = tokens[i]
        if close is not None and token.type == close:
            return blocks, i + 1
        kind = token.type
        if kind == "paragraph_open":
            blocks.extend(_paragraph(tokens[i + 1], keep_lines))
            i += 3
        elif kind == "heading_open":
            blocks.append(Heading(int(token.tag[1]), _inlines(tokens[i + 1], keep_lines)))
            i += 3
        elif kind == "table_open":
            table, i = _table(tokens, i + 1)
            blocks.append(table)
        elif kind in ("bullet_list_open", "ordered_list_open"):
            items, i = _list_items(tokens, i + 1, kind.replace("_open", "_close"), keep_lines)
            start = int(str(token.attrGet("start") or 1))
            blocks.append(ListBlock(kind == "ordered_list_open", start, tuple(items)))
        elif kind == "container_section_open":
            section_kind = token.info.strip().split()[0]
            if section_kind not in SECTION_KINDS:
                raise MarkupError(f"unknown block '::: {section_kind}'; known blocks: {', '.join(SECTION_KINDS)}")
            inner, i = _blocks(tokens, i + 1, "container_section_close", keep_lines=True)
            if section_kind == "letterhead":
                inner = _name_on_its_own_line(inner)
            blocks.append(Section(section_kind, tuple(inner)))
        elif kind == "blockquote_open":
            inner, i = _blocks(tokens, i + 1, "blockquote_close", keep_lines)
            blocks.extend(inner)
        elif kind == "hr":
            blocks.append(Rule())
            i += 1
        elif kind in ("fence", "code_block"):
            lines = token.content.rstrip("\n").split("\n")
            blocks.append(Paragraph(tuple(_join_lines(lines))))
            i += 1
        else:
            i += 1
    return blocks, i


def _name_on_its_own_line(blocks: list[Block]) -> list[Block]:
    """The letterhead's first line (the company name) becomes its own paragraph, set larger."""
    for index, block in enumerate(blocks):
        if isinstance(block, Paragraph):
            if LineBreak() not in block.inlines:
                return blocks
            cut = block.inlines.index(LineBreak())
            split = [Paragraph(block.inlines[:cut]), Paragraph(block.inlines[cut + 1:])]
            return blocks[:index] + split + blocks[index + 1:]
    return blocks


def first_paragraph(blocks: Sequence[Block]) -> int | None:
    """The index of the first paragraph among blocks, if any."""
    return next((i for i, b in enumerate(blocks) if isinstance(b, Paragraph)), None)


def _list_items(tokens: Sequence[Token], i: int, close: str,
                keep_lines: bool) -> tuple[list[tuple[Block, ...]], int]:
    items: list[tuple[Block, ...]] = []
    while tokens[i].type != close:
        if tokens[i].type == "list_item_open":
            inner, i = _blocks(tokens, i + 1, "list_item_close", keep_lines)
            items.append(tuple(inner))
        else:
            i += 1
    return items, i + 1


def _table(tokens: Sequence[Token], i: int) -> tuple[Table, int]:
    header: list[tuple[Inline, ...]] = []
    rows: list[tuple[tuple[Inline, ...], ...]] = []
    aligns: list[str] = []
    row: list[tuple[Inline, ...]] = []
    in_head = False
    while tokens[i].type != "table_close":
        token = tokens[i]
        if token.type == "thead_open":
            in_head = True
        elif token.type == "thead_close":
            in_head = False
        elif token.type in ("th_open", "td_open"):
            if in_head:
                aligns.append(_align(token))
            row.append(_inlines(tokens[i + 1], keep_lines=False))
            i += 2
        elif token.type == "tr_close":
            if in_head:
                header = row
            else:
                rows.append(tuple(row))
            row = []
        i += 1
    return Table(tuple(header), tuple(rows), tuple(aligns)), i + 1


def _align(token: Token) -> str:
    style = str(token.attrGet("style") or "")
    for align in ("right", "center", "left"):
        if f"text-align:{align}" in style:
            return align
    return "left"


def _paragraph(inline: Token, keep_lines: bool) -> list[Block]:
    images = [c for c in inline.children or [] if c.type == "image"]
    blocks: list[Block] = [Image(str(c.attrGet("src") or ""), c.content) for c in images]
    inlines = _inlines(inline, keep_lines)
    if any(isinstance(i, Run) and i.text.strip() for i in inlines):
        blocks.append(Paragraph(inlines))
    return blocks


def _inlines(inline: Token, keep_lines: bool) -> tuple[Inline, ...]:
    out: list[Inline | None] = []
    bold = italic = False
    for child in inline.children or []:
        kind = child.type
        if kind == "text" or kind == "code_inline":
            out.append(Run(child.content, bold, italic))
        elif kind == "strong_open" or kind == "strong_close":
            bold = kind == "strong_open"
        elif kind == "em_open" or kind == "em_close":
            italic = kind == "em_open"
        elif kind == "hardbreak":
            out.append(LineBreak())
        elif kind == "softbreak":
            out.append(LineBreak() if keep_lines else None)
    return tuple(_merge(_resolve_soft_breaks(out)))


def _resolve_soft_breaks(items: list[Inline | None]) -> list[Inline]:
    """A soft break joins Chinese text directly and Latin text with a space."""
    resolved: list[Inline] = []
    for index, item in enumerate(items):
        if item is not None:
            resolved.append(item)
            continue
        before = _edge(items[:index], last=True)
        after = _edge(items[index + 1:], last=False)
        resolved.append(Run("" if _is_wide(before) or _is_wide(after) else " "))
    return resolved


def _edge(items: list[Inline | None], last: bool) -> str:
    runs = [i.text for i in items if isinstance(i, Run) and i.text]
    if not runs:
        return ""
    return runs[-1][-1] if last else runs[0][0]


def _is_wide(char: str) -> bool:
    return bool(char) and ord(char) >= 0x2E80


def _merge(inlines: list[Inline]) -> list[Inline]:
    merged: list[Inline] = []
    for item in inlines:
        previous = merged[-1] if merged else None
        if isinstance(item, Run) and isinstance(previous, Run) and (previous.bold, previous.italic) == (
                item.bold, item.italic):
            merged[-1] = Run(previous.text + item.text, item.bold, item.italic)
        elif not (isinstance(item, Run) and not item.text):
            merged.append(item)
    return merged


def _join_lines(lines: list[str]) -> list[Inline]:
    out: list[Inline] = []
    for index, line in enumerate(lines):
        if index:
            out.append(LineBreak())
        out.append(Run(line))
    return out
