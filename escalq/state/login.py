"""The login form."""

import reflex as rx

from escalq import sitemap
from escalq.clock import utc_now
from escalq.services import sessions
from escalq.services.errors import Throttled, Unauthorized
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
        # Reflex takes it from the connection, or from X-Forwarded-For behind ESCALQ_TRUSTED_PROXY_HOPS.
        client_ip = self.router.session.client_ip
        self.busy = True
        yield
        # The failure is committed with its count before it is shown.
        outcome = await in_session(
            lambda s: sessions.login(
                session=s, email=email, password=password, client_ip=client_ip, now=utc_now()
            )
        )
        try:
            reviewer, token = outcome.unwrap()
        except Throttled as locked:
            self.error, self.busy = locked.message[0].upper() + locked.message[1:] + ".", False
            return
        except Unauthorized:
            self.error, self.busy = "Wrong email or password.", False
            return
        self.token, self.error, self.busy = token, "", False
        self._remember(reviewer)
        yield rx.redirect(safe_next(self.router.url.query_parameters.get("next", sitemap.QUEUE.path())))
