"""The dashboard's DSO trend agrees, on every month end, with the debtors' own accounts on that day."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from receivables.domain.statistics import days_sales_outstanding
from receivables.services.demo import load_demo
from receivables.services.overview import compute_dso_trend
from receivables.services.reports import debtor_account
from receivables.services.setup import initialise
from receivables.storage.queries.debtors import debtor_sales
from receivables.storage.schema import Debtor

AS_OF = date(2026, 6, 30)


def test_each_point_is_the_sum_of_debtor_balances_over_the_sum_of_their_billing(
        engine: Engine, sessions: sessionmaker[Session]) -> None:
    initialise(engine, sessions, actor="test")
    load_demo(sessions, size="small", as_of=AS_OF, actor="test")
    with sessions() as session:
        trend = compute_dso_trend(session, AS_OF)
        debtors = session.execute(select(Debtor.id, Debtor.code)).all()
        for point_index in (0, 6, 11):
            day = trend["CNY"][point_index].on
            balance, sales = defaultdict(Decimal), defaultdict(Decimal)
            for debtor_id, code in debtors:
                for b in debtor_account(session, code, day).balances:
                    balance[b.currency] += b.balance
                for currency, amount in debtor_sales(session, debtor_id, day).items():
                    sales[currency] += amount
            for currency, points in trend.items():
                point = points[point_index]
                assert (point.balance, point.sales_in_window) == (balance[currency], sales[currency]), (currency, day)
                assert point.dso_days == days_sales_outstanding(balance[currency], sales[currency])
    assert [p.on for p in trend["CNY"]][-2:] == [date(2026, 5, 31), date(2026, 6, 30)]
    assert len(trend["CNY"]) == 12
