"""web administration: template versions, audit log filter indexes

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

from receivables.storage.append_only import allow_changes as _allow_changes
from receivables.storage.append_only import forbid_changes as _forbid_changes


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('template_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=60), nullable=False),
    sa.Column('locale', sa.String(length=10), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('origin', sa.String(length=10), nullable=False),
    sa.Column('restored_from', sa.Integer(), nullable=True),
    sa.Column('saved_by', sa.String(length=100), nullable=False),
    sa.Column('saved_at', sa.DateTime(), server_default=sa.func.current_timestamp(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_template_version')),
    sa.UniqueConstraint('name', 'locale', 'version', name=op.f('uq_template_version_name_locale_version'))
    )
    # Earlier versions are the record of what letters said: the database refuses to change them.
    _forbid_changes('template_version')
    op.create_index('ix_audit_log_actor_at', 'audit_log', ['actor', 'at'], unique=False)
    op.create_index('ix_audit_log_entity_at', 'audit_log', ['entity', 'at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_audit_log_entity_at', table_name='audit_log')
    op.drop_index('ix_audit_log_actor_at', table_name='audit_log')
    _allow_changes('template_version')
    op.drop_table('template_version')
