"""Reviewer sessions for the dashboard

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22

Dashboard logins: the browser keeps a token, the table keeps its hash.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('reviewer_sessions',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('token_hash', sa.Text(), nullable=False),
    sa.Column('reviewer_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['reviewer_id'], ['reviewers.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    op.create_index(op.f('ix_reviewer_sessions_reviewer_id'), 'reviewer_sessions', ['reviewer_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_reviewer_sessions_reviewer_id'), table_name='reviewer_sessions')
    op.drop_table('reviewer_sessions')
