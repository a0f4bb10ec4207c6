"""Handing an escalation back to its agent: the reviewer's question, the agent's answer, and the exchange."""

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from escalq.schemas.escalation import MAX_NOTES_CHARS
from escalq.schemas.inputs import NonBlank

MAX_QUESTION_CHARS = 2_000


def _without_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL (\\u0000) characters")
    return value


# What a reviewer may ask the agent, from the API or the dashboard: not blank, without NUL, and at most
# MAX_QUESTION_CHARS characters as sent (surrounding whitespace is dropped after counting).
Question = Annotated[str, Field(max_length=MAX_QUESTION_CHARS), NonBlank(), AfterValidator(_without_nul)]


class RequestInfoIn(BaseModel):
    """What the reviewer needs to know before deciding."""

    model_config = ConfigDict(extra="forbid")

    question: Question = Field(description="Sent to the agent in the escalation.info_requested webhook")


class ContextIn(BaseModel):
    """More context from the agent: top-level keys are merged into context_data, new values win."""

    # The service refuses an addition with neither a key nor a note (422); the schema says so too.
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "anyOf": [
                {"properties": {"context_data": {"minProperties": 1}}},
                {"required": ["note"], "properties": {"note": {"type": "string", "minLength": 1}}},
            ]
        },
    )

    context_data: dict[str, Any] = Field(
        description="Keys to add or replace; the earlier values stay in the history (send a key or a note)"
    )
    note: Annotated[str, Field(max_length=MAX_NOTES_CHARS)] | None = Field(
        default=None, description="A word for the reviewer, e.g. the answer in plain text"
    )


@dataclass(frozen=True)
class ContextUpdateRow:
    """One later addition to the context, for the escalation page."""

    at: str
    added: str
    note: str
    json: str


@dataclass(frozen=True)
class Exchange:
    """The open question to the agent, if any, and what the agent added since the escalation was opened."""

    question: str
    asked_by: str
    updates: list[ContextUpdateRow]
