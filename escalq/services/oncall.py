"""On-call: who is on call at an instant, and the rotation and overrides that decide it.

How shifts fall on the rotation's wall clock, across DST changes too, is in `escalq.services.shifts`.
"""

import uuid
from collections.abc import Sequence
from datetime import date, datetime, time

from sqlalchemy import delete, func, text
from sqlmodel import Session, col, select

from escalq.models import OncallMember, OncallOverride, OncallRotation, Reviewer
from escalq.schemas.oncall import OncallOut, OncallPerson, OverrideOut, RotationOut
from escalq.services import shifts
from escalq.services.errors import Conflict, Invalid, NotFound

MAX_SHIFT_HOURS = 24 * 366
MAX_NAME_CHARS = 100
MAX_REASON_CHARS = 500
# Serializes rotation edits, so two admins saving at once cannot create two "single" rotations.
_ROTATION_LOCK = 0x6F6E63616C6C  # 'oncall'


def shift_at(rotation: OncallRotation, at: datetime) -> shifts.Shift:
    """The shift of `rotation` containing `at`: a boundary belongs to the shift it starts."""
    return shifts.shift_at(
        zone_name=rotation.timezone,
        anchor=rotation.anchor_date,
        handover=rotation.handover_time,
        hours=rotation.shift_hours,
        at=at,
    )


def on_call_at(*, session: Session, at: datetime) -> list[Reviewer]:
    """Everyone on call at `at`, each once.

    Per rotation: the latest-created override covering `at`, else the member whose shift it is. Then
    every reviewer flagged on call by hand, who is always on call.
    """
    shifts.require_aware(at)
    found: dict[uuid.UUID, Reviewer] = {}
    for rotation in _rotations(session=session):
        override = _override_at(session=session, rotation=rotation, at=at)
        reviewer = (
            session.get(Reviewer, override.reviewer_id)
            if override is not None
            else _on_shift(session=session, rotation=rotation, at=at)
        )
        if reviewer is not None and reviewer.disabled_at is None:  # a disabled reviewer's shift is empty
            found.setdefault(reviewer.id, reviewer)
    for reviewer in session.exec(select(Reviewer).where(col(Reviewer.on_call)).order_by(col(Reviewer.email))):
        found.setdefault(reviewer.id, reviewer)
    return list(found.values())


def names_at(*, session: Session, at: datetime) -> str:
    """Who is on call at `at` as the dashboard shows it: display names, comma-separated; "" for nobody."""
    return ", ".join(reviewer.display_name for reviewer in on_call_at(session=session, at=at))


def set_rotation(
    *,
    session: Session,
    name: str,
    timezone: str,
    handover_time: time,
    shift_hours: int,
    member_ids: Sequence[uuid.UUID],
    anchor_date: date | None = None,
    now: datetime,
) -> OncallRotation:
    """Create or replace the single rotation; its overrides survive a replacement.

    Without `anchor_date` a replacement keeps the old one, and a new rotation starts with its first member
    on shift since the latest hand-over.
    """
    name = name.strip()
    if not name or len(name) > MAX_NAME_CHARS:
        raise Invalid(f"the rotation needs a name of 1 to {MAX_NAME_CHARS} characters", field="name")
    zone = shifts.zone(timezone)
    if handover_time.tzinfo is not None:
        raise Invalid("the hand-over time is a wall-clock time, without a zone", field="handover_time")
    if not 1 <= shift_hours <= MAX_SHIFT_HOURS:
        raise Invalid(f"shifts last 1 to {MAX_SHIFT_HOURS} hours, not {shift_hours}", field="shift_hours")
    if not member_ids:
        raise Invalid("the rotation needs at least one member", field="member_ids")
    for reviewer_id in member_ids:
        _reviewer(session=session, reviewer_id=reviewer_id)
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ROTATION_LOCK})
    rotation = default_rotation(session=session)
    if rotation is None:
        rotation = OncallRotation(
            name=name,
            timezone=timezone,
            handover_time=handover_time,
            shift_hours=shift_hours,
            anchor_date=anchor_date or shifts.latest_handover_date(now, zone=zone, handover=handover_time),
            created_at=now,
        )
    else:
        rotation.name, rotation.timezone = name, timezone
        rotation.handover_time, rotation.shift_hours = handover_time, shift_hours
        rotation.anchor_date = anchor_date or rotation.anchor_date
        session.execute(delete(OncallMember).where(col(OncallMember.rotation_id) == rotation.id))
    session.add(rotation)
    session.flush()
    for position, reviewer_id in enumerate(member_ids):
        session.add(OncallMember(rotation_id=rotation.id, position=position, reviewer_id=reviewer_id))
    session.flush()
    return rotation


def add_override(
    *,
    session: Session,
    reviewer_id: uuid.UUID,
    starts_at: datetime,
    ends_at: datetime,
    reason: str | None = None,
    now: datetime,
) -> OncallOverride:
    """`reviewer_id` (any reviewer, a member or not) covers [starts_at, ends_at) instead of the rotation."""
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise Invalid("give the override's start and end with a time zone", field="starts_at")
    if ends_at <= starts_at:
        raise Invalid("an override must end after it starts", field="ends_at")
    if ends_at <= now:
        raise Invalid("that override would already be over", field="ends_at")
    reason = (reason or "").strip() or None
    if reason is not None and len(reason) > MAX_REASON_CHARS:
        raise Invalid(f"keep the reason under {MAX_REASON_CHARS} characters", field="reason")
    reviewer = _reviewer(session=session, reviewer_id=reviewer_id)
    rotation = default_rotation(session=session)
    if rotation is None:
        raise Conflict("there is no on-call rotation yet; set one up first")
    override = OncallOverride(
        rotation_id=rotation.id,
        reviewer_id=reviewer.id,
        starts_at=starts_at,
        ends_at=ends_at,
        reason=reason,
        created_at=now,
    )
    session.add(override)
    session.flush()
    return override


