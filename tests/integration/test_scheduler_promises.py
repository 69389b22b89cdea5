"""The daily promise evaluation (SQLite and PostgreSQL): a kept promise records nothing, a broken one is
recorded once as `promise.broken`, and running again records nothing new."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from receivables.config import Settings
from receivables.services import promises
from receivables.services.promise_watch import evaluate_promises
from receivables.storage.database import unit_of_work
from receivables.storage.schema import AuditEntry


def broken_entries(sessions: sessionmaker[Session]) -> list[tuple[str, str | None, dict[str, Any] | None]]:
    with sessions() as session:
        rows = session.execute(select(AuditEntry.actor, AuditEntry.entity_key, AuditEntry.after)
                               .where(AuditEntry.action == "promise.broken").order_by(AuditEntry.id)).all()
    return [(actor, key, after) for actor, key, after in rows]


def test_a_broken_promise_is_recorded_once_and_a_kept_one_not_at_all(
        ledger: sessionmaker[Session], database_url: str, tmp_path: Path,
        import_file: Callable[..., Any], write_csv: Callable[..., Path]) -> None:
    for kind, header, rows in (
        ("debtors", ["code", "name"], [["HD", "华东建设集团"], ["XB", "西北贸易公司"]]),
        ("invoices", ["debtor", "number", "issue_date", "due_date", "amount"],
         [["HD", "A-1", "2026-01-01", "2026-01-31", "1000.00"], ["XB", "B-1", "2026-01-01", "2026-01-31", "800.00"]]),
        ("payments", ["debtor", "reference", "date", "amount"], [["HD", "P-1", "2026-03-16", "200.00"]]),
    ):
        assert import_file(kind, write_csv(f"{kind}.csv", header, rows)).committed
    with unit_of_work(ledger) as session:
        kept = promises.add_promise(session, "HD", amount=Decimal("200.00"), promised_on=date(2026, 3, 15),
                                    as_of=date(2026, 3, 10), actor="alice")
        broken = promises.add_promise(session, "XB", amount=Decimal("800.00"), promised_on=date(2026, 3, 20),
                                      as_of=date(2026, 3, 10), actor="alice")
        promises.add_promise(session, "XB", amount=Decimal("100.00"), promised_on=date(2026, 4, 30),
                             as_of=date(2026, 3, 10), actor="alice")
    settings = Settings(home=tmp_path, database_url=database_url, user="alice")

    # On the promised day plus grace (3 days) the broken one is not yet judged.
    assert evaluate_promises(ledger, settings, date(2026, 3, 23), "scheduler").startswith(
        "promises 2026-03-23: 0 newly broken, 0 broken earlier, 1 kept, 0 partly kept, 2 pending")
    assert broken_entries(ledger) == []

    summary = evaluate_promises(ledger, settings, date(2026, 3, 24), "scheduler")
    assert summary.startswith("promises 2026-03-24: 1 newly broken, 0 broken earlier, 1 kept, 0 partly kept, 1 pending")
    [(actor, key, after)] = broken_entries(ledger)
    assert (actor, key) == ("scheduler", f"XB#{broken.id}") and kept.id != broken.id
    assert after is not None and after["amount"] == "800.00" and after["deadline"] == "2026-03-23"
    assert after["promised_on"] == "2026-03-20" and "next_step" in after

    again = evaluate_promises(ledger, settings, date(2026, 3, 25), "scheduler")
    assert again.startswith("promises 2026-03-25: 0 newly broken, 1 broken earlier, 1 kept")
    assert len(broken_entries(ledger)) == 1
