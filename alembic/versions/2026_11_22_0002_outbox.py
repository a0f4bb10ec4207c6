"""Outbox tasks, webhook delivery attempts, notifications, categories and timeout markers

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('notifications',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('escalation_id', sa.Uuid(), nullable=False),
    sa.Column('channel', sa.Text(), nullable=False),
    sa.Column('recipient', sa.Text(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('status', sa.Text(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("channel IN ('slack', 'email')", name='ck_notifications_channel'),
    sa.CheckConstraint("status IN ('pending', 'sent', 'failed')", name='ck_notifications_status'),
    sa.ForeignKeyConstraint(['escalation_id'], ['escalations.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_notifications_escalation_id', 'notifications', ['escalation_id'], unique=False)
    op.create_table('tasks',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.Text(), nullable=False),
    sa.Column('escalation_id', sa.Uuid(), nullable=True),
    sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('status', sa.Text(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('enqueued_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('webhook', 'notification', 'categorize')", name='ck_tasks_kind'),
    sa.CheckConstraint("status IN ('pending', 'running', 'done', 'failed')", name='ck_tasks_status'),
    sa.ForeignKeyConstraint(['escalation_id'], ['escalations.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_tasks_due', 'tasks', ['status', 'next_attempt_at'], unique=False)
    op.create_index('ix_tasks_escalation_id', 'tasks', ['escalation_id'], unique=False)
    op.create_table('webhook_deliveries',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('task_id', sa.Uuid(), nullable=False),
    sa.Column('escalation_id', sa.Uuid(), nullable=False),
    sa.Column('event_type', sa.Text(), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('duration_ms', sa.Integer(), nullable=False),
    sa.Column('http_status', sa.Integer(), nullable=True),
    sa.Column('response_excerpt', sa.Text(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('outcome', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['escalation_id'], ['escalations.id'], ),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_webhook_deliveries_escalation_id', 'webhook_deliveries', ['escalation_id', 'id'], unique=False)
    op.create_index(op.f('ix_webhook_deliveries_task_id'), 'webhook_deliveries', ['task_id'], unique=False)
    op.add_column('escalations', sa.Column('category', sa.Text(), nullable=True))
    op.add_column('escalations', sa.Column('category_source', sa.Text(), nullable=True))
    op.add_column('escalations', sa.Column('bumped_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('escalations', sa.Column('oncall_notified_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('escalations', sa.Column('managers_notified_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('reviewers', sa.Column('on_call', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.alter_column('reviewers', 'on_call', server_default=None)


def downgrade() -> None:
    op.drop_column('reviewers', 'on_call')
    op.drop_column('escalations', 'managers_notified_at')
    op.drop_column('escalations', 'oncall_notified_at')
    op.drop_column('escalations', 'bumped_at')
    op.drop_column('escalations', 'category_source')
    op.drop_column('escalations', 'category')
    op.drop_index(op.f('ix_webhook_deliveries_task_id'), table_name='webhook_deliveries')
    op.drop_index('ix_webhook_deliveries_escalation_id', table_name='webhook_deliveries')
    op.drop_table('webhook_deliveries')
    op.drop_index('ix_tasks_escalation_id', table_name='tasks')
    op.drop_index('ix_tasks_due', table_name='tasks')
    op.drop_table('tasks')
    op.drop_index('ix_notifications_escalation_id', table_name='notifications')
    op.drop_table('notifications')
