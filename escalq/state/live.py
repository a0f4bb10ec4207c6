"""Fan the change feed out to open dashboards: one Redis subscription per backend, not a poll per browser."""

import asyncio
import logging
from typing import Any

import reflex as rx
from reflex.event import Event
from reflex.state import StateUpdate

from escalq import feed
from escalq.state.base import refusal

log = logging.getLogger(__name__)
# Browser tabs that show live data in this backend process, and the state class to refresh for each.
_watchers: dict[str, type[Any]] = {}
SETTLE_S = 0.15  # changes arriving together cost each tab one refresh


def watch(client_token: str, state: type[Any]) -> None:
    """Refresh `state` in this tab whenever an escalation changes; called by guarded on_load handlers only."""
    if client_token:
        _watchers[client_token] = state


def watched(client_token: str) -> type[Any] | None:
    """The page state this tab refreshes on a change, or None when it watches nothing."""
    return _watchers.get(client_token)


async def fan_out(app: rx.App) -> None:
    """Lifespan task: refresh every watching tab on each change the process's shared feed announces."""
    async with feed.current().watching() as changed:
        await _refresh_when(changed, app)


async def _refresh_when(changed: asyncio.Event, app: rx.App) -> None:
    while True:
        await changed.wait()
        await asyncio.sleep(SETTLE_S)
        changed.clear()
        await _refresh_all(app)


async def _refresh_all(app: rx.App) -> None:
    namespace = app.event_namespace
    if namespace is None:
        return
    for token, state_cls in list(_watchers.items()):
        if not await namespace._token_manager.is_token_connected(token):
            _watchers.pop(token, None)
            continue
        try:
            async with app.modify_state(rx.BaseStateToken(ident=token, cls=state_cls)) as root:
                # The session may have ended or the role changed since the tab started watching.
                refused = await refusal(root, state_cls)
                alerts: list[Event] = []
                if refused is None:
                    state = root if isinstance(root, state_cls) else await root.get_state(state_cls)
                    await state.refresh()
                    alerts = Event.from_event_type(state.take_alerts())
            if refused is not None:
                _watchers.pop(token, None)
                await namespace.emit_update(StateUpdate(events=refused), token=token)
            elif alerts:
                await namespace.emit_update(StateUpdate(events=alerts), token=token)
        except Exception:
            log.exception("could not refresh a dashboard after a change")
