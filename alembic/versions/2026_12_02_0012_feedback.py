"""Feedback: the resolver says whether escalating was warranted

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02

`escalations.warranted` (yes, no or unsure; empty when the resolver did not say) is what the metrics'
escalation precision per agent counts.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("escalations", sa.Column("warranted", sa.Text()))
    op.create_check_constraint(
        "ck_escalations_warranted", "escalations", "warranted IN ('yes', 'no', 'unsure')"
    )


def downgrade() -> None:
    op.drop_constraint("ck_escalations_warranted", "escalations", type_="check")
    op.drop_column("escalations", "warranted")
