"""Writers of debtors' accounts-payable ledgers as they arrive: title rows, merged headers, subtotals, GBK."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

# (date, voucher, invoice number, description, debit, credit): their AP ledger for us as supplier.
MOVEMENTS: list[tuple[date, str, str, str, str, str]] = [
    (date(2026, 11, 3), "记-0012", "INV-2026-0001", "采购钢材 发票", "", "11,300.00"),
    (date(2026, 11, 5), "记-0015", "ＩＮＶ－２０２６－０００２", "采购水泥", "", "5,650.00"),
    (date(2026, 11, 18), "付-0031", "", "支付货款", "10,000.00", ""),
    (date(2026, 12, 2), "记-0040", "", "收到发票INV-2026-0003", "", "2,260.00"),
]


def write_messy_csv(path: Path, rows: Sequence[Sequence[Any]] | None = None, *, encoding: str = "gbk") -> Path:
    """A 用友-style export: two title rows, a two-row header (金额 over 借方 | 贷方), opening balance,
    monthly subtotal and a year total, a blank row, and a footer."""
    body = rows if rows is not None else [(d.strftime("%Y/%m/%d"), *rest) for d, *rest in MOVEMENTS]
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["应付账款明细账"])
        writer.writerow(["单位：华建工程有限公司", "", "", "", "", "", "2026年度"])
        writer.writerow(["日期", "凭证号", "发票号", "摘要", "金额", "", "余额"])
        writer.writerow(["", "", "", "", "借方", "贷方", ""])
        writer.writerow(["2026/11/01", "", "", "期初余额", "", "", "0.00"])
        for index, row in enumerate(body):
            writer.writerow(list(row) + [""])
            if index == 2:
                writer.writerow(["", "", "", "本月合计", "10,000.00", "16,950.00", ""])
                writer.writerow([])
        writer.writerow(["", "", "", "本年累计", "10,000.00", "19,210.00", "9,210.00"])
        writer.writerow(["制表人：张三", "", "", "审核：李四"])
    return path


def write_messy_xlsx(path: Path) -> Path:
    """An Excel ledger: a merged title, a merged 金额 header over 借方/贷方, merged date cells down the rows
    of one voucher, real dates, a 20261105-style number, an Excel serial, and a subtotal row."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "应付明细"
    sheet.append(["华建工程有限公司 应付账款明细账 2026年"])
    sheet.merge_cells("A1:F1")
    sheet.append(["记账日期", "凭证字号", "摘要", "金额（元）", None, "余额"])
    sheet.append([None, None, None, "借方金额", "贷方金额", None])
    sheet.merge_cells("D2:E2")
    sheet.merge_cells("A2:A3")
    sheet.merge_cells("B2:B3")
    sheet.merge_cells("C2:C3")
    sheet.merge_cells("F2:F3")
    sheet.append([date(2026, 11, 3), "记-12", "发票号INV-2026-0001", None, 11300, 11300])
    sheet.append([None, "记-12", "发票号INV-2026-0002", None, 5650.0, 16950])  # same voucher, date merged
    sheet.merge_cells("A4:A5")
    sheet.append([20261118, "付-31", "支付货款", 10000, None, 6950])
    sheet.append(["小计", None, None, 10000, 16950, 6950])
    sheet.append([None, None, None, None, None, None])
    sheet.append([46358, "记-40", "收到发票INV-2026-0003", None, "2,260.00", 9210])  # serial 2026-12-02
    workbook.save(path)
    return path
