"""The queue remembers a reviewer's "My work" view

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02

Kept on the reviewer, not in the browser: it follows them to any browser, and a shared computer does not
hand one reviewer's view to the next.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        'reviewers', sa.Column('opens_my_work', sa.Boolean(), server_default=sa.false(), nullable=False)
    )


def downgrade() -> None:
    op.drop_column('reviewers', 'opens_my_work')
