"""What every signed-in page shares: the session, the guard before every event, database work off the loop.

The guard is one Reflex middleware (SessionGuard, installed in escalq/escalq.py) that runs before every event
of every state: an event of AuthState or any state below it runs only for a tab whose session token is valid
right now (`sessions.reviewer_for`) and whose reviewer holds at least the state's `requires` role. Anything
else gets the tab's escalation data emptied and a redirect. Only `@public` handlers (the sign-in form) and
the few Reflex events in REFLEX_EVENTS run without a session; a state outside AuthState is never run.
"""

import asyncio
from collections.abc import Callable, Iterator
from typing import Any, ClassVar, TypeVar
from urllib.parse import quote, unquote

import reflex as rx
from reflex.event import Event
from reflex.state import (
    BaseState,
    FrontendEventExceptionState,
    OnLoadInternalState,
    StateUpdate,
    UpdateVarsInternalState,
)
from reflex_base.constants.state import FIELD_MARKER
from sqlmodel import Session

from escalq import sitemap
from escalq.clock import utc_now
from escalq.config import get_settings
from escalq.models import Reviewer, Role
from escalq.pipeline import unit_of_work
from escalq.services import oncall, sessions
from escalq.services.json_input import value_errors
from escalq.state import reads

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")
# Keys of reads shared within a live round (escalq.state.reads): a session token's, the on-call names.
SESSION, ON_CALL = "session", "on call"
_PUBLIC = "__escalq_public__"
_RANKS = list(Role)  # declared from least to most: reviewer, manager, admin
# Reflex's own events, sent by every page before anyone signs in; none runs our code or reads our data.
# hydrate_and_load sends the tab's state: the guard empties what the incoming session may not see first.
REFLEX_EVENTS: dict[type[BaseState], frozenset[str]] = {
    rx.State: frozenset({"hydrate_and_load"}),
    OnLoadInternalState: frozenset({"on_load_internal", "set_is_hydrated"}),
    UpdateVarsInternalState: frozenset({"update_vars_internal"}),
    FrontendEventExceptionState: frozenset({"handle_frontend_exception"}),
}


async def in_session(work: Callable[[Session], T]) -> T:
    """Run `work` in a unit of work (escalq.pipeline: what it changes is announced, what it records is
    queued) on a worker thread, so the event loop never waits on the database."""

    def unit() -> T:
        with unit_of_work() as session:
            return work(session)

    return await asyncio.to_thread(unit)


def set_if_changed(state: BaseState, **values: Any) -> None:
    """Set each field whose value differs: Reflex sends every field set, so what is unchanged stays home
    (the live feed refreshes every watching tab on every change)."""
    for name, value in values.items():
        if getattr(state, name) != value:
            setattr(state, name, value)


def public(handler: F) -> F:
    """Let `handler` run without a session; only for what a visitor needs before signing in."""
    setattr(handler, _PUBLIC, True)
    return handler


def safe_next(target: object) -> str:
    """`target` when it is a path on this site, else "/": the login page never sends anyone elsewhere.

    Browsers read a backslash as a slash and drop tabs and newlines, so `/\\host`, `/%09/host` (once
    decoded) and `//host` would all leave the site; any of them, a scheme or a control character gives "/".
    """
    if not isinstance(target, str):
        return "/"
    for form in (target, unquote(target)):
        if (
            not form.startswith("/")
            or form.startswith("//")
            or "\\" in form
            or any(ord(char) < 0x20 or ord(char) == 0x7F for char in form)
        ):
            return "/"
    return target


def _cookie_is_secure() -> bool:
    return get_settings().public_url.lower().startswith("https://")


class AuthState(rx.State):
    """The signed-in reviewer; the browser keeps only an opaque session token.

    The token lives in a cookie that dies with the browser session (no max-age; the server-side session
    may end it sooner), sent to this site only (SameSite=Strict), over https only when the site is https.
    """

    # The least role that may run this state's events (and those of states below it that keep it).
    requires: ClassVar[Role] = Role.reviewer

    token: str = rx.Cookie(
        "", name="escalq_session", path="/", same_site="strict", secure=_cookie_is_secure()
    )
    reviewer_id: str = ""
    reviewer_name: str = ""
    role: str = ""
    on_call_names: str = ""  # the nav bar's "On call now", refreshed with the reviewer

    @rx.var
    def signed_in(self) -> bool:
        return self.reviewer_id != ""

    @rx.var
    def is_admin(self) -> bool:
        return self.role == Role.admin.value

    @rx.var
    def is_manager(self) -> bool:
        return self.role in (Role.manager.value, Role.admin.value)

    def _remember(self, reviewer: Reviewer | None) -> None:
        self.reviewer_id = str(reviewer.id) if reviewer else ""
        self.reviewer_name = reviewer.display_name if reviewer else ""
        self.role = reviewer.role.value if reviewer else ""

    async def current_reviewer(self) -> Reviewer | None:
        """The reviewer behind the token, fresh from the database (roles can change)."""
        reviewer = await signed_in(self.token)
        self.on_call_names = (
            await reads.once(ON_CALL, lambda: in_session(lambda s: oncall.names_at(session=s, at=utc_now())))
            if reviewer
            else ""
        )
        self._remember(reviewer)
        return reviewer

    @rx.event
    async def logout(self):
        token = self.token
        await in_session(lambda s: sessions.logout(session=s, token=token, now=utc_now()))
        await forget(self, None)
        return rx.redirect(sitemap.LOGIN.path())


