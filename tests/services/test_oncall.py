"""On-call: shifts on the rotation's wall clock, overrides, the manual flag, and editing the rotation."""

import uuid
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlmodel import col, select

from escalq.models import OncallMember, OncallOverride, Reviewer
from escalq.services import notifications, oncall
from escalq.services.errors import Conflict, Invalid, NotFound
from tests.factories import make_on_call_reviewer, make_reviewers

SECOND = timedelta(seconds=1)


def people(session, count: int) -> list[Reviewer]:
    return [made.reviewer for made in make_reviewers(session, count, prefix="oc")]


def rotate(session, members: list[Reviewer], *, now: datetime, **fields):
    """The single rotation over `members`; UTC, 09:00 hand-over, 24 h shifts from 2026-11-20 by default."""
    settings = {
        "name": "primary",
        "timezone": "UTC",
        "handover_time": time(9, 0),
        "shift_hours": 24,
        "anchor_date": date(2026, 11, 20),
    } | fields
    return oncall.set_rotation(session=session, member_ids=[m.id for m in members], now=now, **settings)


def names(session, at: datetime) -> list[str]:
    return [reviewer.email for reviewer in oncall.on_call_at(session=session, at=at)]


def test_nobody_is_on_call_without_a_rotation_or_a_flag(session, now):
    people(session, 2)

    assert oncall.on_call_at(session=session, at=now) == []
    assert oncall.rotation_view(session=session, now=now) is None


def test_the_hand_over_happens_exactly_at_the_boundary(session, now):
    ann, bob, cat = people(session, 3)
    rotate(session, [ann, bob, cat], now=now)
    handover = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)  # the third shift from the anchor

    assert names(session, handover - SECOND) == [bob.email]
    assert names(session, handover) == [cat.email]
    assert names(session, handover + SECOND) == [cat.email]
    assert names(session, handover + timedelta(days=1)) == [ann.email]  # and round again


def test_the_cycle_runs_before_the_anchor_too(session, now):
    ann, bob, cat = people(session, 3)
    rotate(session, [ann, bob, cat], now=now)

    assert names(session, datetime(2026, 11, 20, 8, 59, 59, tzinfo=UTC)) == [cat.email]


def test_shifts_shorter_than_a_day_hand_over_every_shift_hours(session, now):
    ann, bob, cat = people(session, 3)
    rotate(session, [ann, bob, cat], now=now, shift_hours=8, handover_time=time(6, 0))
    day = datetime(2026, 11, 20, tzinfo=UTC)

    assert [names(session, day + timedelta(hours=h)) for h in (6, 14, 22, 30)] == [
        [ann.email],
        [bob.email],
        [cat.email],
        [ann.email],
    ]


def test_hand_overs_keep_local_time_when_daylight_saving_ends(session, now):
    # Berlin leaves summer time on 2026-10-25 (03:00 CEST -> 02:00 CET): that shift lasts 25 hours.
    ann, bob = people(session, 2)
    rotation = rotate(session, [ann, bob], now=now, timezone="Europe/Berlin", anchor_date=date(2026, 10, 24))
    ninth_local = datetime(2026, 10, 25, 8, 0, tzinfo=UTC)  # 09:00 CET

    assert names(session, ninth_local - SECOND) == [ann.email]  # 24 h after 09:00 CEST, still ann
    assert names(session, ninth_local) == [bob.email]
    shift = oncall.shift_at(rotation, ninth_local - SECOND)
    assert (shift.starts_at, shift.ends_at) == (datetime(2026, 10, 24, 7, 0, tzinfo=UTC), ninth_local)
    assert oncall.shift_at(rotation, ninth_local).ends_at == datetime(2026, 10, 26, 8, 0, tzinfo=UTC)


def test_hand_overs_keep_local_time_when_daylight_saving_starts(session, now):
    # New York springs forward on 2027-03-14 (02:00 EST -> 03:00 EDT): that shift lasts 23 hours.
    ann, bob = people(session, 2)
    rotate(session, [ann, bob], now=now, timezone="America/New_York", anchor_date=date(2027, 3, 13))
    ninth_local = datetime(2027, 3, 14, 13, 0, tzinfo=UTC)  # 09:00 EDT

    assert names(session, datetime(2027, 3, 13, 14, 0, tzinfo=UTC)) == [ann.email]  # 09:00 EST
    assert names(session, ninth_local - SECOND) == [ann.email]
    assert names(session, ninth_local) == [bob.email]


