"""Template front matter: the YAML header that says what a template is and which fields it needs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml  # type: ignore[import-untyped]

from letters.errors import TemplateError

PAPERS = ("A4", "A5", "Letter")
_KEYS = {"title", "kind", "locale", "fields", "numbering_prefix", "paper", "description"}
_FENCE = "---"


@dataclass(frozen=True)
class FrontMatter:
    """What the header declares; ``body_offset`` is the number of lines before the body starts."""

    title: str
    kind: str
    locale: str
    required_fields: tuple[str, ...]
    numbering_prefix: str
    paper: str
    description: str
    body_offset: int


def split_front_matter(source: str, template: str) -> tuple[FrontMatter, str]:
    """The header and the body; the body keeps blank lines in place of the header so line numbers hold."""
    lines = source.splitlines()
    if not lines or lines[0].strip() != _FENCE:
        raise TemplateError(template, 1, "a template starts with a '---' line opening its front matter")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == _FENCE)
    except StopIteration:
        raise TemplateError(template, 1, "the front matter is never closed by a '---' line") from None
    header = _load_yaml("\n".join(lines[1:end]), template)
    front = _front_matter(header, lines[:end], template, body_offset=end + 1)
    body = "\n" * (end + 1) + "\n".join(lines[end + 1:]) + ("\n" if source.endswith("\n") else "")
    return front, body


def _load_yaml(text: str, template: str) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 2 if mark is not None else None
        raise TemplateError(template, line, f"front matter is not valid YAML: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise TemplateError(template, None, f"front matter is not valid YAML: {exc}") from None
    if not isinstance(loaded, dict):
        raise TemplateError(template, 2, "front matter must be 'key: value' lines")
    return loaded


def _front_matter(header: dict[str, Any], lines: list[str], template: str, body_offset: int) -> FrontMatter:
    unknown = sorted(set(map(str, header)) - _KEYS)
    if unknown:
        raise TemplateError(template, _key_line(lines, unknown[0]),
                            f"unknown front matter key {unknown[0]!r}; known keys: {', '.join(sorted(_KEYS))}")
    for key in ("title", "kind", "locale"):
        if not isinstance(header.get(key), str) or not header[key].strip():
            raise TemplateError(template, _key_line(lines, key) or 1, f"front matter needs '{key}' (text)")
    fields = header.get("fields", [])
    if not isinstance(fields, list) or not all(isinstance(f, str) and f.isidentifier() for f in fields):
        raise TemplateError(template, _key_line(lines, "fields"),
                            "'fields' must be a list of field names such as [debtor, items]")
    paper = str(header.get("paper", "A4"))
    if paper not in PAPERS:
        raise TemplateError(template, _key_line(lines, "paper"),
                            f"paper {paper!r} is not one of {', '.join(PAPERS)}")
    return FrontMatter(
        title=header["title"].strip(), kind=header["kind"].strip(), locale=header["locale"].strip(),
        required_fields=tuple(fields), numbering_prefix=str(header.get("numbering_prefix", "")),
        paper=paper, description=str(header.get("description", "")), body_offset=body_offset)


def _key_line(lines: list[str], key: str) -> int | None:
    for number, line in enumerate(lines, start=1):
        if line.split(":", 1)[0].strip() == key:
            return number
    return None
