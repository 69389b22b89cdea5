"""Matching what a reader typed inside stored text: LIKE patterns in which the reader's % and _ are literal."""

from __future__ import annotations

LIKE_ESCAPE = "\\"
"""Pass as `escape=` with every pattern built here."""


def literal(text: str) -> str:
    """`text` with LIKE's wildcards and the escape character itself escaped."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def containing(text: str) -> str:
    return f"%{literal(text)}%"


def starting_with(text: str) -> str:
    return f"{literal(text)}%"
