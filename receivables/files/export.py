"""Writing reports to XLSX: real numbers with formats, a frozen header, widths that fit."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from receivables.domain.aging import BUCKETS, AgingReport

AMOUNT_FORMAT = "#,##0.00"


def write_table_xlsx(path: Path, title: str, header: Sequence[str], rows: Sequence[Sequence[Any]],
                     amount_columns: set[int]) -> None:
    """One sheet: bold frozen header, amounts as numbers with two decimals, autofilter."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook(write_only=False)
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(row))
    for index in amount_columns:
        for (cell,) in sheet.iter_rows(min_row=2, min_col=index + 1, max_col=index + 1):
            cell.number_format = AMOUNT_FORMAT
    for index, name in enumerate(header):
        width = max([len(str(name))] + [len(str(r[index])) for r in rows[:500]]) + 2
        sheet.column_dimensions[sheet.cell(row=1, column=index + 1).column_letter].width = min(width * 1.2, 60)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)


def write_aging_xlsx(report: AgingReport, path: Path) -> None:
    header = [report.by, "name", "currency", "total", *BUCKETS]
    rows: list[list[Any]] = [[r.key, r.name, r.currency, r.total, *(r.buckets[b] for b in BUCKETS)]
                             for r in report.rows]
    for currency, totals in report.totals.items():
        rows.append(["TOTAL", f"as of {report.as_of.isoformat()}", currency, totals.total,
                     *(totals.buckets[b] for b in BUCKETS)])
    write_table_xlsx(path, f"Aging {report.as_of.isoformat()}", header, rows, set(range(3, 4 + len(BUCKETS))))
