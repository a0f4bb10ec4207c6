"""Secrets at rest: agents' webhook secrets encrypted, rotation with an overlap

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02

Every stored webhook secret is encrypted with the key list in ESCALQ_SECRET_KEY (escalq.services.vault);
the previous secret of a rotation is kept, encrypted, until its overlap ends. Downgrading decrypts the
current secrets back into plain text and forgets the previous ones.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from escalq.services import vault

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _rewrite(column: str, convert) -> None:
    """Convert every agent's `column` in place, row by row (the keys live only in this process)."""
    connection = op.get_bind()
    rows = connection.execute(sa.text(f"SELECT id, name, {column} FROM agents")).all()
    for agent_id, name, value in rows:
        connection.execute(
            sa.text(f"UPDATE agents SET {column} = :value WHERE id = :id"),
            {"value": convert(value, f"the webhook secret of agent {name!r}"), "id": agent_id},
        )


def upgrade() -> None:
    op.alter_column('agents', 'webhook_secret', new_column_name='webhook_secret_encrypted')
    _rewrite('webhook_secret_encrypted', lambda plain, what: vault.encrypt(plain))
    op.add_column('agents', sa.Column('previous_webhook_secret_encrypted', sa.Text(), nullable=True))
    op.add_column('agents', sa.Column('previous_webhook_secret_until', sa.DateTime(timezone=True), nullable=True))
    op.create_check_constraint(
        'ck_agents_secret_encrypted', 'agents', "webhook_secret_encrypted LIKE 'gAAAAA%'"
    )
    op.create_check_constraint(
        'ck_agents_previous_secret_until',
        'agents',
        "(previous_webhook_secret_encrypted IS NULL) = (previous_webhook_secret_until IS NULL)",
    )


def downgrade() -> None:
    op.drop_constraint('ck_agents_previous_secret_until', 'agents', type_='check')
    op.drop_constraint('ck_agents_secret_encrypted', 'agents', type_='check')
    op.drop_column('agents', 'previous_webhook_secret_until')
    op.drop_column('agents', 'previous_webhook_secret_encrypted')
    _rewrite('webhook_secret_encrypted', lambda token, what: vault.decrypt(token, what=what))
    op.alter_column('agents', 'webhook_secret_encrypted', new_column_name='webhook_secret')
