"""delivery evidence on letters, law firms, limitation events

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

from receivables.storage.append_only import allow_changes as _allow_changes
from receivables.storage.append_only import forbid_changes as _forbid_changes


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('letter_delivery',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('letter_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('recipient', sa.String(length=300), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.Column('message_id', sa.String(length=300), nullable=True),
    sa.Column('tracking_number', sa.String(length=100), nullable=True),
    sa.Column('delivered_on', sa.Date(), nullable=True),
    sa.Column('signed_by', sa.String(length=100), nullable=True),
    sa.Column('proof_sha256', sa.String(length=64), nullable=True),
    sa.Column('proof_media_type', sa.String(length=60), nullable=True),
    sa.Column('proof_name', sa.String(length=200), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('recorded_by', sa.String(length=100), nullable=False),
    sa.Column('recorded_at', sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
    sa.ForeignKeyConstraint(['letter_id'], ['letter.id'], name=op.f('fk_letter_delivery_letter_id_letter')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_letter_delivery'))
    )
    with op.batch_alter_table('letter_delivery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_letter_delivery_letter_id'), ['letter_id'], unique=False)

    op.create_table('limitation_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('debtor_id', sa.Integer(), nullable=False),
    sa.Column('receivable_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('source', sa.String(length=60), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=True),
    sa.Column('recorded_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
    sa.ForeignKeyConstraint(['debtor_id'], ['debtor.id'], name=op.f('fk_limitation_event_debtor_id_debtor')),
    sa.ForeignKeyConstraint(['receivable_id'], ['receivable.id'],
                            name=op.f('fk_limitation_event_receivable_id_receivable')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_limitation_event'))
    )
    with op.batch_alter_table('limitation_event', schema=None) as batch_op:
        batch_op.create_index('ix_limitation_event_debtor_id_occurred_on', ['debtor_id', 'occurred_on'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_limitation_event_receivable_id'), ['receivable_id'], unique=False)

    op.create_table('law_firm',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=400), nullable=True),
    sa.Column('lawyer', sa.String(length=100), nullable=True),
    sa.Column('licence_number', sa.String(length=60), nullable=True),
    sa.Column('phone', sa.String(length=60), nullable=True),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('created_at', sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_law_firm')),
    sa.UniqueConstraint('name', name=op.f('uq_law_firm_name'))
    )

    for table in APPEND_ONLY:
        _forbid_changes(table)


# Delivery facts and limitation events are evidence, like letters: the database refuses to change them.
APPEND_ONLY = ("letter_delivery", "limitation_event")


def downgrade() -> None:
    for table in APPEND_ONLY:
        _allow_changes(table)
    op.drop_table('law_firm')
    op.drop_table('limitation_event')
    op.drop_table('letter_delivery')
