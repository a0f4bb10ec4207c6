"""The FastAPI application that Reflex mounts its own backend into."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from escalq.api import mcp, outgoing, problems
from escalq.api.limits import BodySizeLimit
from escalq.api.routes import escalations, handback, metrics, oncall, reading
from escalq.config import get_settings


def create_api() -> FastAPI:
    """The API under /api, with docs at /api/docs."""
    api = FastAPI(
        title="escalq",
        summary="Hand decisions an AI agent must not take alone to a human, and get the answer back.",
        version="0.1.0",
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api/openapi.json",
        lifespan=_lifespan,
    )
    settings = get_settings()
    api.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes, path_prefix="/api/")
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
    api.include_router(escalations.router)
    api.include_router(reading.router)
    api.include_router(handback.router)
    api.include_router(metrics.router)
    api.include_router(oncall.router)
    outgoing.describe(api)
    # Served alone (tests, bench) the app runs this itself; under Reflex, escalq.py registers it.
    api.state.mcp_lifespan = mcp.mount(api)
    return api


@asynccontextmanager
async def _lifespan(api: FastAPI) -> AsyncIterator[None]:
    async with api.state.mcp_lifespan():
        yield
