"""Producing a letter: template and data to Markdown, to the document model, to PDF and DOCX files;
and checking a template without data."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from letters.catalog import (TemplateInfo, display_path, read_template, shipped_templates_dir,
                             template_body)
from letters.document import Block, Document, Image, ListBlock, Section
from letters.errors import LetterError, TemplateError
from letters.filters import check_locale
from letters.fonts import REPLACEMENT, choose_font
from letters.images import Picture, load_picture
from letters.markup import SECTION_KINDS, MarkupError, parse_document
from letters.pdf import render_pdf
from letters.sandbox import first_use_line, letter_environment, referenced_names, render_markdown
from letters.word import render_docx

FORMATS = ("pdf", "docx")


@dataclass(frozen=True)
class RenderedLetter:
    """A letter's files by format (``"pdf"``, ``"docx"``), their SHA-256 digests, and warnings."""

    files: Mapping[str, bytes]
    sha256: Mapping[str, str]
    warnings: tuple[str, ...]
    title: str


def render_letter(info: TemplateInfo, data: Mapping[str, Any], formats: Sequence[str] = FORMATS, *,
                  font: Path | str | None = None) -> RenderedLetter:
    """Render a template with ``data`` into the requested formats.

    ``font`` overrides the PDF font choice: a TrueType path, or ``"cid"`` for the built-in font.
    Raises TemplateError (a LetterError) for template mistakes, naming file and line, and
    LetterError for bad data, a bad logo, or an unknown format or locale.
    """
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise LetterError(f"unknown format {', '.join(unknown) or '(none)'}; choose from {', '.join(FORMATS)}")
    if not isinstance(data, Mapping):
        raise LetterError("letter data must be a mapping of field names to values")
    document = build_document(info, data)
    pictures = pictures_of(document)
    files: dict[str, bytes] = {}
    warnings: list[str] = []
    if "pdf" in formats:
        choice = choose_font(font)
        warnings.extend(choice.warnings)
        result = render_pdf(document, choice.font, pictures)
        files["pdf"] = result.data
        if result.missing_characters:
            shown = ", ".join(f"{c!r} (U+{ord(c):04X})" for c in sorted(result.missing_characters))
            warnings.append(f"font {choice.font.name} has no glyph for {shown}; printed as {REPLACEMENT} "
                            "in the PDF")
    if "docx" in formats:
        files["docx"] = render_docx(document, pictures)
    digests = {kind: hashlib.sha256(content).hexdigest() for kind, content in files.items()}
    return RenderedLetter(files, digests, tuple(warnings), info.title)


def build_document(info: TemplateInfo, data: Mapping[str, Any]) -> Document:
    """The document model of a letter: the template rendered with ``data`` and read as Markdown."""
    check_locale(info.locale)
    shown = display_path(info.path)
    body = template_body(info.path)
    missing = [name for name in info.required_fields if name not in data]
    if missing:
        raise TemplateError(shown, first_use_line(body, missing[0]),
                            f"required field {missing[0]!r} is missing from the data"
                            + (f" (also missing: {', '.join(missing[1:])})" if missing[1:] else ""))
    env = letter_environment(_search_path(info), template_body)
    markdown = render_markdown(env, info.path, data, info.locale, display_path)
    try:
        return parse_document(markdown, info.title, info.locale, info.paper)
    except MarkupError as exc:
        kind = str(exc).split("'")[1] if "'" in str(exc) else ""
        line = next((n for n, text in enumerate(body.splitlines(), 1) if kind and kind in text), None)
        raise TemplateError(shown, line, str(exc)) from None


