"""Imports: every kind from CSV (UTF-8, UTF-8 with BOM, GBK) and XLSX, English or Chinese headers;
all or nothing, every bad row reported; reruns change nothing; payments applied by the ledger's rules."""

from __future__ import annotations

import csv
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from receivables.domain.identifiers import make_credit_code
from receivables.services.imports import ImportRefused
from receivables.services.payments import reverse_payment
from receivables.services.reports import debtor_account
from receivables.storage.ledger import open_amount_mismatches
from receivables.storage.schema import Allocation, AuditEntry, Contract, Debtor, Payment, Receivable


COMPANY = "Our Trading Co"  # the default creditor the `ledger` fixture creates
CREDIT_CODE = make_credit_code("91310000132200821")
OTHER_CREDIT_CODE = make_credit_code("91110108551385082")

HEADERS = {
    "en": {
        "debtors": ["code", "name", "credit_code", "address", "segment"],
        "contracts": ["debtor", "number", "title", "kind", "amount", "currency", "signed_on", "payment_terms_days"],
        "invoices": ["debtor", "number", "issue_date", "due_date", "amount", "currency", "contract", "kind"],
        "payments": ["debtor", "reference", "date", "amount", "currency", "applies_to"],
    },
    "zh": {
        "debtors": ["客户编码", "客户名称", "统一社会信用代码", "地址", "客户分类"],
        "contracts": ["客户编码", "合同编号", "合同名称", "合同类型", "合同金额", "币种", "签订日期", "付款期限"],
        "invoices": ["客户编码", "发票号", "开票日期", "到期日", "金额", "币种", "合同编号", "类型"],
        "payments": ["客户编码", "回款单号", "回款日期", "回款金额", "币种", "核销发票"],
    },
}

# The same records as text cells (CSV) and as typed cells (XLSX: numbers, real dates, a date serial).
TEXT_ROWS: dict[str, list[list[Any]]] = {
    "debtors": [
        ["1001", "上海建工集团有限公司", f"{CREDIT_CODE[:6]} {CREDIT_CODE[6:]}".lower(), "上海市虹口区东大名路666号", "建筑"],
        ["1002", "Acme Trading Ltd", "", "1 Harbour Rd, Hong Kong", ""],
    ],
    "contracts": [
        ["1001", "HT-2026-001", "浦东项目一期", "施工合同", "¥1,234,567.89", "人民币", "2026年1月2日", "30"],
    ],
    "invoices": [
        ["1001", "FP-0001", "2026/1/5", "", "¥1,234.50", "", "HT-2026-001", "发票"],
        ["1001", "FP-0002", "2026-02-01", "2026年3月31日", "1,000", "CNY", "", "进度款"],
        ["1001", "HZ-0001", "2026-02-10", "2026-02-10", "(200.00)", "CNY", "", "红字发票"],
        ["1002", "INV-9", "2026-01-31", "2026-03-02", "99.99", "USD", "", ""],
    ],
    "payments": [
        ["1001", "YH-20260301-01", "2026/3/1", "1,500.00", "RMB", "FP-0002"],
        ["1002", "HSBC-77", "2026-03-05", "$120.00", "USD", ""],
    ],
}
XLSX_ROWS: dict[str, list[list[Any]]] = {
    "debtors": [
        [1001, "上海建工集团有限公司", f"{CREDIT_CODE[:6]} {CREDIT_CODE[6:]}".lower(), "上海市虹口区东大名路666号", "建筑"],
        [1002, "Acme Trading Ltd", None, "1 Harbour Rd, Hong Kong", None],
    ],
    "contracts": [
        [1001, "HT-2026-001", "浦东项目一期", "施工合同", 1234567.89, "人民币", datetime(2026, 1, 2), 30],
    ],
    "invoices": [
        [1001, "FP-0001", datetime(2026, 1, 5), None, 1234.5, None, "HT-2026-001", "发票"],
        [1001, "FP-0002", date(2026, 2, 1), 46112, 1000, "CNY", None, "进度款"],  # 46112 = 2026-03-31
        [1001, "HZ-0001", datetime(2026, 2, 10), datetime(2026, 2, 10), -200, "CNY", None, "红字发票"],
        [1002, "INV-9", "2026-01-31", "2026/3/2", 99.99, "USD", None, None],
    ],
    "payments": [
        [1001, "YH-20260301-01", datetime(2026, 3, 1), 1500, "RMB", "FP-0002"],
        [1002, "HSBC-77", datetime(2026, 3, 5), 120.0, "USD", None],
    ],
}
FORMATS = ["utf-8", "utf-8-sig", "gbk", "xlsx"]


