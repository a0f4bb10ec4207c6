"""Each page function registered at its sitemap entry with the events that load it (`@page`).

A page's guard is enforced by SessionGuard on its loading events: an event runs only for a session
holding its state's `requires` role. So a guarded page must load through states that require exactly
the entry's guard, and a public page through none; `page` refuses anything else when it is imported.
"""

from collections.abc import Callable
from dataclasses import dataclass

import reflex as rx
from reflex.event import EventHandler

from escalq import sitemap
from escalq.state.base import AuthState

PageFunction = Callable[[], rx.Component]


@dataclass(frozen=True)
class _Registered:
    component: PageFunction
    on_load: tuple[EventHandler, ...]


_registered: dict[sitemap.Page, _Registered] = {}


def _check_guard(entry: sitemap.Page, on_load: tuple[EventHandler, ...]) -> None:
    if entry.guard is None:
        if on_load:
            raise ValueError(f"the public page {entry.route} cannot load through a guarded state")
        return
    if not on_load:
        raise ValueError(f"{entry.route} needs an on_load event for its guard ({entry.guard}) to run")
    for handler in on_load:
        state = handler.state
        if not (isinstance(state, type) and issubclass(state, AuthState) and state.requires == entry.guard):
            raise ValueError(
                f"{entry.route} is guarded for {entry.guard}, but {handler.fn.__qualname__} "
                f"requires {getattr(state, 'requires', 'no session')}"
            )


def page(entry: sitemap.Page, *on_load: EventHandler) -> Callable[[PageFunction], PageFunction]:
    """Register the decorated page function at `entry`, loaded by the events `on_load`."""
    _check_guard(entry, on_load)

    def register(component: PageFunction) -> PageFunction:
        if entry in _registered:
            raise ValueError(f"{entry.route} is registered twice")
        _registered[entry] = _Registered(component, on_load)
        return component

    return register


def add_pages(app: rx.App) -> None:
    """Add every page of the sitemap to `app`; each must have been registered (its module imported)."""
    missing = [entry.route for entry in sitemap.PAGES if entry not in _registered]
    if missing:
        raise ValueError(f"no page function registered for {', '.join(missing)}")
    for entry in sitemap.PAGES:
        registered = _registered[entry]
        app.add_page(
            registered.component,
            route=entry.route,
            title=f"{entry.title} · escalq",
            on_load=list(registered.on_load) or None,
        )
