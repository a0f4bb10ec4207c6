"""Refuse oversized request bodies before anything parses them."""

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from escalq.api.problems import problem


class BodyTooLarge(Exception):
    """The body went over the limit after `size` bytes."""

    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


class BodySizeLimit:
    """ASGI middleware: bodies over `max_bytes` under `path_prefix` get 413 without reaching the app."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, path_prefix: str) -> None:
        self.app, self.max_bytes, self.path_prefix = app, max_bytes, path_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(self.path_prefix):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send, int(declared))
            return
        try:
            body = await read_body(receive, max_bytes=self.max_bytes)
        except BodyTooLarge as error:
            await self._refuse(scope, receive, send, error.size)
            return
        if body is not None:
            await self.app(scope, replay(body, receive), send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, size: int) -> None:
        detail = f"the request body is at least {size} bytes; the limit is {self.max_bytes} bytes"
        response = problem(413, detail, headers={"connection": "close"})
        await response(scope, receive, send)


async def read_body(receive: Receive, *, max_bytes: int | None = None) -> bytes | None:
    """The whole request body, or None when the client went away; BodyTooLarge past `max_bytes`."""
    body, more = b"", True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        body += message.get("body", b"")
        more = message.get("more_body", False)
        if max_bytes is not None and len(body) > max_bytes:
            raise BodyTooLarge(len(body))
    return body


def replay(body: bytes, receive: Receive) -> Receive:
    """A receive() that hands the buffered body over once, then defers to the real channel."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replayed
