"""Ask an OpenAI-compatible chat model for a short reason category, with structured output."""

import json

from openai import OpenAI
from openai.types.chat import ChatCompletionMessageParam
from openai.types.shared_params import ResponseFormatJSONSchema

from escalq.integrations import http

RESPONSE_FORMAT: ResponseFormatJSONSchema = {
    "type": "json_schema",
    "json_schema": {
        "name": "escalation_category",
        "strict": True,
        "schema": {
            "type": "object",
            "properties": {"category": {"type": "string", "description": "2 to 4 words, lower case"}},
            "required": ["category"],
            "additionalProperties": False,
        },
    },
}


def categorize(
    *,
    api_key: str,
    base_url: str | None,
    model: str,
    timeout_s: float,
    gate: http.Gate,
    description: str,
    known: list[str],
) -> str:
    """The model's category for `description`, preferring one of `known`."""
    with http.client(timeout_s=timeout_s, gate=gate) as http_client:
        client = OpenAI(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout_s,
            max_retries=0,
            # Typed as httpx2's client, but openai accepts an httpx one (the pinned client) as well.
            http_client=http_client,  # type: ignore[arg-type]
        )
        return _ask(client=client, model=model, description=description, known=known)


def _ask(*, client: OpenAI, model: str, description: str, known: list[str]) -> str:
    existing = "\n".join(f"- {name}" for name in known) or "(none yet)"
    messages: list[ChatCompletionMessageParam] = [
        {
            "role": "system",
            "content": "You file escalations from AI agents under a short reason category (2 to 4 words, "
            "lower case). Reuse one of the existing categories whenever it fits, so the list stays "
            f"short and stable. Existing categories:\n{existing}",
        },
        {"role": "user", "content": description[:4000]},
    ]
    completion = client.chat.completions.create(
        model=model, messages=messages, response_format=RESPONSE_FORMAT
    )
    content = completion.choices[0].message.content or ""
    return str(json.loads(content)["category"])
