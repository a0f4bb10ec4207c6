"""The frame of every signed-in page: the top bar with the pages its reviewer may open, then the page."""

import reflex as rx

from escalq import sitemap
from escalq.components.nav import NavLink, nav_bar
from escalq.models import Role
from escalq.state.base import AuthState


def _shown(state: type[AuthState], guard: Role | None) -> rx.Var[bool] | None:
    """When the top bar shows a page guarded by `guard`: to the roles its guard admits (None: always)."""
    return {Role.manager: state.is_manager, Role.admin: state.is_admin}.get(guard)


def signed_in_page(state: type[AuthState], *children: rx.Component) -> rx.Component:
    """A page for a signed-in reviewer: the top bar of `state` (any AuthState), then `children`."""
    links = [
        NavLink(entry.title, entry.path(), f"nav-{entry.name}", _shown(state, entry.guard))
        for entry in sitemap.PAGES
        if entry.in_nav
    ]
    return rx.container(
        nav_bar(
            home=sitemap.QUEUE.path(),
            links=links,
            account=sitemap.ACCOUNT.path(),
            name=state.reviewer_name,
            on_logout=state.logout,
            on_call=state.on_call_names,
        ),
        rx.el.main(*children),
        size="4",
    )
