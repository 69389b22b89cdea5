"""legal cases and stages, recoveries, commissions, debtor credit events

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
import receivables.storage.types

from receivables.storage.append_only import allow_changes as _allow_changes
from receivables.storage.append_only import forbid_changes as _forbid_changes


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

# A case's history, the documents filed with it and the credit events are evidence: never changed.
APPEND_ONLY = ("legal_case_stage", "legal_case_document", "credit_event")


def upgrade() -> None:
    op.create_table('legal_case',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('debtor_id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('agent_kind', sa.String(length=10), nullable=False),
    sa.Column('agent_name', sa.String(length=200), nullable=False),
    sa.Column('law_firm_id', sa.Integer(), nullable=True),
    sa.Column('commission_rate', receivables.storage.types.Rate(precision=12, scale=8), nullable=False),
    sa.Column('stage', sa.String(length=30), nullable=False),
    sa.Column('stage_on', sa.Date(), nullable=False),
    sa.Column('outcome', sa.String(length=12), nullable=True),
    sa.Column('court', sa.String(length=200), nullable=True),
    sa.Column('case_number', sa.String(length=100), nullable=True),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('opened_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_legal_case_company_id_company')),
    sa.ForeignKeyConstraint(['debtor_id'], ['debtor.id'], name=op.f('fk_legal_case_debtor_id_debtor')),
    sa.ForeignKeyConstraint(['law_firm_id'], ['law_firm.id'], name=op.f('fk_legal_case_law_firm_id_law_firm')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_case'))
    )
    with op.batch_alter_table('legal_case', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_legal_case_debtor_id'), ['debtor_id'], unique=False)

    op.create_table('legal_case_item',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('receivable_id', sa.Integer(), nullable=False),
    sa.Column('referred_amount', receivables.storage.types.Amount(precision=18, scale=2), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['legal_case.id'], name=op.f('fk_legal_case_item_case_id_legal_case')),
    sa.ForeignKeyConstraint(['receivable_id'], ['receivable.id'],
                            name=op.f('fk_legal_case_item_receivable_id_receivable')),
    sa.PrimaryKeyConstraint('case_id', 'receivable_id', name=op.f('pk_legal_case_item'))
    )
    with op.batch_alter_table('legal_case_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_legal_case_item_receivable_id'), ['receivable_id'], unique=False)

    op.create_table('legal_case_stage',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.String(length=30), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('court', sa.String(length=200), nullable=True),
    sa.Column('case_number', sa.String(length=100), nullable=True),
    sa.Column('outcome', sa.String(length=12), nullable=True),
    sa.Column('note', sa.String(length=300), nullable=True),
    sa.Column('recorded_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['legal_case.id'], name=op.f('fk_legal_case_stage_case_id_legal_case')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_case_stage'))
    )
    with op.batch_alter_table('legal_case_stage', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_legal_case_stage_case_id'), ['case_id'], unique=False)

    op.create_table('legal_case_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stage_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('media_type', sa.String(length=60), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['stage_id'], ['legal_case_stage.id'],
                            name=op.f('fk_legal_case_document_stage_id_legal_case_stage')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_case_document'))
    )
    with op.batch_alter_table('legal_case_document', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_legal_case_document_stage_id'), ['stage_id'], unique=False)

    op.create_table('legal_case_recovery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('amount', receivables.storage.types.Amount(precision=18, scale=2), nullable=False),
    sa.Column('commission_rate', receivables.storage.types.Rate(precision=12, scale=8), nullable=False),
    sa.Column('commission', receivables.storage.types.Amount(precision=18, scale=2), nullable=False),
    sa.Column('recorded_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['legal_case.id'], name=op.f('fk_legal_case_recovery_case_id_legal_case')),
    sa.ForeignKeyConstraint(['payment_id'], ['payment.id'], name=op.f('fk_legal_case_recovery_payment_id_payment')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_case_recovery')),
    sa.UniqueConstraint('payment_id', name=op.f('uq_legal_case_recovery_payment_id'))
    )
    with op.batch_alter_table('legal_case_recovery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_legal_case_recovery_case_id'), ['case_id'], unique=False)

    op.create_table('credit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('debtor_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=True),
    sa.Column('recorded_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
    sa.ForeignKeyConstraint(['debtor_id'], ['debtor.id'], name=op.f('fk_credit_event_debtor_id_debtor')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_event'))
    )
    with op.batch_alter_table('credit_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_event_debtor_id'), ['debtor_id'], unique=False)

    with op.batch_alter_table('debtor', schema=None) as batch_op:
        batch_op.add_column(sa.Column('risk_flag', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('risk_flagged_on', sa.Date(), nullable=True))

    for table in APPEND_ONLY:
        _forbid_changes(table)


def downgrade() -> None:
    for table in APPEND_ONLY:
        _allow_changes(table)
    with op.batch_alter_table('debtor', schema=None) as batch_op:
        batch_op.drop_column('risk_flagged_on')
        batch_op.drop_column('risk_flag')
    op.drop_table('credit_event')
    op.drop_table('legal_case_recovery')
    op.drop_table('legal_case_document')
    op.drop_table('legal_case_stage')
    op.drop_table('legal_case_item')
    op.drop_table('legal_case')
