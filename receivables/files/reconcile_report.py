"""The reconciliation workbook a finance clerk sends back to the debtor: summary, matched, only ours, only theirs,
differences — bilingual headings, amounts as numbers with two decimals, dates as dates."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from receivables.domain.matching import ZERO, LedgerLine, Reconciliation
from receivables.files.export import AMOUNT_FORMAT

_STAGES = {"document": "单号一致 same document", "amount_date": "金额+日期 amount and date",
           "split": "拆分/合并 split or combined"}


@dataclass(frozen=True, slots=True)
class ReportHeading:
    """Who and what the report is about."""

    creditor: str
    debtor_code: str
    debtor_name: str
    currency: str
    as_of: date
    their_file: str


def write_reconcile_report(path: Path, heading: ReportHeading, result: Reconciliation) -> None:
    """Write the workbook next to `path` and move it into place, so a failure leaves no half-written file."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    _summary(workbook, heading, result)
    _sheet(workbook, "已匹配 Matched",
           ["匹配方式 Matched by", "我方日期 Our date", "我方单号 Our document", "我方金额 Our amount",
            "贵方日期 Your date", "贵方单号 Your document", "贵方金额 Your amount"],
           _matched_rows(result), widths=[24, 12, 22, 16, 12, 22, 16])
    _sheet(workbook, "仅我方 Only ours", _LINE_HEADER, ([line.kind, *_line_cells(line)[1:]] for line in result.only_ours),
           widths=[14, 12, 22, 36, 16, 22])
    _sheet(workbook, "仅对方 Only theirs", _LINE_HEADER,
           ([line.kind, *_line_cells(line)[1:]] for line in result.only_theirs), widths=[14, 12, 22, 36, 16, 22])
    _sheet(workbook, "金额差异 Differences",
           ["单号 Document", "我方金额 Our amount", "对方金额 Their amount", "差额 Difference", "我方来源 Our source",
            "对方来源 Their source"],
           ([(d.ours + d.theirs)[0].document, _amount(d.our_amount), _amount(d.their_amount), _amount(d.difference),
             "; ".join(x.source for x in d.ours), "; ".join(x.source for x in d.theirs)] for d in result.differences),
           widths=[22, 16, 16, 16, 30, 30])
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(suffix=".xlsx", dir=path.parent)
    os.close(handle)
    try:
        workbook.save(temporary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


_LINE_HEADER = ["类型 Kind", "日期 Date", "单号 Document", "摘要 Description", "金额 Amount", "来源 Source"]


def _amount(value: Any) -> tuple[str, Any]:
    """A cell written as a number with two decimals (a date cell gets a date format from openpyxl itself)."""
    return ("amount", value)


def _matched_rows(result: Reconciliation) -> Iterator[list[Any]]:
    """One row per pair, ours beside theirs; a split takes as many rows as its longer side, and only its first
    row names the stage (the matched sheet is the largest: it holds no more cells than needed)."""
    for group in result.matched:
        for index in range(max(len(group.ours), len(group.theirs))):
            row: list[Any] = [_STAGES[group.stage] if index == 0 else None]
            if index < len(group.ours):
                mine = group.ours[index]
                row += [mine.on, mine.document, _amount(mine.amount)]
            else:
                row += [None, None, None]
            if index < len(group.theirs):
                yours = group.theirs[index]
                row += [yours.on, yours.document or yours.source, _amount(yours.amount)]
            yield row


def _line_cells(line: LedgerLine) -> list[Any]:
    side = "我方 ours" if line.side == "ours" else "对方 theirs"
    return [side, line.on, line.document, line.description, _amount(line.amount), line.source]


def _cells(sheet: Any, values: Sequence[Any]) -> list[Any]:
    from openpyxl.cell import WriteOnlyCell

    cells = []
    for value in values:
        if isinstance(value, tuple):
            cell = WriteOnlyCell(sheet, value=value[1])
            cell.number_format = AMOUNT_FORMAT
            cells.append(cell)
        else:
            cells.append(value)
    return cells


def _sheet(workbook: Any, title: str, header: Sequence[str], rows: Iterable[Sequence[Any]],
           widths: Sequence[int]) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    sheet = workbook.create_sheet(title[:31])
    for index, width in enumerate(widths):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    heading = []
    for name in header:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        heading.append(cell)
    sheet.append(heading)
    for row in rows:
        sheet.append(_cells(sheet, row))


def _summary(workbook: Any, heading: ReportHeading, result: Reconciliation) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    sheet = workbook.create_sheet("汇总 Summary")
    sheet.column_dimensions["A"].width = 42
    sheet.column_dimensions["B"].width = 36
    sheet.column_dimensions["C"].width = 12
    title = WriteOnlyCell(sheet, value="往来对账结果 Reconciliation of accounts")
    title.font = Font(bold=True, size=14)
    sheet.append([title])
    sheet.append([])
    only_ours = sum((x.amount for x in result.only_ours), ZERO)
    only_theirs = sum((x.amount for x in result.only_theirs), ZERO)
    differing = sum((d.difference for d in result.differences), ZERO)
    rows: list[Sequence[Any]] = [
        ("我方 Creditor", heading.creditor),
        ("对方 Debtor", f"{heading.debtor_code} {heading.debtor_name}"),
        ("币种 Currency", heading.currency),
        ("截止日期 As of", heading.as_of),
        ("对方账簿文件 Their ledger file", heading.their_file),
        (),
        ("我方账面余额 Balance in our books", _amount(result.our_balance)),
        ("贵方账面余额 Balance in your books", _amount(result.their_balance)),
        ("差额 Difference (ours - yours)", _amount(result.difference)),
        (),
        ("差额构成 The difference consists of", "金额 Amount", "笔数 Lines"),
        ("我方已记、贵方未记 In our books only", _amount(only_ours), len(result.only_ours)),
        ("贵方已记、我方未记 In your books only (deducted)", _amount(-only_theirs), len(result.only_theirs)),
        ("同一单据金额不同 Same document, different amount", _amount(differing), len(result.differences)),
        ("合计 Total explained", _amount(result.explanation)),
        ("未解释差额 Unexplained", _amount(result.difference - result.explanation)),
        ("差额已全部解释 Difference fully explained", "是 yes" if result.explained else "否 no"),
        (),
        ("已核对一致 Matched groups", len(result.matched)),
        ("日期容差（天） Date window (days)", result.options.window_days),
        (),
        ("金额为正表示贵方欠我方 Positive amounts are owed to us; negative are payments and credits.",),
        ("请核对并回复 Please check the lines listed and reply.",),
    ]
    for row in rows:
        sheet.append(_cells(sheet, row))
