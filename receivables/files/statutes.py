"""The statutes lawyer letters rely on, shipped as data (receivables/data/statutes.yaml) with their text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

WHEN: tuple[str, ...] = ("always", "sale", "loan", "penalty", "costs", "demand")
LOCALES: tuple[str, ...] = ("zh_CN", "en")


class StatuteError(ValueError):
    """The statutes file cannot be used; the message names the entry and field."""


@dataclass(frozen=True, slots=True)
class Statute:
    id: str
    jurisdiction: str
    when: str
    citation: dict[str, str]
    text: dict[str, str]
    source: str


def _text(entry: dict[str, Any], field: str, where: str) -> dict[str, str]:
    value = entry.get(field)
    if not isinstance(value, dict) or any(not isinstance(value.get(locale), str) or not value[locale].strip()
                                          for locale in LOCALES):
        raise StatuteError(f"{where}.{field}: give the text in {' and '.join(LOCALES)}")
    # Folded YAML joins lines with a space: right for English, wrong between Chinese sentences.
    return {locale: (" " if locale == "en" else "").join(value[locale].split()) for locale in LOCALES}


def parse_statutes(document: Any, origin: str) -> list[Statute]:
    if not isinstance(document, dict) or not isinstance(document.get("statutes"), list):
        raise StatuteError(f"{origin}: expected a mapping with a list `statutes`")
    statutes = []
    for index, entry in enumerate(document["statutes"]):
        where = f"{origin}: statutes[{index}]"
        if not isinstance(entry, dict):
            raise StatuteError(f"{where}: expected a mapping")
        when = entry.get("when")
        if when not in WHEN:
            raise StatuteError(f"{where}.when: {when!r} is not one of {', '.join(WHEN)}")
        for field in ("id", "jurisdiction", "source"):
            if not isinstance(entry.get(field), str) or not entry[field].strip():
                raise StatuteError(f"{where}.{field}: expected text")
        statutes.append(Statute(entry["id"], entry["jurisdiction"].upper(), when, _text(entry, "citation", where),
                                _text(entry, "text", where), entry["source"].strip()))
    return statutes


def shipped_statutes() -> list[Statute]:
    path = resources.files("receivables") / "data" / "statutes.yaml"
    return parse_statutes(yaml.safe_load(path.read_text(encoding="utf-8")), "statutes.yaml")


def relied_on(statutes: Sequence[Statute], jurisdiction: str, occasions: Sequence[str], locale: str
              ) -> list[dict[str, str]]:
    """The citations and texts for a letter: the entries of the jurisdiction whose occasion applies, in file order."""
    wanted = {"always", *occasions}
    chosen = "en" if locale == "en" else "zh_CN"
    return [{"id": s.id, "citation": s.citation[chosen], "text": s.text[chosen]}
            for s in statutes if s.jurisdiction == jurisdiction.upper() and s.when in wanted]
