"""The reviewer's own account: change the password, sign out everywhere."""

import reflex as rx

from escalq import sitemap
from escalq.clock import utc_now
from escalq.services import offboarding, sessions
from escalq.services.errors import DomainError
from escalq.state.base import AuthState, in_session

# Inputs of the change-password form; cleared once it worked.
PASSWORD_INPUTS = ("account-current", "account-new", "account-again")


class AccountState(AuthState):
    error: str = ""
    notice: str = ""

    @rx.event
    async def load(self):
        """on_load: the top bar's reviewer (the session guard has already checked the tab)."""
        await self.current_reviewer()

    @rx.event
    async def change_password(self, form: dict[str, str]):
        """Change one's own password (the current one is required); the other sessions end."""
        current, new = form.get("current", ""), form.get("new", "")
        reviewer = await self.current_reviewer()
        if reviewer is None:
            return rx.redirect(sitemap.LOGIN.path())
        if new != form.get("again", ""):
            self.error, self.notice = "The two new passwords differ.", ""
            return None
        token = self.token
        try:
            # A wrong current password is committed (it counts towards the sign-in lock) before it is shown.
            outcome = await in_session(
                lambda s: offboarding.change_password(
                    session=s, reviewer=reviewer, current=current, new=new, token=token, now=utc_now()
                )
            )
            ended = outcome.unwrap()
        except DomainError as refused:
            self.error, self.notice = refused.message[0].upper() + refused.message[1:] + ".", ""
            return None
        self.error, self.notice = "", f"Password changed; {ended} other session(s) signed out."
        return [rx.set_value(ref, "") for ref in PASSWORD_INPUTS]

    @rx.event
    async def sign_out_everywhere(self):
        """End every session of this reviewer, on every device, this one included."""
        reviewer = await self.current_reviewer()
        if reviewer is not None:
            await in_session(
                lambda s: sessions.sign_out_everywhere(session=s, reviewer=reviewer, now=utc_now())
            )
        self.token = ""
        self._remember(None)
        return rx.redirect(sitemap.LOGIN.path())
