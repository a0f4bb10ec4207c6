"""escalq's tools for agents over MCP: on stdio (`escalq-mcp`) or mounted on the backend at /mcp.

The tools call escalq's HTTP API through AsyncEscalq, so keys, agent isolation and errors are the API's.
`build(client_for)` takes how to reach the API for a call: from the environment on stdio, with the
caller's Bearer key on the backend.
"""

import os
import sys
from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import Field

try:
    from mcp.server.mcpserver import Context, MCPServer
    from mcp.server.mcpserver.exceptions import ToolError
except ModuleNotFoundError as missing:  # the client itself needs only httpx
    raise SystemExit('escalq-mcp needs the MCP SDK: pip install "escalq-client[mcp]"') from missing

from escalq_client.client import AsyncEscalq
from escalq_client.errors import EscalqError, ValidationError
from escalq_client.models import Decision, Escalation, Evaluation

MAX_TOOL_WAIT_S = 50  # MCP clients cut a call at about 60 s: answer before, and let the agent call again
PROGRESS_EVERY_S = 10  # one long poll per interval, so the client hears progress that often
ClientFor = Callable[[Context], AsyncEscalq]

INSTRUCTIONS = """escalq hands a decision you must not take alone to a human reviewer and gives you the
answer. Unsure whether a decision needs a human? Call `evaluate` with your signals (confidence, latency,
data completeness, amount, flags): it answers continue or escalate by your team's rules. Call
`escalate` with what needs deciding and the facts a human needs, then `wait_for_decision`
with the returned id: it answers with the decision, or with the current status when its time runs out
(call it again). If a reviewer asks a question (status needs_info, `info_question`), answer with
`add_context`. Never act on the matter before it is resolved; if it expires, do the fallback you gave."""


def _escalation(escalation: Escalation) -> dict[str, Any]:
    fields = ("id", "status", "priority", "resolution", "resolution_notes", "fallback", "info_question")
    summary = {name: getattr(escalation, name) for name in fields}
    summary["duplicate"] = escalation.duplicate
    return summary


def _decision(decision: Decision) -> dict[str, Any]:
    if decision.resolved:
        advice = "A human decided: act on `resolution` (and `resolution_notes`)."
    elif decision.expired:
        advice = "Nobody decided in time: do your `fallback`."
    elif decision.question:
        advice = "A reviewer asks `info_question`: answer with add_context, then wait again."
    else:
        advice = "Not decided yet: call wait_for_decision again with the same id."
    return {**_escalation(decision.escalation), "decided": decision.resolved, "next_step": advice}


def _evaluation(evaluation: Evaluation) -> dict[str, Any]:
    fields = ("decision", "priority", "rule", "reason", "sampled", "policy_version")
    summary: dict[str, Any] = {name: getattr(evaluation, name) for name in fields}
    summary["escalation"] = None if evaluation.escalation is None else _escalation(evaluation.escalation)
    if not evaluation.escalate:
        summary["next_step"] = "Go ahead: no rule asks for a human."
    elif evaluation.escalation is not None:
        summary["next_step"] = "Escalated: call wait_for_decision with escalation.id; do not act before."
    else:
        summary["next_step"] = "Do not act alone: call escalate with this priority (or evaluate with create)."
    return summary


def _tool_error(error: EscalqError) -> ToolError:
    fields = error.field_errors if isinstance(error, ValidationError) else {}
    detail = "; ".join(f"{field}: {message}" for field, message in fields.items()) or error.detail
    return ToolError(f"escalq answered {error.status} {error.title}: {detail}")


