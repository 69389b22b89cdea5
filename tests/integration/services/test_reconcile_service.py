"""Matching a debtor's own ledger against ours, on SQLite and PostgreSQL: our side, the report, the audit."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from receivables.services.errors import UnknownRecord
from receivables.services.imports import run_import
from receivables.services.payments import reverse_payment
from receivables.services.reconcile import ReconcileRefused, match_debtor_ledger, our_lines
from receivables.storage.schema import AuditEntry, Debtor
from tests.integration.conftest import WriteFile
from tests.ledger_files import write_messy_csv, write_messy_xlsx

D = Decimal
AS_OF = date(2026, 12, 31)


@pytest.fixture
def books(ledger: sessionmaker[Session], write_csv: WriteFile) -> sessionmaker[Session]:
    """Our ledger of D1 as the messy fixtures of the debtor's side expect it (plus D2, in USD, elsewhere)."""
    imports = {
        "debtors": write_csv("debtors.csv", ["code", "name"], [["D1", "华建测试客户有限公司"], ["D2", "Acme Ltd"]]),
        "invoices": write_csv("invoices.csv", ["debtor", "number", "issue_date", "amount", "currency"], [
            ["D1", "OLD-1", "2026-10-01", "800.00", "CNY"],
            ["D1", "INV-2026-0001", "2026-11-02", "11,300.00", "CNY"],
            ["D1", "INV-2026-0002", "2026-11-04", "5,650.00", "CNY"],
            ["D1", "INV-2026-0003", "2026-12-01", "2,260.00", "CNY"],
            ["D1", "INV-2026-0004", "2026-12-10", "1,000.00", "CNY"],
            ["D1", "INV-2027-0001", "2027-01-05", "9,999.00", "CNY"],
            ["D2", "B-1", "2026-11-02", "11,300.00", "USD"],
        ]),
        "payments": write_csv("payments.csv", ["debtor", "reference", "date", "amount", "currency"], [
            ["D1", "P-0", "2026-10-15", "800.00", "CNY"],
            ["D1", "P-1", "2026-11-16", "10,000.00", "CNY"],
            ["D1", "P-2", "2026-11-20", "500.00", "CNY"],
        ]),
    }
    for kind, path in imports.items():
        assert run_import(ledger, kind, path, actor="setup").committed
    with ledger.begin() as session:
        reverse_payment(session, "P-2", date(2026, 11, 25), "退票 bounced", actor="setup")
    return ledger


def audit_count(session: Session) -> int:
    return session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()


def test_our_side_holds_items_payments_and_reversals_up_to_the_date(books: sessionmaker[Session]) -> None:
    with books() as session:
        debtor = session.execute(select(Debtor.id).where(Debtor.code == "D1")).scalar_one()
        lines = our_lines(session, debtor, "CNY", date(2026, 11, 30))
    found = sorted((x.document, x.kind, x.amount) for x in lines)
    assert found == [("INV-2026-0001", "invoice", D("11300.00")), ("INV-2026-0002", "invoice", D("5650.00")),
                     ("OLD-1", "invoice", D("800.00")), ("P-0", "payment", D("-800.00")),
                     ("P-1", "payment", D("-10000.00")), ("P-2", "payment", D("-500.00")),
                     ("P-2", "reversal", D("500.00"))]


def test_messy_gbk_csv_is_matched_and_the_difference_explained(books: sessionmaker[Session], tmp_path: Path) -> None:
    their_file = write_messy_csv(tmp_path / "应付账款.csv")
    with books.begin() as session:
        run = match_debtor_ledger(session, "D1", their_file, as_of=AS_OF, actor="clerk")
    result = run.result
    assert run.currency == "CNY"
    assert result.our_balance == D("10210.00") and result.their_balance == D("9210.00")
    assert result.difference == D("1000.00") and result.explained
    stages = sorted((g.stage, g.ours[0].document) for g in result.matched)
    assert stages == [("amount_date", "P-1"), ("document", "INV-2026-0001"), ("document", "INV-2026-0002"),
                      ("document", "INV-2026-0003"), ("document", "期初余额 opening balance")]
    assert sorted((x.document, x.kind) for x in result.only_ours) == [
        ("INV-2026-0004", "invoice"), ("P-2", "payment"), ("P-2", "reversal")]
    assert not result.only_theirs and not result.differences


