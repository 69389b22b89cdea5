"""The organization map against a real database (SQLite and PostgreSQL): contacts and their import, routing,
interactions under contact hygiene, promises, disputes, the timeline, the audit log; bad input writes nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from receivables.services import disputes, interactions, orgmap, promises, timeline
from receivables.services.errors import Refused, UnknownRecord
from receivables.storage.database import unit_of_work
from receivables.storage.schema import (
    AuditEntry, Contact, ContactHygiene, Dispute, DisputeItem, Interaction, Promise, Receivable,
)

MY_TABLES = (Contact, Interaction, Promise, Dispute, DisputeItem, ContactHygiene, AuditEntry)
TODAY = date(2026, 3, 10)


def counts(sessions: sessionmaker[Session]) -> dict[str, Any]:
    """Row counts of the organization-map tables, the audit log and every contact's details."""
    with sessions() as session:
        result: dict[str, Any] = {t.__tablename__: session.execute(select(func.count()).select_from(t)).scalar_one()
                                  for t in MY_TABLES}
        result["contacts"] = sorted(session.execute(select(Contact.name, Contact.role, Contact.stance, Contact.email,
                                                           Contact.reports_to_id)).all())
    return result


@pytest.fixture
def book(ledger: sessionmaker[Session], import_file: Callable[..., Any], write_csv: Callable[..., Path]) \
        -> sessionmaker[Session]:
    """Two debtors with items (one paid), a payment, and a small organization at 华东建设集团."""
    for kind, header, rows in (
        ("debtors", ["code", "name"], [["HD", "华东建设集团"], ["XB", "西北贸易公司"]]),
        ("invoices", ["debtor", "number", "issue_date", "due_date", "amount"],
         [["HD", "A-1", "2026-01-01", "2026-01-31", "1000.00"], ["HD", "A-2", "2026-01-15", "2026-02-15", "500.00"],
          ["HD", "A-3", "2026-02-01", "2026-02-28", "300.00"], ["XB", "B-1", "2026-01-01", "2026-01-31", "80.00"]]),
        ("payments", ["debtor", "reference", "date", "amount", "applies_to"],
         [["HD", "P-1", "2026-02-20", "300.00", "A-3"]]),
    ):
        outcome = import_file(kind, write_csv(f"{kind}.csv", header, rows))
        assert outcome.committed, outcome.problems
    with unit_of_work(ledger) as session:
        orgmap.add_contact(session, "HD", {"name": "赵建国", "role": "boss", "title": "总经理", "decision_maker": True,
                                           "stance": "decisive"}, actor="alice")
        orgmap.add_contact(session, "HD", {"name": "钱晓红", "role": "财务", "title": "财务经理",
                                           "reports_to": "赵建国", "email": "qian@hd.cn", "hours": "09:00-17:00"},
                           actor="alice")
        orgmap.add_contact(session, "HD", {"name": "李前台", "role": "front_desk", "stance": "gatekeeper",
                                           "reports_to": "赵建国"}, actor="alice")
        orgmap.add_contact(session, "XB", {"name": "外人", "role": "finance"}, actor="alice")
    return ledger


def test_contacts_are_added_edited_listed_and_audited(book: sessionmaker[Session]) -> None:
    with unit_of_work(book) as session:
        edited = orgmap.edit_contact(session, "HD", "钱晓红", {"stance": "cooperative", "mobile": "13800000000"},
                                     actor="bob")
    assert (edited.stance, edited.reports_to, edited.hours) == ("cooperative", "赵建国", "09:00-17:00")
    with book() as session:
        names = [v.name for v in orgmap.list_contacts(session, "HD")]
        entry = session.execute(select(AuditEntry).where(AuditEntry.action == "contact.edit")).scalar_one()
    assert names == ["赵建国", "钱晓红", "李前台"]
    assert entry.actor == "bob" and entry.before == {"stance": "unknown", "mobile": None}
    assert entry.after == {"stance": "cooperative", "mobile": "13800000000"}


