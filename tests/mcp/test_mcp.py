"""escalq's MCP tools, driven by the mcp SDK's own client over streamable HTTP (/mcp) and stdio."""

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import httpx2
import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client

from tests.factories import make_agent, make_reviewer

TOOLS = {"evaluate", "escalate", "get_escalation", "wait_for_decision", "add_context"}
ESCALQ_MCP = str(Path(sys.executable).with_name("escalq-mcp"))


@asynccontextmanager
async def over_http(api_url: str, key: str | None) -> AsyncIterator[ClientSession]:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30, read=70)) as http,
        streamable_http_client(f"{api_url}/mcp", http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        yield session


@asynccontextmanager
async def over_stdio(api_url: str, key: str) -> AsyncIterator[ClientSession]:
    environment = {
        "ESCALQ_URL": api_url,
        "ESCALQ_API_KEY": key,
        "PATH": os.environ["PATH"],
        "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
    }
    server = StdioServerParameters(command=ESCALQ_MCP, env=environment)
    async with stdio_client(server) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        yield session


TRANSPORTS = {"http": over_http, "stdio": over_stdio}


@pytest.mark.parametrize("transport", sorted(TRANSPORTS))
def test_escalate_then_wait_with_progress_until_resolved(transport, api_url, client, session):
    agent = make_agent(session)
    reviewer = make_reviewer(session)
    progress: list[tuple[float, float | None, str | None]] = []

    async def run():
        async with TRANSPORTS[transport](api_url, agent.api_key) as mcp:
            listed = await mcp.list_tools()
            created = await mcp.call_tool(
                "escalate",
                {"issue_description": "Refund of 1,200 EUR?", "priority": "high", "fallback": "refuse"},
            )
            escalation = created.structured_content
            fetched = await mcp.call_tool("get_escalation", {"id": escalation["id"]})

            async def on_progress(done: float, total: float | None, message: str | None) -> None:
                progress.append((done, total, message))
                await asyncio.to_thread(
                    client.patch,
                    f"/api/escalations/{escalation['id']}/resolve",
                    headers=reviewer.headers,
                    json={"resolution": "approved", "resolution_notes": "once"},
                )

            waited = await mcp.call_tool(
                "wait_for_decision", {"id": escalation["id"], "timeout_s": 30}, progress_callback=on_progress
            )
            return listed, escalation, fetched.structured_content, waited.structured_content

    listed, escalation, fetched, decision = asyncio.run(run())

    assert {tool.name for tool in listed.tools} == TOOLS
    assert all(len(tool.description or "") > 60 for tool in listed.tools)
    assert escalation["status"] == "assigned" and fetched["id"] == escalation["id"]
    assert decision["decided"] and decision["resolution"] == "approved"
    assert "act on" in decision["next_step"]
    assert progress and progress[0][1] == 30 and "assigned" in (progress[0][2] or "")


def test_wait_times_out_with_the_current_status_and_add_context_answers(api_url, session):
    agent = make_agent(session)
    make_reviewer(session)

    async def run():
        async with over_http(api_url, agent.api_key) as mcp:
            created = (
                await mcp.call_tool("escalate", {"issue_description": "Close account 7?"})
            ).structured_content
            waited = await mcp.call_tool("wait_for_decision", {"id": created["id"], "timeout_s": 1})
            added = await mcp.call_tool(
                "add_context",
                {"id": created["id"], "answer": "the customer asked twice", "context": {"n": 2}},
            )
            too_long = await mcp.call_tool("wait_for_decision", {"id": created["id"], "timeout_s": 51})
            return waited.structured_content, added.structured_content, too_long

    waited, added, too_long = asyncio.run(run())

    assert not waited["decided"] and waited["status"] == "assigned" and "again" in waited["next_step"]
    assert added["status"] == "assigned"
    assert too_long.is_error


@pytest.mark.parametrize("transport", sorted(TRANSPORTS))
def test_evaluate_answers_continue_or_escalate_and_opens_on_request(transport, api_url, session):
    agent = make_agent(session)
    make_reviewer(session)

    async def run():
        async with TRANSPORTS[transport](api_url, agent.api_key) as mcp:
            fine = await mcp.call_tool("evaluate", {"confidence": 0.9, "amount": 20})
            opened = await mcp.call_tool(
                "evaluate",
                {
                    "confidence": 0.9,
                    "flags": ["irreversible"],
                    "create": True,
                    "issue_description": "Wipe the DB?",
                },
            )
            missing = await mcp.call_tool("evaluate", {"confidence": 0.1, "create": True})
            return fine.structured_content, opened.structured_content, missing

    fine, opened, missing = asyncio.run(run())

    assert (fine["decision"], fine["rule"], fine["escalation"]) == ("continue", None, None)
    assert "Go ahead" in fine["next_step"]
    assert (opened["decision"], opened["rule"], opened["priority"]) == ("escalate", "irreversible", "urgent")
    assert opened["escalation"]["status"] == "assigned" and "wait_for_decision" in opened["next_step"]
    assert missing.is_error and "body.issue_description" in missing.content[0].text


def test_another_agents_escalation_is_an_error_naming_404(api_url, session):
    mine = make_agent(session, "agent-a")
    theirs = make_agent(session, "agent-b")

    async def run():
        async with over_http(api_url, theirs.api_key) as mcp:
            created = (await mcp.call_tool("escalate", {"issue_description": "Theirs"})).structured_content
        async with over_http(api_url, mine.api_key) as mcp:
            return await mcp.call_tool("get_escalation", {"id": created["id"]})

    result = asyncio.run(run())

    assert result.is_error and "404" in result.content[0].text


@pytest.mark.parametrize(("key", "status"), [(None, 401), ("esq_not-a-key", 401), ("reviewer", 403)])
def test_mcp_over_http_needs_an_agent_key(api_url, session, key, status):
    if key == "reviewer":
        key = make_reviewer(session).api_key
    headers = {"Authorization": f"Bearer {key}"} if key else {}

    response = httpx.post(
        f"{api_url}/mcp",
        headers={**headers, "Accept": "application/json, text/event-stream"},
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
    )

    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
