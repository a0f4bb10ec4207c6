"""The queue page: one page of rows in state, sorted and filtered by the database, live."""

import json
import uuid
from typing import Any

import reflex as rx
from reflex.event import EventSpec
from sqlmodel import Session

from escalq import sitemap
from escalq.clock import utc_now
from escalq.models import OPEN_STATUSES, Priority, Status
from escalq.schemas.queue import QueueRow, UrgentAlert
from escalq.services import limits, policies, queue, timeouts
from escalq.services.listing import EscalationFilter, Order, SortKey
from escalq.state import live, reads
from escalq.state.actions import EscalationActions
from escalq.state.base import in_session, set_if_changed
from escalq.state.shortcuts import Move, move_for

Urgent = dict[uuid.UUID, list[UrgentAlert]]  # each reviewer's urgent escalations waiting to be claimed
PAGE_SIZE = 50
STATUS_CHOICES = ["open", *[s.value for s in Status], "all"]
# "My work": the reviewer's own escalations that are still open.
MY_WORK = {"scope": queue.Scope.mine.value, "status_filter": "open"}
# What the browser says about notifications (Notification.permission), or that it has none.
PERMISSIONS = ("default", "granted", "denied", "unsupported")
READ_PERMISSION = "typeof Notification === 'undefined' ? 'unsupported' : Notification.permission"
ASK_PERMISSION = "Notification.requestPermission()"


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
    my_work: bool = False
    selected_id: str = ""
    help_open: bool = False
    notifications: str = ""
    # Urgent escalations waiting for this reviewer that the tab knows of, and the ones still to announce.
    _urgent_known: list[str] = []
    _alerts: list[UrgentAlert] = []

    @rx.var
    def total_label(self) -> str:
        return f"{self.total} escalation" + ("" if self.total == 1 else "s")

    @rx.var
    def page_number(self) -> int:
        return len(self.cursors) + 1

    @rx.var
    def agent_options(self) -> list[str]:
        return ["all", *self.agents]

    @rx.var
    def selection_label(self) -> str:
        """Read out by screen readers when the selection moves."""
        if not self.selected_id:
            return ""
        for position, row in enumerate(self.rows, start=1):
            if row.id == self.selected_id:
                about = f"{row.priority}, {row.status}, {row.description}"
                return f"Selected {position} of {len(self.rows)}: {about}"
        return ""

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
        filters, cursor = self._filters(), (self.cursors[-1] if self.cursors else None)
        sort, order, scope = SortKey(self.sort), Order(self.order), queue.Scope(self.scope)

        def read(session: Session) -> tuple[queue.Window, list[str], str, Urgent]:
            window = queue.window(
                session=session,
                viewer=reviewer,
                scope=scope,
                filters=filters,
                sort=sort,
                order=order,
                limit=PAGE_SIZE,
                cursor=cursor,
                rules=timeouts.rules(policies.current(session).document),
                now=utc_now(),
            )
            agents = queue.agent_names(session=session)
            return window, agents, _throttled(session), queue.urgent_waiting(session=session)

        # Everything the read depends on (queue.window: the viewer only for My work), for open tabs to share.
        view = (scope, reviewer.id if scope == queue.Scope.mine else None, sort, order, cursor)
        filtered = (self.status_filter, self.priority_filter, self.agent_filter)
        window, agents, throttled, urgent = await reads.once(
            ("queue", *view, *filtered), lambda: in_session(read)
        )
        found = queue.shown_to(window, viewer=reviewer)
        set_if_changed(self, agents=agents, throttled=throttled, rows=found.rows, total=found.total)
        set_if_changed(self, next_cursor=found.next_cursor or "")
        if self.selected_id and self.selected_id not in {row.id for row in found.rows}:
            self.selected_id = ""
        self._notice_urgent(urgent.get(reviewer.id, []))

    def _notice_urgent(self, waiting: list[UrgentAlert]) -> None:
        """Queue an alert for each urgent escalation newly waiting for this reviewer (not on first load)."""
        known = set(self._urgent_known)
        if self.notifications == "granted":
            self._alerts = [*self._alerts, *(alert for alert in waiting if alert.id not in known)]
        self._urgent_known = [alert.id for alert in waiting]

    def take_alerts(self) -> list[EventSpec]:
        """The browser notifications to show now, once each; the live feed sends them after a refresh."""
        alerts, self._alerts = self._alerts, []
        return [
            rx.call_script(
                "window.escalq.notify("
                + ", ".join(
                    json.dumps(text)
                    for text in (
                        f"Urgent escalation for you from {alert.agent}",
                        alert.description,
                        sitemap.DETAIL.path(escalation_id=alert.id),
                    )
                )
                + ")"
            )
            for alert in alerts
        ]

    @rx.event
    async def load(self):
        """on_load: first page (My work when the reviewer chose it), and a seat in the live feed."""
        live.watch(self.router.session.client_token, type(self), self.token)
        self.cursors, self._urgent_known, self._alerts = [], [], []
        reviewer = await self.current_reviewer()
        if reviewer is not None and reviewer.opens_my_work:
            self._show_my_work()
        elif self.my_work:  # turned off in another browser since this tab showed it
            self._show_everything()
        await self.refresh()
        self._alerts = []  # what already waits is on screen: alerts are for what arrives while it is open
        return rx.call_script(READ_PERMISSION, callback=type(self).set_notifications)

    def _show_everything(self) -> None:
        self.my_work, self.scope, self.status_filter = False, queue.Scope.all.value, "open"

    def _show_my_work(self) -> None:
        self.my_work, self.priority_filter, self.agent_filter = True, "all", "all"
        for name, value in MY_WORK.items():
            setattr(self, name, value)

    async def _remember_my_work(self, on: bool) -> None:
        reviewer = await self.current_reviewer()
        if reviewer is not None:
            await in_session(lambda s: queue.remember_my_work(session=s, reviewer_id=reviewer.id, on=on))
        self.my_work = on

    @rx.event
    async def toggle_my_work(self):
        """One click to My work, remembered as this reviewer's queue; again, back to every open one."""
        if self.my_work:
            self._show_everything()
            await self._remember_my_work(False)
        else:
            self._show_my_work()
            await self._remember_my_work(True)
        self.cursors = []
        await self.refresh()

    @rx.event
    def set_notifications(self, permission: str):
        """What the browser answered about notifications (read on load, or asked on a click)."""
        self.notifications = permission if permission in PERMISSIONS else "unsupported"

    @rx.event
    def toggle_help(self):
        self.help_open = not self.help_open

    @rx.event
    def set_help_open(self, is_open: bool):
        self.help_open = is_open

    @rx.event
    def key_down(self, key: str, modifiers: dict[str, Any], focus: str):
        """A key anywhere on the queue page: move the selection, open, claim, resolve or show the help."""
        move = move_for(key, modifiers, focus)
        if move is None or self.resolve_open or (self.help_open and move != Move.help):
            return None
        if move == Move.help:
            self.help_open = not self.help_open
            return None
        if move in (Move.next, Move.previous):
            return self._select(1 if move == Move.next else -1)
        selected = next((row for row in self.rows if row.id == self.selected_id), None)
        if selected is None:
            self._say("Select an escalation first: j or ↓ selects the next one.", error=True)
            return None
        if move == Move.open:
            return rx.redirect(sitemap.DETAIL.path(escalation_id=selected.id))
        if move == Move.claim:
            if not selected.claimable:
                self._say(f"Not claimable: it is {selected.status}.", error=True)
                return None
            return type(self).claim(selected.id)
        if not selected.resolvable:
            self._say("Only its holder or a manager may resolve it: claim it first.", error=True)
            return None
        return type(self).open_resolve(selected.id)

    def _select(self, step: int) -> EventSpec | None:
        if not self.rows:
            return None
        ids = [row.id for row in self.rows]
        if self.selected_id in ids:
            position = min(max(ids.index(self.selected_id) + step, 0), len(ids) - 1)
        else:
            position = 0 if step > 0 else len(ids) - 1
        self.selected_id = ids[position]
        return rx.call_script(f"window.escalq.focusRow({json.dumps(self.selected_id)})")

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
        if self.my_work and any(getattr(self, n) != v for n, v in MY_WORK.items()):
            await self._remember_my_work(False)
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