def test_a_boundary_in_the_spring_forward_gap_skips_that_hour_long_shift(session, now):
    # 02:00 does not exist in Berlin on 2027-03-28; read with the winter offset it is 03:00 CEST.
    members = people(session, 4)
    rotation = rotate(
        session,
        members,
        now=now,
        timezone="Europe/Berlin",
        anchor_date=date(2027, 3, 28),
        handover_time=time(0),
        shift_hours=1,
    )
    one_am_utc = datetime(2027, 3, 28, 1, 0, tzinfo=UTC)  # 03:00 CEST

    assert names(session, one_am_utc - SECOND) == [members[1].email]  # 01:00-02:00 CET
    assert names(session, one_am_utc) == [members[3].email]  # the 02:00 shift has no length
    assert oncall.shift_at(rotation, one_am_utc).index == 3


def test_an_override_wins_and_ends_on_time(session, now):
    ann, bob, dan = people(session, 3)
    rotate(session, [ann, bob], now=now)
    starts, ends = datetime(2026, 11, 22, 10, 0, tzinfo=UTC), datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    oncall.add_override(session=session, reviewer_id=dan.id, starts_at=starts, ends_at=ends, now=now)

    assert names(session, starts - SECOND) == [ann.email]
    assert names(session, starts) == [dan.email]
    assert names(session, ends - SECOND) == [dan.email]
    assert names(session, ends) == [ann.email]


def test_of_overlapping_overrides_the_last_made_wins(session, now):
    ann, bob, cat = people(session, 3)
    rotate(session, [ann], now=now)
    day = datetime(2026, 11, 23, tzinfo=UTC)
    oncall.add_override(
        session=session, reviewer_id=bob.id, starts_at=day, ends_at=day + 10 * SECOND, now=now
    )
    oncall.add_override(
        session=session,
        reviewer_id=cat.id,
        starts_at=day + SECOND,
        ends_at=day + 5 * SECOND,
        now=now + timedelta(minutes=1),
    )

    assert [names(session, day + n * SECOND) for n in (0, 1, 5)] == [[bob.email], [cat.email], [bob.email]]


def test_flagged_reviewers_are_always_on_call_and_listed_once(session, now):
    ann, bob = people(session, 2)
    zoe = make_on_call_reviewer(session, "zoe@example.com").reviewer
    amir = make_on_call_reviewer(session, "amir@example.com").reviewer
    assert names(session, now) == [amir.email, zoe.email]

    rotate(session, [zoe, ann], now=now, shift_hours=1)
    on_zoe_shift, on_ann_shift = datetime(2026, 11, 20, 9, tzinfo=UTC), datetime(2026, 11, 20, 10, tzinfo=UTC)

    assert names(session, on_zoe_shift) == [zoe.email, amir.email]
    assert names(session, on_ann_shift) == [ann.email, amir.email, zoe.email]
    assert bob.email not in names(session, now)


def test_on_call_emails_follow_the_rotation(session, now):
    ann, bob = people(session, 2)
    rotate(session, [ann, bob], now=now)

    assert notifications.on_call_emails(session=session, now=now) == [ann.email]  # the third shift
    assert notifications.on_call_emails(session=session, now=now - SECOND) == [bob.email]


@pytest.mark.parametrize(
    "zone", ["Mars/Olympus_Mons", "", "europe/berlin", "../../etc/passwd", "CET ", "localtime"]
)
def test_an_unknown_time_zone_is_invalid(session, now, zone):
    [ann] = people(session, 1)

    with pytest.raises(Invalid, match="IANA") as refused:
        rotate(session, [ann], now=now, timezone=zone)
    assert refused.value.field == "timezone"


@pytest.mark.parametrize("hours", [0, -8, oncall.MAX_SHIFT_HOURS + 1])
def test_shifts_must_last_at_least_an_hour(session, now, hours):
    [ann] = people(session, 1)

    with pytest.raises(Invalid, match="shifts last") as refused:
        rotate(session, [ann], now=now, shift_hours=hours)
    assert refused.value.field == "shift_hours"


def test_a_rotation_needs_a_name_and_members_who_exist(session, now):
    [ann] = people(session, 1)

    with pytest.raises(Invalid, match="name"):
        rotate(session, [ann], now=now, name="  ")
    with pytest.raises(Invalid, match="at least one member"):
        rotate(session, [], now=now)
    with pytest.raises(NotFound):
        oncall.set_rotation(
            session=session,
            name="primary",
            timezone="UTC",
            handover_time=time(9),
            shift_hours=24,
            member_ids=[ann.id, uuid.uuid4()],
            now=now,
        )
    assert oncall.default_rotation(session=session) is None


