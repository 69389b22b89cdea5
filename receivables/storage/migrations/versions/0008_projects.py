"""construction contracts, milestones, settlements, retention, collection targets

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
import receivables.storage.types


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def _amount() -> receivables.storage.types.Amount:
    return receivables.storage.types.Amount(precision=18, scale=2)


def _rate() -> receivables.storage.types.Rate:
    return receivables.storage.types.Rate(precision=12, scale=8)


def _created_at() -> sa.Column:
    return sa.Column('created_at', sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False)


def upgrade() -> None:
    op.create_table('construction_project',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('project', sa.String(length=200), nullable=True),
    sa.Column('project_manager', sa.String(length=100), nullable=True),
    sa.Column('retention_rate', _rate(), nullable=False),
    sa.Column('defect_liability_months', sa.Integer(), nullable=False),
    sa.Column('final_payment_days', sa.Integer(), nullable=True),
    sa.Column('retention_return_on', sa.Date(), nullable=True),
    sa.Column('completion_report_on', sa.Date(), nullable=True),
    sa.Column('accepted_on', sa.Date(), nullable=True),
    _created_at(),
    sa.CheckConstraint('defect_liability_months >= 0',
                       name=op.f('ck_construction_project_defect_liability_months_positive')),
    sa.CheckConstraint('final_payment_days >= 0', name=op.f('ck_construction_project_final_payment_days_positive')),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'], name=op.f('fk_construction_project_contract_id_contract')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_construction_project')),
    sa.UniqueConstraint('contract_id', name=op.f('uq_construction_project_contract_id'))
    )
    with op.batch_alter_table('construction_project', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_construction_project_project'), ['project'], unique=False)
        batch_op.create_index(batch_op.f('ix_construction_project_project_manager'), ['project_manager'], unique=False)

    op.create_table('contract_variation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=False),
    sa.Column('signed_on', sa.Date(), nullable=False),
    sa.Column('amount', _amount(), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=True),
    sa.Column('recorded_by', sa.String(length=100), nullable=False),
    _created_at(),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'], name=op.f('fk_contract_variation_contract_id_contract')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_variation')),
    sa.UniqueConstraint('contract_id', 'reference', name=op.f('uq_contract_variation_contract_id_reference'))
    )
    with op.batch_alter_table('contract_variation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contract_variation_contract_id'), ['contract_id'], unique=False)

    op.create_table('project_milestone',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=True),
    sa.Column('percent', _rate(), nullable=True),
    sa.Column('amount', _amount(), nullable=True),
    sa.Column('planned_on', sa.Date(), nullable=True),
    _created_at(),
    sa.CheckConstraint('percent IS NOT NULL OR amount IS NOT NULL', name=op.f('ck_project_milestone_percent_or_amount')),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'], name=op.f('fk_project_milestone_contract_id_contract')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_milestone')),
    sa.UniqueConstraint('contract_id', 'code', name=op.f('uq_project_milestone_contract_id_code'))
    )
    with op.batch_alter_table('project_milestone', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_project_milestone_contract_id'), ['contract_id'], unique=False)

    op.create_table('milestone_billing',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('milestone_id', sa.Integer(), nullable=False),
    sa.Column('receivable_id', sa.Integer(), nullable=False),
    sa.Column('billed_on', sa.Date(), nullable=False),
    sa.Column('amount', _amount(), nullable=False),
    sa.Column('due_rule', sa.String(length=300), nullable=False),
    sa.Column('recorded_by', sa.String(length=100), nullable=False),
    _created_at(),
    sa.ForeignKeyConstraint(['milestone_id'], ['project_milestone.id'],
                            name=op.f('fk_milestone_billing_milestone_id_project_milestone')),
    sa.ForeignKeyConstraint(['receivable_id'], ['receivable.id'], name=op.f('fk_milestone_billing_receivable_id_receivable')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_milestone_billing')),
    sa.UniqueConstraint('receivable_id', name=op.f('uq_milestone_billing_receivable_id'))
    )
    with op.batch_alter_table('milestone_billing', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_milestone_billing_milestone_id'), ['milestone_id'], unique=False)

    op.create_table('project_settlement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('settled_on', sa.Date(), nullable=False),
    sa.Column('settled_amount', _amount(), nullable=False),
    sa.Column('billed_amount', _amount(), nullable=False),
    sa.Column('retention_amount', _amount(), nullable=False),
    sa.Column('balance_amount', _amount(), nullable=False),
    sa.Column('balance_receivable_id', sa.Integer(), nullable=True),
    sa.Column('balance_due_on', sa.Date(), nullable=True),
    sa.Column('balance_due_rule', sa.String(length=300), nullable=True),
    sa.Column('retention_receivable_id', sa.Integer(), nullable=True),
    sa.Column('retention_due_on', sa.Date(), nullable=True),
    sa.Column('retention_due_rule', sa.String(length=500), nullable=True),
    sa.Column('retention_claim_on', sa.Date(), nullable=True),
    sa.Column('retention_claim_rule', sa.String(length=500), nullable=True),
    sa.Column('recorded_by', sa.String(length=100), nullable=False),
    _created_at(),
    sa.ForeignKeyConstraint(['balance_receivable_id'], ['receivable.id'],
                            name=op.f('fk_project_settlement_balance_receivable_id_receivable')),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'], name=op.f('fk_project_settlement_contract_id_contract')),
    sa.ForeignKeyConstraint(['retention_receivable_id'], ['receivable.id'],
                            name=op.f('fk_project_settlement_retention_receivable_id_receivable')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_project_settlement')),
    sa.UniqueConstraint('contract_id', name=op.f('uq_project_settlement_contract_id'))
    )

    op.create_table('collection_target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scope', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('period', sa.String(length=10), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('amount', _amount(), nullable=False),
    sa.Column('set_by', sa.String(length=100), nullable=False),
    _created_at(),
    sa.CheckConstraint("scope IN ('project', 'contract', 'collector', 'company')",
                       name=op.f('ck_collection_target_scope_known')),
    sa.CheckConstraint('amount >= 0', name=op.f('ck_collection_target_amount_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_collection_target')),
    sa.UniqueConstraint('scope', 'name', 'period', 'currency', name=op.f('uq_collection_target_scope_name_period_currency'))
    )


def downgrade() -> None:
    op.drop_table('collection_target')
    op.drop_table('project_settlement')
    with op.batch_alter_table('milestone_billing', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_milestone_billing_milestone_id'))
    op.drop_table('milestone_billing')
    with op.batch_alter_table('project_milestone', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_project_milestone_contract_id'))
    op.drop_table('project_milestone')
    with op.batch_alter_table('contract_variation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contract_variation_contract_id'))
    op.drop_table('contract_variation')
    with op.batch_alter_table('construction_project', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_construction_project_project_manager'))
        batch_op.drop_index(batch_op.f('ix_construction_project_project'))
    op.drop_table('construction_project')
