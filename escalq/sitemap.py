"""Every page of the web app, declared once: its route, its title and who may see it.

Pages register against these entries (escalq.pages.registry checks each page's loading events enforce
its guard), the top bar lists the entries marked `in_nav`, and every link or redirect to a page takes
its path from here. Data only, so state and services may link to pages without importing them.
"""

from dataclasses import dataclass

from escalq.models import Role


@dataclass(frozen=True)
class Page:
    """A page at `route`; `guard`: the least role that may see it, None for a public page."""

    name: str  # in element ids: the top bar's link is `nav-<name>`
    route: str  # `[param]` segments are filled in by `path`
    title: str  # the tab's title, before " · escalq"; the top bar's label
    guard: Role | None
    in_nav: bool = False

    def path(self, **params: object) -> str:
        """The route with each `[name]` segment filled in: a value, or a Var in a component."""
        path = self.route
        for name, value in params.items():
            path = path.replace(f"[{name}]", f"{value}")
        return path


LOGIN = Page("login", "/login", "Sign in", guard=None)
QUEUE = Page("queue", "/", "Queue", guard=Role.reviewer, in_nav=True)
DETAIL = Page("detail", "/escalations/[escalation_id]", "Escalation", guard=Role.reviewer)
METRICS = Page("metrics", "/metrics", "Metrics", guard=Role.manager, in_nav=True)
AUDIT = Page("audit", "/audit", "Audit log", guard=Role.manager, in_nav=True)
POLICIES = Page("policies", "/policies", "Policies", guard=Role.manager, in_nav=True)
ADMIN = Page("admin", "/admin", "Admin", guard=Role.admin, in_nav=True)
ACCOUNT = Page("account", "/account", "Your account", guard=Role.reviewer)
# In the top bar's order.
PAGES = (LOGIN, QUEUE, DETAIL, METRICS, AUDIT, POLICIES, ADMIN, ACCOUNT)
