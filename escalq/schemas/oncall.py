"""Who is on call: what GET /api/oncall answers and the rows the admin page shows."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time

from pydantic import BaseModel, Field


class OncallPerson(BaseModel):
    id: uuid.UUID
    display_name: str
    # Left out (not null) for agent keys: agents are not shown reviewers' emails.
    email: str | None = Field(default=None, description="Only for reviewer keys")


class OverrideOut(BaseModel):
    """`reviewer` covers [starts_at, ends_at) instead of the rotation."""

    id: uuid.UUID
    reviewer: OncallPerson
    starts_at: datetime
    ends_at: datetime
    reason: str | None


class RotationOut(BaseModel):
    name: str
    timezone: str = Field(description="IANA name; hand-overs happen at handover_time on its wall clock")
    handover_time: time
    shift_hours: int
    anchor_date: date = Field(description="The first member's first shift starts on this day")
    members: list[OncallPerson] = Field(description="In rotation order")
    on_shift: OncallPerson | None = Field(description="Whose shift it is now, before overrides")
    shift_started_at: datetime = Field(description="The current shift's hand-over")
    next_handover_at: datetime
    overrides: list[OverrideOut] = Field(description="Current and upcoming, by start")


class OncallOut(BaseModel):
    on_call: list[OncallPerson] = Field(
        description="Rotation (or its override) and manually flagged reviewers"
    )
    rotation: RotationOut | None
    active_reviewers: int = Field(description="Reviewers in the round-robin pool")


@dataclass(frozen=True)
class RotationRow:
    """The rotation as the admin form shows it; empty strings when there is none yet."""

    name: str = ""
    timezone: str = "UTC"
    handover_time: str = "09:00"  # HH:MM on the rotation's wall clock
    shift_hours: str = "24"
    anchor_date: str = ""  # YYYY-MM-DD
    member_emails: str = ""  # comma-separated, in rotation order
    on_shift: str = ""
    shift_started: str = ""  # local time, e.g. "2026-11-22 09:00 CET"
    next_handover: str = ""


@dataclass(frozen=True)
class OverrideRow:
    id: str
    reviewer: str
    email: str
    starts_at: str  # local time of the rotation
    ends_at: str
    reason: str
    current: bool
