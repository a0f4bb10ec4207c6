"""State of the home page: how much waits in the queue."""

import asyncio

import reflex as rx

from escalq.db import session_scope
from escalq.services.escalations import open_counts


def _load_counts() -> dict[str, int]:
    with session_scope() as session:
        return {status.value: count for status, count in open_counts(session=session).items()}


class HomeState(rx.State):
    counts: dict[str, int] = {}
    error: str = ""

    @rx.event(background=True)
    async def load(self):
        """Read the open counts off the event loop."""
        try:
            counts = await asyncio.to_thread(_load_counts)
        except Exception:
            async with self:
                self.error = "The database is not reachable right now."
            raise
        async with self:
            self.counts, self.error = counts, ""
