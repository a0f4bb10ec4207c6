"""Sign-in throttling, session idle timeout, offboarding, security events

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02

Failed sign-ins counted per account and per client address; sessions remember when they were last
seen (idle timeout); reviewers can be disabled; an append-only log of security events.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY_FUNCTION = """
CREATE FUNCTION security_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'security_events is append-only (% refused)', TG_OP;
END;
$$
"""


def upgrade() -> None:
    op.create_table('login_throttles',
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('window_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('locks', sa.Integer(), nullable=False),
    sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_failure_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('subject')
    )
    op.create_table('security_events',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('action', sa.Text(), nullable=False),
    sa.Column('reviewer_id', sa.Uuid(), nullable=True),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('client_ip', sa.Text(), nullable=True),
    sa.Column('actor_name', sa.Text(), nullable=False),
    sa.Column('details', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.ForeignKeyConstraint(['reviewer_id'], ['reviewers.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_security_events_at', 'security_events', ['at'], unique=False)
    op.create_index('ix_security_events_reviewer_id', 'security_events', ['reviewer_id', 'id'], unique=False)
    op.execute(APPEND_ONLY_FUNCTION)
    op.execute(
        "CREATE TRIGGER security_events_append_only BEFORE UPDATE OR DELETE ON security_events "
        "FOR EACH ROW EXECUTE FUNCTION security_events_append_only()"
    )
    op.add_column('reviewers', sa.Column('disabled_at', sa.DateTime(timezone=True), nullable=True))
    # Sessions open before this revision count as last seen when they began.
    op.add_column('reviewer_sessions', sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE reviewer_sessions SET last_seen_at = created_at")
    op.alter_column('reviewer_sessions', 'last_seen_at', nullable=False)


def downgrade() -> None:
    op.drop_column('reviewer_sessions', 'last_seen_at')
    op.drop_column('reviewers', 'disabled_at')
    op.execute("DROP TRIGGER security_events_append_only ON security_events")
    op.execute("DROP FUNCTION security_events_append_only()")
    op.drop_index('ix_security_events_reviewer_id', table_name='security_events')
    op.drop_index('ix_security_events_at', table_name='security_events')
    op.drop_table('security_events')
    op.drop_table('login_throttles')
