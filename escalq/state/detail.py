"""The escalation page: everything about one escalation, live."""

import uuid

import reflex as rx
from sqlmodel import Session

from escalq.clock import utc_now
from escalq.schemas.detail import EscalationView
from escalq.schemas.handback import ContextUpdateRow, Exchange
from escalq.services import detail, handback, webhooks
from escalq.services.errors import DomainError
from escalq.state import live, reads
from escalq.state.actions import EscalationActions
from escalq.state.base import in_session


class DetailState(EscalationActions):
    escalation: EscalationView | None = None
    missing: str = ""
    open_question: str = ""
    asked_by: str = ""
    updates: list[ContextUpdateRow] = []

    def _escalation_id(self) -> uuid.UUID | None:
        try:
            return uuid.UUID(self.router.url.path.rstrip("/").rsplit("/", 1)[-1])
        except ValueError:
            return None

    async def refresh(self) -> None:
        target = self._escalation_id()
        if target is None:
            self.escalation, self.missing = None, "That is not an escalation id."
            return

        def read(session: Session) -> tuple[EscalationView, Exchange]:
            return (
                detail.view(session=session, escalation_id=target),
                handback.exchange(session=session, escalation_id=target),
            )

        try:
            escalation, exchange = await reads.once(("escalation", target), lambda: in_session(read))
        except DomainError as error:
            self.escalation, self.missing = None, error.message
            return
        # Set whole, changed or not: after an action the page shows what is true now, even if a push
        # it missed had already told the server's copy.
        self.escalation, self.missing = escalation, ""
        self.open_question, self.asked_by, self.updates = (
            exchange.question,
            exchange.asked_by,
            exchange.updates,
        )

    @rx.event
    async def load(self):
        live.watch(self.router.session.client_token, type(self), self.token)
        self.notice = ""
        await self.refresh()

    @rx.event
    async def redeliver(self):
        """Queue the latest webhook event again (same webhook-id, so the agent can dedupe)."""
        if await self.current_reviewer() is None or (target := self._escalation_id()) is None:
            return
        try:
            await in_session(lambda s: webhooks.redeliver(session=s, escalation_id=target, now=utc_now()))
        except DomainError as error:
            self._say(f"Could not redeliver: {error.message}", error=True)
        else:
            self._say("Redelivery queued.")
        await self.refresh()
