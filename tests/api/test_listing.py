"""GET /api/escalations: filters, sorts and keyset pagination over a known set of rows."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from escalq.models import PRIORITY_RANK, STATUS_RANK, Agent, Escalation, Priority, Status
from escalq.services import escalations
from tests.factories import ReviewerWithKey, make_agent, make_escalation, make_reviewer

URL = "/api/escalations"
T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


@dataclass
class Queue:
    rows: list[Escalation]
    bot: Agent
    alice: ReviewerWithKey
    bob: ReviewerWithKey

    def ids(self, rows) -> list[str]:
        return [str(row.id) for row in rows]


@pytest.fixture
def queue(session) -> Queue:
    """Seven escalations of two agents, every status, every priority, and two created at the same instant."""
    bot = make_agent(session, "bot").agent
    other = make_agent(session, "other-bot").agent
    # Nobody active yet: these two stay pending.
    pending_old = make_escalation(session, bot, priority=Priority.low, now=T0)
    pending_urgent = make_escalation(session, other, priority=Priority.urgent, now=T0 + timedelta(minutes=5))
    alice = make_reviewer(session, "alice@example.com", created_at=T0)
    bob = make_reviewer(session, "bob@example.com", created_at=T0 + timedelta(seconds=1))
    tie = T0 + timedelta(minutes=10)
    rows = [
        pending_old,
        pending_urgent,
        make_escalation(session, bot, priority=Priority.urgent, now=tie),
        make_escalation(session, bot, priority=Priority.urgent, now=tie),
        make_escalation(session, other, priority=Priority.medium, now=T0 + timedelta(minutes=20)),
        make_escalation(session, bot, priority=Priority.high, now=T0 + timedelta(minutes=30)),
        make_escalation(session, bot, priority=Priority.medium, now=T0 + timedelta(minutes=40)),
    ]
    later = T0 + timedelta(hours=1)
    escalations.claim(session=session, escalation_id=rows[2].id, by=bob.reviewer, now=later)
    escalations.claim(session=session, escalation_id=rows[5].id, by=alice.reviewer, now=later)
    escalations.resolve(
        session=session, escalation_id=rows[5].id, by=alice.reviewer, resolution="ok", notes="", now=later
    )
    session.commit()
    for row in rows:
        session.refresh(row)
    return Queue(rows=rows, bot=bot, alice=alice, bob=bob)


def expected_order(rows, *, sort: str, order: str) -> list[Escalation]:
    """The documented order: the sort column, then oldest first and id (created_at: both follow `order`)."""
    sign = -1 if order == "desc" else 1
    if sort == "created_at":
        return sorted(rows, key=lambda r: (r.created_at, r.id), reverse=order == "desc")
    rank = PRIORITY_RANK if sort == "priority" else STATUS_RANK
    value = (lambda r: r.priority) if sort == "priority" else (lambda r: r.status)
    return sorted(rows, key=lambda r: (sign * rank[value(r)], r.created_at, r.id))


def listed(client, headers, **params) -> list[str]:
    response = client.get(URL, headers=headers, params={"limit": 200, **params})
    assert response.status_code == 200, response.text
    assert response.json()["next_cursor"] is None
    return [item["id"] for item in response.json()["items"]]


def walk(client, headers, **params) -> list[str]:
    """Every page with limit=2, concatenated."""
    ids: list[str] = []
    cursor = params.pop("cursor", None)
    for _ in range(20):
        paging = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        response = client.get(URL, headers=headers, params=params | paging)
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= 2
        ids += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return ids
    raise AssertionError(f"pagination did not end: {ids}")


def test_default_order_is_newest_first(client, queue):
    assert listed(client, queue.alice.headers) == queue.ids(
        expected_order(queue.rows, sort="created_at", order="desc")
    )


def test_priority_sort_puts_urgent_first_oldest_first_within(client, queue):
    ids = listed(client, queue.alice.headers, sort="priority")

    rows = queue.rows
    # urgent: the pending one (T0+5m), then the two created at the same instant, by id
    tied = sorted([rows[2], rows[3]], key=lambda r: r.id)
    assert ids == queue.ids([rows[1], *tied, rows[5], rows[4], rows[6], rows[0]])


@pytest.mark.parametrize("order", ["asc", "desc"])
@pytest.mark.parametrize("sort", ["priority", "created_at", "status"])
def test_sort_and_order(client, queue, sort, order):
    ids = listed(client, queue.alice.headers, sort=sort, order=order)

    assert ids == queue.ids(expected_order(queue.rows, sort=sort, order=order))


@pytest.mark.parametrize("order", [None, "asc", "desc"])
@pytest.mark.parametrize("sort", ["priority", "created_at", "status"])
def test_pages_concatenate_to_the_full_listing(client, queue, sort, order):
    params = {"sort": sort} | ({"order": order} if order else {})

    pages = walk(client, queue.alice.headers, **params)

    assert len(pages) == len(set(pages)) == 7
    assert pages == listed(client, queue.alice.headers, **params)


def test_pagination_with_a_filter(client, queue):
    pages = walk(client, queue.alice.headers, sort="priority", source_agent="bot")

    bot_rows = [row for row in queue.rows if row.source_agent == "bot"]
    assert pages == queue.ids(expected_order(bot_rows, sort="priority", order="desc"))


def test_rows_created_while_paging_do_not_shift_pages(client, session, queue):
    headers = queue.alice.headers
    first = client.get(URL, headers=headers, params={"sort": "created_at", "limit": 3}).json()
    make_escalation(session, queue.bot, now=T0 + timedelta(days=1))

    rest = walk(client, headers, sort="created_at", cursor=first["next_cursor"])

    seen = [item["id"] for item in first["items"]] + rest
    assert seen == queue.ids(expected_order(queue.rows, sort="created_at", order="desc"))


def test_a_cursor_from_another_sort_continues_after_its_row(client, queue):
    # A cursor is a position (the last row's sort values), so it fits any sort and order.
    headers = queue.alice.headers
    first = client.get(URL, headers=headers, params={"sort": "priority", "limit": 2}).json()
    last = next(row for row in queue.rows if str(row.id) == first["items"][-1]["id"])

    rest = walk(client, headers, sort="created_at", order="asc", cursor=first["next_cursor"])

    by_age = expected_order(queue.rows, sort="created_at", order="asc")
    assert rest == queue.ids(by_age[by_age.index(last) + 1 :])


@pytest.mark.parametrize(
    ("params", "pick"),
    [
        ({"status": "pending"}, lambda r: r.status == Status.pending),
        ([("status", "pending"), ("status", "resolved")], lambda r: r.status in ("pending", "resolved")),
        ({"priority": "urgent"}, lambda r: r.priority == Priority.urgent),
        ([("priority", "low"), ("priority", "high")], lambda r: r.priority in ("low", "high")),
        ({"source_agent": "other-bot"}, lambda r: r.source_agent == "other-bot"),
        ({"source_agent": "nobody"}, lambda r: False),
        (
            [("status", "assigned"), ("priority", "medium"), ("source_agent", "bot")],
            lambda r: r.status == "assigned" and r.priority == "medium" and r.source_agent == "bot",
        ),
    ],
    ids=["status", "statuses", "priority", "priorities", "agent", "unknown agent", "combined"],
)
def test_filters(client, queue, params, pick):
    response = client.get(URL, headers=queue.alice.headers, params=params)

    assert response.status_code == 200, response.text
    ids = {item["id"] for item in response.json()["items"]}
    wanted = {str(row.id) for row in queue.rows if pick(row)}
    assert ids == wanted
    assert len(wanted) < len(queue.rows)


def test_filter_by_assignee(client, queue):
    for reviewer in (queue.alice, queue.bob):
        ids = listed(client, queue.alice.headers, assigned_to=str(reviewer.reviewer.id))
        wanted = [row for row in queue.rows if row.assigned_to == reviewer.reviewer.id]
        assert wanted
        assert set(ids) == set(queue.ids(wanted))


def test_created_window_is_exclusive(client, queue):
    tie = (T0 + timedelta(minutes=10)).isoformat()

    after = listed(client, queue.alice.headers, created_after=tie)
    before = listed(client, queue.alice.headers, created_before=tie)
    between = listed(
        client,
        queue.alice.headers,
        created_after=(T0 + timedelta(minutes=5)).isoformat().replace("+00:00", "Z"),
        created_before=(T0 + timedelta(minutes=30)).isoformat(),
    )

    rows = queue.rows
    assert set(after) == set(queue.ids(rows[4:]))
    assert set(before) == set(queue.ids(rows[:2]))
    assert set(between) == set(queue.ids(rows[2:5]))


def test_created_after_honours_the_offset(client, queue):
    # 13:25+01:00 is 12:25Z: only the rows from 12:30Z on.
    ids = listed(client, queue.alice.headers, created_after="2026-11-01T13:25:00+01:00")

    assert set(ids) == set(queue.ids(queue.rows[5:]))
