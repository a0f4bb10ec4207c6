"""The context contract: an agent's optional JSON Schema for its escalations' `context_data`.

Schemas are checked against their draft's meta-schema when set, and compiled offline: a `$ref` to
anything outside the schema itself is refused, never fetched. Formats (date-time, uri, email...) are
checked too. Compiled validators are kept per schema text, so a create pays only the validation.
"""

import copy
import json
import uuid
from datetime import datetime
from functools import lru_cache
from typing import Any

import jsonschema_rs
from sqlmodel import Session

from escalq.models import Agent, Reviewer
from escalq.services.audit import record_security_event
from escalq.services.errors import Invalid, NotFound, SchemaErrors
from escalq.services.json_input import MAX_ERRORS
from escalq.services.recommended_context import RECOMMENDED

MAX_SCHEMA_BYTES = 64 * 1024
_MESSAGE_CHARS = 300  # an error quotes the value at fault: a big one is cut short


def check_schema(schema: Any) -> dict[str, Any]:
    """The schema, if it is a JSON Schema escalq can apply; Invalid saying why otherwise."""
    if not isinstance(schema, dict):
        raise Invalid("a context schema must be a JSON object (a JSON Schema)", field="schema")
    size = len(_text(schema).encode())
    if size > MAX_SCHEMA_BYTES:
        raise Invalid(f"the schema is {size:,} bytes; at most {MAX_SCHEMA_BYTES:,}", field="schema")
    try:
        jsonschema_rs.meta.validate(schema)
        _validator(_text(schema))
    except jsonschema_rs.ValidationError as error:
        where = _pointer(error.instance_path)
        raise Invalid(
            f"the schema is not valid at {where}: {_short(error.message)}", field="schema"
        ) from None
    return schema


def validate_context(*, agent: Agent, context_data: dict[str, Any]) -> None:
    """SchemaErrors naming each place `context_data` breaks the agent's schema (at most 20); nothing
    when it conforms or the agent has none."""
    if agent.context_schema is None:
        return
    validator = _validator(_text(agent.context_schema))
    errors = []
    for error in validator.iter_errors(context_data):
        keyword = error.schema_path[-1] if error.schema_path else "schema"
        errors.append((("context_data", *error.instance_path), _short(error.message), f"schema.{keyword}"))
        if len(errors) == MAX_ERRORS:
            break
    if errors:
        raise SchemaErrors(
            f"context_data does not follow the context schema of agent {agent.name}", errors=errors
        )


def set_schema(
    *, session: Session, agent_id: uuid.UUID, schema: Any, by: Reviewer | None, now: datetime
) -> Agent:
    """Set (checked first) or clear (None) the agent's context schema; audited (`by` None: the CLI)."""
    checked = None if schema is None else check_schema(schema)
    agent = session.get(Agent, agent_id, with_for_update=True)
    if agent is None:
        raise NotFound(f"no agent with id {agent_id}")
    agent.context_schema = checked
    session.add(agent)
    record_security_event(
        session=session,
        action="agent.context_schema_set" if checked is not None else "agent.context_schema_cleared",
        subject=agent.name,
        by=by,
        now=now,
        details={} if checked is None else {"bytes": len(_text(checked).encode())},
    )
    return agent


def schema_of(*, session: Session, agent_id: uuid.UUID) -> tuple[str, dict[str, Any] | None]:
    """The agent's name and context schema (None: it has none)."""
    agent = session.get(Agent, agent_id)
    if agent is None:
        raise NotFound(f"no agent with id {agent_id}")
    return agent.name, agent.context_schema


def recommended() -> dict[str, Any]:
    """A copy of the schema escalq recommends: recent events, model inputs and outputs, user, pointers."""
    return copy.deepcopy(RECOMMENDED)


def pretty(schema: dict[str, Any]) -> str:
    """The schema as people read and edit it."""
    return json.dumps(schema, indent=2, ensure_ascii=False)


def parse(text: str) -> Any:
    """A schema typed or pasted as JSON, for set_schema to check; blank is None (clear it)."""
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except ValueError as error:
        raise Invalid(f"the schema is not JSON: {error}", field="schema") from None


def _text(schema: dict[str, Any]) -> str:
    return json.dumps(schema, sort_keys=True, separators=(",", ":"))


@lru_cache(maxsize=256)
def _validator(schema_text: str) -> jsonschema_rs.Validator:
    return jsonschema_rs.validator_for(json.loads(schema_text), validate_formats=True, offline=True)


def _pointer(path: list[str | int]) -> str:
    """Where in the schema, as an RFC 6901 JSON Pointer."""
    if not path:
        return "its top level"
    return "/" + "/".join(str(part).replace("~", "~0").replace("/", "~1") for part in path)


def _short(message: str) -> str:
    return message if len(message) <= _MESSAGE_CHARS else message[: _MESSAGE_CHARS - 1] + "…"
