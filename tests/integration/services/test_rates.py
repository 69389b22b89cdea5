"""Rate fixings in the database (SQLite and PostgreSQL): adding, refusing, auditing, merging with the shipped tables."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from receivables.domain.interest import late_interest, parse_rule
from receivables.services.rates import RateRefused, add_fixing, has_rate_table, list_fixings, load_series, \
    shipped_series
from receivables.storage.database import unit_of_work
from receivables.storage.schema import AuditEntry, RateFixing

D = Decimal


def add(sessions: sessionmaker[Session], series: str, day: str, percent: str, source: str | None = None) -> None:
    with unit_of_work(sessions) as session:
        add_fixing(session, series, date.fromisoformat(day), D(percent), actor="tester", source=source)


def test_the_table_exists_after_migration(engine: Engine) -> None:
    assert has_rate_table(engine)


def test_an_added_fixing_is_stored_exactly_audited_and_merged(sessions: sessionmaker[Session]) -> None:
    add(sessions, "cn_lpr_1y", "2026-08-20", "2.95", "NIFC 2026-08-20")
    add(sessions, "ecb_mro", "2026-09-10", "1.23456789")
    add(sessions, "de_basiszins", "2027-01-01", "-0.50")
    with sessions() as session:
        rows = {(r.series, r.percent) for r in session.execute(select(RateFixing)).scalars()}
        assert rows == {("cn_lpr_1y", D("2.95")), ("ecb_mro", D("1.23456789")), ("de_basiszins", D("-0.5"))}
        audit = session.execute(select(AuditEntry).where(AuditEntry.action == "rate.add")
                                .order_by(AuditEntry.id)).scalars().all()
        assert [a.entity_key for a in audit] == ["cn_lpr_1y@2026-08-20", "ecb_mro@2026-09-10",
                                                 "de_basiszins@2027-01-01"]
        assert audit[0].actor == "tester" and audit[0].after is not None
        assert audit[0].after["source"] == "NIFC 2026-08-20"
        merged = load_series(session)
    lpr = merged["cn_lpr_1y"]
    assert lpr.fixing_on(date(2026, 8, 19)).percent == D("3.00")
    added = lpr.fixing_on(date(2026, 8, 20))
    assert (added.percent, added.origin, added.source) == (D("2.95"), "user", "NIFC 2026-08-20")
    assert merged["ecb_mro"].fixing_on(date(2026, 9, 10)).percent == D("1.23456789")
    assert merged["de_basiszins"].fixing_on(date(2027, 1, 1)).percent == D("-0.50")
    assert len(lpr.fixings) == len(shipped_series()["cn_lpr_1y"].fixings) + 1


def test_duplicates_and_unknown_series_are_refused_and_nothing_is_written(sessions: sessionmaker[Session]) -> None:
    add(sessions, "boe_base", "2026-02-05", "3.50")
    for series, day, message in [("boe_base", "2026-02-05", "already has a fixing on 2026-02-05: 3.50% (user)"),
                                 ("boe_base", "2025-12-18", "already has a fixing on 2025-12-18: 3.75% (shipped)"),
                                 ("fed_funds", "2026-01-01", "unknown rate series 'fed_funds'")]:
        with pytest.raises(RateRefused, match=re.escape(message)):
            add(sessions, series, day, "1.00")
    with sessions() as session:
        assert len(session.execute(select(RateFixing)).scalars().all()) == 1
        assert len(session.execute(select(AuditEntry).where(AuditEntry.action == "rate.add")).scalars().all()) == 1


def test_listing_marks_the_origin_and_filters_by_series(sessions: sessionmaker[Session]) -> None:
    add(sessions, "boe_base", "2026-02-05", "3.50")
    with sessions() as session:
        views = list_fixings(session, "boe_base")
        everything = list_fixings(session)
        with pytest.raises(RateRefused, match="unknown rate series"):
            list_fixings(session, "nope")
    assert {v.series for v in views} == {"boe_base"}
    assert views[-1].effective_on == date(2026, 2, 5) and views[-1].origin == "user"
    assert views[-1].added_by == "tester" and views[0].origin == "shipped" and views[0].added_by is None
    assert {v.series for v in everything} == {"cn_lpr_1y", "boe_base", "de_basiszins", "ecb_mro"}
    assert [v.effective_on for v in list_fixings(None, "boe_base")] == [v.effective_on for v in views[:-1]]


def test_interest_splits_at_a_fixing_added_by_a_user(sessions: sessionmaker[Session]) -> None:
    add(sessions, "cn_lpr_1y", "2026-08-20", "2.95")
    with sessions() as session:
        rates = load_series(session)
    result = late_interest(D("100000.00"), date(2026, 8, 1), date(2026, 9, 30), parse_rule("lpr-floating:1.5"),
                           rates=rates)
    assert [(s.first, s.days, s.rate) for s in result.segments] == [
        (date(2026, 8, 1), 19, D("0.045")), (date(2026, 8, 20), 42, D("0.04425"))]
    assert result.total == D("234.25") + D("509.18")
    assert any("added by a user" in note for note in result.assumptions)