def test_xlsx_with_merged_cells_gives_the_same_outcome(books: sessionmaker[Session], tmp_path: Path) -> None:
    their_file = write_messy_xlsx(tmp_path / "ledger.xlsx")
    with books.begin() as session:
        result = match_debtor_ledger(session, "D1", their_file, as_of=AS_OF, actor="clerk").result
    # No opening row here: our whole history counts (OLD-1 and P-0 match each other nowhere, they net to 0).
    assert result.their_balance == D("9210.00") and result.our_balance == D("10210.00") and result.explained
    assert {x.document for x in result.only_ours} == {"OLD-1", "P-0", "INV-2026-0004", "P-2"}


def test_the_run_is_audited_with_the_file_hash_and_outcome(books: sessionmaker[Session], tmp_path: Path) -> None:
    their_file = write_messy_csv(tmp_path / "a.csv")
    with books.begin() as session:
        run = match_debtor_ledger(session, "D1", their_file, as_of=AS_OF, actor="clerk")
    with books() as session:
        entry = session.execute(select(AuditEntry).where(AuditEntry.action == "reconcile.match")).scalar_one()
    assert entry.actor == "clerk" and entry.entity_key == "D1"
    assert entry.detail["sha256"] == run.sha256 and entry.detail["difference"] == "1000.00"
    assert entry.detail["explained"] is True


def test_report_workbook_has_summary_and_line_sheets_with_numbers_and_dates(books: sessionmaker[Session],
                                                                          tmp_path: Path) -> None:
    from openpyxl import load_workbook

    report = tmp_path / "out" / "对账结果.xlsx"
    with books.begin() as session:
        match_debtor_ledger(session, "D1", write_messy_csv(tmp_path / "a.csv"), as_of=AS_OF, actor="clerk",
                            report=report)
    workbook = load_workbook(report)
    assert workbook.sheetnames == ["汇总 Summary", "已匹配 Matched", "仅我方 Only ours", "仅对方 Only theirs",
                                   "金额差异 Differences"]
    summary = {row[0].value: row[1] for row in workbook["汇总 Summary"].iter_rows(min_row=3) if row[0].value}
    assert summary["差额 Difference (ours - yours)"].value == 1000
    assert summary["差额 Difference (ours - yours)"].number_format == "#,##0.00"
    assert summary["差额已全部解释 Difference fully explained"].value == "是 yes"
    only_ours = list(workbook["仅我方 Only ours"].iter_rows(min_row=2))
    assert len(only_ours) == 3
    invoice = next(r for r in only_ours if r[2].value == "INV-2026-0004")
    assert invoice[1].is_date and invoice[1].value.date() == date(2026, 12, 10)
    assert invoice[4].value == 1000 and invoice[4].number_format == "#,##0.00"


def test_unknown_debtor_is_refused_and_nothing_is_written(books: sessionmaker[Session], tmp_path: Path) -> None:
    with books() as session:
        before = audit_count(session)
    with pytest.raises(UnknownRecord, match="D9"), books.begin() as session:
        match_debtor_ledger(session, "D9", write_messy_csv(tmp_path / "a.csv"), as_of=AS_OF, actor="clerk")
    with books() as session:
        assert audit_count(session) == before


def test_a_bad_row_is_refused_naming_it_and_no_report_is_left(books: sessionmaker[Session], tmp_path: Path,
                                                              write_csv: WriteFile) -> None:
    bad = write_csv("bad.csv", ["日期", "发票号", "借方", "贷方"], [["2026-11-05", "INV-1", "", "1"],
                                                                ["2026-02-30", "INV-2", "", "1"]])
    report = tmp_path / "report.xlsx"
    with pytest.raises(ReconcileRefused, match=r"bad.csv: row 3, field '日期'"), books.begin() as session:
        match_debtor_ledger(session, "D1", bad, as_of=AS_OF, actor="clerk", report=report)
    assert not report.exists()
    with books() as session:
        assert not session.execute(select(AuditEntry).where(AuditEntry.action == "reconcile.match")).first()


def test_a_debtor_with_two_currencies_needs_one_chosen(books: sessionmaker[Session], tmp_path: Path,
                                                       write_csv: WriteFile) -> None:
    usd = write_csv("usd.csv", ["debtor", "number", "issue_date", "amount", "currency"],
                    [["D1", "U-1", "2026-11-02", "5.00", "USD"]])
    assert run_import(books, "invoices", usd, actor="setup").committed
    with pytest.raises(ReconcileRefused, match="CNY, USD"), books.begin() as session:
        match_debtor_ledger(session, "D1", write_messy_csv(tmp_path / "a.csv"), as_of=AS_OF, actor="clerk")
    with books.begin() as session:
        run = match_debtor_ledger(session, "D1", write_messy_csv(tmp_path / "a.csv"), as_of=AS_OF, actor="clerk",
                                  currency="usd")
    assert run.currency == "USD" and run.result.our_balance == D("5.00")
