"""the debtor's personal links and their answers (inbox)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('debtor_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_sha256', sa.String(length=64), nullable=False),
    sa.Column('debtor_id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=True),
    sa.Column('created_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=False),
    sa.Column('revoked_on', sa.Date(), nullable=True),
    sa.Column('revoked_by', sa.String(length=100), nullable=True),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
    sa.ForeignKeyConstraint(['debtor_id'], ['debtor.id'], name=op.f('fk_debtor_link_debtor_id_debtor')),
    sa.ForeignKeyConstraint(['statement_id'], ['statement.id'], name=op.f('fk_debtor_link_statement_id_statement')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_debtor_link')),
    sa.UniqueConstraint('token_sha256', name=op.f('uq_debtor_link_token_sha256'))
    )
    with op.batch_alter_table('debtor_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_debtor_link_debtor_id'), ['debtor_id'], unique=False)

    op.create_table('debtor_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=False),
    sa.Column('debtor_id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('answered_at', sa.DateTime(), nullable=False),
    sa.Column('answered_on', sa.Date(), nullable=False),
    sa.Column('client_address', sa.String(length=64), nullable=False),
    sa.Column('signer', sa.String(length=100), nullable=True),
    sa.Column('record', sa.String(length=60), nullable=True),
    sa.Column('file_sha256', sa.String(length=64), nullable=True),
    sa.Column('file_name', sa.String(length=200), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('handled_at', sa.DateTime(), nullable=True),
    sa.Column('handled_by', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
    sa.ForeignKeyConstraint(['debtor_id'], ['debtor.id'], name=op.f('fk_debtor_answer_debtor_id_debtor')),
    sa.ForeignKeyConstraint(['link_id'], ['debtor_link.id'], name=op.f('fk_debtor_answer_link_id_debtor_link')),
    sa.ForeignKeyConstraint(['statement_id'], ['statement.id'],
                            name=op.f('fk_debtor_answer_statement_id_statement')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_debtor_answer'))
    )
    with op.batch_alter_table('debtor_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_debtor_answer_debtor_id'), ['debtor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_debtor_answer_link_id'), ['link_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('debtor_answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_debtor_answer_link_id'))
        batch_op.drop_index(batch_op.f('ix_debtor_answer_debtor_id'))
    op.drop_table('debtor_answer')
    with op.batch_alter_table('debtor_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_debtor_link_debtor_id'))
    op.drop_table('debtor_link')
