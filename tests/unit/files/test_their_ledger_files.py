"""Reading the debtor's own AP ledger as they send it: title rows, merged cells, subtotals, signs, encodings."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from receivables.files.their_ledger import LedgerFileError, load_map, read_their_ledger
from tests.ledger_files import write_messy_csv, write_messy_xlsx

D = Decimal


def write_plain(path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def movements(path: Path, **kwargs: object) -> list[tuple[date, str, Decimal, str]]:
    ledger = read_their_ledger(path, **kwargs)  # type: ignore[arg-type]
    return [(x.on, x.document, x.amount, x.source) for x in ledger.lines if x.kind != "opening"]


def test_gbk_csv_with_title_rows_two_row_header_and_subtotals_reads_the_movements_only(tmp_path: Path) -> None:
    ledger = read_their_ledger(write_messy_csv(tmp_path / "应付.csv"))
    assert ledger.header_row == 3
    assert [(x.on, x.amount, x.source) for x in ledger.lines if x.kind != "opening"] == [
        (date(2026, 11, 3), D("11300.00"), "row 6"), (date(2026, 11, 5), D("5650.00"), "row 7"),
        (date(2026, 11, 18), D("-10000.00"), "row 8"), (date(2026, 12, 2), D("2260.00"), "row 11")]
    assert ledger.skipped_rows == 3  # 本月合计, 本年累计 and the footer (制表人, no amounts)


def test_their_credit_is_our_invoice_and_their_debit_our_payment(tmp_path: Path) -> None:
    lines = read_their_ledger(write_messy_csv(tmp_path / "a.csv")).lines
    kinds = {x.source: (x.kind, x.amount > 0) for x in lines}
    assert kinds["row 6"] == ("invoice", True) and kinds["row 8"] == ("payment", False)


def test_opening_balance_row_becomes_an_opening_line_dated_by_its_row(tmp_path: Path) -> None:
    opening = read_their_ledger(write_messy_csv(tmp_path / "a.csv")).opening
    assert opening is not None and opening.on == date(2026, 11, 1) and opening.amount == D("0.00")


def test_utf8_with_bom_reads_like_gbk(tmp_path: Path) -> None:
    gbk = movements(write_messy_csv(tmp_path / "a.csv", encoding="gbk"))
    bom = movements(write_messy_csv(tmp_path / "b.csv", encoding="utf-8-sig"))
    assert gbk == bom


def test_xlsx_with_merged_headers_merged_dates_serials_and_subtotal(tmp_path: Path) -> None:
    ledger = read_their_ledger(write_messy_xlsx(tmp_path / "ledger.xlsx"))
    assert ledger.columns["debit"] == "借方金额" and ledger.columns["credit"] == "贷方金额"
    assert [(x.on, x.amount) for x in ledger.lines] == [
        (date(2026, 11, 3), D("11300.00")), (date(2026, 11, 3), D("5650.00")),  # date from the merged cell
        (date(2026, 11, 18), D("-10000.00")), (date(2026, 12, 2), D("2260.00"))]
    assert ledger.skipped_rows == 1


def test_voucher_numbers_are_shown_but_never_matched_on(tmp_path: Path) -> None:
    line = read_their_ledger(write_messy_xlsx(tmp_path / "ledger.xlsx")).lines[0]
    assert line.document == "记-12" and line.key == "" and "2026-1" in line.hints


@pytest.mark.parametrize("written, expected", [
    ("2026-11-05", date(2026, 11, 5)), ("2026/11/5", date(2026, 11, 5)), ("20261105", date(2026, 11, 5)),
    ("2026年11月5日", date(2026, 11, 5)), ("2026.11.05", date(2026, 11, 5)), ("46331", date(2026, 11, 5)),
])
def test_their_date_formats(tmp_path: Path, written: str, expected: date) -> None:
    path = write_plain(tmp_path / "a.csv", ["Date", "Reference", "Debit", "Credit"], [[written, "INV-1", "", "10"]])
    assert movements(path)[0][0] == expected


def test_english_headers_with_units_and_a_signed_amount_with_dr_cr(tmp_path: Path) -> None:
    path = write_plain(tmp_path / "ap.csv", ["Posting Date", "Invoice No.", "Memo", "Amount (CNY)", "Dr/Cr"],
                       [["2026-11-05", "INV-7", "goods", "1,000.50", "Cr"], ["2026-11-09", "", "paid", "400", "Dr"]])
    assert [(x[1], x[2]) for x in movements(path)] == [("INV-7", D("1000.50")), ("", D("-400.00"))]


def test_year_month_day_columns_take_the_year_from_the_title(tmp_path: Path) -> None:
    with (tmp_path / "a.csv").open("w", encoding="gbk", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["2026年 应付账款明细账"])
        writer.writerow(["月", "日", "凭证号", "摘要", "借方", "贷方"])
        writer.writerow(["11", "5", "12", "发票 INV-9", "", "100"])
    assert movements(tmp_path / "a.csv")[0][0] == date(2026, 11, 5)


def test_receivable_sign_in_the_map_turns_the_signs_round(tmp_path: Path) -> None:
    path = write_plain(tmp_path / "a.csv", ["日期", "发票号", "借方", "贷方"], [["2026-11-05", "INV-1", "100", ""]])
    (tmp_path / "map.yaml").write_text("sign: receivable\n", encoding="utf-8")
    assert movements(path, mapping=load_map(tmp_path / "map.yaml"))[0][2] == D("100.00")
    assert movements(path)[0][2] == D("-100.00")


def test_map_names_columns_date_format_header_row_and_rows_to_skip(tmp_path: Path) -> None:
    path = write_plain(tmp_path / "a.csv", ["Buchungsdatum", "Beleg", "Soll", "Haben"],
                       [["05.11.2026", "INV-1", "", "100"], ["06.11.2026", "STORNO", "", "5"],
                        ["07.11.2026", "INV-2", "", "7"]])
    (tmp_path / "map.yaml").write_text(
        "header_row: 1\ndate_format: '%d.%m.%Y'\nskip_rows: [3]\n"
        "columns: {date: Buchungsdatum, document: Beleg, debit: Soll, credit: Haben}\n", encoding="utf-8")
    found = movements(path, mapping=load_map(tmp_path / "map.yaml"))
    assert [(x[0], x[1]) for x in found] == [(date(2026, 11, 5), "INV-1"), (date(2026, 11, 7), "INV-2")]


def test_map_skip_contains_drops_rows_with_that_word(tmp_path: Path) -> None:
    path = write_plain(tmp_path / "a.csv", ["日期", "摘要", "借方", "贷方"],
                       [["2026-11-05", "发票", "", "100"], ["2026-11-06", "作废 发票", "", "5"]])
    (tmp_path / "map.yaml").write_text("skip_contains: [作废]\n", encoding="utf-8")
    assert len(movements(path, mapping=load_map(tmp_path / "map.yaml"))) == 1


def test_a_bad_date_names_the_file_row_and_field(tmp_path: Path) -> None:
    path = write_plain(tmp_path / "bad.csv", ["日期", "发票号", "借方", "贷方"],
                       [["2026-11-05", "INV-1", "", "100"], ["2026-13-45", "INV-2", "", "100"]])
    with pytest.raises(LedgerFileError) as caught:
        read_their_ledger(path)
    message = str(caught.value)
    assert "bad.csv" in message and "row 3" in message and "'日期'" in message and "2026-13-45" in message


def test_a_bad_amount_names_the_file_row_and_field(tmp_path: Path) -> None:
    path = write_plain(tmp_path / "bad.csv", ["日期", "发票号", "借方", "贷方"], [["2026-11-05", "INV-1", "", "12x"]])
    with pytest.raises(LedgerFileError, match=r"bad.csv: row 2, field '贷方'"):
        read_their_ledger(path)


def test_a_file_without_amount_columns_is_refused_with_a_hint(tmp_path: Path) -> None:
    path = write_plain(tmp_path / "a.csv", ["日期", "发票号", "备注"], [["2026-11-05", "INV-1", "x"]])
    with pytest.raises(LedgerFileError, match="no amount columns"):
        read_their_ledger(path)


def test_missing_and_unreadable_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(LedgerFileError, match="no such file"):
        read_their_ledger(tmp_path / "none.csv")
    (tmp_path / "x.xlsx").write_bytes(b"not a zip")
    with pytest.raises(LedgerFileError, match="not a readable XLSX"):
        read_their_ledger(tmp_path / "x.xlsx")
    (tmp_path / "x.pdf").write_bytes(b"%PDF")
    with pytest.raises(LedgerFileError, match="unsupported file type"):
        read_their_ledger(tmp_path / "x.pdf")


def test_map_file_with_an_unknown_key_or_column_is_refused(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text("colums: {}\n", encoding="utf-8")
    with pytest.raises(LedgerFileError, match="unknown key 'colums'"):
        load_map(tmp_path / "m.yaml")
    (tmp_path / "n.yaml").write_text("columns: {dated: X}\n", encoding="utf-8")
    with pytest.raises(LedgerFileError, match="unknown column 'dated'"):
        load_map(tmp_path / "n.yaml")
    (tmp_path / "s.yaml").write_text("sign: upside-down\n", encoding="utf-8")
    with pytest.raises(LedgerFileError, match="key 'sign'"):
        load_map(tmp_path / "s.yaml")


def test_a_map_column_missing_from_the_header_is_refused(tmp_path: Path) -> None:
    path = write_plain(tmp_path / "a.csv", ["日期", "借方", "贷方"], [["2026-11-05", "", "1"]])
    (tmp_path / "m.yaml").write_text("columns: {document: 发票号码}\n", encoding="utf-8")
    with pytest.raises(LedgerFileError, match="no header '发票号码'"):
        read_their_ledger(path, load_map(tmp_path / "m.yaml"))


def test_a_description_that_merely_contains_a_total_word_is_a_movement(tmp_path: Path) -> None:
    path = write_plain(tmp_path / "a.csv", ["日期", "摘要", "借方", "贷方"],
                       [["2026-11-05", "支付合计款", "50", ""], ["", "合计", "50", ""]])
    assert [x[2] for x in movements(path)] == [D("-50.00")]


def test_tab_separated_text_export_is_read_like_csv(tmp_path: Path) -> None:
    path = tmp_path / "export.txt"
    path.write_text("日期\t发票号\t借方\t贷方\n2026-11-05\tINV-1\t\t1,200.00\n", encoding="gbk")
    assert movements(path) == [(date(2026, 11, 5), "INV-1", D("1200.00"), "row 2")]
