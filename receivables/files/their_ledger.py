"""Reading the debtor's own accounts-payable ledger as they send it (CSV or XLSX) into lines in our sign convention."""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from receivables.domain.dates import date_from_cell
from receivables.domain.matching import LedgerLine, ledger_line
from receivables.domain.money import parse_amount, round_cents
from receivables.files.tables import Column, TableError, detect_encoding

# Their headers, as Chinese and English AP ledgers (用友/金蝶/SAP/Excel exports) name them.
LEDGER_COLUMNS = (  # aliases as Column compares them: spaces removed, lower case
    Column("date", ("日期", "记账日期", "凭证日期", "业务日期", "单据日期", "发生日期", "开票日期", "付款日期",
                    "postingdate", "documentdate", "transactiondate", "txndate", "voucherdate", "entrydate")),
    Column("document", ("发票号", "发票号码", "单据号", "单据编号", "业务单号", "原始单据号", "对方单据号", "参考号",
                        "invoice", "invoiceno", "invoiceno.", "invoicenumber", "reference", "ref", "ref.",
                        "documentno", "documentno.", "docno", "docno.", "supplierinvoice", "vendorinvoice")),
    Column("voucher", ("凭证号", "凭证字号", "凭证编号", "记账凭证号", "凭证", "voucherno", "voucherno.",
                       "journalno", "jeno", "entryno")),
    Column("description", ("摘要", "说明", "备注", "内容", "业务摘要", "memo", "narrative", "text", "particulars",
                           "remarks", "details")),
    Column("debit", ("借方", "借方金额", "借方发生额", "借", "本期借方", "debitamount", "dr")),
    Column("credit", ("贷方", "贷方金额", "贷方发生额", "贷", "本期贷方", "creditamount", "cr")),
    Column("amount", ("金额", "发生额", "本币金额", "原币金额", "signedamount")),
    Column("direction", ("方向", "借贷方向", "借/贷", "借或贷", "dr/cr", "d/c")),
    Column("balance", ("余额", "期末余额", "账面余额", "runningbalance")),
    Column("currency", ("币种", "币别", "货币")),
    Column("year", ("年", "年份")),
    Column("month", ("月", "月份")),
    Column("day", ("日",)),
)
_LOGICAL = {c.name for c in LEDGER_COLUMNS}

# Markers start a cell (spaces removed): 本月合计 and Total for November are subtotals, 支付合计款 is not.
_TOTAL_WORDS = ("小计", "合计", "总计", "累计", "本月合计", "本年累计", "本期合计", "本月累计", "月计", "年计", "过次页",
                "承前页", "SUBTOTAL", "SUB-TOTAL", "TOTAL", "GRANDTOTAL", "CARRIEDFORWARD", "C/F")
_OPENING_WORDS = ("期初余额", "年初余额", "上年结转", "上期结转", "期初", "OPENINGBALANCE", "BALANCEB/F",
                  "BALANCEBROUGHTFORWARD", "BROUGHTFORWARD", "B/F")
_EMPTY_AMOUNTS = frozenset({"", "-", "--", "—", "——", "/"})
_HEADER_SCAN_ROWS = 30
_TITLE_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_UNIT_SUFFIX = re.compile(r"[(（][^)）]*[)）]$")
_MAP_KEYS = {"sheet", "header_row", "columns", "sign", "date_format", "year", "skip_rows", "skip_contains",
             "encoding"}
_SIGNS = ("payable", "receivable")


class LedgerFileError(TableError):
    """Their ledger or its map file cannot be read; the message names the file, row and field."""


@dataclass(frozen=True, slots=True)
class LedgerMap:
    """What a MAP.yaml says about their file; anything it leaves out is detected."""

    columns: dict[str, str | int] = field(default_factory=dict)
    sign: str = "payable"
    date_format: str | None = None
    header_row: int | None = None
    skip_rows: frozenset[int] = frozenset()
    skip_contains: tuple[str, ...] = ()
    sheet: str | None = None
    year: int | None = None
    encoding: str | None = None


@dataclass(frozen=True, slots=True)
class TheirLedger:
    """Their lines (our convention: positive = they owe us more), where the header was, what was skipped."""

    source: str
    lines: tuple[LedgerLine, ...]
    header_row: int
    columns: dict[str, str]
    skipped_rows: int

    @property
    def opening(self) -> LedgerLine | None:
        return next((line for line in self.lines if line.kind == "opening"), None)


