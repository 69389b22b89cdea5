"""dunning policies, levels, runs, proposals, actions, call tasks; interest rules

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

from receivables.storage.types import Amount


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def _amount() -> Amount:
    return Amount(precision=18, scale=2)


def _now(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False)


def upgrade() -> None:
    op.create_table('dunning_policy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=True),
    sa.Column('segments', sa.String(length=400), server_default='', nullable=False),
    sa.Column('is_default', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('updated_by', sa.String(length=100), nullable=False),
    _now('updated_at'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dunning_policy')),
    sa.UniqueConstraint('name', name=op.f('uq_dunning_policy_name'))
    )
    op.create_table('dunning_level',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('policy_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('min_amount', _amount(), nullable=False),
    sa.Column('min_days_since_previous', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('template', sa.String(length=60), nullable=True),
    sa.Column('roles', sa.String(length=200), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('fees', sa.JSON(), nullable=False),
    sa.Column('approver', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['policy_id'], ['dunning_policy.id'], name=op.f('fk_dunning_level_policy_id_dunning_policy')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dunning_level')),
    sa.UniqueConstraint('policy_id', 'number', name=op.f('uq_dunning_level_policy_id_number'))
    )
    op.create_table('dunning_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    _now('created_at'),
    sa.Column('executed_by', sa.String(length=100), nullable=True),
    sa.Column('executed_at', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dunning_run'))
    )
    with op.batch_alter_table('dunning_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dunning_run_as_of'), ['as_of'], unique=False)

    op.create_table('dunning_proposal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('debtor_id', sa.Integer(), nullable=False),
    sa.Column('policy_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('level_name', sa.String(length=60), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('template', sa.String(length=60), nullable=True),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('approver', sa.String(length=20), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('open_amount', _amount(), nullable=False),
    sa.Column('interest', _amount(), nullable=False),
    sa.Column('fees', _amount(), nullable=False),
    sa.Column('recipients', sa.JSON(), nullable=False),
    sa.Column('gaps', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('approved_by', sa.String(length=100), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['debtor_id'], ['debtor.id'], name=op.f('fk_dunning_proposal_debtor_id_debtor')),
    sa.ForeignKeyConstraint(['policy_id'], ['dunning_policy.id'],
                            name=op.f('fk_dunning_proposal_policy_id_dunning_policy')),
    sa.ForeignKeyConstraint(['run_id'], ['dunning_run.id'], name=op.f('fk_dunning_proposal_run_id_dunning_run')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dunning_proposal')),
    sa.UniqueConstraint('run_id', 'debtor_id', 'currency', 'level',
                        name=op.f('uq_dunning_proposal_run_id_debtor_id_currency_level'))
    )
    with op.batch_alter_table('dunning_proposal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dunning_proposal_debtor_id'), ['debtor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dunning_proposal_run_id'), ['run_id'], unique=False)

    op.create_table('dunning_proposal_item',
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('receivable_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['dunning_proposal.id'],
                            name=op.f('fk_dunning_proposal_item_proposal_id_dunning_proposal')),
    sa.ForeignKeyConstraint(['receivable_id'], ['receivable.id'],
                            name=op.f('fk_dunning_proposal_item_receivable_id_receivable')),
    sa.PrimaryKeyConstraint('proposal_id', 'receivable_id', name=op.f('pk_dunning_proposal_item'))
    )
    op.create_table('dunning_approval',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('approved_by', sa.String(length=100), nullable=False),
    sa.Column('roles', sa.JSON(), nullable=False),
    sa.Column('excluded', sa.JSON(), nullable=False),
    _now('approved_at'),
    sa.ForeignKeyConstraint(['run_id'], ['dunning_run.id'], name=op.f('fk_dunning_approval_run_id_dunning_run')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dunning_approval'))
    )
    with op.batch_alter_table('dunning_approval', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dunning_approval_run_id'), ['run_id'], unique=False)

    op.create_table('dunning_action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('debtor_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('letter_id', sa.Integer(), nullable=True),
    sa.Column('recipient', sa.String(length=300), nullable=True),
    sa.Column('subject', sa.String(length=300), nullable=True),
    sa.Column('body', sa.Text(), nullable=True),
    sa.Column('message_id', sa.String(length=300), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('actor', sa.String(length=100), nullable=False),
    _now('created_at'),
    sa.ForeignKeyConstraint(['debtor_id'], ['debtor.id'], name=op.f('fk_dunning_action_debtor_id_debtor')),
    sa.ForeignKeyConstraint(['letter_id'], ['letter.id'], name=op.f('fk_dunning_action_letter_id_letter')),
    sa.ForeignKeyConstraint(['proposal_id'], ['dunning_proposal.id'],
                            name=op.f('fk_dunning_action_proposal_id_dunning_proposal')),
    sa.ForeignKeyConstraint(['run_id'], ['dunning_run.id'], name=op.f('fk_dunning_action_run_id_dunning_run')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dunning_action')),
    sa.UniqueConstraint('key', name=op.f('uq_dunning_action_key'))
    )
    with op.batch_alter_table('dunning_action', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dunning_action_debtor_id'), ['debtor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dunning_action_proposal_id'), ['proposal_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dunning_action_run_id'), ['run_id'], unique=False)

    op.create_table('dunning_task',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('debtor_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('assigned_to', sa.String(length=100), nullable=True),
    sa.Column('contacts', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=10), server_default='open', nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    _now('created_at'),
    sa.ForeignKeyConstraint(['action_id'], ['dunning_action.id'], name=op.f('fk_dunning_task_action_id_dunning_action')),
    sa.ForeignKeyConstraint(['debtor_id'], ['debtor.id'], name=op.f('fk_dunning_task_debtor_id_debtor')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dunning_task')),
    sa.UniqueConstraint('action_id', name=op.f('uq_dunning_task_action_id'))
    )
    with op.batch_alter_table('dunning_task', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dunning_task_debtor_id'), ['debtor_id'], unique=False)

    with op.batch_alter_table('debtor', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dunning_level', sa.Integer(), server_default=sa.text('0'), nullable=False))
        batch_op.add_column(sa.Column('dunning_stepped_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('dunning_policy_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('collector', sa.String(length=100), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_debtor_dunning_policy_id_dunning_policy'), 'dunning_policy',
                                    ['dunning_policy_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_debtor_collector'), ['collector'], unique=False)
    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.add_column(sa.Column('interest_rule', sa.String(length=60), nullable=True))
    with op.batch_alter_table('company', schema=None) as batch_op:
        batch_op.add_column(sa.Column('default_interest_rule', sa.String(length=60), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('company', schema=None) as batch_op:
        batch_op.drop_column('default_interest_rule')
    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.drop_column('interest_rule')
    with op.batch_alter_table('debtor', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_debtor_collector'))
        batch_op.drop_constraint(batch_op.f('fk_debtor_dunning_policy_id_dunning_policy'), type_='foreignkey')
        batch_op.drop_column('collector')
        batch_op.drop_column('dunning_policy_id')
        batch_op.drop_column('dunning_stepped_on')
        batch_op.drop_column('dunning_level')
    with op.batch_alter_table('dunning_task', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dunning_task_debtor_id'))
    op.drop_table('dunning_task')
    with op.batch_alter_table('dunning_action', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dunning_action_run_id'))
        batch_op.drop_index(batch_op.f('ix_dunning_action_proposal_id'))
        batch_op.drop_index(batch_op.f('ix_dunning_action_debtor_id'))
    op.drop_table('dunning_action')
    with op.batch_alter_table('dunning_approval', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dunning_approval_run_id'))
    op.drop_table('dunning_approval')
    op.drop_table('dunning_proposal_item')
    with op.batch_alter_table('dunning_proposal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dunning_proposal_run_id'))
        batch_op.drop_index(batch_op.f('ix_dunning_proposal_debtor_id'))
    op.drop_table('dunning_proposal')
    with op.batch_alter_table('dunning_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dunning_run_as_of'))
    op.drop_table('dunning_run')
    op.drop_table('dunning_level')
    op.drop_table('dunning_policy')
