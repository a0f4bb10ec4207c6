"""Fan the change feed out to open dashboards: one Redis subscription per backend, not a poll per browser."""

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import reflex as rx
from reflex.event import Event
from reflex.state import StateUpdate

from escalq import feed
from escalq.state import reads
from escalq.state.base import check_sessions, refusal

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Watcher:
    state: type[Any]  # the page state to refresh
    session_token: str  # the tab's sign-in when it started watching, checked ahead for the round


# Browser tabs that show live data in this backend process.
_watchers: dict[str, _Watcher] = {}
SETTLE_S = 0.02  # changes committed together (one id announced at a time) cost each tab one refresh


def watch(client_token: str, state: type[Any], session_token: str) -> None:
    """Refresh `state` in this tab whenever an escalation changes; called by guarded on_load handlers only."""
    if client_token:
        _watchers[client_token] = _Watcher(state, session_token)


def watched(client_token: str) -> type[Any] | None:
    """The page state this tab refreshes on a change, or None when it watches nothing."""
    watcher = _watchers.get(client_token)
    return watcher.state if watcher else None


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
    """One round: each tab still connected refreshed, the reads they share made once (state/reads.py)."""
    namespace = app.event_namespace
    if namespace is None:
        return
    watching = []
    for token, watcher in list(_watchers.items()):
        if await namespace._token_manager.is_token_connected(token):
            watching.append((token, watcher))
        else:
            _watchers.pop(token, None)
    if not watching:  # nobody to refresh: no reads (an API-only load announces a change per create)
        return
    with reads.one_round():
        try:
            await check_sessions([watcher.session_token for _, watcher in watching])
        except Exception:
            log.exception("could not check the open dashboards' sessions; they refresh on the next change")
            return
        for token, watcher in watching:
            await _refresh(app, namespace, token, watcher.state)


async def _refresh(app: rx.App, namespace: Any, token: str, state_cls: type[Any]) -> None:
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
