"""Issuing letters from the ledger: gap-free numbers (also under concurrency), frozen data, stored files,
user templates, append-only rows, clear refusals; on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import io
import json
import threading
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import docx
import pytest
from sqlalchemy import Engine, func, insert, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from letters import TemplateCatalog, TemplateError, render_letter, shipped_templates_dir
from receivables.services.letters import IssuedLetter, LetterRefused, catalog_for, issue_letters
from receivables.services.reports import UnknownRecord
from receivables.storage.blobs import BlobStore
from receivables.storage.database import unit_of_work
from receivables.storage.schema import (
    AuditEntry,
    Company,
    Contact,
    Contract,
    Debtor,
    Letter,
    LetterCounter,
    LetterFile,
    Receivable,
)

AS_OF = date(2026, 11, 29)
ALL_TEMPLATES = ("reminder", "demand", "final_demand", "collection_notice", "lawyer_letter", "statement",
                 "payment_plan", "retention_release")
EXTRA_FIELDS = {"lawyer_letter", "statement", "payment_plan", "retention_release"}
EXTRA_DIR = shipped_templates_dir() / "examples" / "extra"
CONCURRENT_ISSUERS = 8


# ---------------------------------------------------------------------------------------------- ledger


def _invoice(session: Session, company: int, debtor: int, number: str, issued: str, due: str, amount: str,
             currency: str = "CNY", contract: int | None = None, kind: str = "invoice",
             open_amount: str | None = None) -> None:
    session.execute(insert(Receivable).values(
        company_id=company, debtor_id=debtor, contract_id=contract, kind=kind, number=number,
        issue_date=date.fromisoformat(issued), due_date=date.fromisoformat(due), currency=currency,
        amount=Decimal(amount), open_amount=Decimal(open_amount if open_amount is not None else amount)))


def _debtor(session: Session, code: str, name: str, address: str | None = None) -> int:
    debtor = Debtor(code=code, name=name, address=address)
    session.add(debtor)
    session.flush()
    return debtor.id


def build_ledger(sessions: sessionmaker[Session]) -> None:
    """Two creditor companies and debtors covering the cases a letter must read well in."""
    with sessions.begin() as session:
        ours = Company(name="华建工程有限公司", address="江苏省苏州市工业园区星湖街218号", phone="0512-62888000",
                       bank_name="中国工商银行苏州工业园区支行", bank_account="1102020109001234567",
                       contact_name="王敏", contact_phone="0512-62888001", is_default=True)
        other = Company(name="东方商贸有限公司", is_default=False)  # no address, bank or contact
        session.add_all([ours, other])
        session.flush()
        # D1: one contract, two overdue items, one not yet due, one open credit note; a primary contact.
        d1 = _debtor(session, "D1", "深圳腾达科技有限公司", "广东省深圳市南山区科技园1号")
        k1 = Contract(company_id=ours.id, debtor_id=d1, number="K-1", title="机房设备采购合同", kind="sale",
                      currency="CNY", signed_on=date(2025, 6, 1))
        session.add(k1)
        session.add_all([Contact(debtor_id=d1, name="张伟", role="finance", title="财务总监", is_primary=True),
                         Contact(debtor_id=d1, name="李四", role="boss", title="董事长")])
        session.flush()
        _invoice(session, ours.id, d1, "A-1", "2026-06-01", "2026-07-01", "100000.00", contract=k1.id)
        _invoice(session, ours.id, d1, "A-2", "2026-08-01", "2026-09-01", "2500.50", contract=k1.id)
        _invoice(session, ours.id, d1, "A-3", "2026-11-20", "2026-12-20", "7000.00", contract=k1.id)
        _invoice(session, ours.id, d1, "CR-1", "2026-09-10", "2026-09-10", "-500.50", contract=k1.id,
                 kind="credit_note")
        # D2: items under two contracts (one without a signing date) and none; no contact, no address.
        d2 = _debtor(session, "D2", "杭州多项目建设有限公司")
        k2 = Contract(company_id=ours.id, debtor_id=d2, number="K-2", title="一期工程施工合同", kind="construction",
                      currency="CNY", signed_on=date(2025, 1, 10))
        k3 = Contract(company_id=ours.id, debtor_id=d2, number="K-3", title=None, kind="service", currency="CNY")
        session.add_all([k2, k3])
        session.flush()
        _invoice(session, ours.id, d2, "B-1", "2026-01-05", "2026-02-04", "30000.00", contract=k2.id)
        _invoice(session, ours.id, d2, "B-2", "2026-03-05", "2026-04-04", "12000.00", contract=k3.id)
        _invoice(session, ours.id, d2, "B-3", "2026-05-05", "2026-06-04", "800.00")
        # D3: everything paid.
        d3 = _debtor(session, "D3", "无欠款有限公司")
        _invoice(session, ours.id, d3, "C-1", "2026-01-01", "2026-02-01", "100.00", open_amount="0.00")
        # D4: owes in two currencies.
        d4 = _debtor(session, "D4", "Acme Trading Ltd")
        _invoice(session, ours.id, d4, "E-1", "2026-01-01", "2026-02-01", "100.00", currency="CNY")
        _invoice(session, ours.id, d4, "E-2", "2026-01-01", "2026-02-01", "200.00", currency="USD")
        # D5: owes the other company only.
        d5 = _debtor(session, "D5", "只欠东方公司有限公司")
        _invoice(session, other.id, d5, "F-1", "2026-01-01", "2026-02-01", "900.00")
        # D6: nothing overdue yet.
        d6 = _debtor(session, "D6", "未到期有限公司")
        _invoice(session, ours.id, d6, "G-1", "2026-11-01", "2026-12-31", "5000.00")
        # C01..C08: one overdue item each, for batches and concurrent issuers.
        for n in range(1, CONCURRENT_ISSUERS + 1):
            debtor = _debtor(session, f"C{n:02d}", f"并发测试{n}号有限公司", f"上海市浦东新区测试路{n}号")
            _invoice(session, ours.id, debtor, f"H-{n}", "2026-05-01", "2026-06-01", f"{1000 * n}.00")


@pytest.fixture
def ledger(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    build_ledger(sessions)
    return sessions


@pytest.fixture
def home(tmp_path: Path) -> Path:
    folder = tmp_path / "home"
    (folder / "templates").mkdir(parents=True)
    return folder


@pytest.fixture
def blobs(home: Path) -> BlobStore:
    return BlobStore(home / "blobs")


def issue(sessions: sessionmaker[Session], home: Path, template: str, *codes: str, locale: str = "zh_CN",
          formats: tuple[str, ...] = ("pdf", "docx"), **options: Any) -> list[IssuedLetter]:
    """One `letters issue` action: one transaction, committed unless it raises."""
    user_templates = home / "templates"
    options.setdefault("as_of", AS_OF)
    with unit_of_work(sessions) as session:
        return issue_letters(session, template=template, debtor_codes=list(codes), locale=locale,
                             formats=formats, actor=options.pop("actor", "tester"),
                             catalog=catalog_for(user_templates), blobs=BlobStore(home / "blobs"),
                             user_templates=user_templates, **options)


def letters_written(sessions: sessionmaker[Session]) -> tuple[int, int, int, int]:
    """(letters, letter files, counter rows, letter audit entries)."""
    with sessions() as session:
        return (session.scalar(select(func.count()).select_from(Letter)) or 0,
                session.scalar(select(func.count()).select_from(LetterFile)) or 0,
                session.scalar(select(func.count()).select_from(LetterCounter)) or 0,
                session.scalar(select(func.count()).select_from(AuditEntry)
                               .where(AuditEntry.action == "letter.issue")) or 0)


def docx_text(content: bytes) -> str:
    document = docx.Document(io.BytesIO(content))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" | ".join(cell.text for cell in row.cells))
    return "\n".join(lines)


def extra_for(template: str, locale: str) -> dict[str, Any] | None:
    if template not in EXTRA_FIELDS:
        return None
    return json.loads((EXTRA_DIR / f"{template}.{locale}.json").read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------------------------- numbers


def test_numbers_are_sequential_per_company_year_and_prefix(ledger: sessionmaker[Session], home: Path) -> None:
    first = issue(ledger, home, "demand", "D1", formats=("pdf",))
    batch = issue(ledger, home, "demand", "D2", "C01", formats=("pdf",))
    english = issue(ledger, home, "demand", "C02", "C03", locale="en", formats=("pdf",))
    reminder = issue(ledger, home, "reminder", "D1", formats=("pdf",))
    next_year = issue(ledger, home, "demand", "C04", formats=("pdf",), as_of=date(2027, 1, 5))
    assert [i.number for i in first + batch] == ["〔2026〕催字第0001号", "〔2026〕催字第0002号", "〔2026〕催字第0003号"]
    assert [i.number for i in english] == ["AR-2026-0001", "AR-2026-0002"]
    assert [i.number for i in reminder] == ["〔2026〕提字第0001号"]
    assert [i.number for i in next_year] == ["〔2027〕催字第0001号"]
    with ledger() as session:
        rows = session.execute(select(Letter.number, Letter.year, Letter.sequence).order_by(Letter.id)).all()
    assert [tuple(r) for r in rows] == [
        ("〔2026〕催字第0001号", 2026, 1), ("〔2026〕催字第0002号", 2026, 2), ("〔2026〕催字第0003号", 2026, 3),
        ("AR-2026-0001", 2026, 1), ("AR-2026-0002", 2026, 2), ("〔2026〕提字第0001号", 2026, 1),
        ("〔2027〕催字第0001号", 2027, 1)]


def test_numbers_are_per_company(ledger: sessionmaker[Session], home: Path) -> None:
    ours = issue(ledger, home, "demand", "D1", formats=("pdf",))
    theirs = issue(ledger, home, "demand", "D5", formats=("pdf",), company="东方商贸有限公司")
    assert ours[0].number == theirs[0].number == "〔2026〕催字第0001号"


def test_a_failed_render_leaves_no_gap_and_no_rows(ledger: sessionmaker[Session], home: Path) -> None:
    broken = home / "templates" / "zh_CN" / "demand.md"
    broken.parent.mkdir(parents=True)
    broken.write_text("---\ntitle: 坏模板\nkind: demand\nlocale: zh_CN\nfields: [debtor]\nnumbering_prefix: 催\n---\n"
                      "致：{{ debtor.name }}\n\n{{ debtor.no_such_field }}\n", encoding="utf-8")
    with pytest.raises(TemplateError, match=r"demand.md line 10: 'debtor.no_such_field' is undefined"):
        issue(ledger, home, "demand", "C01", "C02")
    assert letters_written(ledger) == (0, 0, 0, 0)
    broken.unlink()
    assert [i.number for i in issue(ledger, home, "demand", "C03", formats=("pdf",))] == ["〔2026〕催字第0001号"]


def test_a_refused_debtor_in_a_batch_leaves_no_gap(ledger: sessionmaker[Session], home: Path) -> None:
    with pytest.raises(UnknownRecord, match="no debtor with code 'NOPE'"):
        issue(ledger, home, "demand", "C01", "C02", "NOPE")
    assert letters_written(ledger) == (0, 0, 0, 0)
    assert issue(ledger, home, "demand", "C01", formats=("pdf",))[0].number == "〔2026〕催字第0001号"


def test_concurrent_issuers_get_distinct_consecutive_numbers(ledger: sessionmaker[Session], home: Path,
                                                             engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("concurrent issue is a PostgreSQL scenario; SQLite serialises writers with its file lock")
    start = threading.Barrier(CONCURRENT_ISSUERS)
    numbers: list[str] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def issuer(code: str) -> None:
        try:
            start.wait(timeout=30)
            issued = issue(ledger, home, "demand", code, formats=("docx",), workers=1)
            with lock:
                numbers.extend(i.number for i in issued)
        except BaseException as exc:  # noqa: BLE001 - reported below
            with lock:
                failures.append(exc)

    threads = [threading.Thread(target=issuer, args=(f"C{n:02d}",)) for n in range(1, CONCURRENT_ISSUERS + 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    assert sorted(numbers) == [f"〔2026〕催字第{n:04d}号" for n in range(1, CONCURRENT_ISSUERS + 1)]
    with ledger() as session:
        sequences = session.execute(select(Letter.sequence).order_by(Letter.sequence)).scalars().all()
        counter = session.execute(select(LetterCounter.last_value)).scalar_one()
    assert sequences == list(range(1, CONCURRENT_ISSUERS + 1))
    assert counter == CONCURRENT_ISSUERS


# ---------------------------------------------------------------------------------------------- records


def test_letter_row_records_template_data_issuer_and_file_hashes(ledger: sessionmaker[Session], home: Path,
                                                                 blobs: BlobStore) -> None:
    [letter] = issue(ledger, home, "demand", "D1", actor="legal.chen")
    info = catalog_for(home / "templates").get("demand", "zh_CN")
    with ledger() as session:
        row = session.execute(select(Letter)).scalar_one()
        files = {f.format: f for f in session.execute(select(LetterFile)).scalars()}
        audit = session.execute(select(AuditEntry).where(AuditEntry.action == "letter.issue")).scalar_one()
    assert (row.number, row.template_name, row.template_kind, row.locale) == (
        "〔2026〕催字第0001号", "demand", "demand", "zh_CN")
    assert (row.template_sha256, row.template_origin) == (info.source_sha256, "shipped")
    assert (row.issued_by, row.letter_date, row.title) == ("legal.chen", AS_OF, "催款函")
    assert row.data["letter_number"] == row.number and row.data["debtor"]["code"] == "D1"
    assert json.loads(json.dumps(row.data)) == row.data  # frozen as plain JSON
    assert set(files) == {"pdf", "docx"}
    for fmt, stored in files.items():
        content = blobs.get(stored.sha256)
        assert hashlib.sha256(content).hexdigest() == stored.sha256 == letter.files[fmt]
        assert stored.size == len(content)
        assert letter.paths[fmt].read_bytes() == content
    assert audit.actor == "legal.chen" and audit.entity_key == row.number
    assert audit.after["files"] == {fmt: f.sha256 for fmt, f in files.items()}


def test_frozen_data_renders_byte_identically(ledger: sessionmaker[Session], home: Path) -> None:
    issue(ledger, home, "demand", "D1")
    issue(ledger, home, "collection_notice", "D2", locale="en")
    catalog = catalog_for(home / "templates")
    with ledger() as session:
        for row in session.execute(select(Letter)).scalars():
            stored = {f.format: f.sha256 for f in
                      session.execute(select(LetterFile).where(LetterFile.letter_id == row.id)).scalars()}
            again = render_letter(catalog.get(row.template_name, row.locale), row.data, ("pdf", "docx"))
            assert dict(again.sha256) == stored


def test_a_batch_through_the_process_pool_gives_the_same_files_as_one_by_one(ledger: sessionmaker[Session],
                                                                             home: Path) -> None:
    codes = ("C01", "C02", "C03", "D1")
    session = ledger()
    try:  # the batch, then rolled back: its numbers are free again
        batch = issue_letters(session, template="demand", debtor_codes=list(codes), as_of=AS_OF, locale="zh_CN",
                              formats=("pdf", "docx"), actor="tester", catalog=catalog_for(home / "templates"),
                              blobs=BlobStore(home / "blobs"), user_templates=home / "templates", workers=2)
    finally:
        session.rollback()
        session.close()
    assert letters_written(ledger) == (0, 0, 0, 0)
    one_by_one = [issue(ledger, home, "demand", code, workers=1)[0] for code in codes]
    assert [(i.number, i.debtor, dict(i.files)) for i in batch] == \
        [(i.number, i.debtor, dict(i.files)) for i in one_by_one]


def test_a_user_template_overrides_the_shipped_one_and_is_recorded(ledger: sessionmaker[Session],
                                                                   home: Path) -> None:
    shipped = (shipped_templates_dir() / "zh_CN" / "demand.md").read_text(encoding="utf-8")
    user = home / "templates" / "zh_CN" / "demand.md"
    user.parent.mkdir(parents=True)
    user.write_text(shipped.replace("特此函告。", "特此函告，顺颂商祺。"), encoding="utf-8")
    [letter] = issue(ledger, home, "demand", "D1")
    info = catalog_for(home / "templates").get("demand", "zh_CN")
    assert info.path == user.resolve()
    with ledger() as session:
        row = session.execute(select(Letter)).scalar_one()
        docx_sha = session.execute(select(LetterFile.sha256).where(LetterFile.format == "docx")).scalar_one()
    assert (row.template_origin, row.template_sha256) == ("user", info.source_sha256)
    assert row.template_sha256 != TemplateCatalog([shipped_templates_dir()]).get("demand", "zh_CN").source_sha256
    assert "特此函告，顺颂商祺。" in docx_text(BlobStore(home / "blobs").get(docx_sha))
    assert letter.template == "demand"


@pytest.mark.parametrize("table", ["letter", "letter_file", "audit_log"])
@pytest.mark.parametrize("change", ["UPDATE {table} SET {column} = {column}", "DELETE FROM {table}"])
def test_issued_letters_and_the_audit_log_cannot_be_changed(ledger: sessionmaker[Session], home: Path,
                                                            engine: Engine, table: str, change: str) -> None:
    issue(ledger, home, "demand", "D1", formats=("pdf",))
    column = {"letter": "title", "letter_file": "size", "audit_log": "actor"}[table]
    with pytest.raises(DBAPIError, match="immutable"), engine.begin() as connection:
        connection.execute(text(change.format(table=table, column=column)))
    with ledger() as session:
        assert session.scalar(select(func.count()).select_from(Letter)) == 1
        assert session.scalar(select(Letter.title)) == "催款函"
        assert session.scalar(select(func.count()).select_from(LetterFile)) == 1


# ---------------------------------------------------------------------------------------------- data


def test_demands_list_only_overdue_items_owed_to_the_issuing_company(ledger: sessionmaker[Session],
                                                                      home: Path) -> None:
    issue(ledger, home, "demand", "D1", formats=("pdf",))
    issue(ledger, home, "reminder", "D1", formats=("pdf",))
    with ledger() as session:
        demand, reminder = session.execute(select(Letter.data).order_by(Letter.id)).scalars().all()
    assert [i["number"] for i in demand["items"]] == ["A-1", "A-2", "CR-1"]
    assert demand["totals"]["open"] == "102000.00"
    assert [i["days_overdue"] for i in demand["items"]] == [151, 89, 0]  # a credit is never "overdue"
    assert [i["number"] for i in reminder["items"]] == ["A-1", "A-2", "CR-1", "A-3"]
    assert reminder["totals"]["open"] == "109000.00"
    assert demand["contract"] == {"number": "K-1", "name": "机房设备采购合同", "date": "2025-06-01"}
    assert demand["recipient"] == {"name": "张伟", "title": "财务总监", "company": "深圳腾达科技有限公司",
                                   "address": "广东省深圳市南山区科技园1号"}
    assert reminder["previous_demands"] == ["2026-11-29"]
    with pytest.raises(LetterRefused, match="D5 has nothing open with 华建工程有限公司"):
        issue(ledger, home, "demand", "D5")


def test_final_demand_cites_earlier_demands_once_per_date(ledger: sessionmaker[Session], home: Path) -> None:
    issue(ledger, home, "reminder", "D1", formats=("pdf",), as_of=date(2026, 10, 15))
    issue(ledger, home, "demand", "D1", formats=("pdf",), as_of=date(2026, 11, 10))
    issue(ledger, home, "demand", "D1", locale="en", formats=("pdf",), as_of=date(2026, 11, 10))
    issue(ledger, home, "statement", "D1", formats=("pdf",), extra=extra_for("statement", "zh_CN"),
          as_of=date(2026, 11, 20))  # a statement is not a demand
    [final] = issue(ledger, home, "final_demand", "D1")
    with ledger() as session:
        data = session.execute(select(Letter.data).where(Letter.number == final.number)).scalar_one()
        docx_sha = session.execute(select(LetterFile.sha256).join(Letter, Letter.id == LetterFile.letter_id)
                                   .where(Letter.number == final.number, LetterFile.format == "docx")).scalar_one()
    assert data["previous_demands"] == ["2026-10-15", "2026-11-10"]
    assert "我司已于2026年10月15日、2026年11月10日向贵司发出催款函件" in docx_text(BlobStore(home / "blobs").get(docx_sha))


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
@pytest.mark.parametrize("template", ALL_TEMPLATES)
def test_every_template_reads_well_with_sparse_ledger_data(ledger: sessionmaker[Session], home: Path,
                                                           template: str, locale: str) -> None:
    """D2: no single contract, no contact, no address; the other company: no bank account, no contact."""
    texts = []
    for code, company in (("D2", None), ("D5", "东方商贸有限公司")):
        [letter] = issue(ledger, home, template, code, locale=locale, formats=("docx",), company=company,
                         extra=extra_for(template, locale))
        texts.append(docx_text(letter.paths["docx"].read_bytes()))
    with ledger() as session:
        data = session.execute(select(Letter.data).order_by(Letter.id)).scalars().first()
    assert data["contract"] is None
    for content in texts:
        assert "None" not in content and "Undefined" not in content
        for empty_label in ("开户行：\n", "账　号：\n", "联系人：\n", "电话：\n", "地址：\n", "（电话：）", "Bank: \n",
                            "Account number: \n", "Tel. \n", "《》", "()", "（）"):
            assert empty_label not in content + "\n", (template, locale, empty_label)
    if locale == "zh_CN" and template in ("demand", "reminder", "final_demand", "collection_notice"):
        assert "业务往来" in texts[0]
        assert "请将款项支付至我司（户名：东方商贸有限公司）已书面确认的收款账户" in texts[1]
    if locale == "en" and template == "demand":
        assert "Under our agreements with you" in texts[0]


def test_a_contract_without_signing_date_is_named_without_a_date(ledger: sessionmaker[Session],
                                                                  home: Path, engine: Engine) -> None:
    with ledger.begin() as session:  # D2's two overdue contract items, the dated one paid
        session.execute(text("UPDATE receivable SET open_amount = 0 WHERE number IN ('B-1', 'B-3')"))
    [letter] = issue(ledger, home, "demand", "D2", formats=("docx",))
    content = docx_text(letter.paths["docx"].read_bytes())
    assert "贵司与我司签订了《K-3》（合同编号：K-3）。" in content  # no title: named by its number
    assert "贵司与我司于" not in content


# ---------------------------------------------------------------------------------------------- refusals


@pytest.mark.parametrize("codes, options, error, message", [
    (("NOPE",), {}, UnknownRecord, "no debtor with code 'NOPE'"),
    (("D3",), {}, LetterRefused, "D3 has nothing open with 华建工程有限公司 on 2026-11-29"),
    (("D6",), {}, LetterRefused, "D6 has nothing overdue on 2026-11-29"),
    (("D4",), {}, LetterRefused, "D4 owes in CNY, USD: choose one with --currency"),
    (("D1",), {"currency": "USD"}, LetterRefused, "C01 has nothing open in USD"),
    (("D1",), {"company": "不存在公司"}, LetterRefused, "unknown company '不存在公司'"),
])
def test_refusals_are_clear_and_write_nothing(ledger: sessionmaker[Session], home: Path, codes: tuple[str, ...],
                                              options: dict[str, Any], error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message.replace("(", r"\(")):
        issue(ledger, home, "demand", "C01", *codes, **options)
    assert letters_written(ledger) == (0, 0, 0, 0)
    assert list((home / "blobs").glob("*/*")) == []


def test_two_currencies_with_currency_chosen(ledger: sessionmaker[Session], home: Path) -> None:
    [letter] = issue(ledger, home, "demand", "D4", locale="en", currency="USD", formats=("docx",))
    content = docx_text(letter.paths["docx"].read_bytes())
    assert "$200.00" in content and "E-1" not in content
    [chinese] = issue(ledger, home, "demand", "D4", currency="USD", formats=("docx",))
    assert "人民币" not in docx_text(chinese.paths["docx"].read_bytes())  # no RMB capitals for dollars


@pytest.mark.parametrize("template, fields", [
    ("lawyer_letter", "law_firm, fees, claims_total, clauses, statutes"),
    ("statement", "period, opening_balance, movements, closing_balance"),
    ("payment_plan", "plan, plan_total"), ("retention_release", "project")])
def test_fields_the_ledger_lacks_are_asked_for_and_accepted_from_extra_data(
        ledger: sessionmaker[Session], home: Path, template: str, fields: str) -> None:
    with pytest.raises(LetterRefused, match=rf"template {template} \(zh_CN\) needs {fields}, which the ledger "
                                            r"does not hold: .*--data EXTRA\.json"):
        issue(ledger, home, template, "D1")
    assert letters_written(ledger) == (0, 0, 0, 0)
    [letter] = issue(ledger, home, template, "D1", extra=extra_for(template, "zh_CN"))
    assert letter.number.startswith("〔2026〕") and letter.number.endswith("字第0001号")
    with ledger() as session:
        data = session.execute(select(Letter.data)).scalar_one()
    assert all(name.strip() in data for name in fields.split(","))
