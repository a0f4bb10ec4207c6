"""What every signed-in page shares: the session, the reviewer, running database work off the loop."""

import asyncio
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import reflex as rx
from sqlmodel import Session

from escalq.clock import utc_now
from escalq.db import session_scope
from escalq.models import Reviewer, Role
from escalq.services import oncall, sessions

P = ParamSpec("P")
T = TypeVar("T")
LOGIN_ROUTE = "/login"


async def in_session(work: Callable[[Session], T]) -> T:
    """Run `work` in a unit of work on a worker thread, so the event loop never waits on the database."""

    def unit() -> T:
        with session_scope() as session:
            return work(session)

    return await asyncio.to_thread(unit)


class AuthState(rx.State):
    """The signed-in reviewer; the browser keeps only an opaque session token."""

    token: str = rx.LocalStorage("", name="escalq_session", sync=True)
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
        token = self.token

        def read(session: Session) -> tuple[Reviewer | None, str]:
            now = utc_now()
            reviewer = sessions.reviewer_for(session=session, token=token, now=now)
            return reviewer, oncall.names_at(session=session, at=now) if reviewer else ""

        reviewer, self.on_call_names = await in_session(read)
        self._remember(reviewer)
        return reviewer

    @rx.event
    async def require_login(self):
        """on_load guard: send visitors without a valid session to the login page."""
        if await self.current_reviewer() is None:
            return rx.redirect(f"{LOGIN_ROUTE}?next={self.router.url.path}")
        return None

    @rx.event
    async def require_admin(self):
        """on_load guard for admin pages."""
        return await self._require(Role.admin)

    @rx.event
    async def require_manager(self):
        """on_load guard for managers' pages (admins too)."""
        return await self._require(Role.manager, Role.admin)

    async def _require(self, *roles: Role):
        reviewer = await self.current_reviewer()
        if reviewer is None:
            return rx.redirect(f"{LOGIN_ROUTE}?next={self.router.url.path}")
        if reviewer.role not in roles:
            return rx.redirect(f"/?denied={self.router.url.path.strip('/')}")
        return None

    @rx.event
    async def logout(self):
        token = self.token
        await in_session(lambda s: sessions.logout(session=s, token=token, now=utc_now()))
        self.token = ""
        self._remember(None)
        return rx.redirect(LOGIN_ROUTE)