def remove_override(*, session: Session, override_id: uuid.UUID) -> bool:
    """Delete an override; False when it was already gone, so a repeat is harmless."""
    override = session.get(OncallOverride, override_id)
    if override is None:
        return False
    session.delete(override)
    session.flush()
    return True


def reviewer_ids(*, session: Session, emails: Sequence[str]) -> list[uuid.UUID]:
    """The reviewers with these emails, in the same order; NotFound names the first unknown one."""
    wanted = [email.strip().lower() for email in emails if email.strip()]
    known = dict(
        session.exec(
            select(func.lower(Reviewer.email), Reviewer.id).where(func.lower(Reviewer.email).in_(wanted))
        ).all()
    )
    missing = [email for email in wanted if email not in known]
    if missing:
        raise NotFound(f"no reviewer with email {missing[0]}")
    return [known[email] for email in wanted]


def default_rotation(*, session: Session) -> OncallRotation | None:
    """The rotation the dashboard edits: the oldest, when there is any."""
    return next(iter(_rotations(session=session)), None)


def rotation_view(*, session: Session, now: datetime, with_emails: bool = True) -> RotationOut | None:
    """The rotation for display: members in order, whose shift it is, its hand-overs, open overrides."""
    rotation = default_rotation(session=session)
    if rotation is None:
        return None
    members = _members(session=session, rotation=rotation)
    shift = shift_at(rotation, now)
    overrides = session.exec(
        select(OncallOverride, Reviewer)
        .join(Reviewer, col(Reviewer.id) == col(OncallOverride.reviewer_id))
        .where(col(OncallOverride.rotation_id) == rotation.id, col(OncallOverride.ends_at) > now)
        .order_by(col(OncallOverride.starts_at), col(OncallOverride.created_at))
    ).all()
    return RotationOut(
        name=rotation.name,
        timezone=rotation.timezone,
        handover_time=rotation.handover_time,
        shift_hours=rotation.shift_hours,
        anchor_date=rotation.anchor_date,
        members=[_person(member, with_emails=with_emails) for member in members],
        on_shift=_person(members[shift.index % len(members)], with_emails=with_emails) if members else None,
        shift_started_at=shift.starts_at,
        next_handover_at=shift.ends_at,
        overrides=[
            OverrideOut(
                id=override.id,
                reviewer=_person(reviewer, with_emails=with_emails),
                starts_at=override.starts_at,
                ends_at=override.ends_at,
                reason=override.reason,
            )
            for override, reviewer in overrides
        ],
    )


def status(*, session: Session, now: datetime, with_emails: bool) -> OncallOut:
    """Who is on call now, the rotation, and how many reviewers are in the pool; emails only if allowed."""
    active = session.exec(select(func.count()).select_from(Reviewer).where(col(Reviewer.active))).one()
    return OncallOut(
        on_call=[_person(r, with_emails=with_emails) for r in on_call_at(session=session, at=now)],
        rotation=rotation_view(session=session, now=now, with_emails=with_emails),
        active_reviewers=active,
    )


def _rotations(*, session: Session) -> list[OncallRotation]:
    query = select(OncallRotation).order_by(col(OncallRotation.created_at), col(OncallRotation.name))
    return list(session.exec(query))


def _members(*, session: Session, rotation: OncallRotation) -> list[Reviewer]:
    query = (
        select(Reviewer)
        .join(OncallMember, col(OncallMember.reviewer_id) == col(Reviewer.id))
        .where(col(OncallMember.rotation_id) == rotation.id)
        .order_by(col(OncallMember.position))
    )
    return list(session.exec(query))


def _on_shift(*, session: Session, rotation: OncallRotation, at: datetime) -> Reviewer | None:
    members = _members(session=session, rotation=rotation)
    return members[shift_at(rotation, at).index % len(members)] if members else None


def _override_at(*, session: Session, rotation: OncallRotation, at: datetime) -> OncallOverride | None:
    """The override covering `at`; when several overlap, the one made last is the latest decision."""
    query = (
        select(OncallOverride)
        .where(
            col(OncallOverride.rotation_id) == rotation.id,
            col(OncallOverride.starts_at) <= at,
            col(OncallOverride.ends_at) > at,
        )
        .order_by(col(OncallOverride.created_at).desc(), col(OncallOverride.starts_at).desc())
        .limit(1)
    )
    return session.exec(query).first()


def _person(reviewer: Reviewer, *, with_emails: bool) -> OncallPerson:
    # `email` is left unset, not None, for agents: the API then omits it.
    if with_emails:
        return OncallPerson(id=reviewer.id, display_name=reviewer.display_name, email=reviewer.email)
    return OncallPerson(id=reviewer.id, display_name=reviewer.display_name)


def _reviewer(*, session: Session, reviewer_id: uuid.UUID) -> Reviewer:
    reviewer = session.get(Reviewer, reviewer_id)
    if reviewer is None:
        raise NotFound(f"no reviewer with id {reviewer_id}")
    return reviewer
