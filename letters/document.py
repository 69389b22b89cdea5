"""The neutral document model both renderers read: blocks of styled runs, tables, images, sections."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union


@dataclass(frozen=True)
class Run:
    """A piece of text in one style."""

    text: str
    bold: bool = False
    italic: bool = False


@dataclass(frozen=True)
class LineBreak:
    """A forced line break inside a paragraph."""


Inline = Union[Run, LineBreak]


@dataclass(frozen=True)
class Paragraph:
    inlines: tuple[Inline, ...]


@dataclass(frozen=True)
class Heading:
    level: int
    inlines: tuple[Inline, ...]


@dataclass(frozen=True)
class Image:
    """A picture such as the letterhead logo; ``source`` is a file path taken from the data."""

    source: str
    alt: str


@dataclass(frozen=True)
class Table:
    """A real table: the header row repeats on every page the table flows onto."""

    header: tuple[tuple[Inline, ...], ...]
    rows: tuple[tuple[tuple[Inline, ...], ...], ...]
    aligns: tuple[str, ...]  # "left", "center" or "right" per column


@dataclass(frozen=True)
class ListBlock:
    ordered: bool
    start: int
    items: tuple[tuple["Block", ...], ...]


@dataclass(frozen=True)
class Rule:
    """A horizontal rule (Markdown ``---``)."""


@dataclass(frozen=True)
class Section:
    """A ``::: kind`` container: letterhead, recipient, right, center, signature, slip, small, keep."""

    kind: str
    blocks: tuple["Block", ...]


Block = Union[Paragraph, Heading, Image, Table, ListBlock, Rule, Section]


@dataclass(frozen=True)
class Document:
    """A whole letter, ready for either renderer."""

    title: str
    locale: str
    paper: str
    blocks: tuple[Block, ...]


def plain_text(inlines: tuple[Inline, ...]) -> str:
    """The text of some inlines, line breaks as newlines."""
    return "".join(i.text if isinstance(i, Run) else "\n" for i in inlines)


def iter_runs(blocks: tuple[Block, ...]) -> list[str]:
    """Every text run of a block tree, in reading order (for glyph checks and tests)."""
    texts: list[str] = []
    for block in blocks:
        if isinstance(block, (Paragraph, Heading)):
            texts.extend(i.text for i in block.inlines if isinstance(i, Run))
        elif isinstance(block, Table):
            for row in (block.header, *block.rows):
                for cell in row:
                    texts.extend(i.text for i in cell if isinstance(i, Run))
        elif isinstance(block, ListBlock):
            for item in block.items:
                texts.extend(iter_runs(item))
        elif isinstance(block, Section):
            texts.extend(iter_runs(block.blocks))
        elif isinstance(block, Image):
            texts.append(block.alt)
    return texts
