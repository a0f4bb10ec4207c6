"""Handing an escalation back to its agent: the reviewer's question, the agent's answer, and the exchange."""

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from escalq.schemas.escalation import MAX_NOTES_CHARS, _json_without_nul, _no_nul

MAX_QUESTION_CHARS = 2_000


class RequestInfoIn(BaseModel):
    """What the reviewer needs to know before deciding."""

    model_config = ConfigDict(extra="forbid")

    question: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_QUESTION_CHARS),
        AfterValidator(_no_nul),
    ] = Field(description="Sent to the agent in the escalation.info_requested webhook")


class ContextIn(BaseModel):
    """More context from the agent: top-level keys are merged into context_data, new values win."""

    model_config = ConfigDict(extra="forbid")

    context_data: Annotated[dict[str, Any], AfterValidator(_json_without_nul)] = Field(
        description="Keys to add or replace; the earlier values stay in the history"
    )
    note: Annotated[str, StringConstraints(max_length=MAX_NOTES_CHARS), AfterValidator(_no_nul)] | None = (
        Field(default=None, description="A word for the reviewer, e.g. the answer in plain text")
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
