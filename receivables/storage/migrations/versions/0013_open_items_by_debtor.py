"""the open-items index ordered by debtor and currency first

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29

Aging by debtor groups open items by (debtor, currency). With those two columns leading the covering
index, PostgreSQL aggregates the index as it reads it (GroupAggregate) instead of hashing 300,000 items
into 20,000 groups: 0.50 s -> 0.22 s on the large demo. Index entries and size are unchanged.
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

_OPEN = sa.text('open_amount <> 0')
_BY_DEBTOR = ['debtor_id', 'currency', 'due_date', 'open_amount', 'issue_date']
_BY_DUE_DATE = ['due_date', 'debtor_id', 'currency', 'open_amount', 'issue_date']


def _replace_open_items_index(columns: list[str]) -> None:
    with op.batch_alter_table('receivable', schema=None) as batch_op:
        batch_op.drop_index('ix_receivable_open_items', sqlite_where=_OPEN, postgresql_where=_OPEN)
        batch_op.create_index('ix_receivable_open_items', columns, unique=False, sqlite_where=_OPEN,
                              postgresql_where=_OPEN)


def upgrade() -> None:
    _replace_open_items_index(_BY_DEBTOR)


def downgrade() -> None:
    _replace_open_items_index(_BY_DUE_DATE)
