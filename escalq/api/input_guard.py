"""Refuse input PostgreSQL or JSON cannot hold, for every route at once, before any route sees it."""

from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from escalq.api.limits import read_body, replay
from escalq.api.problems import field_name, invalid
from escalq.schemas.problem import FieldProblem
from escalq.services.json_input import InputError, body_errors, text_errors


class InputGuard:
    """ASGI middleware under `path_prefix`: 422 naming the input for a NUL or a lone surrogate in the path
    or any query parameter, and for a JSON body that is not UTF-8 JSON, nests deeper than `max_depth`,
    holds NaN or Infinity, or a NUL or lone surrogate in any key or string. One rule for every current
    and future field, so none reaches PostgreSQL (which refuses NUL) or a recursion limit."""

    def __init__(self, app: ASGIApp, *, max_depth: int, path_prefix: str) -> None:
        self.app, self.max_depth, self.path_prefix = app, max_depth, path_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.path_prefix):
            await self.app(scope, receive, send)
            return
        errors = text_errors(scope["path"], ("path",)) + _query_errors(scope["query_string"])
        if not errors and _is_json(scope):
            body = await read_body(receive)
            if body is None:
                return
            receive = replay(body, receive)
            if body:
                errors = body_errors(body, max_depth=self.max_depth, loc=("body",))
        if errors:
            response = invalid(
                [FieldProblem(field=field_name(e.loc), message=e.message, type=e.type) for e in errors]
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _query_errors(query_string: bytes) -> list[InputError]:
    """Parsed the way Starlette parses it, so each name and value is checked as the route will see it."""
    errors: list[InputError] = []
    for name, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
        errors += text_errors(name, ("query", name)) or text_errors(value, ("query", name))
    return errors


def _is_json(scope: Scope) -> bool:
    """What FastAPI would parse as JSON: no Content-Type, application/json or application/*+json."""
    content_type: bytes | None = dict(scope["headers"]).get(b"content-type")
    if content_type is None:
        return True
    media_type = content_type.split(b";")[0].strip().lower()
    return media_type == b"application/json" or (
        media_type.startswith(b"application/") and media_type.endswith(b"+json")
    )