@pytest.mark.parametrize("action, fields, message", [
    ("add", {"name": "新人", "role": "cfo"}, "unknown role 'cfo'"),
    ("add", {"name": "新人", "role": "finance", "stance": "hostile"}, "unknown stance 'hostile'"),
    ("add", {"name": "新人", "role": "finance", "email": "qian at hd"}, "malformed e-mail"),
    ("add", {"name": "新人", "role": "finance", "reports_to": "外人"}, "contact of another debtor"),
    ("edit", {"reports_to": "钱晓红"}, "cycle"),
    ("edit", {"reports_to": "#4"}, "another debtor"),
])
def test_bad_contact_input_is_refused_with_one_message_and_nothing_written(
        book: sessionmaker[Session], action: str, fields: dict[str, Any], message: str) -> None:
    before = counts(book)
    with pytest.raises(Refused, match=message):
        with unit_of_work(book) as session:
            if action == "add":
                orgmap.add_contact(session, "HD", fields, actor="alice")
            else:
                other = session.execute(select(Contact.id).where(Contact.name == "外人")).scalar_one()
                if fields["reports_to"] == "#4":
                    fields = {"reports_to": f"#{other}"}
                orgmap.edit_contact(session, "HD", "赵建国", fields, actor="alice")
    assert counts(book) == before


def test_the_route_comes_from_the_stored_map(book: sessionmaker[Session]) -> None:
    with book() as session:
        found = orgmap.escalation_route(session, "HD", ["front_desk", "finance", "legal_rep"])
    assert [r.name for r in found.recipients] == ["赵建国", "钱晓红"]
    assert found.gaps == ("no legal representative contact mapped for 华东建设集团",)


def test_contacts_import_links_superiors_by_name_and_updates_rerun(book, import_file, write_csv) -> None:
    header = ["debtor", "name", "role", "title", "department", "phone", "email", "address", "stance", "reports_to",
              "decision_maker", "active"]
    path = write_csv("contacts.csv", header, [
        ["HD", "孙会计", "finance", "会计", "财务部", "021-1234", "sun@hd.cn", "", "cooperative", "钱晓红", "no", "yes"],
        ["HD", "周总监", "finance", "财务总监", "财务部", "", "", "", "", "赵建国", "no", "yes"],
        ["HD", "钱晓红", "finance", "财务经理", "财务部", "", "qian@hd.cn", "", "", "周总监", "no", "yes"],
    ])
    outcome = import_file("contacts", path)
    assert outcome.committed, outcome.problems
    assert (outcome.inserted, outcome.updated) == (2, 1)
    with book() as session:
        sun = orgmap.show_contact(session, "HD", "孙会计")
        qian = orgmap.show_contact(session, "HD", "钱晓红")
    assert (sun.reports_to, sun.department, sun.email) == ("钱晓红", "财务部", "sun@hd.cn")
    assert qian.reports_to == "周总监"
    with book() as session:
        logged = session.execute(select(AuditEntry.action, AuditEntry.entity_key, AuditEntry.after)
                                 .where(AuditEntry.action.like("import.contacts.%"))).all()
    assert {(a, k.split("#")[0]) for a, k, _ in logged} == {
        ("import.contacts.add", "孙会计"), ("import.contacts.add", "周总监"), ("import.contacts.update", "钱晓红")}
    again = import_file("contacts", path)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)


def test_contacts_import_reads_chinese_headers_from_xlsx(book, import_file, write_xlsx) -> None:
    path = write_xlsx("联系人.xlsx", ["客户编码", "姓名", "角色", "职务", "态度", "上级", "决策人", "在职"], [
        ["HD", "冯法人", "法定代表人", "董事长", "回避", "", "是", "是"],
        ["HD", "老员工", "采购", "采购经理", "", "冯法人", "否", "否"],
    ])
    outcome = import_file("contacts", path)
    assert outcome.committed, outcome.problems
    with book() as session:
        feng = orgmap.show_contact(session, "HD", "冯法人")
        old = orgmap.show_contact(session, "HD", "老员工")
    assert (feng.role, feng.stance, feng.decision_maker) == ("legal_rep", "evasive", True)
    assert (old.role, old.reports_to, old.active) == ("procurement", "冯法人", False)


