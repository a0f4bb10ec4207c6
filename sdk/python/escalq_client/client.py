"""Escalq and AsyncEscalq: the same methods, blocking or awaitable."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import httpx

from escalq_client import _calls
from escalq_client._calls import Call, Retries
from escalq_client.models import Decision, Escalation, Evaluation, Page

DEFAULT_TIMEOUT_S = 30.0
USER_AGENT = "escalq-client/0.1.0"


def _headers(api_key: str) -> dict[str, str]:
    if not api_key:
        raise ValueError("an API key is needed (your agent's, from the admin page or `escalq agent create`)")
    return {"Authorization": f"Bearer {api_key}", "User-Agent": USER_AGENT}


def _page(data: dict[str, Any]) -> Page:
    return Page(items=[Escalation.from_json(item) for item in data["items"]], next_cursor=data["next_cursor"])


class Escalq:
    """A blocking client. `transport`, `sleep` and `clock` are for tests (and custom networking)."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        retries: Retries | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"), headers=_headers(api_key), timeout=timeout_s, transport=transport
        )
        self._timeout_s, self._retries, self._sleep, self._clock = (
            timeout_s,
            retries or Retries(),
            sleep,
            clock,
        )

    def __enter__(self) -> "Escalq":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _send(self, call: Call) -> Any:
        attempt = 0
        while True:
            try:
                response = self._http.request(
                    call.method,
                    call.path,
                    params=call.params,
                    json=call.json,
                    headers=call.headers,
                    timeout=call.timeout_s or self._timeout_s,
                )
            except httpx.TransportError as error:
                delay = self._retries.delay(attempt, None) if _calls.retryable_error(error, call) else None
                if delay is None:
                    raise
            else:
                delay = self._retries.delay(attempt, response)
                if delay is None:
                    return _calls.read(response)
            self._sleep(delay)
            attempt += 1

    def create(
        self,
        issue_description: str,
        *,
        priority: str = "medium",
        context: dict[str, Any] | None = None,
        webhook_url: str | None = None,
        expires_in: int | None = None,
        expires_at: datetime | None = None,
        fallback: str | None = None,
        dedupe_key: str | None = None,
        idempotency_key: str | None = None,
    ) -> Escalation:
        """Open an escalation; `duplicate` is true when it was folded into an open one of yours."""
        call = _calls.create(
            issue_description,
            priority=priority,
            context=context,
            webhook_url=webhook_url,
            expires_in=expires_in,
            expires_at=expires_at,
            fallback=fallback,
            dedupe_key=dedupe_key,
            idempotency_key=idempotency_key,
        )
        return Escalation.from_json(self._send(call))

    def evaluate(
        self,
        *,
        confidence: float | None = None,
        latency_ms: float | None = None,
        data_completeness: float | None = None,
        amount: float | None = None,
        flags: list[str] | None = None,
        context: dict[str, Any] | None = None,
        create: bool = False,
        issue_description: str | None = None,
        webhook_url: str | None = None,
        expires_in: int | None = None,
        fallback: str | None = None,
        dedupe_key: str | None = None,
        idempotency_key: str | None = None,
    ) -> Evaluation:
        """Ask the decision gate whether to continue or escalate, given these signals (any may be left
        out). With `create=True` and an `issue_description`, an escalate decision also opens the
        escalation (`Evaluation.escalation`), as `create` would."""
        call = _calls.evaluate(
            confidence=confidence,
            latency_ms=latency_ms,
            data_completeness=data_completeness,
            amount=amount,
            flags=flags,
            context=context,
            create=create,
            issue_description=issue_description,
            webhook_url=webhook_url,
            expires_in=expires_in,
            fallback=fallback,
            dedupe_key=dedupe_key,
            idempotency_key=idempotency_key,
        )
        return Evaluation.from_json(self._send(call))

    def get(self, escalation_id: str, *, wait_s: int | None = None) -> Escalation:
        """The escalation now, or (with `wait_s`, 1 to 55) once its status changes or the time is up."""
        return Escalation.from_json(
            self._send(_calls.get(escalation_id, wait_s=wait_s, client_timeout_s=self._timeout_s))
        )

    def list(
        self,
        *,
        status: list[str] | None = None,
        priority: list[str] | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page:
        """Your escalations, newest first."""
        return _page(self._send(_calls.listing(status=status, priority=priority, limit=limit, cursor=cursor)))

    def add_context(
        self, escalation_id: str, context: dict[str, Any], *, note: str | None = None
    ) -> Escalation:
        """Add to the context; when a reviewer asked a question (needs_info) this is the answer."""
        return Escalation.from_json(self._send(_calls.add_context(escalation_id, context, note)))

    def wait_for_decision(self, escalation_id: str, timeout_s: float) -> Decision:
        """Wait up to `timeout_s` (any length: long polls are chained) for a resolution or expiry.

        Returns at once when it is already final; when the time runs out, the Decision has the current
        status (`timed_out` true).
        """
        deadline = self._clock() + timeout_s
        escalation = self.get(escalation_id)
        while not escalation.final:
            wait_s = _calls.next_wait(deadline - self._clock())
            if wait_s is None:
                break
            escalation = self.get(escalation_id, wait_s=wait_s)
        return Decision(escalation)


class AsyncEscalq:
    """The asyncio client: Escalq's methods, awaitable."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        retries: Retries | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"), headers=_headers(api_key), timeout=timeout_s, transport=transport
        )
        self._timeout_s, self._retries, self._sleep, self._clock = (
            timeout_s,
            retries or Retries(),
            sleep,
            clock,
        )

    async def __aenter__(self) -> "AsyncEscalq":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _send(self, call: Call) -> Any:
        attempt = 0
        while True:
            try:
                response = await self._http.request(
                    call.method,
                    call.path,
                    params=call.params,
                    json=call.json,
                    headers=call.headers,
                    timeout=call.timeout_s or self._timeout_s,
                )
            except httpx.TransportError as error:
                delay = self._retries.delay(attempt, None) if _calls.retryable_error(error, call) else None
                if delay is None:
                    raise
            else:
                delay = self._retries.delay(attempt, response)
                if delay is None:
                    return _calls.read(response)
            await self._sleep(delay)
            attempt += 1

    async def create(
        self,
        issue_description: str,
        *,
        priority: str = "medium",
        context: dict[str, Any] | None = None,
        webhook_url: str | None = None,
        expires_in: int | None = None,
        expires_at: datetime | None = None,
        fallback: str | None = None,
        dedupe_key: str | None = None,
        idempotency_key: str | None = None,
    ) -> Escalation:
        """Open an escalation; `duplicate` is true when it was folded into an open one of yours."""
        call = _calls.create(
            issue_description,
            priority=priority,
            context=context,
            webhook_url=webhook_url,
            expires_in=expires_in,
            expires_at=expires_at,
            fallback=fallback,
            dedupe_key=dedupe_key,
            idempotency_key=idempotency_key,
        )
        return Escalation.from_json(await self._send(call))

    async def evaluate(
        self,
        *,
        confidence: float | None = None,
        latency_ms: float | None = None,
        data_completeness: float | None = None,
        amount: float | None = None,
        flags: list[str] | None = None,
        context: dict[str, Any] | None = None,
        create: bool = False,
        issue_description: str | None = None,
        webhook_url: str | None = None,
        expires_in: int | None = None,
        fallback: str | None = None,
        dedupe_key: str | None = None,
        idempotency_key: str | None = None,
    ) -> Evaluation:
        """Ask the decision gate whether to continue or escalate, given these signals (any may be left
        out). With `create=True` and an `issue_description`, an escalate decision also opens the
        escalation (`Evaluation.escalation`), as `create` would."""
        call = _calls.evaluate(
            confidence=confidence,
            latency_ms=latency_ms,
            data_completeness=data_completeness,
            amount=amount,
            flags=flags,
            context=context,
            create=create,
            issue_description=issue_description,
            webhook_url=webhook_url,
            expires_in=expires_in,
            fallback=fallback,
            dedupe_key=dedupe_key,
            idempotency_key=idempotency_key,
        )
        return Evaluation.from_json(await self._send(call))

    async def get(self, escalation_id: str, *, wait_s: int | None = None) -> Escalation:
        """The escalation now, or (with `wait_s`, 1 to 55) once its status changes or the time is up."""
        return Escalation.from_json(
            await self._send(_calls.get(escalation_id, wait_s=wait_s, client_timeout_s=self._timeout_s))
        )

    async def list(
        self,
        *,
        status: list[str] | None = None,
        priority: list[str] | None = None,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page:
        """Your escalations, newest first."""
        call = _calls.listing(status=status, priority=priority, limit=limit, cursor=cursor)
        return _page(await self._send(call))

    async def add_context(
        self, escalation_id: str, context: dict[str, Any], *, note: str | None = None
    ) -> Escalation:
        """Add to the context; when a reviewer asked a question (needs_info) this is the answer."""
        return Escalation.from_json(await self._send(_calls.add_context(escalation_id, context, note)))

    async def wait_for_decision(
        self,
        escalation_id: str,
        timeout_s: float,
        *,
        poll_s: int = _calls.MAX_WAIT_S,
        on_wait: Callable[[Escalation, float], Awaitable[None]] | None = None,
    ) -> Decision:
        """Escalq.wait_for_decision, awaitable; `on_wait(current, elapsed_s)` is awaited before each long
        poll of at most `poll_s` seconds (the MCP server reports progress with it)."""
        started = self._clock()
        deadline = started + timeout_s
        escalation = await self.get(escalation_id)
        while not escalation.final:
            wait_s = _calls.next_wait(deadline - self._clock())
            if wait_s is None:
                break
            if on_wait is not None:
                await on_wait(escalation, self._clock() - started)
            escalation = await self.get(escalation_id, wait_s=min(wait_s, poll_s))
        return Decision(escalation)
