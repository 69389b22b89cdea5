"""The reference-rate tables shipped with the product: one CSV file per series in receivables/data/rates/."""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable

from receivables.domain.rates import SERIES, Fixing, RateError, read_fixings_csv


def shipped_file(series: str) -> Traversable:
    return resources.files("receivables") / "data" / "rates" / f"{series}.csv"


def shipped_fixings(series: str) -> tuple[Fixing, ...]:
    """The shipped fixings of one known series, in the file's order (a RateError for a broken file)."""
    entry = shipped_file(series)
    label = f"shipped rates {series}.csv"
    try:
        text = entry.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RateError(f"{label}: cannot be read ({exc})") from None
    return read_fixings_csv(text, label)


def all_shipped() -> dict[str, tuple[Fixing, ...]]:
    return {name: shipped_fixings(name) for name in SERIES}
