"""What each method sends and how an answer is read, shared by the sync and the async client."""

import email.utils
import math
import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from escalq_client.errors import from_response

MAX_WAIT_S = 55  # the server's longest long poll
RETRY_STATUSES = frozenset({429, 503})


@dataclass(frozen=True)
class Call:
    """One request; `idempotent` ones are also retried after a connection broke mid-request."""

    method: str
    path: str
    params: dict[str, Any] | None = None
    json: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    idempotent: bool = True
    timeout_s: float | None = None


@dataclass(frozen=True)
class Retries:
    """Retries on 429/503 and connection errors: exponential backoff with jitter, or Retry-After."""

    max_retries: int = 3
    backoff_s: float = 0.5
    max_backoff_s: float = 30.0
    max_retry_after_s: float = 60.0  # a longer Retry-After is not slept through: RateLimited is raised

    def delay(self, attempt: int, response: httpx.Response | None) -> float | None:
        """Seconds before retry number `attempt` (0-based) after this answer (None: a connection error),
        or None when it should not be retried."""
        if attempt >= self.max_retries:
            return None
        if response is not None:
            if response.status_code not in RETRY_STATUSES:
                return None
            after = retry_after(response)
            if after is not None:
                return after if after <= self.max_retry_after_s else None
        backoff: float = min(self.max_backoff_s, self.backoff_s * 2**attempt)
        return backoff * random.uniform(0.5, 1.0)


def retry_after(response: httpx.Response) -> float | None:
    """Retry-After as seconds (it may be a number or an HTTP date)."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    if value.strip().isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def retryable_error(error: httpx.TransportError, call: Call) -> bool:
    """A refused connection never reached the server; anything later only matters if repeating is safe."""
    return isinstance(error, httpx.ConnectError | httpx.ConnectTimeout) or call.idempotent


def read(response: httpx.Response) -> Any:
    """The JSON of a success, or the problem document raised as its exception."""
    if response.is_success:
        return response.json()
    try:
        problem = response.json()
    except ValueError:
        problem = {"title": response.reason_phrase, "detail": response.text[:500]}
    if not isinstance(problem, dict):
        problem = {"title": response.reason_phrase, "detail": str(problem)[:500]}
    raise from_response(response.status_code, problem, retry_after(response))


def create(
    issue_description: str,
    *,
    priority: str,
    context: dict[str, Any] | None,
    webhook_url: str | None,
    expires_in: int | None,
    expires_at: datetime | None,
    fallback: str | None,
    dedupe_key: str | None,
    idempotency_key: str | None,
) -> Call:
    body: dict[str, Any] = {
        "issue_description": issue_description,
        "priority": priority,
        "context_data": context or {},
    }
    optional = {
        "webhook_url": webhook_url,
        "expires_in": expires_in,
        "expires_at": expires_at.isoformat() if expires_at is not None else None,
        "fallback": fallback,
        "dedupe_key": dedupe_key,
    }
    body.update({name: value for name, value in optional.items() if value is not None})
    # One key for this create and all its retries: a retry after a lost answer creates nothing new.
    key = idempotency_key or f"escalq-client-{uuid.uuid4()}"
    return Call("POST", "/api/escalations", json=body, headers={"Idempotency-Key": key})


def evaluate(
    *,
    confidence: float | None,
    latency_ms: float | None,
    data_completeness: float | None,
    amount: float | None,
    flags: list[str] | None,
    context: dict[str, Any] | None,
    create: bool,
    issue_description: str | None,
    webhook_url: str | None,
    expires_in: int | None,
    fallback: str | None,
    dedupe_key: str | None,
    idempotency_key: str | None,
) -> Call:
    optional = {
        "confidence": confidence,
        "latency_ms": latency_ms,
        "data_completeness": data_completeness,
        "amount": amount,
        "flags": flags,
        "context_data": context,
        "issue_description": issue_description,
        "webhook_url": webhook_url,
        "expires_in": expires_in,
        "fallback": fallback,
        "dedupe_key": dedupe_key,
    }
    body: dict[str, Any] = {name: value for name, value in optional.items() if value is not None}
    if create:
        body["create"] = True
    # One key for a create and its retries (as for create); a plain evaluation repeated is harmless.
    key = idempotency_key or (f"escalq-client-{uuid.uuid4()}" if create else None)
    return Call("POST", "/api/evaluate", json=body, headers={"Idempotency-Key": key} if key else {})


def get(escalation_id: str, *, wait_s: int | None = None, client_timeout_s: float) -> Call:
    if wait_s is None:
        return Call("GET", f"/api/escalations/{escalation_id}")
    return Call(
        "GET",
        f"/api/escalations/{escalation_id}",
        params={"wait": wait_s},
        timeout_s=wait_s + client_timeout_s,  # the server holds the answer up to wait_s
    )


def listing(*, status: list[str] | None, priority: list[str] | None, limit: int, cursor: str | None) -> Call:
    params: dict[str, Any] = {"limit": limit}
    if status:
        params["status"] = status
    if priority:
        params["priority"] = priority
    if cursor:
        params["cursor"] = cursor
    return Call("GET", "/api/escalations", params=params)


def add_context(escalation_id: str, context: dict[str, Any], note: str | None) -> Call:
    body: dict[str, Any] = {"context_data": context}
    if note is not None:
        body["note"] = note
    return Call("POST", f"/api/escalations/{escalation_id}/context", json=body, idempotent=False)


def next_wait(remaining_s: float) -> int | None:
    """The next long poll's wait: what is left, in whole seconds, at most MAX_WAIT_S; None when none."""
    if remaining_s < 1:
        return None
    return min(MAX_WAIT_S, math.floor(remaining_s))
