"""Problems found in batch work, returned as values so one run reports every one of them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """What is wrong, and where: file, row (as a spreadsheet numbers it), column and value."""

    source: str
    row: int | None
    column: str | None
    value: str | None
    reason: str

    def __str__(self) -> str:
        where = self.source
        if self.row is not None:
            where += f" row {self.row}"
        if self.column:
            where += f" column {self.column}"
        shown = f" value {self.value!r}" if self.value not in (None, "") else ""
        return f"{where}:{shown} {self.reason}"