def test_setting_the_rotation_again_replaces_it_and_keeps_overrides_and_anchor(session, now):
    ann, bob, cat = people(session, 3)
    first = rotate(session, [ann, bob], now=now)
    override = oncall.add_override(
        session=session, reviewer_id=cat.id, starts_at=now, ends_at=now + timedelta(hours=1), now=now
    )

    second = oncall.set_rotation(
        session=session,
        name="weekly",
        timezone="Europe/Berlin",
        handover_time=time(10, 30),
        shift_hours=168,
        member_ids=[cat.id, ann.id],
        now=now,
    )

    assert second.id == first.id
    assert (second.name, second.timezone, second.handover_time, second.shift_hours, second.anchor_date) == (
        "weekly",
        "Europe/Berlin",
        time(10, 30),
        168,
        date(2026, 11, 20),
    )
    members = session.exec(select(OncallMember).order_by(col(OncallMember.position))).all()
    assert [(m.position, m.reviewer_id) for m in members] == [(0, cat.id), (1, ann.id)]
    assert session.get(OncallOverride, override.id) is not None


def test_a_new_rotation_starts_with_its_first_member_on_shift(session, now):
    ann, bob = people(session, 2)
    before_handover = now.replace(hour=8)  # 09:00 Berlin on 2026-11-22

    rotation = oncall.set_rotation(
        session=session,
        name="primary",
        timezone="Europe/Berlin",
        handover_time=time(10),
        shift_hours=24,
        member_ids=[ann.id, bob.id],
        now=before_handover,
    )

    assert rotation.anchor_date == date(2026, 11, 21)
    assert names(session, before_handover) == [ann.email]


def test_an_override_must_end_after_it_starts_and_name_someone_real(session, now):
    ann, bob = people(session, 2)
    later = now + timedelta(hours=2)

    with pytest.raises(Conflict, match="no on-call rotation"):
        oncall.add_override(session=session, reviewer_id=bob.id, starts_at=now, ends_at=later, now=now)
    rotate(session, [ann], now=now)
    with pytest.raises(Invalid, match="end after it starts"):
        oncall.add_override(session=session, reviewer_id=bob.id, starts_at=later, ends_at=now, now=now)
    with pytest.raises(Invalid, match="end after it starts"):
        oncall.add_override(session=session, reviewer_id=bob.id, starts_at=now, ends_at=now, now=now)
    with pytest.raises(Invalid, match="already be over"):
        oncall.add_override(
            session=session, reviewer_id=bob.id, starts_at=now - timedelta(hours=2), ends_at=now, now=now
        )
    with pytest.raises(Invalid, match="time zone"):
        oncall.add_override(
            session=session, reviewer_id=bob.id, starts_at=now.replace(tzinfo=None), ends_at=later, now=now
        )
    with pytest.raises(NotFound):
        oncall.add_override(session=session, reviewer_id=uuid.uuid4(), starts_at=now, ends_at=later, now=now)
    assert session.exec(select(OncallOverride)).all() == []


def test_removing_an_override_twice_is_harmless(session, now):
    ann, bob = people(session, 2)
    rotate(session, [ann], now=now)
    override = oncall.add_override(
        session=session, reviewer_id=bob.id, starts_at=now, ends_at=now + timedelta(hours=1), now=now
    )

    assert oncall.remove_override(session=session, override_id=override.id) is True
    assert oncall.remove_override(session=session, override_id=override.id) is False
    assert names(session, now) == [ann.email]


def test_the_view_shows_members_the_current_shift_and_open_overrides(session, now):
    ann, bob, cat = people(session, 3)
    rotate(session, [ann, bob], now=now)
    upcoming = oncall.add_override(
        session=session,
        reviewer_id=cat.id,
        starts_at=now + timedelta(hours=3),
        ends_at=now + timedelta(hours=5),
        reason="dentist swap",
        now=now,
    )
    oncall.add_override(
        session=session, reviewer_id=cat.id, starts_at=now, ends_at=now + timedelta(hours=1), now=now
    )
    later = now + timedelta(hours=1)

    view = oncall.rotation_view(session=session, now=later)

    assert view is not None
    assert [(m.display_name, m.email) for m in view.members] == [
        (ann.display_name, ann.email),
        (bob.display_name, bob.email),
    ]
    assert view.on_shift is not None and view.on_shift.id == ann.id  # the third shift
    assert (view.shift_started_at, view.next_handover_at) == (now, now + timedelta(days=1))
    assert [(o.id, o.reviewer.id, o.reason) for o in view.overrides] == [
        (upcoming.id, cat.id, "dentist swap")
    ]


def test_the_view_for_agents_has_no_emails(session, now):
    ann, bob = people(session, 2)
    rotate(session, [ann], now=now)
    oncall.add_override(
        session=session, reviewer_id=bob.id, starts_at=now, ends_at=now + timedelta(hours=1), now=now
    )

    status = oncall.status(session=session, now=now, with_emails=False)

    dumped = status.model_dump(exclude_unset=True, mode="json")
    assert "@" not in str(dumped)
    assert dumped["on_call"] == [{"id": str(bob.id), "display_name": bob.display_name}]
    assert dumped["active_reviewers"] == 2
