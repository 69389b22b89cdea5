"""How letter numbers read: 〔2026〕催字第0007号 in Chinese letters, AR-2026-0007 in English ones."""

from __future__ import annotations


def format_letter_number(prefix: str, year: int, sequence: int, locale: str) -> str:
    """The printed letter number; the sequence restarts each year per company and prefix."""
    if sequence < 1:
        raise ValueError(f"a letter sequence starts at 1, got {sequence}")
    if locale == "zh_CN":
        return f"〔{year}〕{prefix}字第{sequence:04d}号"
    return f"{prefix}-{year}-{sequence:04d}"
