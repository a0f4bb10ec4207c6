"""The sign-in, admin and account handlers, run in-process on a real state tree (no browser, no socket)."""

import asyncio
from typing import Any

from reflex.istate.data import RouterData
from reflex.state import BaseState, State
from sqlmodel import select

from escalq.clock import utc_now
from escalq.models import Role, SecurityEvent
from escalq.services import sessions
from escalq.state.account import AccountState
from escalq.state.admin import DENIED, AdminState
from escalq.state.login import LoginState
from tests.factories import PASSWORD, make_reviewer

CLIENT = "203.0.113.9"


def tree() -> State:
    """A fresh state tree whose connection came from CLIENT, as Reflex builds one per browser tab."""
    root = State(_reflex_internal_init=True)
    root.router = RouterData.from_router_data({"ip": CLIENT, "headers": {}, "pathname": "/", "asPath": "/"})
    return root


def sub(root: State, cls: type[BaseState]) -> Any:
    return root.get_substate(cls.get_full_name().split(".")[1:])


def run(handler: Any, state: BaseState, *args: Any) -> list[Any]:
    """Run an event handler to its end; returns what it yielded or returned."""

    async def drain() -> list[Any]:
        result = handler.fn(state, *args)
        if hasattr(result, "__aiter__"):
            return [item async for item in result]
        return [await result]

    return asyncio.run(drain())


def signed_in(email: str) -> State:
    root = tree()
    run(LoginState.submit, sub(root, LoginState), {"email": email, "password": PASSWORD})
    assert sub(root, LoginState).token
    return root


def test_failures_count_against_the_routers_client_address_and_the_page_says_when_to_retry(session):
    make_reviewer(session)
    login = sub(tree(), LoginState)

    errors = []
    for _ in range(5):
        run(LoginState.submit, login, {"email": "rev@example.com", "password": "not-the-password"})
        errors.append(login.error)

    assert errors == ["Wrong email or password."] * 4 + ["Too many attempts; try again in 5 minutes."]
    assert login.token == ""
    addresses = session.exec(select(SecurityEvent.client_ip)).all()
    assert set(addresses) == {CLIENT}


def test_admin_offboarding_handlers_refuse_a_plain_reviewer_and_work_for_an_admin(session):
    make_reviewer(session, "admin@example.com", role=Role.admin)
    rev = make_reviewer(session, "rev@example.com")
    plain_tab = signed_in("rev@example.com")
    plain = sub(plain_tab, AdminState)

    run(AdminState.set_disabled, plain, str(rev.reviewer.id), True)
    run(AdminState.manage, plain, str(rev.reviewer.id))

    assert plain.error == DENIED
    assert (plain.reviewers, plain.managed_keys) == ([], [])
    session.refresh(rev.reviewer)
    assert rev.reviewer.disabled_at is None

    admin = sub(signed_in("admin@example.com"), AdminState)
    run(AdminState.set_disabled, admin, str(rev.reviewer.id), True)
    run(AdminState.manage, admin, str(rev.reviewer.id))
    run(AdminState.revoke_keys, admin)

    assert admin.error == ""
    assert [row.disabled for row in admin.reviewers if row.email == "rev@example.com"] == [True]
    assert [key.revoked_at != "" for key in admin.managed_keys] == [True]
    assert (
        sessions.reviewer_for(session=session, token=sub(plain_tab, LoginState).token, now=utc_now()) is None
    )


def test_sign_out_everywhere_ends_this_tab_and_the_others(session):
    make_reviewer(session)
    here, there = signed_in("rev@example.com"), signed_in("rev@example.com")
    account = sub(here, AccountState)
    tokens = [sub(here, LoginState).token, sub(there, LoginState).token]

    run(AccountState.sign_out_everywhere, account)

    assert account.token == ""
    assert [sessions.reviewer_for(session=session, token=t, now=utc_now()) for t in tokens] == [None, None]
