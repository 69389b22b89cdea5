"""The schema comes from Alembic migrations, reaches head, reruns as a no-op, and matches the models."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from receivables.storage.database import make_engine
from receivables.storage.scheduler_store import JOB_TABLE
from receivables.storage.schema import AREAS, all_tables
from receivables.storage.schema_version import current_revision, head_revision, upgrade_schema

EXPECTED_TABLES = {"company", "debtor", "contact", "contract", "receivable", "payment", "allocation", "audit_log"}


def test_upgrade_on_an_empty_database_reaches_head(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        assert current_revision(engine) is None
        before, after = upgrade_schema(engine)
        assert before is None
        assert after == head_revision()
        assert current_revision(engine) == head_revision()
        assert EXPECTED_TABLES <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_a_second_upgrade_is_a_no_op(engine: Engine) -> None:
    tables_before = set(inspect(engine).get_table_names())
    before, after = upgrade_schema(engine)
    assert before == after == head_revision()
    assert set(inspect(engine).get_table_names()) == tables_before


def _not_the_scheduler_job_table(name: str | None, type_: str, _parent: object) -> bool:
    # APScheduler creates and owns its job table (docs/decisions.md); no model or migration describes it.
    return not (type_ == "table" and name == JOB_TABLE)


def test_migrations_and_models_describe_the_same_schema(engine: Engine) -> None:
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

    # The job table as the scheduler leaves it after its first start: present, yet no difference.
    SQLAlchemyJobStore(engine=engine, tablename=JOB_TABLE).jobs_t.create(engine, checkfirst=True)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                                "compare_server_default": False,
                                                                "include_name": _not_the_scheduler_job_table})
        differences = compare_metadata(context, all_tables())
    assert differences == []


def test_the_open_items_index_leads_with_the_aging_group_debtor_and_currency(engine: Engine) -> None:
    indexes = {ix["name"]: ix for ix in inspect(engine).get_indexes("receivable")}
    assert indexes["ix_receivable_open_items"]["column_names"] == [
        "debtor_id", "currency", "due_date", "open_amount", "issue_date"]
    where = next(str(clause) for option, clause in indexes["ix_receivable_open_items"]["dialect_options"].items()
                 if option.endswith("_where"))
    assert "open_amount <>" in where


def test_the_release_head_revision_is_the_newest_migration_script():
    from receivables.storage.schema_version import alembic_head_revision

    assert head_revision() == alembic_head_revision()


def test_a_populated_database_of_an_older_release_upgrades_keeping_its_rows(database_url: str) -> None:
    """Later migrations rebuild tables that other rows point at (SQLite alters by copying the table)."""
    from sqlalchemy import text

    engine = make_engine(database_url)
    try:
        upgrade_schema(engine, "0005")
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO company (id, name, jurisdiction, is_default) "
                                    "VALUES (1, '华建工程有限公司', 'CN', true)"))
            connection.execute(text("INSERT INTO debtor (id, code, name, status, on_hold, reconciliation_frequency) "
                                    "VALUES (7, 'D7', '甲公司', 'active', false, 'none')"))
            connection.execute(text("INSERT INTO contact (id, debtor_id, name, role, stance, decision_maker, active, "
                                    "is_primary) VALUES (3, 7, '王会计', 'finance', 'unknown', false, true, false)"))
            connection.execute(text("INSERT INTO contract (id, company_id, debtor_id, number, kind, currency) "
                                    "VALUES (5, 1, 7, 'HT-1', 'sale', 'CNY')"))
        before, after = upgrade_schema(engine)
        assert (before, after) == ("0005", head_revision())
        with engine.connect() as connection:
            assert connection.execute(text("SELECT d.code, c.name, k.number FROM debtor d JOIN contact c ON "
                                           "c.debtor_id = d.id JOIN contract k ON k.debtor_id = d.id")).all() == [
                ("D7", "王会计", "HT-1")]
            if engine.dialect.name == "sqlite":  # enforcement is back on after the upgrade
                assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()


def test_every_schema_module_is_an_area_that_all_tables_registers() -> None:
    folder = Path(all_tables.__code__.co_filename).parent
    modules = {path.stem for path in folder.glob("*.py")} - {"__init__", "base"}
    assert set(AREAS) == modules


@pytest.mark.parametrize("area", AREAS)
def test_an_area_imported_alone_declares_every_table_its_foreign_keys_point_at(area: str) -> None:
    """An ORM flush sorts every declared table by its foreign keys; one pointing at an undeclared table fails."""
    probe = (f"import receivables.storage.schema.{area}\n"
             "from sqlalchemy.sql.util import sort_tables\n"
             "from receivables.storage.schema.base import Base\n"
             "print(len(sort_tables(Base.metadata.tables.values())))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr.strip().splitlines()[-1]