def write(tmp_path: Path, name: str, header: list[str], rows: list[list[Any]], fmt: str) -> Path:
    """A file as Excel or an accounting system would write it, in the given encoding or as XLSX."""
    if fmt == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        path = tmp_path / f"{name}.xlsx"
        workbook.save(path)
        return path
    if fmt == "gbk":  # GBK has no half-width yen sign; Chinese Excel writes the full-width one
        rows = [[c.replace("¥", "￥") if isinstance(c, str) else c for c in row] for row in rows]
    path = tmp_path / f"{name}.csv"
    with path.open("w", encoding=fmt, newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_import_kind_reads_every_encoding_format_and_header_language(
        fmt: str, language: str, tmp_path: Path, ledger: sessionmaker[Session], import_file) -> None:  # type: ignore[no-untyped-def]
    if fmt == "gbk":
        assert "上海".encode("gbk") != "上海".encode("utf-8")
    source = XLSX_ROWS if fmt == "xlsx" else TEXT_ROWS
    for kind in ("debtors", "contracts", "invoices", "payments"):
        path = write(tmp_path, kind, HEADERS[language][kind], source[kind], fmt)
        outcome = import_file(kind, path)
        assert outcome.problems == (), [str(p) for p in outcome.problems]
        assert outcome.committed
        assert outcome.rows == outcome.inserted == len(source[kind])

    with ledger() as session:
        debtors = {d.code: d for d in session.execute(select(Debtor)).scalars()}
        assert set(debtors) == {"1001", "1002"}
        assert debtors["1001"].name == "上海建工集团有限公司"
        assert debtors["1001"].credit_code == CREDIT_CODE  # normalised: upper case, no spaces
        assert debtors["1001"].address == "上海市虹口区东大名路666号"
        assert debtors["1002"].credit_code is None

        (contract,) = session.execute(select(Contract)).scalars()
        assert (contract.number, contract.title, contract.kind, contract.amount, contract.currency,
                contract.signed_on, contract.payment_terms_days) == (
            "HT-2026-001", "浦东项目一期", "construction", Decimal("1234567.89"), "CNY", date(2026, 1, 2), 30)

        items = {r.number: r for r in session.execute(select(Receivable)).scalars()}
        assert {n: (r.kind, r.issue_date, r.due_date, r.amount, r.currency) for n, r in items.items()} == {
            "FP-0001": ("invoice", date(2026, 1, 5), date(2026, 2, 4), Decimal("1234.50"), "CNY"),  # terms 30
            "FP-0002": ("progress", date(2026, 2, 1), date(2026, 3, 31), Decimal("1000.00"), "CNY"),
            "HZ-0001": ("credit_note", date(2026, 2, 10), date(2026, 2, 10), Decimal("-200.00"), "CNY"),
            "INV-9": ("invoice", date(2026, 1, 31), date(2026, 3, 2), Decimal("99.99"), "USD"),
        }
        assert items["FP-0001"].contract_id == contract.id
        assert items["FP-0002"].contract_id is None
        # The CNY payment named FP-0002: it is paid, the rest is credit; the USD one pays INV-9.
        assert {n: r.open_amount for n, r in items.items()} == {
            "FP-0001": Decimal("1234.50"), "FP-0002": Decimal("0.00"), "HZ-0001": Decimal("-200.00"),
            "INV-9": Decimal("0.00")}
        payments = {p.reference: p for p in session.execute(select(Payment)).scalars()}
        assert payments["YH-20260301-01"].amount == Decimal("1500.00")
        assert payments["YH-20260301-01"].currency == "CNY"
        assert payments["YH-20260301-01"].received_on == date(2026, 3, 1)
        assert payments["HSBC-77"].amount == Decimal("120.00")
        account = debtor_account(session, "1001", date(2026, 3, 31))
        (cny,) = account.balances
        assert cny.credit_on_account == Decimal("500.00")
        assert cny.open_items == Decimal("1034.50")
        assert cny.balance == Decimal("534.50")
        assert open_amount_mismatches(session) == []


# --- broken files: the message names row, column, value and reason, and nothing is written ---------------

INVOICE_HEADER = HEADERS["en"]["invoices"]


@pytest.fixture
def with_debtors(import_file, write_csv):  # type: ignore[no-untyped-def]
    outcome = import_file("debtors", write_csv("debtors.csv", HEADERS["en"]["debtors"], [
        ["D1", "Alpha Ltd", CREDIT_CODE, "", ""], ["D2", "Beta Ltd", "", "", ""]]))
    assert outcome.committed
    outcome = import_file("invoices", write_csv("first.csv", INVOICE_HEADER, [
        ["D1", "OLD-1", "2026-01-01", "2026-01-31", "100.00", "CNY", "", ""]]))
    assert outcome.committed


def only_problem(outcome):  # type: ignore[no-untyped-def]
    assert not outcome.committed
    assert len(outcome.problems) == 1, [str(p) for p in outcome.problems]
    return outcome.problems[0]


def test_a_file_missing_a_required_column_is_refused_naming_it_and_nothing_is_written(
        with_debtors, import_file, write_csv, db_snapshot) -> None:  # type: ignore[no-untyped-def]
    before = db_snapshot()
    path = write_csv("no_amount.csv", ["debtor", "number", "issue_date"], [["D1", "N-1", "2026-01-01"]])
    with pytest.raises(ImportRefused, match=r"missing column 'amount' \(金额 / 发票金额\)"):
        import_file("invoices", path)
    assert db_snapshot() == before


def test_a_missing_chinese_column_is_named_with_its_chinese_header(with_debtors, import_file, write_csv,
                                                                    db_snapshot) -> None:  # type: ignore[no-untyped-def]
    before = db_snapshot()
    path = write_csv("zh.csv", ["客户编码", "发票号", "金额"], [["D1", "N-1", "5"]])
    with pytest.raises(ImportRefused, match=r"missing column 'issue_date' \(开票日期"):
        import_file("invoices", path)
    assert db_snapshot() == before


def test_a_bad_date_is_reported_with_row_column_value_and_reason_and_nothing_is_written(
        with_debtors, import_file, write_csv, db_snapshot) -> None:  # type: ignore[no-untyped-def]
    before = db_snapshot()
    outcome = import_file("invoices", write_csv("bad_date.csv", INVOICE_HEADER, [
        ["D1", "N-1", "2026-01-01", "2026-01-31", "10.00", "CNY", "", ""],
        ["D1", "N-2", "2026-02-30", "2026-03-31", "10.00", "CNY", "", ""],
    ]))
    problem = only_problem(outcome)
    assert (problem.row, problem.column, problem.value) == (3, "issue_date", "2026-02-30")
    assert "not a calendar date" in problem.reason
    assert str(problem).endswith("row 3 column issue_date: value '2026-02-30' not a calendar date: '2026-02-30'")
    assert db_snapshot() == before


def test_a_bad_amount_is_reported_and_nothing_is_written(with_debtors, import_file, write_csv, db_snapshot) -> None:  # type: ignore[no-untyped-def]
    before = db_snapshot()
    outcome = import_file("invoices", write_csv("bad_amount.csv", INVOICE_HEADER, [
        ["D1", "N-1", "2026-01-01", "2026-01-31", "12,34x.00", "CNY", "", ""],
        ["D1", "N-2", "2026-01-01", "2026-01-31", "1.005", "CNY", "", ""],
        ["D1", "N-3", "2026-01-01", "2026-01-31", "5.00", "CNY", "", ""],
    ]))
    assert not outcome.committed
    assert [(p.row, p.column, p.value) for p in outcome.problems] == [
        (2, "amount", "12,34x.00"), (3, "amount", "1.005")]
    assert "not an amount" in outcome.problems[0].reason
    assert "more than two decimals" in outcome.problems[1].reason
    assert db_snapshot() == before


def test_a_duplicate_number_in_one_file_names_both_rows_and_nothing_is_written(
        with_debtors, import_file, write_csv, db_snapshot) -> None:  # type: ignore[no-untyped-def]
    before = db_snapshot()
    outcome = import_file("invoices", write_csv("dup.csv", INVOICE_HEADER, [
        ["D1", "N-1", "2026-01-01", "2026-01-31", "10.00", "CNY", "", ""],
        ["D2", "N-1", "2026-01-01", "2026-01-31", "10.00", "CNY", "", ""],  # another debtor: allowed
        ["D1", "N-1", "2026-01-02", "2026-01-31", "11.00", "CNY", "", ""],
    ]))
    problem = only_problem(outcome)
    assert (problem.row, problem.column, problem.value) == (4, "number", "N-1")
    assert "duplicate" in problem.reason and "row 2" in problem.reason
    assert db_snapshot() == before


def test_an_unknown_debtor_is_reported_and_nothing_is_written(with_debtors, import_file, write_csv,
                                                              db_snapshot) -> None:  # type: ignore[no-untyped-def]
    before = db_snapshot()
    outcome = import_file("invoices", write_csv("unknown.csv", INVOICE_HEADER, [
        ["D1", "N-1", "2026-01-01", "2026-01-31", "10.00", "CNY", "", ""],
        ["D404", "N-2", "2026-01-01", "2026-01-31", "10.00", "CNY", "", ""],
    ]))
    problem = only_problem(outcome)
    assert (problem.row, problem.column, problem.value) == (3, "debtor", "D404")
    assert "unknown debtor" in problem.reason
    assert db_snapshot() == before


@pytest.mark.parametrize(("code", "rule"), [
    (CREDIT_CODE[:17], "length"), (CREDIT_CODE[:5] + "O" + CREDIT_CODE[6:], "character"),
    (CREDIT_CODE[:17] + ("0" if CREDIT_CODE[17] != "0" else "1"), "check"),
])
def test_a_wrong_credit_code_names_the_rule_it_breaks_and_nothing_is_written(
        code: str, rule: str, with_debtors, import_file, write_csv, db_snapshot) -> None:  # type: ignore[no-untyped-def]
    before = db_snapshot()
    outcome = import_file("debtors", write_csv("bad_code.csv", HEADERS["en"]["debtors"], [
        ["D3", "Gamma", OTHER_CREDIT_CODE, "", ""], ["D4", "Delta", code, "", ""]]))
    problem = only_problem(outcome)
    assert (problem.row, problem.column, problem.value) == (3, "credit_code", code)
    assert problem.reason.startswith(f"invalid unified social credit code: {rule}:")
    assert db_snapshot() == before


def test_an_empty_file_is_refused_and_nothing_is_written(with_debtors, import_file, tmp_path: Path,
                                                         db_snapshot) -> None:  # type: ignore[no-untyped-def]
    before = db_snapshot()
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(ImportRefused, match="empty"):
        import_file("invoices", path)
    assert db_snapshot() == before


def test_a_header_only_file_is_refused_and_nothing_is_written(with_debtors, import_file, write_csv,
                                                              write_xlsx, db_snapshot) -> None:  # type: ignore[no-untyped-def]
    before = db_snapshot()
    with pytest.raises(ImportRefused, match="no data rows"):
        import_file("invoices", write_csv("header.csv", INVOICE_HEADER, []))
    with pytest.raises(ImportRefused, match="no data rows"):
        import_file("invoices", write_xlsx("header.xlsx", INVOICE_HEADER, []))
    assert db_snapshot() == before


def test_a_gbk_file_with_a_bad_row_reports_the_chinese_value_and_nothing_is_written(
        with_debtors, import_file, write_csv, db_snapshot) -> None:  # type: ignore[no-untyped-def]
    before = db_snapshot()
    path = write_csv("gbk.csv", HEADERS["zh"]["invoices"], [
        ["D1", "发票-1", "2026年1月5日", "", "￥1,000.00", "人民币", "", "发票"],
        ["D1", "发票-2", "2026年1月5日", "", "壹仟元", "人民币", "", "发票"],
    ], encoding="gbk")
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    outcome = import_file("invoices", path)
    problem = only_problem(outcome)
    assert (problem.row, problem.column, problem.value) == (3, "amount", "壹仟元")
    assert "not an amount" in problem.reason
    assert db_snapshot() == before


def test_every_bad_row_of_a_file_is_reported_in_one_run(with_debtors, import_file, write_csv, db_snapshot) -> None:  # type: ignore[no-untyped-def]
    before = db_snapshot()
    outcome = import_file("invoices", write_csv("many.csv", INVOICE_HEADER, [
        ["D1", "N-1", "yesterday", "", "1.00", "CNY", "", ""],
        ["D9", "N-2", "2026-01-01", "", "1.00", "CNY", "", ""],
        ["D1", "N-3", "2026-01-01", "", "1.00", "XX", "", ""],
        ["D1", "N-4", "2026-01-01", "", "1.00", "CNY", "", "gift"],
        ["D1", "N-5", "2026-01-01", "2025-12-31", "1.00", "CNY", "", ""],
        ["D1", "N-6", "2026-01-01", "", "-5.00", "CNY", "", "invoice"],
        ["D1", "N-7", "2026-01-01", "", "1.00", "CNY", "K-404", ""],
    ]))
    assert [(p.row, p.column) for p in outcome.problems] == [
        (2, "issue_date"), (3, "debtor"), (4, "currency"), (5, "kind"), (6, "due_date"), (7, "amount"), (8, "contract")]
    assert db_snapshot() == before


# --- large files: parsed (and bound for the driver) in a reader process, written chunk by chunk --------------

@pytest.fixture(params=["in process", "reader process"])
def small_chunks(request, monkeypatch):  # type: ignore[no-untyped-def]
    """Chunks of two rows, parsed in this process or, as a large file is, in a forked reader process."""
    from receivables.services.imports import pipeline, run

    monkeypatch.setattr(run, "CHUNK_ROWS", 2)
    if request.param == "reader process":
        if sys.platform != "linux":
            pytest.skip("the reader process is forked on Linux only")
        monkeypatch.setattr(pipeline, "PARALLEL_FROM_BYTES", 0)
    return request.param


@pytest.fixture
def with_contract(with_debtors, import_file, write_csv):  # type: ignore[no-untyped-def]
    assert import_file("contracts", write_csv("contracts.csv", HEADERS["en"]["contracts"], [
        ["D1", "HT-1", "Works", "", "1000.00", "USD", "2026-01-01", "45"]])).committed


def test_items_naming_a_contract_and_items_without_one_are_written_together_in_any_chunk(
        small_chunks, with_contract, import_file, write_csv, ledger, db_snapshot) -> None:  # type: ignore[no-untyped-def]
    rows = [
        ["D1", "N-1", "2026-01-01", "", "10.10", "", "HT-1", ""],
        ["D1", "N-2", "2026-01-02", "", "20.20", "", "", ""],
        ["D2", "N-1", "2026-01-03", "2026-02-28", "30.30", "EUR", "", ""],
        ["D1", "N-3", "2026-01-04", "2026-01-05", "-5.00", "USD", "HT-1", "credit_note"],
        ["D1", "N-4", "2024-02-29", "", "0.01", "", "", ""],
    ]
    outcome = import_file("invoices", write_csv("mixed.csv", INVOICE_HEADER, rows))
    assert outcome.committed, [str(p) for p in outcome.problems]
    assert (outcome.rows, outcome.inserted) == (5, 5)
    with ledger() as session:
        stored = {(code, r.number): (r.issue_date, r.due_date, r.currency, r.amount, r.open_amount, contract)
                  for code, r, contract in session.execute(
                      select(Debtor.code, Receivable, Contract.number)
                      .join(Debtor, Debtor.id == Receivable.debtor_id)
                      .outerjoin(Contract, Contract.id == Receivable.contract_id)
                      .where(Receivable.number != "OLD-1"))}
    assert stored == {
        ("D1", "N-1"): (date(2026, 1, 1), date(2026, 2, 15), "USD", Decimal("10.10"), Decimal("10.10"), "HT-1"),
        ("D1", "N-2"): (date(2026, 1, 2), date(2026, 1, 2), "CNY", Decimal("20.20"), Decimal("20.20"), None),
        ("D2", "N-1"): (date(2026, 1, 3), date(2026, 2, 28), "EUR", Decimal("30.30"), Decimal("30.30"), None),
        ("D1", "N-3"): (date(2026, 1, 4), date(2026, 1, 5), "USD", Decimal("-5.00"), Decimal("-5.00"), "HT-1"),
        ("D1", "N-4"): (date(2024, 2, 29), date(2024, 2, 29), "CNY", Decimal("0.01"), Decimal("0.01"), None),
    }
    after = db_snapshot()
    again = import_file("invoices", write_csv("mixed.csv", INVOICE_HEADER, rows))
    assert (again.problems, again.inserted, again.unchanged) == ((), 0, 5)
    assert ledger_state(lambda: after) == ledger_state(db_snapshot)


def test_duplicates_within_a_chunk_across_chunks_and_against_the_ledger_are_each_reported(
        small_chunks, with_contract, import_file, write_csv, db_snapshot) -> None:  # type: ignore[no-untyped-def]
    before = db_snapshot()
    outcome = import_file("invoices", write_csv("dups.csv", INVOICE_HEADER, [
        ["D1", "N-1", "2026-01-01", "", "10.00", "", "HT-1", ""],      # row 2: settled by the writer
        ["D1", "N-1", "2026-01-01", "2026-01-31", "10.00", "", "", ""],  # row 3: same chunk, settled by the parser
        ["D2", "N-9", "2026-01-01", "2026-01-31", "10.00", "", "", ""],  # row 4
        ["D2", "N-9", "2026-01-01", "2026-01-31", "10.00", "", "", ""],  # row 5: repeats row 4 in its chunk
        ["D1", "OLD-1", "2026-01-01", "2026-01-31", "100.50", "CNY", "", ""],  # row 6: recorded with 100.00
        ["D2", "N-9", "2026-01-01", "2026-01-31", "10.00", "", "", ""],  # row 7: repeats row 4, in a later chunk
    ]))
    assert not outcome.committed
    found = {(p.row, p.column, p.value): p.reason for p in outcome.problems}
    assert set(found) == {(3, "number", "N-1"), (5, "number", "N-9"), (6, "amount", "100.50"), (7, "number", "N-9")}
    assert found[(3, "number", "N-1")].endswith("(also on row 2)")
    assert found[(5, "number", "N-9")].endswith("(also on row 4)")
    assert "already recorded with amount 100.00" in found[(6, "amount", "100.50")]
    assert found[(7, "number", "N-9")] == "duplicate number for this debtor in this file"
    assert db_snapshot() == before


# --- reruns, changes and the audit log -----------------------------------------------------------------------

LEDGER_TABLES = ("company", "debtor", "contact", "contract", "receivable", "payment", "allocation", "open_total", "debtors")


def ledger_state(db_snapshot) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The snapshot without the audit log (which records each import run, even one that changes nothing)."""
    return {k: v for k, v in db_snapshot().items() if k in LEDGER_TABLES}


@pytest.mark.parametrize("fmt", ["utf-8", "xlsx"])
def test_importing_the_same_files_twice_changes_nothing(fmt: str, tmp_path: Path, ledger, import_file,
                                                        db_snapshot) -> None:  # type: ignore[no-untyped-def]
    source = XLSX_ROWS if fmt == "xlsx" else TEXT_ROWS
    paths = {kind: write(tmp_path, kind, HEADERS["en"][kind], source[kind], fmt)
             for kind in ("debtors", "contracts", "invoices", "payments")}
    for kind, path in paths.items():
        assert import_file(kind, path).committed
    after_first = ledger_state(db_snapshot)
    for kind, path in paths.items():
        outcome = import_file(kind, path)
        assert outcome.problems == ()
        assert (outcome.inserted, outcome.updated) == (0, 0)
        assert outcome.unchanged == outcome.rows == len(source[kind])
    assert ledger_state(db_snapshot) == after_first


def test_a_changed_invoice_amount_on_reimport_is_refused_and_nothing_is_written(
        with_debtors, import_file, write_csv, db_snapshot) -> None:  # type: ignore[no-untyped-def]
    before = db_snapshot()
    outcome = import_file("invoices", write_csv("changed.csv", INVOICE_HEADER, [
        ["D1", "NEW-1", "2026-01-01", "2026-01-31", "5.00", "CNY", "", ""],
        ["D1", "OLD-1", "2026-01-01", "2026-01-31", "150.00", "CNY", "", ""],
    ]))
    problem = only_problem(outcome)
    assert (problem.row, problem.column, problem.value) == (3, "amount", "150.00")
    assert "already recorded with amount 100.00" in problem.reason
    assert db_snapshot() == before


def test_a_debtor_name_change_updates_the_debtor_and_is_audited_with_before_and_after(
        with_debtors, import_file, write_csv, ledger) -> None:  # type: ignore[no-untyped-def]
    outcome = import_file("debtors", write_csv("renamed.csv", HEADERS["en"]["debtors"], [
        ["D1", "Alpha Holdings Ltd", CREDIT_CODE, "", ""], ["D2", "Beta Ltd", "", "", ""]]))
    assert outcome.committed
    assert (outcome.inserted, outcome.updated, outcome.unchanged) == (0, 1, 1)
    with ledger() as session:
        assert session.execute(select(Debtor.name).where(Debtor.code == "D1")).scalar_one() == "Alpha Holdings Ltd"
        (entry,) = session.execute(select(AuditEntry).where(AuditEntry.action == "import.debtors.update")).scalars()
    assert (entry.entity, entry.entity_key, entry.actor) == ("debtor", "D1", "test")
    assert entry.before["name"] == "Alpha Ltd"
    assert entry.after["name"] == "Alpha Holdings Ltd"
    assert entry.before["credit_code"] == entry.after["credit_code"] == CREDIT_CODE


def test_dry_run_checks_everything_and_writes_nothing(with_debtors, import_file, write_csv, db_snapshot) -> None:  # type: ignore[no-untyped-def]
    before = db_snapshot()
    outcome = import_file("invoices", write_csv("dry.csv", INVOICE_HEADER, [
        ["D1", "N-1", "2026-01-01", "2026-01-31", "10.00", "CNY", "", ""],
        ["D2", "N-2", "2026-01-01", "2026-01-31", "20.00", "CNY", "", ""],
    ]), dry_run=True)
    assert outcome.dry_run and not outcome.committed
    assert outcome.problems == ()
    assert (outcome.rows, outcome.inserted) == (2, 2)
    assert db_snapshot() == before
    payment = import_file("payments", write_csv("dry_pay.csv", HEADERS["en"]["payments"], [
        ["D1", "P-1", "2026-02-01", "100.00", "CNY", ""]]), dry_run=True)
    assert payment.dry_run and payment.problems == ()
    assert db_snapshot() == before


def test_a_company_column_books_the_row_to_that_company_and_an_unknown_one_is_refused(
        with_debtors, import_file, write_csv, ledger, db_snapshot) -> None:  # type: ignore[no-untyped-def]
    before = db_snapshot()
    outcome = import_file("invoices", write_csv("co.csv", [*INVOICE_HEADER, "company"], [
        ["D1", "N-1", "2026-01-01", "2026-01-31", "10.00", "CNY", "", "", COMPANY],
        ["D1", "N-2", "2026-01-01", "2026-01-31", "10.00", "CNY", "", "", "Nobody Inc"],
    ]))
    problem = only_problem(outcome)
    assert (problem.row, problem.column, problem.value) == (3, "company", "Nobody Inc")
    assert db_snapshot() == before


# --- payments ------------------------------------------------------------------------------------------------

PAYMENT_HEADER = HEADERS["en"]["payments"]


@pytest.fixture
def three_invoices(import_file, write_csv):  # type: ignore[no-untyped-def]
    assert import_file("debtors", write_csv("d.csv", ["code", "name"], [["D1", "Alpha"]])).committed
    assert import_file("invoices", write_csv("i.csv", INVOICE_HEADER, [
        ["D1", "A", "2026-01-01", "2026-01-31", "100.00", "CNY", "", ""],
        ["D1", "B", "2026-01-01", "2026-02-28", "200.00", "CNY", "", ""],
        ["D1", "C", "2026-01-01", "2026-03-31", "300.00", "CNY", "", ""],
    ])).committed


def open_amounts(sessions: sessionmaker[Session]) -> dict[str, str]:
    with sessions() as session:
        assert open_amount_mismatches(session) == []
        return {n: str(a) for n, a in session.execute(select(Receivable.number, Receivable.open_amount))}


def credit(sessions: sessionmaker[Session], as_of: str = "2026-12-31") -> Decimal:
    with sessions() as session:
        balances = debtor_account(session, "D1", date.fromisoformat(as_of)).balances
    return sum((b.credit_on_account for b in balances), Decimal(0))


def test_a_payment_is_applied_to_the_invoices_it_names_in_the_order_named(
        three_invoices, import_file, write_csv, ledger) -> None:  # type: ignore[no-untyped-def]
    assert import_file("payments", write_csv("p.csv", PAYMENT_HEADER, [
        ["D1", "P-1", "2026-02-01", "350.00", "CNY", "C；A"]])).committed  # full-width separator too
    assert open_amounts(ledger) == {"A": "50.00", "B": "200.00", "C": "0.00"}
    assert credit(ledger) == Decimal("0")


def test_without_names_a_payment_pays_the_oldest_due_first(three_invoices, import_file, write_csv, ledger) -> None:  # type: ignore[no-untyped-def]
    assert import_file("payments", write_csv("p.csv", PAYMENT_HEADER, [
        ["D1", "P-1", "2026-02-01", "250.00", "CNY", ""]])).committed
    assert open_amounts(ledger) == {"A": "0.00", "B": "50.00", "C": "300.00"}


def test_payments_in_one_file_are_applied_in_date_order(three_invoices, import_file, write_csv, ledger) -> None:  # type: ignore[no-untyped-def]
    assert import_file("payments", write_csv("p.csv", PAYMENT_HEADER, [
        ["D1", "P-LATE", "2026-03-01", "100.00", "CNY", ""],
        ["D1", "P-EARLY", "2026-02-01", "150.00", "CNY", ""],
    ])).committed
    with ledger() as session:
        applied = sorted((p, n, str(a)) for p, n, a in session.execute(
            select(Payment.reference, Receivable.number, Allocation.amount)
            .join(Allocation, Allocation.payment_id == Payment.id)
            .join(Receivable, Receivable.id == Allocation.receivable_id)))
    assert applied == [("P-EARLY", "A", "100.00"), ("P-EARLY", "B", "50.00"), ("P-LATE", "B", "100.00")]


def test_a_payment_never_pays_beyond_open_amounts_and_the_rest_is_credit_on_account(
        three_invoices, import_file, write_csv, ledger) -> None:  # type: ignore[no-untyped-def]
    assert import_file("payments", write_csv("p.csv", PAYMENT_HEADER, [
        ["D1", "P-1", "2026-02-01", "150.00", "CNY", "A"],
        ["D1", "P-2", "2026-04-01", "1000.00", "CNY", ""],
    ])).committed
    assert open_amounts(ledger) == {"A": "0.00", "B": "0.00", "C": "0.00"}
    assert credit(ledger) == Decimal("50.00") + Decimal("500.00")
    with ledger() as session:
        account = debtor_account(session, "D1", date(2026, 12, 31))
    (cny,) = account.balances
    assert cny.balance == Decimal("-550.00")
    assert account.open_items == ()


def test_a_payment_does_not_pay_an_item_issued_after_it_arrived(import_file, write_csv, ledger) -> None:  # type: ignore[no-untyped-def]
    assert import_file("debtors", write_csv("d.csv", ["code", "name"], [["D1", "Alpha"]])).committed
    assert import_file("invoices", write_csv("i.csv", INVOICE_HEADER, [
        ["D1", "EARLY", "2026-01-01", "2026-06-30", "100.00", "CNY", "", ""],
        ["D1", "LATER", "2026-03-01", "2026-03-01", "100.00", "CNY", "", ""],
    ])).committed
    assert import_file("payments", write_csv("p.csv", PAYMENT_HEADER, [
        ["D1", "P-1", "2026-02-01", "150.00", "CNY", ""]])).committed
    assert open_amounts(ledger) == {"EARLY": "0.00", "LATER": "100.00"}
    assert credit(ledger) == Decimal("50.00")


def test_a_payment_in_another_currency_does_not_pay_the_invoices(three_invoices, import_file, write_csv, ledger) -> None:  # type: ignore[no-untyped-def]
    assert import_file("payments", write_csv("p.csv", PAYMENT_HEADER, [
        ["D1", "P-USD", "2026-02-01", "80.00", "USD", ""]])).committed
    assert open_amounts(ledger) == {"A": "100.00", "B": "200.00", "C": "300.00"}
    with ledger() as session:
        balances = {b.currency: b for b in debtor_account(session, "D1", date(2026, 12, 31)).balances}
    assert balances["USD"].credit_on_account == Decimal("80.00")
    assert balances["CNY"].credit_on_account == Decimal("0")


def test_a_payment_naming_an_unknown_invoice_is_refused_and_nothing_is_written(
        three_invoices, import_file, write_csv, db_snapshot) -> None:  # type: ignore[no-untyped-def]
    before = db_snapshot()
    outcome = import_file("payments", write_csv("p.csv", PAYMENT_HEADER, [
        ["D1", "P-1", "2026-02-01", "50.00", "CNY", "A;NOPE"]]))
    problem = only_problem(outcome)
    assert (problem.row, problem.column, problem.value) == (2, "applies_to", "NOPE")
    assert db_snapshot() == before


@pytest.mark.parametrize("amount", ["0", "-5.00"])
def test_a_zero_or_negative_payment_is_refused(amount: str, three_invoices, import_file, write_csv,
                                               db_snapshot) -> None:  # type: ignore[no-untyped-def]
    before = db_snapshot()
    problem = only_problem(import_file("payments", write_csv("p.csv", PAYMENT_HEADER, [
        ["D1", "P-1", "2026-02-01", amount, "CNY", ""]])))
    assert (problem.row, problem.column) == (2, "amount")
    assert db_snapshot() == before


def test_a_payment_reference_reused_with_other_values_is_refused(three_invoices, import_file, write_csv,
                                                                 db_snapshot) -> None:  # type: ignore[no-untyped-def]
    assert import_file("payments", write_csv("p.csv", PAYMENT_HEADER, [
        ["D1", "P-1", "2026-02-01", "50.00", "CNY", ""]])).committed
    before = db_snapshot()
    problem = only_problem(import_file("payments", write_csv("p2.csv", PAYMENT_HEADER, [
        ["D1", "P-1", "2026-02-01", "60.00", "CNY", ""]])))
    assert (problem.row, problem.column, problem.value) == (2, "reference", "P-1")
    assert db_snapshot() == before


def test_reversing_a_payment_restores_the_balances(three_invoices, import_file, write_csv, ledger) -> None:  # type: ignore[no-untyped-def]
    assert import_file("payments", write_csv("p.csv", PAYMENT_HEADER, [
        ["D1", "P-1", "2026-02-01", "700.00", "CNY", ""]])).committed
    assert open_amounts(ledger) == {"A": "0.00", "B": "0.00", "C": "0.00"}
    assert credit(ledger) == Decimal("100.00")
    with ledger.begin() as session:
        reversal = reverse_payment(session, "P-1", date(2026, 2, 15), "cheque bounced", actor="test")
    assert reversal.items_reopened == 3
    assert open_amounts(ledger) == {"A": "100.00", "B": "200.00", "C": "300.00"}
    assert credit(ledger) == Decimal("0")
    assert credit(ledger, "2026-02-14") == Decimal("100.00")  # before the reversal the credit was there
    with ledger() as session:
        (entry,) = session.execute(select(AuditEntry).where(AuditEntry.action == "payment.reverse")).scalars()
    assert entry.entity_key == "P-1" and entry.after["reason"] == "cheque bounced"
    # A later payment is applied to the reopened items again.
    assert import_file("payments", write_csv("p2.csv", PAYMENT_HEADER, [
        ["D1", "P-2", "2026-03-01", "150.00", "CNY", ""]])).committed
    assert open_amounts(ledger) == {"A": "0.00", "B": "150.00", "C": "300.00"}


# --- a large file, streamed in chunks -------------------------------------------------------------------------

LARGE = 30_000


def large_invoice_rows(count: int) -> list[list[str]]:
    return [[f"D{i % 2 + 1}", f"L-{i:06d}", "2026-01-01", "2026-03-31", f"{i % 997 + 1}.{i % 100:02d}", "CNY", "", ""]
            for i in range(count)]


def test_a_large_streamed_import_is_complete_and_exact_across_chunk_boundaries(
        with_debtors, import_file, write_csv, ledger) -> None:  # type: ignore[no-untyped-def]
    rows = large_invoice_rows(LARGE)
    outcome = import_file("invoices", write_csv("large.csv", INVOICE_HEADER, rows))
    assert outcome.committed and outcome.problems == ()
    assert outcome.rows == outcome.inserted == LARGE
    expected = sum(Decimal(r[4]) for r in rows)
    with ledger() as session:
        from sqlalchemy import func
        count, total = session.execute(select(func.count(), func.sum(Receivable.amount))
                                       .where(Receivable.number.like("L-%"))).one()
    assert count == LARGE
    assert total == expected
    again = import_file("invoices", write_csv("large.csv", INVOICE_HEADER, rows))
    assert again.unchanged == LARGE and again.inserted == 0


@pytest.mark.parametrize("rows_with_the_same_number", [(2, 25_000), (5_001, 5_002)])
def test_a_duplicate_number_far_apart_in_a_large_file_is_caught(
        rows_with_the_same_number: tuple[int, int], with_debtors, import_file, write_csv, db_snapshot) -> None:  # type: ignore[no-untyped-def]
    first, second = rows_with_the_same_number
    rows = large_invoice_rows(LARGE)
    rows[second - 2] = [*rows[first - 2][:2], "2026-01-02", "2026-03-31", "1.00", "CNY", "", ""]
    before = db_snapshot()
    outcome = import_file("invoices", write_csv("large_dup.csv", INVOICE_HEADER, rows))
    problem = only_problem(outcome)
    assert (problem.row, problem.column, problem.value) == (second, "number", rows[first - 2][1])
    assert "duplicate" in problem.reason
    assert db_snapshot() == before


def test_a_payment_recorded_after_an_import_gets_a_fresh_id(three_invoices, import_file, write_csv, ledger) -> None:  # type: ignore[no-untyped-def]
    """The import must leave the id sequence ahead of the ids it wrote (PostgreSQL sequences do not follow)."""
    assert import_file("payments", write_csv("p.csv", PAYMENT_HEADER, [
        ["D1", "P-1", "2026-02-01", "50.00", "CNY", ""], ["D1", "P-2", "2026-02-02", "50.00", "CNY", ""]])).committed
    with ledger.begin() as session:
        debtor_id, company_id = session.execute(select(Receivable.debtor_id, Receivable.company_id).limit(1)).one()
        payment = Payment(debtor_id=debtor_id, company_id=company_id, reference="MANUAL-1",
                          received_on=date(2026, 3, 1), currency="CNY", amount=Decimal("1.00"))
        session.add(payment)
        session.flush()
        assert payment.id > 2


def test_aging_by_contract_keeps_contracts_of_different_debtors_with_the_same_number_apart(
        import_file, write_csv, ledger) -> None:  # type: ignore[no-untyped-def]
    """Contract numbers are unique per debtor only, so two debtors may both have a contract 'K-1'."""
    from receivables.services.reports import aging_report

    assert import_file("debtors", write_csv("d.csv", ["code", "name"], [["D1", "Alpha"], ["D2", "Beta"]])).committed
    assert import_file("contracts", write_csv("c.csv", ["debtor", "number", "title"],
                                              [["D1", "K-1", "Alpha tower"], ["D2", "K-1", "Beta depot"]])).committed
    assert import_file("invoices", write_csv("i.csv", INVOICE_HEADER, [
        ["D1", "A-1", "2026-01-01", "2026-01-31", "100.00", "CNY", "K-1", ""],
        ["D2", "B-1", "2026-01-01", "2026-01-31", "70.00", "CNY", "K-1", ""],
    ])).committed
    with ledger() as session:
        report = aging_report(session, date(2026, 1, 31), "contract")
    assert sorted((r.name, str(r.total)) for r in report.rows) == [("Alpha tower", "100.00"), ("Beta depot", "70.00")]
