"""Claim, resolve and ask the agent, shared by every page that shows escalations."""

import uuid

import reflex as rx
from reflex.event import EventSpec
from sqlmodel import Session

from escalq.clock import utc_now
from escalq.models import Priority, Warranted
from escalq.services import escalations, handback, priorities
from escalq.services.errors import DomainError
from escalq.state import live
from escalq.state.base import AuthState, in_session

RESOLUTIONS = ["approved", "rejected", "answered", "other"]
# The resolver's word on whether escalating was warranted; "" says nothing.
WARRANTED = [choice.value for choice in Warranted]


def claimed_notice(passed_over: int) -> str:
    """What a claimer reads; a warning when older urgent escalations still wait for anyone."""
    if passed_over == 0:
        return "Claimed. It is yours now."
    older = (
        "1 older urgent escalation is" if passed_over == 1 else f"{passed_over} older urgent escalations are"
    )
    return f"Claimed — but {older} still unclaimed."


class EscalationActions(AuthState):
    """The actions on one escalation; each page refreshes what it shows afterwards."""

    notice: str = ""
    notice_is_error: bool = False
    resolving_id: str = ""
    resolution: str = RESOLUTIONS[0]
    notes: str = ""
    warranted: str = ""
    asking_id: str = ""
    question: str = ""

    @rx.var
    def resolve_open(self) -> bool:
        return self.resolving_id != ""

    @rx.var
    def ask_open(self) -> bool:
        return self.asking_id != ""

    async def refresh(self) -> None:
        """Reload what the page shows. Reflex runs the inherited actions on this class, not on the page's
        state, so this reaches the page state the tab's on_load registered; pages override it."""
        page = live.watched(self.router.session.client_token)
        if page is not None and page is not type(self):
            await (await self.get_state(page)).refresh()

    def take_alerts(self) -> list[EventSpec]:
        """Browser notifications a refresh found, for the live feed to send; pages that alert override it."""
        return []

    @rx.event
    async def claim(self, escalation_id: str):
        reviewer = await self.current_reviewer()
        if reviewer is None:
            return
        target = uuid.UUID(escalation_id)

        def take(session: Session) -> int:
            claimed = escalations.claim(session=session, escalation_id=target, by=reviewer, now=utc_now())
            if claimed.priority == Priority.urgent:
                return 0
            return priorities.older_urgent_unclaimed(session=session, than=claimed)

        try:
            passed_over = await in_session(take)
        except DomainError as error:
            self._say(f"Could not claim: {error.message}", error=True)
        else:
            self._say(claimed_notice(passed_over), error=passed_over > 0)
        await self.refresh()

    @rx.event
    def open_resolve(self, escalation_id: str):
        self.resolving_id, self.resolution, self.notes, self.warranted = escalation_id, RESOLUTIONS[0], "", ""

    @rx.event
    def close_resolve(self):
        self.resolving_id = ""

    @rx.event
    def set_resolution(self, resolution: str):
        self.resolution = resolution

    @rx.event
    def set_notes(self, notes: str):
        self.notes = notes

    @rx.event
    def set_warranted(self, warranted: str):
        self.warranted = warranted if warranted in WARRANTED else ""

    @rx.event
    async def resolve(self):
        reviewer = await self.current_reviewer()
        if reviewer is None or not self.resolving_id:
            return
        target, resolution, notes = uuid.UUID(self.resolving_id), self.resolution, self.notes
        warranted = Warranted(self.warranted) if self.warranted else None
        try:
            await in_session(
                lambda s: escalations.resolve(
                    session=s,
                    escalation_id=target,
                    by=reviewer,
                    resolution=resolution,
                    notes=notes,
                    now=utc_now(),
                    warranted=warranted,
                )
            )
        except DomainError as error:
            self._say(f"Could not resolve: {error.message}", error=True)
        else:
            self._say(f"Resolved as {resolution}; the agent is being told.")
        self.resolving_id = ""
        await self.refresh()

    @rx.event
    def open_ask(self, escalation_id: str):
        self.asking_id, self.question = escalation_id, ""

    @rx.event
    def close_ask(self):
        self.asking_id = ""

    @rx.event
    def set_question(self, question: str):
        self.question = question

    @rx.event
    async def ask(self):
        """Hand the escalation back to its agent with the question; it returns with the answer."""
        reviewer = await self.current_reviewer()
        if reviewer is None or not self.asking_id:
            return
        target, question = uuid.UUID(self.asking_id), self.question
        try:
            await in_session(
                lambda s: handback.request_info(
                    session=s, escalation_id=target, by=reviewer, question=question, now=utc_now()
                )
            )
        except DomainError as error:
            self._say(f"Could not ask: {error.message}", error=True)
        else:
            self._say("Asked. It comes back to you when the agent answers.")
        self.asking_id = ""
        await self.refresh()

    def _say(self, message: str, *, error: bool = False) -> None:
        self.notice, self.notice_is_error = message, error
