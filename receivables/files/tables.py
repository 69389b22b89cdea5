"""Reading CSV and XLSX tables as rows of named cells, whatever the encoding or header language."""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CSV_ENCODINGS = ("utf-8-sig", "gb18030")
_SNIFF_BYTES = 1 << 20


@dataclass(frozen=True, slots=True)
class Column:
    """A column an import understands: its fixed English name and the headers that mean it."""

    name: str
    aliases: tuple[str, ...] = ()
    required: bool = True

    def matches(self, header: str) -> bool:
        wanted = _fold(header)
        return wanted == _fold(self.name) or any(wanted == _fold(a) for a in self.aliases)


class TableError(ValueError):
    """The file as a whole cannot be read: unreadable, empty, or a required column is missing."""


@dataclass(frozen=True, slots=True)
class Row:
    """One data row: its line number as a spreadsheet shows it (header is 1) and cells by column name."""

    number: int
    cells: dict[str, Any]


def _fold(header: str) -> str:
    return "".join(header.split()).lower().replace("-", "_").replace("（", "(").replace("）", ")")


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) when the bytes decode as UTF-8, else GB18030 (a superset of GBK)."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    with path.open("rb") as handle:
        try:
            while chunk := handle.read(_SNIFF_BYTES):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "gb18030"
    return "utf-8-sig"


def map_header(header: Sequence[Any], columns: Sequence[Column], source: str) -> dict[str, int]:
    """Column name -> position; unknown headers are ignored, a missing required column is an error."""
    positions: dict[str, int] = {}
    for index, raw in enumerate(header):
        text = "" if raw is None else str(raw).strip()
        if not text:
            continue
        for column in columns:
            if column.matches(text):
                if column.name in positions:
                    raise TableError(f"{source}: columns {positions[column.name] + 1} and {index + 1} "
                                     f"both mean {column.name!r}")
                positions[column.name] = index
                break
    missing = [c for c in columns if c.required and c.name not in positions]
    if missing:
        described = ", ".join(f"{c.name!r} ({' / '.join(c.aliases[:2])})" if c.aliases else repr(c.name)
                              for c in missing)
        raise TableError(f"{source}: missing column {described}")
    return positions


def read_rows(path: Path, columns: Sequence[Column]) -> Iterator[Row]:
    """Stream the rows of a CSV or XLSX file; blank rows are skipped. Raises TableError up front."""
    if not path.exists():
        raise TableError(f"{path}: no such file")
    if not path.is_file():
        raise TableError(f"{path}: not a file")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path, columns)
    if suffix in (".csv", ".txt", ""):
        return _read_csv(path, columns)
    raise TableError(f"{path}: unsupported file type {suffix!r} (use .csv or .xlsx)")


def _read_csv(path: Path, columns: Sequence[Column]) -> Iterator[Row]:
    encoding = detect_encoding(path)
    handle = path.open("r", encoding=encoding, newline="")
    reader = csv.reader(handle)
    header = next(reader, None)
    if header is None:
        handle.close()
        raise TableError(f"{path}: the file is empty (no header row)")
    positions = map_header(header, columns, str(path))
    return _csv_rows(handle, reader, positions)


def _csv_rows(handle: io.TextIOBase, reader: Any, positions: dict[str, int]) -> Iterator[Row]:
    # Unknown columns get a name no importer asks for; zip() then builds each row's cells in C.
    width = max(positions.values()) + 1
    names = [f"\0{i}" for i in range(width)]
    for name, index in positions.items():
        names[index] = name
    try:
        for number, record in enumerate(reader, start=2):
            if not "".join(record).strip():
                continue
            yield Row(number, dict(zip(names, record)))
    finally:
        handle.close()


def _read_xlsx(path: Path, columns: Sequence[Column]) -> Iterator[Row]:
    from openpyxl import load_workbook  # imported here: loading openpyxl costs ~100 ms per command

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise TableError(f"{path}: not a readable XLSX workbook ({exc})") from None
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        workbook.close()
        raise TableError(f"{path}: the sheet {sheet.title!r} is empty (no header row)")
    positions = map_header(header, columns, f"{path} sheet {sheet.title!r}")
    return _xlsx_rows(workbook, rows, positions)


def _xlsx_rows(workbook: Any, rows: Iterator[tuple[Any, ...]], positions: dict[str, int]) -> Iterator[Row]:
    items = list(positions.items())
    try:
        for number, record in enumerate(rows, start=2):
            if not any(v is not None and str(v).strip() for v in record):
                continue
            width = len(record)
            cells = {}
            for name, i in items:
                value = record[i] if i < width else None
                cells[name] = "" if value is None else value
            yield Row(number, cells)
    finally:
        workbook.close()
