"""Administration services on both backends: role changes keep an administrator, template versions are
immutable, the audit query pages newest first and matches action prefixes literally."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from receivables.services.template_versions import current_template, save_template, template_versions
from receivables.services.users import UserRefused, add_user, list_accounts, set_role
from receivables.storage import audit
from receivables.storage.database import unit_of_work
from receivables.storage.queries.audit_log import AuditFilter, audit_page
from receivables.storage.schema.admin import TemplateVersion

PASSWORD = "correct horse battery"


def test_the_last_active_administrator_keeps_the_role(sessions: sessionmaker[Session]) -> None:
    with unit_of_work(sessions) as session:
        add_user(session, "root", "admin", PASSWORD, actor="test")
        add_user(session, "li.na", "viewer", PASSWORD, actor="test")
    with unit_of_work(sessions) as session, pytest.raises(UserRefused, match="only active administrator"):
        set_role(session, "root", "finance", actor="root")
    with unit_of_work(sessions) as session:
        set_role(session, "li.na", "admin", actor="root")
        set_role(session, "root", "finance", actor="li.na")
    with unit_of_work(sessions) as session:
        assert {(a.name, a.role) for a in list_accounts(session)} == {("root", "finance"), ("li.na", "admin")}
        changes = audit_page(session, AuditFilter(action="user.role")).rows
        assert [(r.actor, r.entity_key, r.after) for r in changes] == [
            ("li.na", "root", {"role": "finance"}), ("root", "li.na", {"role": "admin"})]


def test_saved_template_versions_cannot_be_changed_in_the_database(sessions: sessionmaker[Session],
                                                                    tmp_path: Path) -> None:
    user_dir = tmp_path / "templates"
    _, shipped = current_template(user_dir, "reminder", "en")
    with unit_of_work(sessions) as session:
        assert save_template(session, user_dir, "reminder", "en", shipped + "\nThank you.\n", actor="root") == 2
    with unit_of_work(sessions) as session:
        assert [v.version for v in template_versions(session, "reminder", "en")] == [2, 1]
    with pytest.raises(DBAPIError), unit_of_work(sessions) as session:
        session.execute(update(TemplateVersion).values(source="tampered"))


def test_the_audit_query_pages_newest_first_and_reads_a_prefix_literally(sessions: sessionmaker[Session]) -> None:
    with unit_of_work(sessions) as session:
        for n in range(7):
            audit.record(session, "root", "user_x.add" if n == 6 else "user.add", "user", f"u{n}")
    with unit_of_work(sessions) as session:
        first = audit_page(session, AuditFilter(actor="root"), page=1, per_page=3)
        last = audit_page(session, AuditFilter(actor="root"), page=3, per_page=3)
        assert first.total == 7 and first.pages == 3
        assert [r.entity_key for r in first.rows] == ["u6", "u5", "u4"] and [r.entity_key for r in last.rows] == ["u0"]
        assert [r.entity_key for r in audit_page(session, AuditFilter(action="user_")).rows] == ["u6"]
        assert audit_page(session, AuditFilter(action="user.", entity="debtor")).total == 0
