"""The login form."""

import reflex as rx

from escalq.clock import utc_now
from escalq.services import sessions
from escalq.services.errors import Unauthorized
from escalq.state.base import AuthState, in_session, public, safe_next


class LoginState(AuthState):
    error: str = ""
    busy: bool = False

    @rx.event
    @public
    async def submit(self, form: dict[str, str]):
        email, password = form.get("email", "").strip(), form.get("password", "")
        if not email or not password:
            self.error = "Enter your email and password."
            return
        self.busy = True
        yield
        try:
            reviewer, token = await in_session(
                lambda s: sessions.login(session=s, email=email, password=password, now=utc_now())
            )
        except Unauthorized:
            self.error, self.busy = "Wrong email or password.", False
            return
        self.token, self.error, self.busy = token, "", False
        self._remember(reviewer)
        yield rx.redirect(safe_next(self.router.url.query_parameters.get("next", "/")))
