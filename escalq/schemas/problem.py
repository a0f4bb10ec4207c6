"""The body of every error answer: an RFC 9457 problem document."""

from pydantic import BaseModel, Field


class FieldProblem(BaseModel):
    """One input at fault."""

    field: str = Field(
        description="Where: body.<name>[.<key or index>...], query.<name>, path or header.<name>"
    )
    message: str
    type: str = Field(description="What kind, e.g. missing, string_too_long, string_nul, json_too_deep")


class Problem(BaseModel):
    """An RFC 9457 problem document (application/problem+json)."""

    type: str = Field(description="Always about:blank: the status says what kind of problem it is")
    title: str = Field(description="The status phrase, e.g. Unprocessable Entity")
    status: int
    detail: str = Field(description="What went wrong and what to do about it, for a human")
    errors: list[FieldProblem] = Field(
        default=[], description="The inputs at fault (with 422, and with 413 for the field over its limit)"
    )
    retry_after_s: int | None = Field(default=None, description="With 429: seconds until a retry may pass")
