"""Drive escalq-mcp as a desktop agent would: start it on stdio, escalate, wait until a human decides.

Run against `make run`:

    export ESCALQ_URL=http://localhost:8000 ESCALQ_API_KEY=esq_...
    .venv/bin/python examples/mcp/drive_escalq_mcp.py

Resolve the escalation in the web app (http://localhost:3000); the script prints the progress it hears
and the decision. wait_for_decision answers within 50 s, so it is called again until there is one.
"""

import asyncio
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

ESCALQ_MCP = shutil.which("escalq-mcp") or str(Path(sys.executable).with_name("escalq-mcp"))


async def escalate_and_wait(issue: str, *, rounds: int = 60, timeout_s: int = 50) -> dict[str, Any]:
    """Escalate `issue` and wait, `rounds` times at most, for the decision; the last answer."""
    environment = {name: os.environ[name] for name in ("ESCALQ_URL", "ESCALQ_API_KEY", "PATH")}
    server = StdioServerParameters(command=ESCALQ_MCP, env=environment)
    async with stdio_client(server) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        created = await session.call_tool("escalate", {"issue_description": issue, "fallback": "refuse"})
        escalation = created.structured_content or {}
        print(f"escalated {escalation.get('id')}: {escalation.get('status')}")

        async def progress(done: float, total: float | None, message: str | None) -> None:
            print(f"  {done:.0f}/{total or 0:.0f} s: {message}")

        answer: dict[str, Any] = {}
        for _ in range(rounds):
            waited = await session.call_tool(
                "wait_for_decision",
                {"id": escalation["id"], "timeout_s": timeout_s},
                progress_callback=progress,
            )
            answer = waited.structured_content or {}
            if answer.get("decided") or answer.get("status") == "expired":
                break
        return answer


if __name__ == "__main__":
    decision = asyncio.run(escalate_and_wait("May I send the customer a 20% goodwill voucher?"))
    print(f"{decision.get('status')}: {decision.get('resolution')} ({decision.get('next_step')})")
