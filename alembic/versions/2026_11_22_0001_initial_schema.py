"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-22

Every table of the foundation. The audit log is append-only: a trigger refuses UPDATE and DELETE.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY_FUNCTION = """
CREATE FUNCTION escalation_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'escalation_events is append-only (% refused)', TG_OP;
END;
$$
"""


def upgrade() -> None:
    op.create_table('agents',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('webhook_secret', sa.Text(), nullable=False),
    sa.Column('disabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('reviewers',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('email', sa.Text(), nullable=False),
    sa.Column('display_name', sa.Text(), nullable=False),
    sa.Column('password_hash', sa.Text(), nullable=False),
    sa.Column('role', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('assignment_seq', sa.BigInteger(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('reviewer', 'manager', 'admin')", name='ck_reviewers_role'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('email')
    )
    op.create_table('api_keys',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('prefix', sa.Text(), nullable=False),
    sa.Column('key_hash', sa.Text(), nullable=False),
    sa.Column('agent_id', sa.Uuid(), nullable=True),
    sa.Column('reviewer_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('num_nonnulls(agent_id, reviewer_id) = 1', name='ck_api_keys_one_owner'),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewer_id'], ['reviewers.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('prefix')
    )
    op.create_index(op.f('ix_api_keys_agent_id'), 'api_keys', ['agent_id'], unique=False)
    op.create_index(op.f('ix_api_keys_reviewer_id'), 'api_keys', ['reviewer_id'], unique=False)
    op.create_table('escalations',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('source_agent', sa.Text(), nullable=False),
    sa.Column('issue_description', sa.Text(), nullable=False),
    sa.Column('priority', sa.Text(), nullable=False),
    sa.Column('context_data', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('status', sa.Text(), nullable=False),
    sa.Column('assigned_to', sa.Uuid(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by', sa.Uuid(), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.Column('resolution_notes', sa.Text(), nullable=True),
    sa.Column('webhook_url', sa.Text(), nullable=True),
    sa.CheckConstraint("priority IN ('low', 'medium', 'high', 'urgent')", name='ck_escalations_priority'),
    sa.CheckConstraint("status IN ('pending', 'assigned', 'claimed', 'resolved')", name='ck_escalations_status'),
    sa.ForeignKeyConstraint(['assigned_to'], ['reviewers.id'], ),
    sa.ForeignKeyConstraint(['resolved_by'], ['reviewers.id'], ),
    sa.ForeignKeyConstraint(['source_agent'], ['agents.name'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_escalations_assigned_to', 'escalations', ['assigned_to'], unique=False)
    op.create_index('ix_escalations_created_at', 'escalations', ['created_at'], unique=False)
    op.create_index('ix_escalations_priority', 'escalations', ['priority'], unique=False)
    op.create_index('ix_escalations_source_agent', 'escalations', ['source_agent'], unique=False)
    op.create_index('ix_escalations_status', 'escalations', ['status'], unique=False)
    op.create_table('escalation_events',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('escalation_id', sa.Uuid(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_kind', sa.Text(), nullable=False),
    sa.Column('actor_id', sa.Uuid(), nullable=True),
    sa.Column('actor_name', sa.Text(), nullable=False),
    sa.Column('action', sa.Text(), nullable=False),
    sa.Column('from_status', sa.Text(), nullable=True),
    sa.Column('to_status', sa.Text(), nullable=False),
    sa.Column('details', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.CheckConstraint("actor_kind IN ('agent', 'reviewer', 'system')", name='ck_escalation_events_actor_kind'),
    sa.ForeignKeyConstraint(['escalation_id'], ['escalations.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_escalation_events_escalation_id', 'escalation_events', ['escalation_id', 'id'], unique=False)
    op.execute(APPEND_ONLY_FUNCTION)
    op.execute(
        "CREATE TRIGGER escalation_events_append_only BEFORE UPDATE OR DELETE ON escalation_events "
        "FOR EACH ROW EXECUTE FUNCTION escalation_events_append_only()"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER escalation_events_append_only ON escalation_events")
    op.execute("DROP FUNCTION escalation_events_append_only()")
    op.drop_index('ix_escalation_events_escalation_id', table_name='escalation_events')
    op.drop_table('escalation_events')
    op.drop_index('ix_escalations_status', table_name='escalations')
    op.drop_index('ix_escalations_source_agent', table_name='escalations')
    op.drop_index('ix_escalations_priority', table_name='escalations')
    op.drop_index('ix_escalations_created_at', table_name='escalations')
    op.drop_index('ix_escalations_assigned_to', table_name='escalations')
    op.drop_table('escalations')
    op.drop_index(op.f('ix_api_keys_reviewer_id'), table_name='api_keys')
    op.drop_index(op.f('ix_api_keys_agent_id'), table_name='api_keys')
    op.drop_table('api_keys')
    op.drop_table('reviewers')
    op.drop_table('agents')
