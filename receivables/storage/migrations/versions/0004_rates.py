"""rate fixings

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
import receivables.storage.types


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rate_fixing',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('series', sa.String(length=30), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('percent', receivables.storage.types.Rate(precision=12, scale=8), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=True),
    sa.Column('added_by', sa.String(length=100), nullable=False),
    sa.Column('added_at', sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rate_fixing')),
    sa.UniqueConstraint('series', 'effective_on', name=op.f('uq_rate_fixing_series_effective_on'))
    )


def downgrade() -> None:
    op.drop_table('rate_fixing')
