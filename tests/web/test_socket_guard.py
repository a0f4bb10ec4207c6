"""The real websocket protocol, as an attacker would speak it: no handler gives a tab more than its session.

Every handler of every state is sent, with plausible arguments and the escalation page's path, by a tab
without a session, and every manager and admin handler by a plain reviewer (the reviewer's own handlers
may act: that is their job); nothing of an escalation may come back and no row may change. The live feed,
an ended session and a reload after it are checked the same way.
"""

import inspect
import uuid
from datetime import time, timedelta
from typing import Any

import httpx
import pytest
import socketio
from sqlalchemy import text
from sqlmodel import Session, SQLModel

from escalq import pipeline
from escalq.clock import utc_now
from escalq.db import get_engine
from escalq.models import Role
from escalq.schemas.policy import PolicyDocument
from escalq.services import escalations, oncall, policies, sessions
from escalq.state.base import AuthState, is_public
from tests.factories import PASSWORD, make_agent, make_escalation, make_resolved_escalation, make_reviewer
from tests.web.handlers import Found, every_handler, found_named
from tests.web.tab import Tab

CANARY = f"canary-{uuid.uuid4().hex[:12]}"  # in every escalation field a leak would carry


def _plausible(world: dict[str, Any]) -> dict[str, Any]:
    """An argument for every parameter name a handler has, aimed at real rows so a missing guard shows."""
    return {
        "escalation_id": world["pending"],
        "reviewer_id": world["colleague"],
        "agent_id": world["agent"],
        "override_id": world["override"],
        "active": False,
        "on_call": True,
        "disabled": True,
        "role": "admin",
        "is_open": False,
        "column": "created_at",
        "name": "status_filter",
        "value": "all",
        "var_name": "notes",
        "preset": "30d",
        "agent": "all",
        "resolution": "rejected",
        "notes": f"overruled {CANARY}",
        "warranted": "no",
        "question": "Why?",
        "key": "c",
        "modifiers": {"alt_key": False, "ctrl_key": False, "meta_key": False, "shift_key": False},
        "focus": "",
        "permission": "granted",
        "hours": "0",
        "days": "7",
        "number": world["policy"],
        "form": {
            "email": "mallory@example.com",
            "display_name": "Mallory",
            "password": "a long enough password 1234",
            "name": "mallory-bot",
            "timezone": "UTC",
            "handover_time": "09:00",
            "shift_hours": "24",
            "anchor_date": "2026-11-01",
            "member_emails": "rev@example.com",
            "starts_at": "2030-01-01T10:00",
            "ends_at": "2030-01-01T12:00",
            "reason": "takeover",
            "start": "2026-11-01",
            "end": "2026-11-30",
            "agent_id": world["agent"],
            "per_minute": "5",
            "per_day": "7",
            "schema": '{"type": "object", "required": ["mallory"]}',
            "escalation": world["pending"],
            "actor": "Mallory",
            "action": "created",
            "since": "2026-11-01",
            "until": "2026-11-30",
            "document": '{"loops": {"similarity": 1}}',
            "comment": f"mallory {CANARY}",
        },
    }


def _parameters(found: Found) -> list[str]:
    return [name for name in inspect.signature(found.handler.fn).parameters if name != "self"]


def _probes(world: dict[str, Any], wanted: list[Found]) -> list[tuple[Found, dict[str, Any]]]:
    """Openers and setters first, so an unguarded resolve or ask after them would find its dialog open."""
    plausible = _plausible(world)
    missing = sorted({f"{f.label}({p})" for f in wanted for p in _parameters(f) if p not in plausible})
    assert missing == [], "give these parameters a plausible value in _plausible()"
    ordered = sorted(wanted, key=lambda f: (not f.name.startswith(("open_", "set_")), f.event_name))
    return [(found, {p: plausible[p] for p in _parameters(found)}) for found in ordered]


def _rows(*, skip: tuple[str, ...] = ()) -> dict[str, list[str]]:
    """Every row of every table, to compare before and after."""
    with get_engine().connect() as connection:
        return {
            table.name: sorted(
                repr(tuple(row)) for row in connection.execute(text(f"SELECT * FROM {table.name}"))
            )
            for table in SQLModel.metadata.sorted_tables
            if table.name not in skip
        }


