"""ledger core

Revision ID: 0001
Revises: 
Create Date: 2026-11-29
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
import receivables.storage.types


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('entity', sa.String(length=40), nullable=False),
    sa.Column('entity_key', sa.String(length=200), nullable=True),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_entity_key'), ['entity_key'], unique=False)

    op.create_table('company',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=True),
    sa.Column('address', sa.String(length=400), nullable=True),
    sa.Column('phone', sa.String(length=60), nullable=True),
    sa.Column('jurisdiction', sa.String(length=8), nullable=False),
    sa.Column('is_default', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_company')),
    sa.UniqueConstraint('name', name=op.f('uq_company_name'))
    )
    op.create_table('debtor',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('credit_code', sa.String(length=18), nullable=True),
    sa.Column('address', sa.String(length=400), nullable=True),
    sa.Column('segment', sa.String(length=60), nullable=True),
    sa.Column('legal_representative', sa.String(length=100), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('on_hold', sa.Boolean(), nullable=False),
    sa.Column('reconciliation_frequency', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_debtor')),
    sa.UniqueConstraint('code', name=op.f('uq_debtor_code'))
    )
    with op.batch_alter_table('debtor', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_debtor_credit_code'), ['credit_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_debtor_name'), ['name'], unique=False)

    op.create_table('contact',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('debtor_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=True),
    sa.Column('phone', sa.String(length=60), nullable=True),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('address', sa.String(length=400), nullable=True),
    sa.Column('is_primary', sa.Boolean(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
    sa.ForeignKeyConstraint(['debtor_id'], ['debtor.id'], name=op.f('fk_contact_debtor_id_debtor')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact'))
    )
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_debtor_id'), ['debtor_id'], unique=False)

    op.create_table('contract',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('debtor_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('amount', receivables.storage.types.Amount(precision=18, scale=2), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('signed_on', sa.Date(), nullable=True),
    sa.Column('payment_terms_days', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_contract_company_id_company')),
    sa.ForeignKeyConstraint(['debtor_id'], ['debtor.id'], name=op.f('fk_contract_debtor_id_debtor')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract')),
    sa.UniqueConstraint('debtor_id', 'number', name=op.f('uq_contract_debtor_id_number'))
    )
    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contract_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contract_debtor_id'), ['debtor_id'], unique=False)

    op.create_table('payment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('debtor_id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=100), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('amount', receivables.storage.types.Amount(precision=18, scale=2), nullable=False),
    sa.Column('applies_to', sa.String(length=1000), nullable=True),
    sa.Column('reversed_on', sa.Date(), nullable=True),
    sa.Column('reversal_reason', sa.String(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_payment_amount_positive')),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_payment_company_id_company')),
    sa.ForeignKeyConstraint(['debtor_id'], ['debtor.id'], name=op.f('fk_payment_debtor_id_debtor')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment')),
    sa.UniqueConstraint('reference', name=op.f('uq_payment_reference'))
    )
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_debtor_id'), ['debtor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_received_on'), ['received_on'], unique=False)

    op.create_table('receivable',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('debtor_id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('issue_date', sa.Date(), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('amount', receivables.storage.types.Amount(precision=18, scale=2), nullable=False),
    sa.Column('open_amount', receivables.storage.types.Amount(precision=18, scale=2), nullable=False),
    sa.Column('dunning_block', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('created_at', sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
    sa.CheckConstraint("kind <> 'credit_note' OR amount <= 0", name=op.f('ck_receivable_credit_note_negative')),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_receivable_company_id_company')),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'], name=op.f('fk_receivable_contract_id_contract')),
    sa.ForeignKeyConstraint(['debtor_id'], ['debtor.id'], name=op.f('fk_receivable_debtor_id_debtor')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_receivable')),
    sa.UniqueConstraint('debtor_id', 'number', name=op.f('uq_receivable_debtor_id_number'))
    )
    with op.batch_alter_table('receivable', schema=None) as batch_op:
        batch_op.create_index('ix_receivable_contract_id', ['contract_id'], unique=False, sqlite_where=sa.text('contract_id IS NOT NULL'), postgresql_where=sa.text('contract_id IS NOT NULL'))
        batch_op.create_index('ix_receivable_open_items', ['due_date', 'debtor_id', 'currency', 'open_amount', 'issue_date'], unique=False, sqlite_where=sa.text('open_amount <> 0'), postgresql_where=sa.text('open_amount <> 0'))

    op.create_table('allocation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('receivable_id', sa.Integer(), nullable=False),
    sa.Column('amount', receivables.storage.types.Amount(precision=18, scale=2), nullable=False),
    sa.Column('applied_on', sa.Date(), nullable=False),
    sa.Column('reversed_on', sa.Date(), nullable=True),
    sa.CheckConstraint('amount > 0', name=op.f('ck_allocation_amount_positive')),
    sa.ForeignKeyConstraint(['payment_id'], ['payment.id'], name=op.f('fk_allocation_payment_id_payment')),
    sa.ForeignKeyConstraint(['receivable_id'], ['receivable.id'], name=op.f('fk_allocation_receivable_id_receivable')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_allocation'))
    )
    with op.batch_alter_table('allocation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_allocation_applied_on'), ['applied_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_allocation_payment_id'), ['payment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_allocation_receivable_id'), ['receivable_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_allocation_reversed_on'), ['reversed_on'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('allocation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_allocation_reversed_on'))
        batch_op.drop_index(batch_op.f('ix_allocation_receivable_id'))
        batch_op.drop_index(batch_op.f('ix_allocation_payment_id'))
        batch_op.drop_index(batch_op.f('ix_allocation_applied_on'))

    op.drop_table('allocation')
    with op.batch_alter_table('receivable', schema=None) as batch_op:
        batch_op.drop_index('ix_receivable_open_items', sqlite_where=sa.text('open_amount <> 0'), postgresql_where=sa.text('open_amount <> 0'))
        batch_op.drop_index('ix_receivable_contract_id', sqlite_where=sa.text('contract_id IS NOT NULL'), postgresql_where=sa.text('contract_id IS NOT NULL'))

    op.drop_table('receivable')
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_received_on'))
        batch_op.drop_index(batch_op.f('ix_payment_debtor_id'))
        batch_op.drop_index(batch_op.f('ix_payment_company_id'))

    op.drop_table('payment')
    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contract_debtor_id'))
        batch_op.drop_index(batch_op.f('ix_contract_company_id'))

    op.drop_table('contract')
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_debtor_id'))

    op.drop_table('contact')
    with op.batch_alter_table('debtor', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_debtor_name'))
        batch_op.drop_index(batch_op.f('ix_debtor_credit_code'))

    op.drop_table('debtor')
    op.drop_table('company')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_entity_key'))
        batch_op.drop_index(batch_op.f('ix_audit_log_at'))
        batch_op.drop_index(batch_op.f('ix_audit_log_action'))

    op.drop_table('audit_log')
