"""Streamable HTTP MCP at /mcp: escalq's agent tools for remote agents, authenticated with their key.

The tools are escalq-client's (sdk/python); each call reaches this same API in-process (ASGI, no
network) with the caller's own key, so agent isolation and every error are exactly the REST API's.
"""

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from mcp.server.mcpserver import Context
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from starlette.concurrency import run_in_threadpool
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from escalq.api.problems import problem
from escalq.db import new_session
from escalq.services.auth import authenticate
from escalq.services.errors import Forbidden, Unauthorized
from escalq_client import AsyncEscalq
from escalq_client.mcp_server import build

PATH = "/mcp"
INTERNAL_URL = "http://escalq.internal"  # never resolved: requests go to the app through ASGITransport


def _bearer(headers: Any) -> str | None:
    value = (headers or {}).get("authorization") or ""
    scheme, _, key = value.partition(" ")
    return key.strip() if scheme.lower() == "bearer" and key.strip() else None


def _require_agent(key: str | None) -> None:
    with new_session() as session:
        authenticate(session=session, api_key=key).require_agent()


class _AgentsOnly:
    """The MCP endpoint behind an agent key: 401 without a valid one, 403 for a reviewer's."""

    def __init__(self, manager: StreamableHTTPSessionManager):
        self._manager = manager

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = {name.decode().lower(): value.decode() for name, value in scope.get("headers", [])}
        try:
            await run_in_threadpool(_require_agent, _bearer(headers))
        except (Unauthorized, Forbidden) as error:
            await problem(401 if isinstance(error, Unauthorized) else 403, error.message)(
                scope, receive, send
            )
            return
        await self._manager.handle_request(scope, receive, send)


def mount(api: FastAPI) -> Callable[[], AbstractAsyncContextManager[None]]:
    """Add POST/GET/DELETE /mcp to `api`; returns the lifespan that must run while it serves."""

    def client_for(ctx: Context) -> AsyncEscalq:
        return AsyncEscalq(INTERNAL_URL, _bearer(ctx.headers) or "", transport=httpx.ASGITransport(app=api))

    server = build(client_for)
    # Bearer keys, not cookies, authenticate it, so a rebound DNS name gains a page nothing; the
    # API's CORS policy covers browsers.
    server.streamable_http_app(
        streamable_http_path=PATH,
        stateless_http=True,
        transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
    )
    manager = server.session_manager
    api.router.routes.append(Route(PATH, endpoint=_AgentsOnly(manager), methods=["GET", "POST", "DELETE"]))

    @asynccontextmanager
    async def lifespan() -> AsyncIterator[None]:
        async with manager.run():
            yield

    return lifespan
