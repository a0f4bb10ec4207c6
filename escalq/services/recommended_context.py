"""The context schema escalq recommends: what a reviewer needs to decide without asking the agent back.

Four sections, each required (an empty list or object says "nothing here" on purpose); any other key may
follow them. `escalq agent schema NAME --recommended` applies it, `escalq agent schema --recommended`
prints it.
"""

from typing import Any

_TEXT = {"type": "string", "minLength": 1}

RECOMMENDED: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "escalq recommended context",
    "type": "object",
    "required": ["recent_events", "model", "user", "pointers"],
    "properties": {
        "recent_events": {
            "description": "What happened just before the agent escalated, oldest first",
            "type": "array",
            "items": {
                "type": "object",
                "required": ["at", "summary"],
                "properties": {
                    "at": {"type": "string", "format": "date-time"},
                    "kind": {"type": "string", "description": "e.g. message, tool_call, error"},
                    "summary": _TEXT,
                },
            },
        },
        "model": {
            "description": "The model's inputs and outputs behind the case",
            "type": "object",
            "required": ["inputs", "outputs"],
            "properties": {
                "name": {"type": "string", "description": "Model and version"},
                "inputs": {"description": "The prompt, features or tool results it was given"},
                "outputs": {"description": "What it answered or proposed"},
                "confidence": {"type": "number", "minimum": 0, "maximum": 1},
                "reasoning": {"type": "string", "description": "Why it escalated, in its words"},
            },
        },
        "user": {
            "description": "Who is affected: identifiers and the facts that matter, not their secrets",
            "type": "object",
            "properties": {
                "id": {"type": "string"},
                "segment": {"type": "string", "description": "e.g. plan, tier, region"},
                "locale": {"type": "string"},
            },
        },
        "pointers": {
            "description": "Where to look further: tickets, orders, logs, dashboards",
            "type": "array",
            "items": {
                "type": "object",
                "required": ["url"],
                "properties": {"label": {"type": "string"}, "url": {"type": "string", "format": "uri"}},
            },
        },
    },
}
