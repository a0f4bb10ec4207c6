"""The admin page's on-call section: the rotation form and its overrides."""

import re
import uuid
from collections.abc import Callable
from datetime import date, datetime, time
from typing import TypeVar
from zoneinfo import ZoneInfo

import reflex as rx
from reflex.event import EventSpec
from sqlmodel import Session

from escalq.clock import utc_now
from escalq.models import Reviewer
from escalq.schemas.oncall import OverrideRow, RotationOut, RotationRow
from escalq.services import oncall, shifts
from escalq.services.errors import DomainError, Invalid
from escalq.state.admin import AdminState
from escalq.state.base import in_session

# The rotation form's inputs, refilled from the database after every load and save.
ROTATION_INPUTS = {
    "oncall-name": "name",
    "oncall-timezone": "timezone",
    "oncall-handover": "handover_time",
    "oncall-shift-hours": "shift_hours",
    "oncall-anchor": "anchor_date",
    "oncall-members": "member_emails",
}
OVERRIDE_INPUTS = ("oncall-override-starts", "oncall-override-ends", "oncall-override-reason")
_SHOWN = "%Y-%m-%d %H:%M %Z"
T = TypeVar("T")


def zone_names() -> list[str]:
    """The IANA zones the rotation form suggests, listed in the admin page when it is compiled."""
    return shifts.time_zones()


def _parsed(text: str, parse: Callable[[str], T], *, kind: str, field: str) -> T:
    try:
        return parse(text.strip())
    except ValueError:
        raise Invalid(f"{text!r} is not a {kind}", field=field) from None


def _read(session: Session) -> tuple[RotationOut | None, str]:
    now = utc_now()
    return oncall.rotation_view(session=session, now=now), oncall.names_at(session=session, at=now)


def _rows(view: RotationOut | None, now: datetime) -> tuple[RotationRow, list[OverrideRow]]:
    if view is None:
        return RotationRow(), []
    local = ZoneInfo(view.timezone)

    def shown(at: datetime) -> str:
        return at.astimezone(local).strftime(_SHOWN)

    rotation = RotationRow(
        name=view.name,
        timezone=view.timezone,
        handover_time=view.handover_time.strftime("%H:%M"),
        shift_hours=str(view.shift_hours),
        anchor_date=view.anchor_date.isoformat(),
        member_emails=", ".join(member.email or "" for member in view.members),
        on_shift=view.on_shift.display_name if view.on_shift else "",
        shift_started=shown(view.shift_started_at),
        next_handover=shown(view.next_handover_at),
    )
    overrides = [
        OverrideRow(
            id=str(o.id),
            reviewer=o.reviewer.display_name,
            email=o.reviewer.email or "",
            starts_at=shown(o.starts_at),
            ends_at=shown(o.ends_at),
            reason=o.reason or "",
            current=o.starts_at <= now,
        )
        for o in view.overrides
    ]
    return rotation, overrides


class OncallState(AdminState):
    rotation: RotationRow = RotationRow()
    overrides: list[OverrideRow] = []
    has_rotation: bool = False

    @rx.var
    def reviewer_emails(self) -> list[str]:
        return [row.email for row in self.reviewers]

    async def _oncall(self, work: Callable[[Session, Reviewer], str] | None = None) -> str | None:
        """Run one on-call change (or none) and reload the section in its unit of work; refusals show."""
        by = await self._admin()
        if by is None:
            self.rotation, self.overrides, self.has_rotation = RotationRow(), [], False
            return None

        def unit(session: Session) -> tuple[str, tuple[RotationOut | None, str]]:
            return (work(session, by) if work is not None else ""), _read(session)

        done: str | None
        try:
            done, (view, self.on_call_names) = await in_session(unit)
            self.error = ""
        except DomainError as refused:
            done, self.error, self.notice = None, refused.message, ""
            view, self.on_call_names = await in_session(_read)  # show what is true now
        self.rotation, self.overrides = _rows(view, utc_now())
        self.has_rotation = view is not None
        return done

    def _refill(self) -> list[EventSpec]:
        return [rx.set_value(ref, getattr(self.rotation, field)) for ref, field in ROTATION_INPUTS.items()]

    @rx.event
    async def load_oncall(self):
        """on_load, after AdminState.load: the rotation and its open overrides."""
        await self._oncall()
        return self._refill()

    @rx.event
    async def save_rotation(self, form: dict[str, str]):
        """Create or replace the rotation from the form."""

        def work(session: Session, by: Reviewer) -> str:
            anchor = form.get("anchor_date", "").strip()
            rotation = oncall.set_rotation(
                session=session,
                name=form.get("name", ""),
                timezone=form.get("timezone", "").strip(),
                handover_time=_parsed(
                    form.get("handover_time", ""),
                    time.fromisoformat,
                    kind="time (HH:MM)",
                    field="handover_time",
                ),
                shift_hours=_parsed(
                    form.get("shift_hours", ""), int, kind="whole number", field="shift_hours"
                ),
                member_ids=oncall.reviewer_ids(
                    session=session, emails=re.split(r"[,\s]+", form.get("member_emails", ""))
                ),
                anchor_date=_parsed(anchor, date.fromisoformat, kind="date", field="anchor_date")
                if anchor
                else None,
                now=utc_now(),
            )
            return rotation.name

        saved = await self._oncall(work)
        if saved is None:
            return None  # the form keeps what was typed, next to the error
        self.notice = f"Saved the on-call rotation {saved}."
        return self._refill()

    @rx.event
    async def add_override(self, form: dict[str, str]):
        """Someone covers a stretch of time; the times are on the rotation's wall clock."""
        zone = ZoneInfo(self.rotation.timezone)

        email = form.get("email", "").strip()

        def local(field: str) -> datetime:
            naive = _parsed(form.get(field, ""), datetime.fromisoformat, kind="date and time", field=field)
            return naive.replace(tzinfo=zone)

        def work(session: Session, by: Reviewer) -> str:
            if not email:
                raise Invalid("choose who covers", field="email")
            [reviewer_id] = oncall.reviewer_ids(session=session, emails=[email])
            oncall.add_override(
                session=session,
                reviewer_id=reviewer_id,
                starts_at=local("starts_at"),
                ends_at=local("ends_at"),
                reason=form.get("reason"),
                now=utc_now(),
            )
            return email

        added = await self._oncall(work)
        if added is None:
            return None
        self.notice = f"{added} covers on-call then."
        return [rx.set_value(ref, "") for ref in OVERRIDE_INPUTS]

    @rx.event
    async def remove_override(self, override_id: str):
        """Drop an override; one already gone is no error."""

        def work(session: Session, by: Reviewer) -> str:
            target = _parsed(override_id, uuid.UUID, kind="override id", field="override_id")
            oncall.remove_override(session=session, override_id=target)
            return "removed"

        if await self._oncall(work) is not None:
            self.notice = "Removed the override."
