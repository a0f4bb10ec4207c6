"""Domain errors; each edge (API, dashboard, CLI) turns them into its own answer."""


class DomainError(Exception):
    """A refused request: a message for the caller and, if one, the input at fault, named as the service
    takes it (`context_data`, `cursor`); each edge says where that input was (`body.context_data`)."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message, self.field = message, field


class NotFound(DomainError):
    """The thing does not exist, or the caller may not know that it does."""


class Conflict(DomainError):
    """The thing is not in a state that allows this."""


class Forbidden(DomainError):
    """The caller is known but may not do this."""


class Unauthorized(DomainError):
    """The caller could not be identified."""


class Invalid(DomainError):
    """The input breaks a rule that only the domain can check."""


class SchemaErrors(Invalid):
    """The input breaks a JSON Schema: each error's place (`("context_data", "order")`), message and
    kind (`schema.required`)."""

    def __init__(self, message: str, *, errors: list[tuple[tuple[str | int, ...], str, str]]) -> None:
        super().__init__(message)
        self.errors = errors


class TooLarge(DomainError):
    """The input is bigger than escalq accepts."""


class Throttled(DomainError):
    """The caller is over a rate limit or budget; it may try again after `retry_after_s`."""

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class Misconfigured(DomainError):
    """escalq's own configuration does not allow this (a missing or wrong key), not the caller's input."""
