"""/api requests no route takes: 405 with Allow, or 404, as problems; never the web app's 404 page."""

from collections.abc import Sequence

from starlette.routing import BaseRoute, Match, Mount
from starlette.types import ASGIApp, Receive, Scope, Send

from escalq.api.problems import problem

_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


class Unrouted:
    """ASGI middleware under `path_prefix`: a path some route serves with other methods answers 405 with
    Allow (RFC 9110), any other unknown path 404. Reflex mounts its backend at "/" behind the API's
    routes, and that mount would otherwise take every request the API's routes turn down."""

    def __init__(self, app: ASGIApp, *, routes: Sequence[BaseRoute], path_prefix: str) -> None:
        self.app, self.routes, self.path_prefix = app, routes, path_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.path_prefix):
            await self.app(scope, receive, send)
            return
        if self._served(scope, scope["method"]):
            await self.app(scope, receive, send)
            return
        allowed = [method for method in _METHODS if self._served(scope, method)]
        if allowed:
            detail = f"{scope['method']} is not supported here; use {', '.join(allowed)}"
            response = problem(405, detail, headers={"Allow": ", ".join(allowed)})
        else:
            response = problem(404, f"no API route at {scope['path']!r}")
        await response(scope, receive, send)

    def _served(self, scope: Scope, method: str) -> bool:
        """Whether one of the API's own routes (not a mounted app) takes this path with `method`."""
        probe = {**scope, "method": method}
        return any(
            route.matches(probe)[0] == Match.FULL for route in self.routes if not isinstance(route, Mount)
        )