def load_map(path: Path) -> LedgerMap:
    """Read a MAP.yaml; unknown keys, columns or values are refused with the file and key named."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise LedgerFileError(f"{path}: no such map file") from None
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise LedgerFileError(f"{path}: not a readable YAML map file ({str(exc).splitlines()[0]})") from None
    if not isinstance(data, dict):
        raise LedgerFileError(f"{path}: a map file is a set of keys (columns, sign, date_format, ...)")
    unknown = sorted(set(map(str, data)) - _MAP_KEYS)
    if unknown:
        raise LedgerFileError(f"{path}: unknown key {unknown[0]!r} (known: {', '.join(sorted(_MAP_KEYS))})")
    columns = data.get("columns") or {}
    if not isinstance(columns, dict) or any(str(k) not in _LOGICAL for k in columns):
        bad = next((k for k in columns if str(k) not in _LOGICAL), "columns") if isinstance(columns, dict) else "columns"
        raise LedgerFileError(f"{path}: key 'columns': unknown column {bad!r} (known: {', '.join(sorted(_LOGICAL))})")
    sign = str(data.get("sign", "payable"))
    if sign not in _SIGNS:
        raise LedgerFileError(f"{path}: key 'sign': {sign!r} is not one of {', '.join(_SIGNS)}")
    skip_rows = data.get("skip_rows") or []
    if not isinstance(skip_rows, list) or not all(isinstance(r, int) for r in skip_rows):
        raise LedgerFileError(f"{path}: key 'skip_rows': a list of row numbers, e.g. [5, 6]")
    for key in ("header_row", "year"):
        if data.get(key) is not None and not isinstance(data[key], int):
            raise LedgerFileError(f"{path}: key {key!r}: a whole number, not {data[key]!r}")
    return LedgerMap(
        columns={str(k): v if isinstance(v, int) else str(v) for k, v in columns.items()},
        sign=sign, date_format=str(data["date_format"]) if data.get("date_format") else None,
        header_row=data.get("header_row"), skip_rows=frozenset(skip_rows),
        skip_contains=tuple("".join(str(w).split()).upper() for w in data.get("skip_contains") or ()),
        sheet=str(data["sheet"]) if data.get("sheet") else None, year=data.get("year"),
        encoding=str(data["encoding"]) if data.get("encoding") else None)


def read_their_ledger(path: Path, mapping: LedgerMap | None = None) -> TheirLedger:
    """Their ledger's lines: the header is found below any title rows, merged cells take their range's
    value, blank and subtotal rows are skipped, an opening-balance row becomes an 'opening' line."""
    mapping = mapping or LedgerMap()
    grid = _read_grid(path, mapping)
    header_index = _header_index(grid, mapping, path)
    header = [_text(v) for v in grid[header_index]]
    positions = _positions(header, mapping, path, header_index + 1)
    first_data = header_index + 1
    below = grid[first_data] if first_data < len(grid) else []
    sub_positions = _positions([_text(v) for v in below], LedgerMap(), path, first_data + 1)
    sub_header = all(_detect(_text(v)) for v in below if _text(v))  # a data row holds values no header has
    if sub_header and {"debit", "credit"} & sub_positions.keys() - positions.keys():  # 金额 over 借方 | 贷方
        positions.update({k: v for k, v in sub_positions.items() if k not in mapping.columns})
        if "amount" not in mapping.columns and positions.get("amount") in sub_positions.values():
            del positions["amount"]
        header = [_text(b) or h for h, b in zip(header, below)] + header[len(below):]
        first_data += 1
    _check_columns(positions, path, header_index + 1)
    year = mapping.year or _title_year(grid[:header_index])
    reader = _RowReader(str(path), positions, header, mapping, year)
    lines: list[LedgerLine] = []
    opening: tuple[int, Decimal, date | None] | None = None
    skipped = 0
    for index in range(first_data, len(grid)):
        number = index + 1
        row = grid[index]
        if number in mapping.skip_rows or not any(_text(v) for v in row):
            continue
        cells = reader.words(row)
        if any(w in cell for cell in cells for w in mapping.skip_contains):
            skipped += 1
            continue
        is_opening = _starts_with(cells, _OPENING_WORDS)
        if is_opening and not lines and opening is None:
            opening = (number, reader.opening_amount(row, number), reader.optional_date(row, number))
            continue
        if is_opening or _starts_with(cells, _TOTAL_WORDS):
            skipped += 1
            continue
        line = reader.line(row, number)
        if line is None:
            skipped += 1
            continue
        lines.append(line)
    if opening is not None:
        number, amount, on = opening
        first_day = on or min((line.on for line in lines), default=None)
        if first_day is None:
            raise LedgerFileError(f"{path}: row {number}: the opening balance has no date and no line follows it")
        lines.insert(0, ledger_line("theirs", "期初余额 opening balance", first_day, amount, "opening",
                                    f"row {number}"))
    return TheirLedger(str(path), tuple(lines), header_index + 1,
                       {name: header[i] for name, i in positions.items()}, skipped)


def _read_grid(path: Path, mapping: LedgerMap) -> list[list[Any]]:
    if not path.exists():
        raise LedgerFileError(f"{path}: no such file")
    if not path.is_file():
        raise LedgerFileError(f"{path}: not a file")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx_grid(path, mapping.sheet)
    if suffix not in (".csv", ".txt", ""):
        raise LedgerFileError(f"{path}: unsupported file type {suffix!r} (use .csv or .xlsx)")
    encoding = mapping.encoding or detect_encoding(path)
    try:
        with path.open("r", encoding=encoding, newline="") as handle:
            sample = handle.read(1 << 16)
            handle.seek(0)
            # Accounting packages also export tab-separated text under a .csv or .txt name.
            delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
            return [list(record) for record in csv.reader(handle, delimiter=delimiter)]
    except (UnicodeDecodeError, LookupError) as exc:
        raise LedgerFileError(f"{path}: cannot decode the text as {encoding} ({exc}); save it as UTF-8 or GBK") \
            from None
    except csv.Error as exc:
        raise LedgerFileError(f"{path}: not a readable CSV file ({exc})") from None


def _xlsx_grid(path: Path, sheet_name: str | None) -> list[list[Any]]:
    from openpyxl import load_workbook  # imported here: loading openpyxl costs ~100 ms per command

    try:
        # Not read-only: merged ranges are only known to a fully loaded sheet.
        workbook = load_workbook(path, data_only=True)
    except Exception as exc:
        raise LedgerFileError(f"{path}: not a readable XLSX workbook ({exc})") from None
    try:
        if sheet_name is not None:
            if sheet_name not in workbook.sheetnames:
                raise LedgerFileError(f"{path}: no sheet {sheet_name!r} (sheets: {', '.join(workbook.sheetnames)})")
            sheet = workbook[sheet_name]
        else:
            sheet = workbook.worksheets[0]
        grid = [list(row) for row in sheet.iter_rows(values_only=True)]
        for merged in sheet.merged_cells.ranges:
            value = sheet.cell(merged.min_row, merged.min_col).value
            for r in range(merged.min_row - 1, min(merged.max_row, len(grid))):
                row = grid[r]
                if len(row) < merged.max_col:
                    row.extend([None] * (merged.max_col - len(row)))
                for c in range(merged.min_col - 1, merged.max_col):
                    row[c] = value
        return grid
    finally:
        workbook.close()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _clean_header(text: str) -> str:
    """'借方金额（元）' and 'Debit (CNY)' are 借方金额 and Debit."""
    return _UNIT_SUFFIX.sub("", text).strip()


def _detect(text: str) -> str | None:
    cleaned = _clean_header(text)
    if not cleaned:
        return None
    return next((c.name for c in LEDGER_COLUMNS if c.matches(cleaned)), None)


def _positions(header: Sequence[str], mapping: LedgerMap, path: Path, row_number: int) -> dict[str, int]:
    """Logical column -> position: the map's names first, then the first header that means each column."""
    positions: dict[str, int] = {}
    for name, wanted in mapping.columns.items():
        if isinstance(wanted, int):
            if not 1 <= wanted <= len(header):
                raise LedgerFileError(f"{path}: map column {name!r}: no column {wanted} in the header row "
                                      f"{row_number}")
            positions[name] = wanted - 1
            continue
        found = next((i for i, h in enumerate(header) if h == wanted or _clean_header(h) == wanted), None)
        if found is None:
            raise LedgerFileError(f"{path}: map column {name!r}: no header {wanted!r} in row {row_number} "
                                  f"(headers: {', '.join(h for h in header if h)})")
        positions[name] = found
    taken = set(positions.values())
    for index, text in enumerate(header):
        detected = _detect(text)
        if detected is not None and detected not in positions and index not in taken:
            positions[detected] = index
    return positions


