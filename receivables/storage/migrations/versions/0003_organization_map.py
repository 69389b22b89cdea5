"""organization map

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa
import receivables.storage.types


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('contact_hygiene',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('debtor_id', sa.Integer(), nullable=True),
    sa.Column('hours_from', sa.String(length=5), nullable=False),
    sa.Column('hours_to', sa.String(length=5), nullable=False),
    sa.Column('max_per_day', sa.Integer(), nullable=False),
    sa.Column('max_per_week', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
    sa.ForeignKeyConstraint(['debtor_id'], ['debtor.id'], name=op.f('fk_contact_hygiene_debtor_id_debtor')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_hygiene')),
    sa.UniqueConstraint('debtor_id', name=op.f('uq_contact_hygiene_debtor_id'))
    )
    op.create_table('dispute',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('debtor_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=10), server_default='open', nullable=False),
    sa.Column('resolution', sa.String(length=20), nullable=True),
    sa.Column('resolved_on', sa.Date(), nullable=True),
    sa.Column('resolution_note', sa.String(length=300), nullable=True),
    sa.Column('opened_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], name=op.f('fk_dispute_contact_id_contact')),
    sa.ForeignKeyConstraint(['debtor_id'], ['debtor.id'], name=op.f('fk_dispute_debtor_id_debtor')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dispute'))
    )
    with op.batch_alter_table('dispute', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dispute_debtor_id'), ['debtor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dispute_status'), ['status'], unique=False)

    op.create_table('interaction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('debtor_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('direction', sa.String(length=10), nullable=False),
    sa.Column('occurred_at', sa.DateTime(), nullable=False),
    sa.Column('user_name', sa.String(length=100), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('outcome', sa.String(length=300), nullable=True),
    sa.Column('next_step', sa.String(length=300), nullable=True),
    sa.Column('next_step_on', sa.Date(), nullable=True),
    sa.Column('override_reason', sa.String(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], name=op.f('fk_interaction_contact_id_contact')),
    sa.ForeignKeyConstraint(['debtor_id'], ['debtor.id'], name=op.f('fk_interaction_debtor_id_debtor')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interaction'))
    )
    with op.batch_alter_table('interaction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_interaction_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_interaction_debtor_id'), ['debtor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_interaction_occurred_at'), ['occurred_at'], unique=False)

    op.create_table('promise',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('debtor_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=True),
    sa.Column('amount', receivables.storage.types.Amount(precision=18, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('promised_on', sa.Date(), nullable=False),
    sa.Column('made_on', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=True),
    sa.Column('recorded_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_promise_amount_positive')),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], name=op.f('fk_promise_contact_id_contact')),
    sa.ForeignKeyConstraint(['debtor_id'], ['debtor.id'], name=op.f('fk_promise_debtor_id_debtor')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_promise'))
    )
    with op.batch_alter_table('promise', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_promise_debtor_id'), ['debtor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_promise_promised_on'), ['promised_on'], unique=False)

    op.create_table('dispute_item',
    sa.Column('dispute_id', sa.Integer(), nullable=False),
    sa.Column('receivable_id', sa.Integer(), nullable=False),
    sa.Column('disputed_amount', receivables.storage.types.Amount(precision=18, scale=2), nullable=False),
    sa.CheckConstraint('disputed_amount > 0', name=op.f('ck_dispute_item_disputed_amount_positive')),
    sa.ForeignKeyConstraint(['dispute_id'], ['dispute.id'], name=op.f('fk_dispute_item_dispute_id_dispute')),
    sa.ForeignKeyConstraint(['receivable_id'], ['receivable.id'], name=op.f('fk_dispute_item_receivable_id_receivable')),
    sa.PrimaryKeyConstraint('dispute_id', 'receivable_id', name=op.f('pk_dispute_item'))
    )
    with op.batch_alter_table('dispute_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dispute_item_receivable_id'), ['receivable_id'], unique=False)

    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.add_column(sa.Column('department', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('mobile', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('stance', sa.String(length=20), server_default='unknown', nullable=False))
        batch_op.add_column(sa.Column('reports_to_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('decision_maker', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('preferred_channel', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('hours_from', sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column('hours_to', sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False))
        batch_op.create_index(batch_op.f('ix_contact_reports_to_id'), ['reports_to_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_contact_reports_to_id_contact'), 'contact', ['reports_to_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_contact_reports_to_id_contact'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_contact_reports_to_id'))
        batch_op.drop_column('updated_at')
        batch_op.drop_column('active')
        batch_op.drop_column('hours_to')
        batch_op.drop_column('hours_from')
        batch_op.drop_column('preferred_channel')
        batch_op.drop_column('decision_maker')
        batch_op.drop_column('reports_to_id')
        batch_op.drop_column('stance')
        batch_op.drop_column('mobile')
        batch_op.drop_column('department')

    with op.batch_alter_table('dispute_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dispute_item_receivable_id'))

    op.drop_table('dispute_item')
    with op.batch_alter_table('promise', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_promise_promised_on'))
        batch_op.drop_index(batch_op.f('ix_promise_debtor_id'))

    op.drop_table('promise')
    with op.batch_alter_table('interaction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_interaction_occurred_at'))
        batch_op.drop_index(batch_op.f('ix_interaction_debtor_id'))
        batch_op.drop_index(batch_op.f('ix_interaction_contact_id'))

    op.drop_table('interaction')
    with op.batch_alter_table('dispute', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dispute_status'))
        batch_op.drop_index(batch_op.f('ix_dispute_debtor_id'))

    op.drop_table('dispute')
    op.drop_table('contact_hygiene')
