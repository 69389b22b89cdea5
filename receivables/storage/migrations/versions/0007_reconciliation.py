"""statements of account, deliveries, responses; reconciliation schedule

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

from receivables.storage.types import Amount


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('debtor', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reconciliation_day', sa.Integer(), server_default=sa.text('1'),
                                      nullable=False))

    op.create_table('statement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('letter_id', sa.Integer(), nullable=False),
    sa.Column('debtor_id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('opening_balance', Amount(precision=18, scale=2), nullable=False),
    sa.Column('closing_balance', Amount(precision=18, scale=2), nullable=False),
    sa.Column('movement_count', sa.Integer(), nullable=False),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('reply_due_on', sa.Date(), nullable=False),
    sa.Column('delivery', sa.String(length=10), nullable=False),
    sa.Column('issued_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_statement_company_id_company')),
    sa.ForeignKeyConstraint(['debtor_id'], ['debtor.id'], name=op.f('fk_statement_debtor_id_debtor')),
    sa.ForeignKeyConstraint(['letter_id'], ['letter.id'], name=op.f('fk_statement_letter_id_letter')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statement')),
    sa.UniqueConstraint('company_id', 'debtor_id', 'currency', 'period_start', 'period_end',
                        name=op.f('uq_statement_company_id_debtor_id_currency_period_start_period_end')),
    sa.UniqueConstraint('letter_id', name=op.f('uq_statement_letter_id'))
    )
    with op.batch_alter_table('statement', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statement_debtor_id'), ['debtor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_statement_issued_on'), ['issued_on'], unique=False)

    op.create_table('statement_response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('responded_on', sa.Date(), nullable=False),
    sa.Column('signer', sa.String(length=100), nullable=True),
    sa.Column('their_balance', Amount(precision=18, scale=2), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('slip_sha256', sa.String(length=64), nullable=True),
    sa.Column('slip_media_type', sa.String(length=60), nullable=True),
    sa.Column('slip_name', sa.String(length=200), nullable=True),
    sa.Column('recorded_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
    sa.ForeignKeyConstraint(['statement_id'], ['statement.id'],
                            name=op.f('fk_statement_response_statement_id_statement')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statement_response')),
    sa.UniqueConstraint('statement_id', name=op.f('uq_statement_response_statement_id'))
    )


def downgrade() -> None:
    op.drop_table('statement_response')
    with op.batch_alter_table('statement', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statement_issued_on'))
        batch_op.drop_index(batch_op.f('ix_statement_debtor_id'))
    op.drop_table('statement')
    with op.batch_alter_table('debtor', schema=None) as batch_op:
        batch_op.drop_column('reconciliation_day')
