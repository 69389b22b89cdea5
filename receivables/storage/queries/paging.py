"""One page of a long listing (letters, the audit log, debtors): its rows and where it stands among the pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

Row = TypeVar("Row")


# Not slots=True: a slotted generic dataclass breaks `super()` in Python 3.11.
@dataclass(frozen=True)
class Page(Generic[Row]):
    rows: tuple[Row, ...]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """How many pages the listing has: one at least, even when nothing matched."""
        return max(1, -(-self.total // self.per_page))