def test_a_bad_contacts_file_reports_every_problem_and_writes_nothing(book, import_file, write_csv) -> None:
    before = counts(book)
    path = write_csv("contacts.csv", ["debtor", "name", "role", "stance", "email", "reports_to"], [
        ["HD", "甲", "cfo", "", "", ""],
        ["HD", "乙", "finance", "hostile", "", ""],
        ["HD", "丙", "finance", "", "bing@", ""],
        ["HD", "丁", "finance", "", "", "外人"],
        ["HD", "戊", "finance", "", "", "己"],
        ["HD", "己", "finance", "", "", "戊"],
        ["HD", "好人", "finance", "", "", ""],
    ])
    outcome = import_file("contacts", path)
    reasons = " | ".join(str(p) for p in outcome.problems)
    assert not outcome.committed
    for expected in ("unknown role 'cfo'", "unknown stance 'hostile'", "malformed e-mail",
                     "another debtor (XB)", "cycle"):
        assert expected in reasons
    assert counts(book) == before


def test_outbound_contacts_outside_hours_or_limits_need_a_recorded_override(book: sessionmaker[Session]) -> None:
    def log(at: datetime, override: str | None = None, contact: str | None = None) -> interactions.InteractionView:
        with unit_of_work(book) as session:
            return interactions.log_interaction(session, "HD", channel="call", direction="outbound", at=at,
                                                summary="催款", actor="alice", contact=contact,
                                                override_reason=override)

    before = counts(book)
    with pytest.raises(Refused, match="outside the allowed hours 08:00-20:00"):
        log(datetime(2026, 3, 10, 21, 30))
    with pytest.raises(Refused, match="outside the contact's hours 09:00-17:00"):
        log(datetime(2026, 3, 10, 8, 30), contact="钱晓红")
    assert counts(book) == before
    for hour in (9, 10, 11):
        log(datetime(2026, 3, 10, hour))
    with pytest.raises(Refused, match="limit 3 a day"):
        log(datetime(2026, 3, 10, 15))
    allowed = log(datetime(2026, 3, 10, 15), override="debtor asked for a call back at 3pm")
    assert allowed.override_reason == "debtor asked for a call back at 3pm"
    with unit_of_work(book) as session:  # inbound calls are never limited
        interactions.log_interaction(session, "HD", channel="call", direction="inbound",
                                     at=datetime(2026, 3, 10, 22), summary="回电", actor="alice")
        interactions.set_hygiene(session, "HD", hours=None, per_day=5, per_week=10, actor="lead")
    log(datetime(2026, 3, 10, 16))
    with book() as session:
        logged = session.execute(select(AuditEntry.after).where(AuditEntry.action == "interaction.log")).scalars().all()
    assert any(a["override_reason"] == "debtor asked for a call back at 3pm" for a in logged)


def test_promises_are_judged_against_payments_and_broken_ones_counted(book, import_file, write_csv) -> None:
    with unit_of_work(book) as session:
        kept = promises.add_promise(session, "HD", amount=Decimal("200.00"), promised_on=date(2026, 3, 15),
                                    as_of=TODAY, actor="alice", contact="钱晓红")
        promises.add_promise(session, "HD", amount=Decimal("500.00"), promised_on=date(2026, 3, 20), as_of=TODAY,
                             actor="alice")
    outcome = import_file("payments", write_csv("p2.csv", ["debtor", "reference", "date", "amount"],
                                                [["HD", "P-2", "2026-03-14", "200.00"]]))
    assert outcome.committed
    with book() as session:
        listed = promises.list_promises(session, date(2026, 4, 1))
        broken = promises.broken_promise_counts(session, date(2026, 4, 1))
        due = promises.list_promises(session, date(2026, 4, 1), due_by=date(2026, 3, 16))
    assert [(p.id, p.status) for p in listed] == [(kept.id, "kept"), (kept.id + 1, "broken")]
    assert broken == {"HD": 1}
    assert [p.id for p in due] == [kept.id]


@pytest.mark.parametrize("amount, promised_on, message", [
    (Decimal("0.00"), date(2026, 3, 20), "must be positive"),
    (Decimal("-5.00"), date(2026, 3, 20), "must be positive"),
    (Decimal("100.00"), date(2026, 3, 9), "already past"),
])
def test_bad_promises_are_refused_and_nothing_written(book, amount, promised_on, message) -> None:
    before = counts(book)
    with pytest.raises(Refused, match=message):
        with unit_of_work(book) as session:
            promises.add_promise(session, "HD", amount=amount, promised_on=promised_on, as_of=TODAY, actor="a")
    assert counts(book) == before


