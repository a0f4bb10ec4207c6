"""The queue page: one page of rows in state, sorted and filtered by the database, live."""

import reflex as rx
from sqlmodel import Session

from escalq.clock import utc_now
from escalq.config import get_settings
from escalq.models import OPEN_STATUSES, Priority, Status
from escalq.schemas.queue import QueuePage, QueueRow
from escalq.services import limits, queue, timeouts
from escalq.services.listing import EscalationFilter, Order, SortKey
from escalq.state import live
from escalq.state.actions import EscalationActions
from escalq.state.base import in_session

PAGE_SIZE = 50
STATUS_CHOICES = ["open", *[s.value for s in Status], "all"]


def _throttled(session: Session) -> str:
    """Agents refused right now (rate limit or budget), for a warning above the queue."""
    agents = limits.throttled_agents(session=session, now=utc_now())
    if not agents:
        return ""
    named = "; ".join(
        f"{a.name} ({a.throttled_reason}) until {a.throttled_until:%H:%M} UTC"
        for a in agents
        if a.throttled_until
    )
    return f"Throttled agents, their escalations are refused: {named}"


class QueueState(EscalationActions):
    rows: list[QueueRow] = []
    total: int = 0
    agents: list[str] = []
    throttled: str = ""
    sort: str = SortKey.priority.value
    order: str = Order.desc.value
    status_filter: str = "open"
    priority_filter: str = "all"
    agent_filter: str = "all"
    scope: str = queue.Scope.all.value
    cursors: list[str] = []
    next_cursor: str = ""

    @rx.var
    def total_label(self) -> str:
        return f"{self.total} escalation" + ("" if self.total == 1 else "s")

    @rx.var
    def page_number(self) -> int:
        return len(self.cursors) + 1

    @rx.var
    def agent_options(self) -> list[str]:
        return ["all", *self.agents]

    def _filters(self) -> EscalationFilter:
        if self.status_filter == "open":
            statuses: list[Status] = list(OPEN_STATUSES)
        elif self.status_filter == "all":
            statuses = []
        else:
            statuses = [Status(self.status_filter)]
        return EscalationFilter(
            statuses=statuses,
            priorities=[] if self.priority_filter == "all" else [Priority(self.priority_filter)],
            source_agent=None if self.agent_filter == "all" else self.agent_filter,
        )

    async def refresh(self) -> None:
        """Reload the current page (after our own action or someone else's)."""
        reviewer = await self.current_reviewer()
        if reviewer is None:
            return
        settings = get_settings()
        filters, cursor = self._filters(), (self.cursors[-1] if self.cursors else None)
        sort, order, scope = SortKey(self.sort), Order(self.order), queue.Scope(self.scope)

        def read(session: Session) -> tuple[QueuePage, list[str], str]:
            found = queue.page(
                session=session,
                viewer=reviewer,
                scope=scope,
                filters=filters,
                sort=sort,
                order=order,
                limit=PAGE_SIZE,
                cursor=cursor,
                stale_after=timeouts.thresholds(settings),
                now=utc_now(),
            )
            return found, queue.agent_names(session=session), _throttled(session)

        found, self.agents, self.throttled = await in_session(read)
        self.rows, self.total, self.next_cursor = found.rows, found.total, found.next_cursor or ""

    @rx.event
    async def load(self):
        """on_load: first page, and a seat in the live feed for this browser tab."""
        live.watch(self.router.session.client_token, type(self))
        self.cursors = []
        await self.refresh()

    @rx.event
    async def sort_by(self, column: str):
        """Click a header: sort by it, or flip the order when it is already the sort."""
        if self.sort == column:
            self.order = Order.asc.value if self.order == Order.desc.value else Order.desc.value
        else:
            self.sort = column
            self.order = Order.asc.value if column == SortKey.created_at.value else Order.desc.value
        self.cursors = []
        await self.refresh()

    @rx.event
    async def set_filter(self, name: str, value: str):
        if name in ("status_filter", "priority_filter", "agent_filter", "scope"):
            setattr(self, name, value)
        self.cursors = []
        await self.refresh()

    @rx.event
    async def next_page(self):
        if self.next_cursor:
            self.cursors = [*self.cursors, self.next_cursor]
            await self.refresh()

    @rx.event
    async def previous_page(self):
        self.cursors = self.cursors[:-1]
        await self.refresh()