@pytest.fixture
def world(session: Session) -> dict[str, Any]:
    """Two escalations full of the canary, the people and an on-call override the handlers could touch."""
    agent = make_agent(session, "billing-bot").agent
    admin = make_reviewer(session, "admin@example.com", role=Role.admin).reviewer
    make_reviewer(session, "rev@example.com")
    colleague = make_reviewer(session, "colleague@example.com", role=Role.manager).reviewer
    secret = {"customer": {"iban": f"DE00 {CANARY}"}, "note": CANARY}
    pending = make_escalation(session, agent, description=f"Refund {CANARY}", context=secret)
    resolved = make_resolved_escalation(
        session, agent, admin, description=f"Chargeback {CANARY}", context=secret, notes=f"Notes {CANARY}"
    )
    now = utc_now()
    oncall.set_rotation(
        session=session,
        name="primary",
        timezone="UTC",
        handover_time=time(9),
        shift_hours=24,
        member_ids=[admin.id],
        now=now,
    )
    override = oncall.add_override(
        session=session,
        reviewer_id=colleague.id,
        starts_at=now + timedelta(days=1),
        ends_at=now + timedelta(days=2),
        now=now,
    )
    policies.current(session)
    proposed = policies.propose(
        session=session, document=PolicyDocument().model_dump(mode="json"), author=admin, comment="", now=now
    )
    session.commit()
    return {
        "policy": proposed.number,
        "agent": str(agent.id),
        "colleague": str(colleague.id),
        "pending": str(pending.id),
        "resolved": str(resolved.id),
        "override": str(override.id),
        "admin": admin,
    }


@pytest.fixture
def tabs(backend):
    opened: list[Tab] = []

    def open_tab(**kwargs: Any) -> Tab:
        tab = Tab(backend.url, **kwargs)
        opened.append(tab)
        return tab

    yield open_tab
    for tab in opened:
        tab.close()


def test_a_tab_without_a_session_gets_only_redirects_from_every_handler(world, tabs):
    page = f"/escalations/{world['resolved']}"
    to_sign_in = f"/login?next={page}"
    tab = tabs()
    tab.hydrate(page)
    tab.wait_for_redirects(1, what="the escalation page's on_load refusing")
    before = _rows()

    probes = _probes(world, [f for f in every_handler() if not is_public(f.state, f.name)])
    for count, (found, payload) in enumerate(probes, start=2):
        tab.send(found.event_name, payload, page)
        tab.wait_for_redirects(count, what=f"{found.label} to refuse")
    # The public ones too, as a browser would send them.
    tab.send(found_named("OnLoadInternalState", "on_load_internal").event_name, {}, page)
    tab.send(found_named("UpdateVarsInternalState", "update_vars_internal").event_name, {"vars": {}}, page)
    tab.send(found_named("LoginState", "submit").event_name, {"form": {"email": "", "password": ""}}, page)
    tab.wait_for_redirects(len(probes) + 2, what="the page's on_load, queued by on_load_internal, to refuse")

    assert set(tab.redirects()) == {to_sign_in}
    assert CANARY not in tab.text()
    assert _rows() == before


def test_a_plain_reviewer_is_refused_every_manager_and_admin_handler(world, tabs):
    tab = tabs()
    tab.sign_in("rev@example.com", PASSWORD)
    before = _rows(skip=("reviewer_sessions",))  # the signed-in tab's own session row may be touched
    higher = [
        f
        for f in every_handler()
        if issubclass(f.state, AuthState)
        and f.state.requires != Role.reviewer
        and not is_public(f.state, f.name)
    ]
    assert {f.state.__name__ for f in higher} == {
        "AdminState",
        "OncallState",
        "ContractState",
        "MetricsState",
        "AuditState",
        "PoliciesState",
        "PolicyEditState",
    }
    pages = {
        "MetricsState": "/metrics",
        "AuditState": "/audit",
        "PoliciesState": "/policies",
        "PolicyEditState": "/policies",
    }

    for count, (found, payload) in enumerate(_probes(world, higher), start=2):
        page = pages.get(found.state.__name__, "/admin")
        tab.send(found.event_name, payload, page)
        tab.wait_for_redirects(count, what=f"{found.label} to refuse a reviewer")

    assert set(tab.redirects()[1:]) == {
        "/?denied=admin",
        "/?denied=metrics",
        "/?denied=audit",
        "/?denied=policies",
    }
    leaked = [
        word for word in (CANARY, "colleague@example.com", "billing-bot", "mallory") if word in tab.text()
    ]
    assert leaked == []
    assert _rows(skip=("reviewer_sessions",)) == before
    # The same reviewer may read the escalation: the canary does come back when it is allowed to.
    tab.send(found_named("DetailState", "load").event_name, {}, f"/escalations/{world['resolved']}")
    tab.wait_until(lambda: CANARY in tab.text(), what="the escalation page to load for its reviewer")


