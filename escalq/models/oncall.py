"""On-call rotation: an ordered list of reviewers taking shifts, with overrides."""

import uuid
from datetime import date, datetime, time

from sqlalchemy import Column, Date, ForeignKey, Integer, Text, Time, Uuid
from sqlmodel import Field, SQLModel

from escalq.models.columns import TIMESTAMPTZ


class OncallRotation(SQLModel, table=True):
    """Shifts of `shift_hours` starting at `handover_time` in `timezone`, counted from `anchor_date`."""

    __tablename__ = "oncall_rotations"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    name: str = Field(sa_type=Text, unique=True)
    timezone: str = Field(sa_type=Text, description="IANA name, e.g. Europe/Berlin")
    handover_time: time = Field(sa_type=Time)
    shift_hours: int = Field(sa_type=Integer)
    anchor_date: date = Field(sa_type=Date, description="The first member's first shift starts this day")
    created_at: datetime = Field(sa_type=TIMESTAMPTZ)


class OncallMember(SQLModel, table=True):
    __tablename__ = "oncall_members"

    rotation_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("oncall_rotations.id", ondelete="CASCADE"), primary_key=True)
    )
    position: int = Field(sa_column=Column(Integer, primary_key=True))
    reviewer_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("reviewers.id", ondelete="CASCADE"), nullable=False)
    )


class OncallOverride(SQLModel, table=True):
    """Someone covers [starts_at, ends_at) instead of the rotation."""

    __tablename__ = "oncall_overrides"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    rotation_id: uuid.UUID = Field(
        sa_column=Column(
            Uuid, ForeignKey("oncall_rotations.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    reviewer_id: uuid.UUID = Field(
        sa_column=Column(Uuid, ForeignKey("reviewers.id", ondelete="CASCADE"), nullable=False)
    )
    starts_at: datetime = Field(sa_type=TIMESTAMPTZ)
    ends_at: datetime = Field(sa_type=TIMESTAMPTZ)
    reason: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(sa_type=TIMESTAMPTZ)
