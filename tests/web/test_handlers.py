"""Every event handler of every state is guarded by the session and a role, or on a short public list.

The simplest safe rule: everything but the sign-in form and Reflex's own machinery needs a valid session,
UI-only setters too (opening a dialog or typing into a field on a page whose data a visitor must not see
gains nothing from being public, and a public setter is one more door to audit). A new handler on a state
below AuthState is guarded by that state's role without anyone remembering to; a handler anywhere else
fails this test until it is guarded or argued onto PUBLIC below.
"""

import reflex as rx

from escalq.escalq import app
from escalq.models import Role
from escalq.state.account import AccountState
from escalq.state.actions import EscalationActions
from escalq.state.admin import AdminState
from escalq.state.audit import AuditState
from escalq.state.base import AuthState, SessionGuard, is_public
from escalq.state.contract import ContractState
from escalq.state.detail import DetailState
from escalq.state.login import LoginState
from escalq.state.metrics import MetricsState
from escalq.state.oncall import OncallState
from escalq.state.policies import PoliciesState, PolicyEditState
from escalq.state.queue import QueueState
from tests.web.handlers import every_handler

# What runs without a session, and why each is safe.
PUBLIC = {
    # The sign-in form: a visitor has no session yet. It reads only what is typed into it.
    "LoginState.submit",
    # Reflex's connect event: applies browser storage (the session cookie), sends the tab's state and queues
    # the page's on_load handlers, which are guarded; the guard first empties what the session may not see.
    "State.hydrate_and_load",
    # Reflex's navigation event: queues the new page's on_load handlers (guarded), then marks it hydrated.
    "OnLoadInternalState.on_load_internal",
    "OnLoadInternalState.set_is_hydrated",
    # Reflex's browser-storage sync on navigation: sets only cookie/localStorage vars (our session token).
    "UpdateVarsInternalState.update_vars_internal",
    # Reflex's report of a JavaScript error in the browser, to the backend log (rate limited by Reflex).
    "FrontendEventExceptionState.handle_frontend_exception",
}
# The theme (light/dark) toggle is rx.color_mode, handled in the browser: it sends no event at all.

ROLES = {
    AuthState: Role.reviewer,
    LoginState: Role.reviewer,  # only its submit is public
    EscalationActions: Role.reviewer,
    QueueState: Role.reviewer,
    DetailState: Role.reviewer,
    MetricsState: Role.manager,
    AdminState: Role.admin,
    OncallState: Role.admin,
    ContractState: Role.admin,
    AuditState: Role.manager,
    PoliciesState: Role.manager,
    PolicyEditState: Role.admin,
    AccountState: Role.reviewer,
}


def test_every_handler_is_guarded_or_on_the_public_list():
    public, outside = set(), []
    for found in every_handler():
        if is_public(found.state, found.name):
            public.add(found.label)
        elif not issubclass(found.state, AuthState):
            outside.append(found)
    assert public == PUBLIC
    # The guard runs no event of a state outside AuthState: there only Reflex's own may be (their setvar,
    # the old hydrate); a state of ours there has forgotten its base and would never work.
    assert [found.label for found in outside if not found.state.__module__.startswith("reflex.")] == []
    assert {found.label for found in outside} >= {"State.hydrate", "State.setvar"}


def test_each_state_asks_for_the_role_of_its_page():
    ours = {found.state for found in every_handler() if issubclass(found.state, AuthState)}
    assert ours == set(ROLES), "a new state below AuthState: add it to ROLES with the role it needs"
    assert {state: state.requires for state in ours} == ROLES


def test_the_guard_runs_before_every_event_of_the_app():
    assert any(isinstance(middleware, SessionGuard) for middleware in app._middlewares)


def test_the_enumeration_sees_the_handlers_that_opened_the_door():
    """The walk reaches what issue 9 found open (the escalation page's load), and Reflex's own setvars."""
    labels = {found.label for found in every_handler()}
    assert {"DetailState.load", "DetailState.refresh", "QueueState.setvar", "AuthState.logout"} <= labels
    assert not is_public(rx.State, "setvar")