def _resolve_and_announce(world: dict[str, Any], notes: str) -> None:
    with Session(get_engine(), expire_on_commit=False) as session:
        escalations.resolve(
            session=session,
            escalation_id=uuid.UUID(world["pending"]),
            by=world["admin"],
            resolution="approved",
            notes=notes,
            now=utc_now(),
        )
        pipeline.commit(session)


def test_the_live_feed_pushes_nothing_to_a_tab_without_a_session(world, tabs):
    page = f"/escalations/{world['pending']}"
    reviewer = tabs()
    reviewer.sign_in("rev@example.com", PASSWORD)
    reviewer.send(found_named("DetailState", "load").event_name, {}, page)
    anonymous = tabs()
    anonymous.hydrate(page)
    anonymous.wait_for_redirects(1, what="the anonymous tab's on_load refusing")
    reviewer.wait_until(lambda: CANARY in reviewer.text(), what="the reviewer's escalation page")

    _resolve_and_announce(world, notes=f"pushed {CANARY}-later")

    reviewer.wait_until(lambda: f"{CANARY}-later" in reviewer.text(), what="the live update of the reviewer")
    assert CANARY not in anonymous.text()


def test_a_watcher_whose_session_ended_is_dropped_and_emptied(world, tabs):
    page = f"/escalations/{world['pending']}"
    tab = tabs()
    token = tab.sign_in("rev@example.com", PASSWORD)
    tab.send(found_named("DetailState", "load").event_name, {}, page)
    tab.wait_until(lambda: CANARY in tab.text(), what="the escalation page")
    with Session(get_engine()) as session:
        sessions.logout(session=session, token=token, now=utc_now())  # e.g. signed out in another tab
        session.commit()
    seen = len(tab.updates)

    _resolve_and_announce(world, notes=f"pushed {CANARY}-later")

    tab.wait_for_redirects(2, what="the live refresh to refuse the ended session")
    assert tab.redirects()[-1] == f"/login?next={page}"
    after = tab.text_since(seen)
    assert CANARY not in after
    assert '"escalation_rx_state_": null' in after  # what the tab held is emptied, not left behind


def test_a_reload_after_the_session_ended_hydrates_nothing_stale(world, tabs):
    page = f"/escalations/{world['pending']}"
    tab = tabs()
    token = tab.sign_in("rev@example.com", PASSWORD)
    tab.send(found_named("DetailState", "load").event_name, {}, page)
    tab.wait_until(lambda: CANARY in tab.text(), what="the escalation page")
    with Session(get_engine()) as session:
        sessions.logout(session=session, token=token, now=utc_now())
        session.commit()
    tab.close()

    reloaded = tabs(client_token=tab.client_token)  # the same browser tab, reloaded: its state is kept
    reloaded.hydrate(page, cookie=token)
    reloaded.wait_for_redirects(1, what="the reloaded page's on_load refusing")

    assert CANARY not in reloaded.text()


def test_a_page_on_another_site_cannot_open_the_socket(backend):
    with pytest.raises(socketio.exceptions.ConnectionError):
        Tab(backend.url, origin="https://evil.example")


def test_the_running_backend_grants_cors_to_its_own_origin_only(backend):
    with httpx.Client(base_url=backend.url, timeout=10) as http:
        foreign = http.get("/api/oncall", headers={"Origin": "https://evil.example", "Cookie": "a=b"})
        own = http.get("/api/oncall", headers={"Origin": backend.url})
        ping = http.get("/ping", headers={"Origin": "https://evil.example", "Cookie": "a=b"})

    assert "access-control-allow-origin" not in foreign.headers
    assert "access-control-allow-origin" not in ping.headers
    assert own.headers["access-control-allow-origin"] == backend.url


def test_input_postgresql_cannot_store_is_refused_before_any_handler(world, tabs):
    """A NUL in a form (here the public sign-in form) never reaches a handler or the database."""
    tab = tabs()
    tab.hydrate("/login")
    before = _rows()
    form = {"email": "rev@example.com\x00", "password": PASSWORD}
    tab.send(found_named("LoginState", "submit").event_name, {"form": form}, "/login", {"next": "/"})

    tab.wait_until(lambda: "Not sent" in tab.text(), what="the refusal of the NUL")
    assert "form.email must not contain NUL" in tab.text()
    assert tab.redirects() == [], "not signed in"
    assert _rows() == before, "no failed attempt was counted either"
