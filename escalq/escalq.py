"""Composition root: the Reflex app with the REST API mounted on its backend."""

import reflex as rx

from escalq.api.app import create_api
from escalq.pages import account, admin, audit, detail, login, metrics, policies, queue
from escalq.services import vault
from escalq.services.errors import Misconfigured
from escalq.state import live
from escalq.state.account import AccountState
from escalq.state.admin import AdminState
from escalq.state.audit import AuditState
from escalq.state.base import SessionGuard
from escalq.state.detail import DetailState
from escalq.state.metrics import MetricsState
from escalq.state.oncall import OncallState
from escalq.state.policies import PoliciesState
from escalq.state.queue import QueueState

try:
    vault.require_key()  # the backend never starts unable to read the secrets it stores
except Misconfigured as error:
    raise SystemExit(f"escalq: {error.message}") from None

api = create_api()
# assets/escalq.js: the queue's countdowns and browser notifications, what Reflex has no component for.
app = rx.App(api_transformer=api, head_components=[rx.script(src="/escalq.js")])
app.add_middleware(SessionGuard())  # every event: a valid session with the state's role, or a redirect
app.register_lifespan_task(live.fan_out)
app.register_lifespan_task(api.state.mcp_lifespan)  # Reflex runs no lifespan of the app it mounts
app.add_page(login.login, route=login.ROUTE, title="Sign in · escalq")
app.add_page(
    queue.queue_page,
    route=queue.ROUTE,
    title="Queue · escalq",
    on_load=QueueState.load,
)
app.add_page(
    detail.detail_page,
    route=detail.ROUTE,
    title="Escalation · escalq",
    on_load=DetailState.load,
)
app.add_page(
    admin.admin,
    route=admin.ROUTE,
    title="Admin · escalq",
    on_load=[AdminState.load, OncallState.load_oncall],
)
app.add_page(
    metrics.metrics_page,
    route=metrics.ROUTE,
    title="Metrics · escalq",
    on_load=MetricsState.load,
)
app.add_page(
    audit.audit_page,
    route=audit.ROUTE,
    title="Audit log · escalq",
    on_load=AuditState.load,
)
app.add_page(
    policies.policies_page,
    route=policies.ROUTE,
    title="Policies · escalq",
    on_load=PoliciesState.load,
)
app.add_page(
    account.account_page,
    route=account.ROUTE,
    title="Your account · escalq",
    on_load=AccountState.load,
)