def build(client_for: ClientFor) -> MCPServer:
    """The MCP server with escalq's five tools."""
    server: MCPServer = MCPServer("escalq", instructions=INSTRUCTIONS, version="0.1.0")

    @server.tool(
        description=(
            "Hand a decision to a human reviewer (a refund over your limit, an exception to policy, anything"
            " you are not allowed or not confident to decide). Returns the escalation `id` and `status`;"
            " then call wait_for_decision with the id. Put every fact the reviewer needs in `context`."
            " Repeating the same request is safe: it is folded into the open escalation (`duplicate`)."
        )
    )
    async def escalate(
        ctx: Context,
        issue_description: Annotated[str, Field(description="What a human must decide, in one paragraph")],
        priority: Annotated[
            Literal["low", "medium", "high", "urgent"],
            Field(description="urgent pages the on-call reviewer; use it only when harm is imminent"),
        ] = "medium",
        context: Annotated[
            dict[str, Any] | None, Field(description="Facts for the reviewer (a JSON object, at most 64 KiB)")
        ] = None,
        webhook_url: Annotated[str | None, Field(description="Where to POST the decision, if wanted")] = None,
        expires_in: Annotated[
            int | None, Field(description="Seconds until it expires if nobody takes it", gt=0)
        ] = None,
        fallback: Annotated[
            str | None, Field(description="What you will do if it expires (e.g. 'refuse'), shown to humans")
        ] = None,
        dedupe_key: Annotated[
            str | None, Field(description="Your own key for this matter: the same key is folded")
        ] = None,
    ) -> dict[str, Any]:
        try:
            async with client_for(ctx) as escalq:
                created = await escalq.create(
                    issue_description,
                    priority=priority,
                    context=context,
                    webhook_url=webhook_url,
                    expires_in=expires_in,
                    fallback=fallback,
                    dedupe_key=dedupe_key,
                )
        except EscalqError as error:
            raise _tool_error(error) from error
        return _escalation(created)

    @server.tool(
        description=(
            "Ask whether a decision you are about to take needs a human: send your signals (any may be"
            " left out) and get `decision` continue or escalate, with the `priority`, the `rule` that fired"
            " and its `reason`. With create true and an issue_description, an escalate decision also opens"
            " the escalation (then wait_for_decision with escalation.id)."
        )
    )
    async def evaluate(
        ctx: Context,
        confidence: Annotated[float | None, Field(description="Your confidence, 0 to 1", ge=0, le=1)] = None,
        latency_ms: Annotated[float | None, Field(description="How long the work took, ms", ge=0)] = None,
        data_completeness: Annotated[
            float | None, Field(description="Share of the needed data you had, 0 to 1", ge=0, le=1)
        ] = None,
        amount: Annotated[float | None, Field(description="The money (or other sum) at stake")] = None,
        flags: Annotated[
            list[str] | None, Field(description="Markers such as irreversible, pii, refund")
        ] = None,
        create: Annotated[
            bool, Field(description="Also open the escalation if the answer is escalate")
        ] = False,
        issue_description: Annotated[
            str | None, Field(description="What a human must decide (needed with create)")
        ] = None,
        context: Annotated[
            dict[str, Any] | None, Field(description="Facts for the reviewer (a JSON object, at most 64 KiB)")
        ] = None,
        fallback: Annotated[
            str | None, Field(description="What you will do if it expires (e.g. 'refuse'), shown to humans")
        ] = None,
    ) -> dict[str, Any]:
        try:
            async with client_for(ctx) as escalq:
                evaluation = await escalq.evaluate(
                    confidence=confidence,
                    latency_ms=latency_ms,
                    data_completeness=data_completeness,
                    amount=amount,
                    flags=flags,
                    create=create,
                    issue_description=issue_description,
                    context=context,
                    fallback=fallback,
                )
        except EscalqError as error:
            raise _tool_error(error) from error
        return _evaluation(evaluation)

    @server.tool(description="The escalation now: its status, and the decision once there is one.")
    async def get_escalation(
        ctx: Context, id: Annotated[str, Field(description="The id escalate returned")]
    ) -> dict[str, Any]:
        try:
            async with client_for(ctx) as escalq:
                return _escalation(await escalq.get(id))
        except EscalqError as error:
            raise _tool_error(error) from error

    @server.tool(
        description=(
            "Wait for the human's decision on an escalation, up to `timeout_s` seconds (at most 50). Returns"
            " the decision (`decided` true, `resolution`, `resolution_notes`), or `status` expired (do your"
            " fallback), or the current status when the time runs out: then call it again. Reports progress"
            " while it waits."
        )
    )
    async def wait_for_decision(
        ctx: Context,
        id: Annotated[str, Field(description="The id escalate returned")],
        timeout_s: Annotated[
            int, Field(description="Seconds to wait, 1 to 50", ge=1, le=MAX_TOOL_WAIT_S)
        ] = MAX_TOOL_WAIT_S,
    ) -> dict[str, Any]:
        async def progress(current: Escalation, elapsed_s: float) -> None:
            await ctx.report_progress(elapsed_s, timeout_s, f"waiting for a human; status {current.status}")

        try:
            async with client_for(ctx) as escalq:
                decision = await escalq.wait_for_decision(
                    id, timeout_s, poll_s=PROGRESS_EVERY_S, on_wait=progress
                )
        except EscalqError as error:
            raise _tool_error(error) from error
        return _decision(decision)

    @server.tool(
        description=(
            "Add facts to an escalation's context; when a reviewer asked a question (status needs_info)"
            " this is your answer and the escalation goes back to them. Then wait_for_decision again."
        )
    )
    async def add_context(
        ctx: Context,
        id: Annotated[str, Field(description="The id escalate returned")],
        answer: Annotated[str, Field(description="Your answer or the new facts, in plain words")],
        context: Annotated[
            dict[str, Any] | None, Field(description="Structured facts to merge into the context")
        ] = None,
    ) -> dict[str, Any]:
        try:
            async with client_for(ctx) as escalq:
                updated = await escalq.add_context(id, {**(context or {}), "answer": answer}, note=answer)
        except EscalqError as error:
            raise _tool_error(error) from error
        return _escalation(updated)

    return server


def main() -> None:
    """`escalq-mcp`: the MCP server on stdio, for an agent on this machine."""
    url, key = os.environ.get("ESCALQ_URL"), os.environ.get("ESCALQ_API_KEY")
    if not url or not key:
        sys.exit(
            "escalq-mcp: set ESCALQ_URL (e.g. http://localhost:8000) and ESCALQ_API_KEY (the agent's key)"
        )
    build(lambda ctx: AsyncEscalq(url, key)).run("stdio")
