"""Who acts: reviewers (humans), agents (machines) and the API keys that identify them."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, Column, ForeignKey, Integer, Text, Uuid, false
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from escalq.models.columns import TIMESTAMPTZ, EnumText, one_of
from escalq.models.enums import Role


class Reviewer(SQLModel, table=True):
    __tablename__ = "reviewers"
    __table_args__ = (one_of("role", Role, table="reviewers"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    email: str = Field(sa_type=Text, unique=True)
    display_name: str = Field(sa_type=Text)
    password_hash: str = Field(sa_type=Text)
    role: Role = Field(sa_column=Column(EnumText(Role), nullable=False))
    active: bool = Field(default=True, description="In the round-robin assignment pool")
    on_call: bool = Field(default=False, description="Told about urgent escalations nobody holds")
    # The queue opens on "My work" (assigned to them, still open) once they chose it, on any browser.
    opens_my_work: bool = Field(
        default=False, sa_column=Column(Boolean, nullable=False, server_default=false())
    )
    created_at: datetime = Field(sa_type=TIMESTAMPTZ)
    disabled_at: datetime | None = Field(
        default=None, sa_type=TIMESTAMPTZ, description="Offboarded: sign-in, API keys and sessions refused"
    )


class Agent(SQLModel, table=True):
    __tablename__ = "agents"
    __table_args__ = (
        # Fernet tokens all start so: a plain secret written by mistake is refused, never stored.
        CheckConstraint("webhook_secret_encrypted LIKE 'gAAAAA%'", name="ck_agents_secret_encrypted"),
        CheckConstraint(
            "(previous_webhook_secret_encrypted IS NULL) = (previous_webhook_secret_until IS NULL)",
            name="ck_agents_previous_secret_until",
        ),
        CheckConstraint("rate_per_minute > 0 AND daily_budget > 0", name="ck_agents_limits_positive"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(sa_type=Text, unique=True)
    # The Standard Webhooks signing secret, encrypted (escalq.services.vault); never stored in plain text.
    webhook_secret_encrypted: str = Field(sa_type=Text)
    # The secret before the last rotation: deliveries are signed with it too until `..._until`.
    previous_webhook_secret_encrypted: str | None = Field(default=None, sa_type=Text)
    previous_webhook_secret_until: datetime | None = Field(default=None, sa_type=TIMESTAMPTZ)
    disabled: bool = False
    throttled_until: datetime | None = Field(
        default=None, sa_type=TIMESTAMPTZ, description="Tripped its rate limit or budget; refused until then"
    )
    throttled_reason: str | None = Field(default=None, sa_type=Text)
    # Overrides of the settings' per-agent limits; None: the setting.
    rate_per_minute: int | None = Field(default=None, sa_type=Integer)
    daily_budget: int | None = Field(default=None, sa_type=Integer)
    # The JSON Schema its escalations' context_data must follow (escalq.services.contract); None: any object.
    context_schema: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB))
    created_at: datetime = Field(sa_type=TIMESTAMPTZ)


class ApiKey(SQLModel, table=True):
    """A hashed API key owned by exactly one agent or one reviewer."""

    __tablename__ = "api_keys"
    __table_args__ = (
        CheckConstraint("num_nonnulls(agent_id, reviewer_id) = 1", name="ck_api_keys_one_owner"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    prefix: str = Field(sa_type=Text, unique=True, description="Visible start of the key, for lookup")
    key_hash: str = Field(sa_type=Text)
    agent_id: uuid.UUID | None = Field(
        default=None, sa_column=Column(Uuid, ForeignKey("agents.id", ondelete="CASCADE"), index=True)
    )
    reviewer_id: uuid.UUID | None = Field(
        default=None, sa_column=Column(Uuid, ForeignKey("reviewers.id", ondelete="CASCADE"), index=True)
    )
    created_at: datetime = Field(sa_type=TIMESTAMPTZ)
    revoked_at: datetime | None = Field(default=None, sa_type=TIMESTAMPTZ)


class ReviewerSession(SQLModel, table=True):
    """A dashboard login; the browser holds the token, we keep only its hash."""

    __tablename__ = "reviewer_sessions"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    token_hash: str = Field(sa_type=Text, unique=True)
    reviewer_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("reviewers.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    created_at: datetime = Field(sa_type=TIMESTAMPTZ)
    expires_at: datetime = Field(sa_type=TIMESTAMPTZ, description="The absolute end, however active")
    last_seen_at: datetime = Field(sa_type=TIMESTAMPTZ, description="For the idle timeout; coarse")
    revoked_at: datetime | None = Field(default=None, sa_type=TIMESTAMPTZ)
