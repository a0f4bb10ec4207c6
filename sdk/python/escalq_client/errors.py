"""Errors: every problem document (RFC 9457) escalq answers becomes an exception carrying its fields."""

from typing import Any


class EscalqError(Exception):
    """An error answer from escalq; `status`, `title`, `detail` and the whole `problem` document."""

    def __init__(self, status: int, problem: dict[str, Any]):
        self.status = status
        self.problem = problem
        self.title: str = str(problem.get("title", ""))
        self.detail: str = str(problem.get("detail", ""))
        self.type: str = str(problem.get("type", "about:blank"))
        super().__init__(f"{status} {self.title}: {self.detail}" if self.detail else f"{status} {self.title}")


class AuthError(EscalqError):
    """401 (no key, or one that is unknown, revoked or disabled) or 403 (the key may not do this)."""


class ValidationError(EscalqError):
    """422: `field_errors` maps each input at fault (e.g. `body.priority`) to its message."""

    @property
    def field_errors(self) -> dict[str, str]:
        return {str(item.get("field")): str(item.get("message")) for item in self.problem.get("errors", [])}


class NotFound(EscalqError):
    """404: no such escalation, or not one of this agent's."""


class Conflict(EscalqError):
    """409: the escalation is not in a state that allows this (resolved or expired, say)."""


class PayloadTooLarge(EscalqError):
    """413: the description or context is over its limit (the detail gives both sizes)."""


class RateLimited(EscalqError):
    """429: over the rate limit or the daily budget; `retry_after` seconds until the next try may pass."""

    def __init__(self, status: int, problem: dict[str, Any], retry_after: float | None):
        super().__init__(status, problem)
        self.retry_after = retry_after


class ServerError(EscalqError):
    """5xx: escalq could not answer; retried automatically where that is safe."""


class WebhookVerificationError(Exception):
    """A webhook whose signature does not verify, or whose timestamp is missing or too old."""


_BY_STATUS: dict[int, type[EscalqError]] = {
    401: AuthError,
    403: AuthError,
    404: NotFound,
    409: Conflict,
    413: PayloadTooLarge,
    422: ValidationError,
}


def from_response(status: int, problem: dict[str, Any], retry_after: float | None) -> EscalqError:
    """The exception for an error answer."""
    if status == 429:
        return RateLimited(status, problem, retry_after)
    if status >= 500:
        return ServerError(status, problem)
    return _BY_STATUS.get(status, EscalqError)(status, problem)
