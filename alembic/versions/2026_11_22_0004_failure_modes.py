"""Failure modes: expiry, hand-back, repeats, idempotency, throttling, on-call rotation

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22

The four failure modes: expiry and hand-back statuses, duplicate and loop detection, idempotent
retries, agent throttling, and on-call rotations with overrides.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = "'pending', 'assigned', 'claimed', 'needs_info', 'resolved', 'expired'"


def upgrade() -> None:
    op.create_table('oncall_rotations',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('timezone', sa.Text(), nullable=False),
    sa.Column('handover_time', sa.Time(), nullable=False),
    sa.Column('shift_hours', sa.Integer(), nullable=False),
    sa.Column('anchor_date', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('idempotency_keys',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('agent_id', sa.Uuid(), nullable=False),
    sa.Column('key', sa.Text(), nullable=False),
    sa.Column('request_hash', sa.Text(), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=False),
    sa.Column('response', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('agent_id', 'key', name='uq_idempotency_keys_agent_key')
    )
    op.create_table('oncall_members',
    sa.Column('rotation_id', sa.Uuid(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['reviewer_id'], ['reviewers.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rotation_id'], ['oncall_rotations.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('rotation_id', 'position')
    )
    op.create_table('oncall_overrides',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('rotation_id', sa.Uuid(), nullable=False),
    sa.Column('reviewer_id', sa.Uuid(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['reviewer_id'], ['reviewers.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rotation_id'], ['oncall_rotations.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_oncall_overrides_rotation_id'), 'oncall_overrides', ['rotation_id'], unique=False)
    op.create_table('context_updates',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('escalation_id', sa.Uuid(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('data', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['escalation_id'], ['escalations.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_context_updates_escalation_id'), 'context_updates', ['escalation_id'], unique=False)
    op.add_column('agents', sa.Column('throttled_until', sa.DateTime(timezone=True), nullable=True))
    op.add_column('agents', sa.Column('throttled_reason', sa.Text(), nullable=True))
    op.add_column('escalations', sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('escalations', sa.Column('fallback', sa.Text(), nullable=True))
    op.add_column('escalations', sa.Column('expired_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('escalations', sa.Column('dedupe_key', sa.Text(), nullable=True))
    op.add_column('escalations', sa.Column('repeat_count', sa.Integer(), server_default=sa.text('0'), nullable=False))
    op.add_column('escalations', sa.Column('last_repeated_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('escalations', sa.Column('loop_suspected', sa.Boolean(), server_default=sa.text('false'), nullable=False))
    op.add_column('escalations', sa.Column('related_to', sa.Uuid(), nullable=True))
    op.add_column('escalations', sa.Column('info_question', sa.Text(), nullable=True))
    op.add_column('escalations', sa.Column('info_requested_by', sa.Uuid(), nullable=True))
    op.create_index('ix_escalations_agent_dedupe_key', 'escalations', ['source_agent', 'dedupe_key'], unique=False)
    op.create_index('ix_escalations_expires_at', 'escalations', ['expires_at'], unique=False)
    op.create_index('ix_escalation_events_actor_at', 'escalation_events', ['actor_id', 'at'], unique=False)
    op.create_foreign_key(
        'escalations_info_requested_by_fkey', 'escalations', 'reviewers', ['info_requested_by'], ['id']
    )
    op.create_foreign_key('escalations_related_to_fkey', 'escalations', 'escalations', ['related_to'], ['id'])
    op.drop_constraint('ck_escalations_status', 'escalations', type_='check')
    op.create_check_constraint('ck_escalations_status', 'escalations', f"status IN ({STATUSES})")


def downgrade() -> None:
    op.drop_constraint('ck_escalations_status', 'escalations', type_='check')
    op.create_check_constraint(
        'ck_escalations_status', 'escalations', "status IN ('pending', 'assigned', 'claimed', 'resolved')"
    )
    op.drop_constraint('escalations_related_to_fkey', 'escalations', type_='foreignkey')
    op.drop_constraint('escalations_info_requested_by_fkey', 'escalations', type_='foreignkey')
    op.drop_index('ix_escalation_events_actor_at', table_name='escalation_events')
    op.drop_index('ix_escalations_expires_at', table_name='escalations')
    op.drop_index('ix_escalations_agent_dedupe_key', table_name='escalations')
    op.drop_column('escalations', 'info_requested_by')
    op.drop_column('escalations', 'info_question')
    op.drop_column('escalations', 'related_to')
    op.drop_column('escalations', 'loop_suspected')
    op.drop_column('escalations', 'last_repeated_at')
    op.drop_column('escalations', 'repeat_count')
    op.drop_column('escalations', 'dedupe_key')
    op.drop_column('escalations', 'expired_at')
    op.drop_column('escalations', 'fallback')
    op.drop_column('escalations', 'expires_at')
    op.drop_column('agents', 'throttled_reason')
    op.drop_column('agents', 'throttled_until')
    op.drop_index(op.f('ix_context_updates_escalation_id'), table_name='context_updates')
    op.drop_table('context_updates')
    op.drop_index(op.f('ix_oncall_overrides_rotation_id'), table_name='oncall_overrides')
    op.drop_table('oncall_overrides')
    op.drop_table('oncall_members')
    op.drop_table('idempotency_keys')
    op.drop_table('oncall_rotations')