async def signed_in(token: str) -> Reviewer | None:
    """The reviewer whose session `token` is valid now (the sessions service decides), else None."""
    if not token:
        return None
    return await reads.once(
        (SESSION, token),
        lambda: in_session(lambda s: sessions.reviewer_for(session=s, token=token, now=utc_now())),
    )


async def check_sessions(tokens: list[str]) -> None:
    """Within a live round: many tabs' session tokens checked in one query, and who is on call, read
    ahead in one unit of work for `signed_in` and `current_reviewer` to answer."""

    def read(session: Session) -> tuple[dict[str, Reviewer], str]:
        now = utc_now()
        return sessions.reviewers_for(session=session, tokens=tokens, now=now), oncall.names_at(
            session=session, at=now
        )

    valid, on_call = await in_session(read)
    for token in tokens:
        reads.known((SESSION, token), valid.get(token))
    reads.known(ON_CALL, on_call)


def allows(reviewer: Reviewer | None, role: Role) -> bool:
    """Whether `reviewer` holds `role` or a higher one."""
    return reviewer is not None and _RANKS.index(reviewer.role) >= _RANKS.index(role)


def is_public(state_cls: type[BaseState], name: str) -> bool:
    """Whether event `name` of `state_cls` runs without a session."""
    handler = state_cls.event_handlers.get(name)
    return name in REFLEX_EVENTS.get(state_cls, ()) or (
        handler is not None and getattr(handler.fn, _PUBLIC, False)
    )


def _below(state_cls: type[BaseState]) -> Iterator[type[BaseState]]:
    for substate in state_cls.get_substates():
        yield substate
        yield from _below(substate)


async def forget(state: BaseState, reviewer: Reviewer | None) -> None:
    """Empty every page state that `reviewer` (None: nobody signed in) may not see, with what is below it.

    For nobody that is AuthState itself: the token, the name in the nav bar and every page's rows.
    """
    pending = [AuthState]
    while pending:
        cls = pending.pop()
        if allows(reviewer, cls.requires):
            pending.extend(cls.get_substates())
            continue
        top = await state.get_state(cls)
        for substate in _below(cls):
            await state.get_state(substate)  # loaded, so reset() reaches it
        top.reset()  # type: ignore[no-untyped-call]


async def refusal(state: BaseState, state_cls: type[BaseState]) -> list[Event] | None:
    """None when the tab's session may use `state_cls`; otherwise it forgets what it may not see and
    is sent to sign in (no valid session) or to the queue (a role too low)."""
    reviewer = await signed_in((await state.get_state(AuthState)).token)
    if issubclass(state_cls, AuthState) and allows(reviewer, state_cls.requires):
        return None
    await forget(state, reviewer)
    path = safe_next(state.router.url.path)
    if reviewer is None:
        return Event.from_event_type(rx.redirect(f"{sitemap.LOGIN.path()}?next={quote(path)}"))
    return Event.from_event_type(rx.redirect(f"{sitemap.QUEUE.path()}?denied={quote(path.strip('/'))}"))


def _incoming_token(event: Event) -> str:
    """The session token a hydrate_and_load brings from the browser's cookie ("" without one)."""
    sent = event.payload.get("vars")
    for key, value in sent.items() if isinstance(sent, dict) else ():
        state_name, _, name = key.rpartition(".")
        if state_name == AuthState.get_full_name() and name.removesuffix(FIELD_MARKER) == "token":
            return str(value)
    return ""


class SessionGuard(rx.Middleware):
    """Checks the session and role on the server before any event handler runs."""

    async def preprocess(self, app: rx.App, state: BaseState, event: Event) -> StateUpdate | None:
        unstorable = value_errors(event.payload)
        if unstorable:
            # What PostgreSQL cannot store never reaches a handler; the form keeps what was typed.
            first = unstorable[0]
            where = ".".join(map(str, first.loc)) or "the input"
            return StateUpdate(
                events=Event.from_event_type(rx.toast.error(f"Not sent: {where} {first.message}."))
            )
        state_name, _, name = event.name.rpartition(".")
        try:
            state_cls = rx.State.get_class_substate(state_name)
        except ValueError:
            state_cls = BaseState  # unknown: never public, refused below like any state outside AuthState
        if is_public(state_cls, name):
            if state_cls is rx.State and name == "hydrate_and_load":
                # The snapshot it sends must not hold what the tab's session may not see.
                await forget(state, await signed_in(_incoming_token(event)))
            return None
        refused = await refusal(state, state_cls)
        if refused is None:
            return None
        delta = await state._get_resolved_delta()
        state._clean()  # type: ignore[no-untyped-call]
        return StateUpdate(delta=delta, events=refused)
