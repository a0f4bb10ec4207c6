"""Keyset pagination in the service: mixed sort directions, cursors, agent scoping."""

from datetime import timedelta

import pytest

from escalq.models import Priority
from escalq.services.auth import Principal
from escalq.services.errors import Forbidden, Invalid
from escalq.services.listing import EscalationFilter, Order, SortKey, list_page
from tests.factories import make_agent, make_escalation, make_reviewer

EVERYTHING = EscalationFilter()


def all_pages(session, principal, *, sort, order, limit, filters=EVERYTHING):
    rows, cursor, pages = [], None, 0
    while True:
        page, cursor = list_page(
            session=session,
            principal=principal,
            filters=filters,
            sort=sort,
            order=order,
            limit=limit,
            cursor=cursor,
        )
        rows += page
        pages += 1
        assert pages < 50, "pagination did not end"
        if cursor is None:
            return rows


@pytest.fixture
def seeded(session, now):
    """Ten escalations, priorities cycling, several created at the same instant."""
    agent = make_agent(session)
    priorities = [Priority.urgent, Priority.low, Priority.high, Priority.medium]
    rows = [
        make_escalation(session, agent.agent, priority=priorities[n % 4], now=now + timedelta(minutes=n // 3))
        for n in range(10)
    ]
    reviewer = make_reviewer(session, active=False)
    return rows, Principal(reviewer=reviewer.reviewer)


@pytest.mark.parametrize("limit", [1, 3, 4, 10, 11])
def test_priority_desc_with_oldest_first_pages_without_gaps(session, seeded, limit):
    rows, principal = seeded
    rank = {Priority.urgent: 0, Priority.high: 1, Priority.medium: 2, Priority.low: 3}

    walked = all_pages(session, principal, sort=SortKey.priority, order=Order.desc, limit=limit)

    expected = sorted(rows, key=lambda r: (rank[r.priority], r.created_at, r.id))
    assert [r.id for r in walked] == [r.id for r in expected]


@pytest.mark.parametrize("order", [Order.asc, Order.desc])
def test_created_at_ties_are_broken_by_id(session, seeded, order):
    rows, principal = seeded

    walked = all_pages(session, principal, sort=SortKey.created_at, order=order, limit=2)

    expected = sorted(rows, key=lambda r: (r.created_at, r.id), reverse=order == Order.desc)
    assert [r.id for r in walked] == [r.id for r in expected]


def test_last_page_has_no_cursor(session, seeded):
    rows, principal = seeded

    page, cursor = list_page(
        session=session,
        principal=principal,
        filters=EscalationFilter(),
        sort=SortKey.status,
        order=Order.asc,
        limit=len(rows),
        cursor=None,
    )

    assert len(page) == len(rows)
    assert cursor is None


def test_a_cursor_is_a_position_that_fits_any_order(session, seeded):
    # A cursor from a priority listing, used with created_at ascending, continues after the same row.
    rows, principal = seeded
    page, cursor = list_page(
        session=session,
        principal=principal,
        filters=EVERYTHING,
        sort=SortKey.priority,
        order=Order.desc,
        limit=2,
        cursor=None,
    )

    after, _ = list_page(
        session=session,
        principal=principal,
        filters=EVERYTHING,
        sort=SortKey.created_at,
        order=Order.asc,
        limit=20,
        cursor=cursor,
    )

    by_age = sorted(rows, key=lambda r: (r.created_at, r.id))
    assert [r.id for r in after] == [r.id for r in by_age[by_age.index(page[-1]) + 1 :]]


def test_an_empty_cursor_is_the_first_page(session, seeded):
    _, principal = seeded
    pages = [
        list_page(
            session=session,
            principal=principal,
            filters=EVERYTHING,
            sort=SortKey.created_at,
            order=Order.desc,
            limit=3,
            cursor=cursor,
        )
        for cursor in (None, "")
    ]

    assert pages[0] == pages[1]


@pytest.mark.parametrize(
    "cursor",
    [
        "%%%",
        "bm90IGpzb24",
        "eyJhZnRlciI6WzEsMl19",
        "3.0.Infinity.00000000000000000000000000000000",
        "3.0.1764656624614025.5",  # a number as the id
        "3.0.99999999999999999999999.00000000000000000000000000000000",  # a huge int
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
        "3.0.1764656624614025.00000000000000000000000000000000\n",
    ],
)
def test_foreign_cursors_are_invalid(session, seeded, cursor):
    _, principal = seeded

    with pytest.raises(Invalid, match="invalid cursor") as refused:
        list_page(
            session=session,
            principal=principal,
            filters=EVERYTHING,
            sort=SortKey.created_at,
            order=Order.desc,
            limit=2,
            cursor=cursor,
        )
    assert refused.value.field == "cursor"


def test_agents_are_scoped_to_their_own(session, now):
    mine = make_agent(session, "mine")
    theirs = make_agent(session, "theirs")
    own = make_escalation(session, mine.agent, now=now)
    make_escalation(session, theirs.agent, now=now)
    principal = Principal(agent=mine.agent)

    rows = all_pages(session, principal, sort=SortKey.created_at, order=Order.desc, limit=5)

    assert [r.id for r in rows] == [own.id]
    with pytest.raises(Forbidden):
        all_pages(
            session,
            principal,
            sort=SortKey.created_at,
            order=Order.desc,
            limit=5,
            filters=EscalationFilter(source_agent="theirs"),
        )
