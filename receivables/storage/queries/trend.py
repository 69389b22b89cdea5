"""Ledger-wide daily totals per currency (billed, received net of reversals), for trends over time."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from receivables.storage.schema import Payment, Receivable

DailyTotals = dict[str, dict[date, Decimal]]
"""currency -> day -> amount"""


def daily_billed(session: Session, last: date) -> DailyTotals:
    """What was billed each day up to `last` (credit notes net), per currency: one grouped scan."""
    rows = session.execute(
        select(Receivable.currency, Receivable.issue_date, func.sum(Receivable.amount))
        .where(Receivable.issue_date <= last)
        .group_by(Receivable.currency, Receivable.issue_date)
    )
    totals: DailyTotals = defaultdict(dict)
    for currency, day, amount in rows:
        totals[currency][day] = amount
    return dict(totals)


def daily_received(session: Session, last: date) -> DailyTotals:
    """What was received each day up to `last`, per currency; a reversal counts negative on its own day."""
    received = select(Payment.currency, Payment.received_on, func.sum(Payment.amount)).where(
        Payment.received_on <= last).group_by(Payment.currency, Payment.received_on)
    reversed_ = select(Payment.currency, Payment.reversed_on, func.sum(Payment.amount)).where(
        Payment.reversed_on.is_not(None), Payment.reversed_on <= last).group_by(Payment.currency, Payment.reversed_on)
    totals: DailyTotals = defaultdict(dict)
    for currency, day, amount in session.execute(received):
        totals[currency][day] = amount
    for currency, day, amount in session.execute(reversed_):
        totals[currency][day] = totals[currency].get(day, Decimal(0)) - amount
    return dict(totals)