def check_template(info: TemplateInfo) -> list[str]:
    """Problems in a template, each naming file and line: header, syntax, fields, blocks, example data."""
    try:
        read_template(info.path, _search_path(info))
    except LetterError as exc:
        return [str(exc)]
    env = letter_environment(_search_path(info), template_body)
    body = template_body(info.path)
    problems: list[str] = []
    used: set[str] = set()
    pending: list[tuple[str, str]] = [(body, str(info.path))]
    seen: set[str] = set()
    while pending:
        source, filename = pending.pop()
        try:
            names, includes = referenced_names(env, source, filename)
        except Exception as exc:  # noqa: BLE001 - a syntax error is a problem to report, not a crash
            line = getattr(exc, "lineno", None)
            problems.append(str(TemplateError(display_path(filename), line, getattr(exc, "message", str(exc)))))
            continue
        used |= names
        if re.search(r"\|\s*money\b", source):
            used.add("currency")  # the money filter reads the letter's currency
        problems.extend(_unknown_blocks(source, filename))
        for name in includes:
            if name is None:
                problems.append(f"{display_path(filename)}: an include with a computed name cannot be checked")
                continue
            partial = next((folder / name for folder in _search_path(info) if (folder / name).is_file()), None)
            if partial is None:
                problems.append(f"{display_path(filename)}: included template {name!r} was not found")
            elif name not in seen:
                seen.add(name)
                pending.append((partial.read_text(encoding="utf-8-sig"), str(partial)))
    shown = display_path(info.path)
    for name in sorted(used - set(info.required_fields)):
        problems.append(str(TemplateError(shown, first_use_line(body, name),
                                          f"uses field {name!r}, which the front matter does not declare")))
    for name in sorted(set(info.required_fields) - used):
        problems.append(f"{shown}: declares field {name!r} but never uses it")
    return problems + _example_problems(info) if not problems else problems


def example_data_path(info: TemplateInfo) -> Path | None:
    """The example data for a template (``examples/<name>.<locale>.json`` beside the locale folders)."""
    for folder in _search_path(info):
        candidate = folder / "examples" / f"{info.name}.{info.locale}.json"
        if candidate.is_file():
            return candidate
    return None


def load_data(path: Path) -> dict[str, Any]:
    """Letter data from a JSON file, numbers read as exact Decimals; LetterError when unreadable."""
    try:
        loaded = json.loads(path.read_text(encoding="utf-8-sig"), parse_float=Decimal)
    except (OSError, ValueError) as exc:
        raise LetterError(f"cannot read letter data {path}: {exc}") from None
    if not isinstance(loaded, dict):
        raise LetterError(f"letter data {path} must be a JSON object of field names to values")
    return loaded


def _example_problems(info: TemplateInfo) -> list[str]:
    example = example_data_path(info)
    if example is None:
        return []
    try:
        document = build_document(info, load_data(example))
        for image in _images(document.blocks):
            load_picture(image.source)
    except LetterError as exc:
        return [f"{exc} (rendering example data {example.name})"]
    return []


def _unknown_blocks(source: str, filename: str) -> list[str]:
    problems = []
    for number, line in enumerate(source.splitlines(), start=1):
        match = re.match(r"^\s*:{3,}\s*(\S+)", line)
        if match and match.group(1) not in SECTION_KINDS:
            problems.append(str(TemplateError(display_path(filename), number,
                                              f"unknown block '::: {match.group(1)}'; known blocks: "
                                              f"{', '.join(SECTION_KINDS)}")))
    return problems


def _search_path(info: TemplateInfo) -> tuple[Path, ...]:
    if info.search_path:
        return info.search_path
    own = info.path.resolve().parent.parent
    shipped = shipped_templates_dir().resolve()
    return (own,) if own == shipped else (own, shipped)


def _images(blocks: Sequence[Block]) -> list[Image]:
    found: list[Image] = []
    for block in blocks:
        if isinstance(block, Image):
            found.append(block)
        elif isinstance(block, Section):
            found.extend(_images(block.blocks))
        elif isinstance(block, ListBlock):
            for item in block.items:
                found.extend(_images(item))
    return found


def pictures_of(document: Document) -> dict[str, Picture]:
    """The checked pictures a document shows, by source."""
    return {image.source: load_picture(image.source) for image in _images(document.blocks)}