def _check_columns(positions: dict[str, int], path: Path, row_number: int) -> None:
    if "date" not in positions and not {"month", "day"} <= positions.keys():
        raise LedgerFileError(f"{path}: row {row_number}: no date column (日期 / Date); name it in a map file "
                              "(columns: {date: ...})")
    if not {"debit", "credit", "amount"} & positions.keys():
        raise LedgerFileError(f"{path}: row {row_number}: no amount columns (借方/贷方, Debit/Credit or 金额/Amount); "
                              "name them in a map file")


def _header_index(grid: list[list[Any]], mapping: LedgerMap, path: Path) -> int:
    if not grid:
        raise LedgerFileError(f"{path}: the file is empty")
    if mapping.header_row is not None:
        if not 1 <= mapping.header_row <= len(grid):
            raise LedgerFileError(f"{path}: map header_row {mapping.header_row} is beyond the last row {len(grid)}")
        return mapping.header_row - 1
    best, best_score = -1, 1
    for index, row in enumerate(grid[:_HEADER_SCAN_ROWS]):
        names = {_detect(_text(v)) for v in row} - {None}
        mapped = {n for n, h in mapping.columns.items() if h in {_text(v) for v in row}}
        score = len(names | mapped)
        if score > best_score:
            best, best_score = index, score
    if best < 0:
        raise LedgerFileError(f"{path}: no header row found in the first {_HEADER_SCAN_ROWS} rows (expected "
                              "日期, 摘要, 借方, 贷方 or Date, Reference, Debit, Credit); give header_row in a map file")
    return best


