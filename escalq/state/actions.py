"""Claim and resolve, shared by every page that shows escalations."""

import uuid

import reflex as rx

from escalq import jobs
from escalq.clock import utc_now
from escalq.services import escalations
from escalq.services.errors import DomainError
from escalq.state.base import AuthState, in_session

RESOLUTIONS = ["approved", "rejected", "answered", "other"]


class EscalationActions(AuthState):
    """The actions on one escalation; each page refreshes what it shows afterwards."""

    notice: str = ""
    notice_is_error: bool = False
    resolving_id: str = ""
    resolution: str = RESOLUTIONS[0]
    notes: str = ""

    @rx.var
    def resolve_open(self) -> bool:
        return self.resolving_id != ""

    async def refresh(self) -> None:
        """Reload what the page shows; pages override it."""

    @rx.event
    async def claim(self, escalation_id: str):
        reviewer = await self.current_reviewer()
        if reviewer is None:
            return
        target = uuid.UUID(escalation_id)
        try:
            await in_session(
                lambda s: escalations.claim(session=s, escalation_id=target, by=reviewer, now=utc_now())
            )
        except DomainError as error:
            self._say(f"Could not claim: {error.message}", error=True)
        else:
            self._say("Claimed. It is yours now.")
            await in_session(lambda s: jobs.after_commit(session=s, escalation_id=target))
        await self.refresh()

    @rx.event
    def open_resolve(self, escalation_id: str):
        self.resolving_id, self.resolution, self.notes = escalation_id, RESOLUTIONS[0], ""

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
    async def resolve(self):
        reviewer = await self.current_reviewer()
        if reviewer is None or not self.resolving_id:
            return
        target, resolution, notes = uuid.UUID(self.resolving_id), self.resolution, self.notes
        try:
            await in_session(
                lambda s: escalations.resolve(
                    session=s,
                    escalation_id=target,
                    by=reviewer,
                    resolution=resolution,
                    notes=notes,
                    now=utc_now(),
                )
            )
        except DomainError as error:
            self._say(f"Could not resolve: {error.message}", error=True)
        else:
            self._say(f"Resolved as {resolution}; the agent is being told.")
            await in_session(lambda s: jobs.after_commit(session=s, escalation_id=target))
        self.resolving_id = ""
        await self.refresh()

    def _say(self, message: str, *, error: bool = False) -> None:
        self.notice, self.notice_is_error = message, error