def test_a_disputed_item_is_held_out_of_dunning_until_resolved(book: sessionmaker[Session]) -> None:
    with unit_of_work(book) as session:
        opened = disputes.open_dispute(session, "HD", [("A-1", Decimal("400.00")), ("A-2", None)],
                                       reason="货物质量问题", opened_on=date(2026, 3, 1), actor="alice",
                                       contact="钱晓红")
    with book() as session:
        held = disputes.disputed_receivable_ids(session)
        numbers = set(session.execute(select(Receivable.number).where(Receivable.id.in_(held))).scalars())
        listed = disputes.list_disputes(session, TODAY)
    assert numbers == {"A-1", "A-2"}
    assert [(d.id, d.age_days, d.status) for d in listed] == [(opened.id, 9, "open")]
    assert [i.disputed_amount for i in listed[0].items] == [Decimal("400.00"), Decimal("500.00")]
    with unit_of_work(book) as session:
        disputes.resolve_dispute(session, opened.id, resolution="withdrawn", resolved_on=TODAY, actor="bob")
    with book() as session:
        assert disputes.disputed_receivable_ids(session) == set()
        entry = session.execute(select(AuditEntry).where(AuditEntry.action == "dispute.resolve")).scalar_one()
    assert entry.before["status"] == "open" and entry.after["resolution"] == "withdrawn"


@pytest.mark.parametrize("items, message", [
    ([("A-3", None)], "is paid"),
    ([("A-1", Decimal("2000.00"))], "more than its open amount"),
    ([("A-1", Decimal("0"))], "must be positive"),
    ([("NOPE", None)], "has no item"),
])
def test_bad_disputes_are_refused_and_nothing_written(book, items, message) -> None:
    before = counts(book)
    with pytest.raises(Refused, match=message):
        with unit_of_work(book) as session:
            disputes.open_dispute(session, "HD", items, reason="r", opened_on=TODAY, actor="a")
    assert counts(book) == before


def test_the_timeline_lists_everything_about_a_debtor_in_date_order(book: sessionmaker[Session]) -> None:
    with unit_of_work(book) as session:
        interactions.log_interaction(session, "HD", channel="visit", direction="outbound",
                                     at=datetime(2026, 2, 25, 10), summary="上门拜访", actor="alice")
        promises.add_promise(session, "HD", amount=Decimal("100.00"), promised_on=date(2026, 3, 5),
                             as_of=date(2026, 2, 25), actor="alice")
        disputes.open_dispute(session, "HD", [("A-2", None)], reason="数量不符", opened_on=date(2026, 2, 26),
                              actor="alice")
    with book() as session:
        found = timeline.debtor_timeline(session, "HD", TODAY)
    kinds = [(e.on.isoformat(), e.kind) for e in found.entries]
    assert kinds == [("2026-01-01", "item"), ("2026-01-15", "item"), ("2026-02-01", "item"),
                     ("2026-02-20", "payment"), ("2026-02-25", "interaction"), ("2026-02-25", "promise"),
                     ("2026-02-26", "dispute_opened")]
    assert "broken" in found.entries[5].text
    with pytest.raises(UnknownRecord):
        with book() as session:
            timeline.debtor_timeline(session, "NOPE", TODAY)


def test_upgrading_a_database_with_contacts_keeps_them(database_url: str) -> None:
    from alembic import command
    from sqlalchemy import text

    from receivables.storage.database import make_engine
    from receivables.storage.schema_version import _alembic_config, upgrade_schema

    engine = make_engine(database_url)
    try:
        config = _alembic_config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0002")
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO debtor (id, code, name, status, on_hold, reconciliation_frequency) "
                                    "VALUES (1, 'HD', '华东', 'active', false, 'none')"))
            connection.execute(text("INSERT INTO contact (debtor_id, name, role, is_primary) "
                                    "VALUES (1, '钱晓红', 'finance', true)"))
        upgrade_schema(engine)
        with engine.connect() as connection:
            row = connection.execute(text("SELECT name, stance, active, decision_maker FROM contact")).one()
        assert (row[0], row[1], bool(row[2]), bool(row[3])) == ("钱晓红", "unknown", True, False)
    finally:
        engine.dispose()
