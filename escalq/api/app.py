"""The FastAPI application that Reflex mounts its own backend into."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from escalq.api import mcp, outgoing, problems
from escalq.api.input_guard import InputGuard
from escalq.api.limits import BodySizeLimit
from escalq.api.routes import audit, escalations, evaluate, handback, metrics, oncall, reading
from escalq.api.unrouted import Unrouted
from escalq.config import get_settings

PREFIX = "/api/"


class EscalqAPI(FastAPI):
    def openapi(self) -> dict[str, Any]:
        """FastAPI's document, plus the problem schema every error response refers to."""
        document = super().openapi()
        document.setdefault("components", {}).setdefault("schemas", {}).update(problems.component_schemas())
        return document


def create_api() -> FastAPI:
    """The API under /api, with docs at /api/docs."""
    settings = get_settings()
    api = EscalqAPI(
        title="escalq",
        summary="Hand decisions an AI agent must not take alone to a human, and get the answer back.",
        description=(
            "Every error is an RFC 9457 problem document (`application/problem+json`); 422 names each "
            "input at fault in `errors`. Refused anywhere, as 422: a NUL character (U+0000) or a lone "
            "surrogate in any string, path or query parameter; NaN or Infinity (JSON has neither, and "
            f"1e999 reads as Infinity); JSON bodies nesting objects and arrays deeper than "
            f"{settings.max_json_depth} levels (the body is level 1); bodies that are not UTF-8. Bodies "
            f"over {settings.max_body_bytes} bytes get 413 before they are read."
        ),
        version="0.1.0",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=_lifespan,
    )
    # The last added runs first: route lookup, then the size limit, then the input rules.
    api.add_middleware(InputGuard, max_depth=settings.max_json_depth, path_prefix=PREFIX)
    api.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes, path_prefix=PREFIX)
    api.add_middleware(Unrouted, routes=api.router.routes, path_prefix=PREFIX)
    # Outermost: a page on another site gets no CORS grant, so its scripts cannot read our answers or send
    # preflighted (JSON, Authorization) requests; Reflex wraps the app in the same policy (rxconfig.py).
    api.add_middleware(
        CORSMiddleware,
        allow_origins=settings.allowed_origins(),
        allow_credentials=True,
        allow_methods=["*"],
        allow_headers=["*"],
    )
    problems.install(api)
    for router in (
        escalations.router,
        evaluate.router,
        reading.router,
        handback.router,
        metrics.router,
        oncall.router,
        audit.router,
    ):
        # Any route can meet a bad key, an oversized body or a refused input.
        api.include_router(router, responses=problems.responses(401, 413, 422, 503))
    outgoing.describe(api)
    # Served alone (tests, bench) the app runs this itself; under Reflex, escalq.py registers it.
    api.state.mcp_lifespan = mcp.mount(api)
    return api


@asynccontextmanager
async def _lifespan(api: FastAPI) -> AsyncIterator[None]:
    async with api.state.mcp_lifespan():
        yield