def _starts_with(cells: Sequence[str], markers: tuple[str, ...]) -> bool:
    return any(cell.startswith(markers) for cell in cells)


def _title_year(rows: Sequence[Sequence[Any]]) -> int | None:
    for row in rows:
        for value in row:
            found = _TITLE_YEAR.search(_text(value))
            if found:
                return int(found.group(1))
    return None


@dataclass(frozen=True)
class _RowReader:
    """Turns one data row into a line, naming the file, row and field when a cell is wrong."""

    source: str
    positions: dict[str, int]
    header: list[str]
    mapping: LedgerMap
    year: int | None

    def cell(self, row: Sequence[Any], name: str) -> Any:
        index = self.positions.get(name)
        return row[index] if index is not None and index < len(row) else None

    def fail(self, number: int, name: str, value: Any, reason: str) -> LedgerFileError:
        shown = f" value {_text(value)!r}:" if _text(value) else ""
        return LedgerFileError(f"{self.source}: row {number}, field {self.header[self.positions[name]]!r} "
                               f"({name}):{shown} {reason}")

    def words(self, row: Sequence[Any]) -> list[str]:
        """The row's text cells in upper case without spaces: a marker (合计, Total, 期初余额) starts one."""
        return ["".join(v.split()).upper().lstrip("*·-=:：[(（【") for v in row if isinstance(v, str) and v.strip()]

    def amount(self, row: Sequence[Any], number: int, name: str) -> Decimal | None:
        raw = self.cell(row, name)
        if raw is None or (isinstance(raw, str) and raw.strip() in _EMPTY_AMOUNTS):
            return None
        try:
            if isinstance(raw, bool):
                raise ValueError("not an amount")
            if isinstance(raw, (int, Decimal)):
                return round_cents(Decimal(raw))
            if isinstance(raw, float):
                return round_cents(Decimal(repr(raw)))
            return parse_amount(str(raw))
        except ValueError as exc:
            raise self.fail(number, name, raw, str(exc)) from None

    def signed(self, row: Sequence[Any], number: int) -> Decimal | None:
        """The movement in their payable convention (credit raises what they owe us), then in ours."""
        debit = self.amount(row, number, "debit") if "debit" in self.positions else None
        credit = self.amount(row, number, "credit") if "credit" in self.positions else None
        if debit is None and credit is None:
            amount = self.amount(row, number, "amount") if "amount" in self.positions else None
            if amount is None:
                return None
            if "direction" in self.positions and not {"debit", "credit"} & self.positions.keys():
                amount = self.directed(row, number, amount, "direction")
            movement = amount
        else:
            movement = (credit or Decimal("0.00")) - (debit or Decimal("0.00"))
        return -movement if self.mapping.sign == "receivable" else movement

    def directed(self, row: Sequence[Any], number: int, amount: Decimal, name: str) -> Decimal:
        marker = _text(self.cell(row, name)).upper()
        if marker in ("借", "DR", "D", "DEBIT", "借方"):
            return -abs(amount)
        if marker in ("贷", "CR", "C", "CREDIT", "贷方"):
            return abs(amount)
        if marker in ("", "平"):
            return amount
        raise self.fail(number, name, marker, "direction must be 借/贷 or Dr/Cr")

    def balance(self, row: Sequence[Any], number: int) -> Decimal | None:
        if "balance" not in self.positions:
            return None
        value = self.amount(row, number, "balance")
        if value is None:
            return None
        if "direction" in self.positions and {"debit", "credit"} & self.positions.keys():
            value = self.directed(row, number, value, "direction")  # 借或贷 beside 余额 is the balance's side
        return -value if self.mapping.sign == "receivable" else value

    def opening_amount(self, row: Sequence[Any], number: int) -> Decimal:
        stated = self.balance(row, number)
        if stated is not None:
            return stated
        return self.signed(row, number) or Decimal("0.00")

    def optional_date(self, row: Sequence[Any], number: int) -> date | None:
        try:
            return self.movement_date(row, number)
        except LedgerFileError:
            return None

    def movement_date(self, row: Sequence[Any], number: int) -> date:
        if "date" not in self.positions:
            return self.date_from_parts(row, number)
        raw = self.cell(row, "date")
        if raw is None or _text(raw) == "":
            raise self.fail(number, "date", "", "the date is empty")
        try:
            return _parse_date(raw, self.mapping.date_format)
        except ValueError as exc:
            raise self.fail(number, "date", raw, str(exc)) from None

    def date_from_parts(self, row: Sequence[Any], number: int) -> date:
        parts: dict[str, int] = {}
        for name in ("year", "month", "day"):
            if name not in self.positions:
                continue
            text = _text(self.cell(row, name))
            if not text.isdigit():
                raise self.fail(number, name, text, "not a whole number")
            parts[name] = int(text)
        year = parts.get("year", self.year)
        if year is None:
            raise self.fail(number, "month", parts["month"], "no year: the title has none and there is no 年 column; "
                            "give year in a map file")
        try:
            return date(year, parts["month"], parts["day"])
        except ValueError as exc:
            raise self.fail(number, "day", parts["day"], f"not a calendar date ({exc})") from None

    def line(self, row: Sequence[Any], number: int) -> LedgerLine | None:
        amount = self.signed(row, number)
        if amount is None:
            return None  # a row with text but no movement (a note, a balance-only line)
        on = self.movement_date(row, number)
        document = _text(self.cell(row, "document"))
        voucher = _text(self.cell(row, "voucher"))
        kind = "invoice" if amount > 0 else "payment" if amount < 0 else "other"
        # Their voucher number (记-12) is theirs alone: shown when there is no document number, never matched.
        return ledger_line("theirs", document or voucher, on, amount, kind, f"row {number}",
                           _text(self.cell(row, "description")), keyed=bool(document))


_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_SERIAL = re.compile(r"\d{5}(?:\.0+)?")
_EXCEL_EPOCH = date(1899, 12, 30)


def _parse_date(value: Any, date_format: str | None) -> date:
    """The dates ledgers hold: date cells, Excel serials, 2026-11-05, 2026/11/5, 2026年11月5日, 20261105,
    or the map file's date_format."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 19000101 <= value <= 29991231:
        value = str(int(value))  # 20261105 typed into a number cell
    if isinstance(value, str):
        text = value.strip()
        if date_format:
            try:
                return datetime.strptime(text, date_format).date()
            except ValueError:
                raise ValueError(f"not a date in the map's format {date_format!r}") from None
        compact = _COMPACT.fullmatch(text)
        if compact:
            try:
                return date(*(int(g) for g in compact.groups()))
            except ValueError:
                raise ValueError("not a calendar date") from None
        if _SERIAL.fullmatch(text):
            return _EXCEL_EPOCH + timedelta(days=int(float(text)))
    return date_from_cell(value)
