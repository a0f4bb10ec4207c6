"""Every example in examples/, run against the real app."""

import asyncio
import importlib.util
import json
import shutil
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from types import ModuleType

import httpx
import pytest

from escalq.clock import utc_now
from escalq.models import TaskKind
from escalq_client import Escalq
from harness.net import free_port
from tests.api.waiters import until, waiting_now
from tests.background.helpers import FakeClock, make_outbound, run_once, tasks_of
from tests.factories import make_agent, make_reviewer

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def load(relative: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(Path(relative).stem, EXAMPLES / relative)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


refund_agent = load("refund_agent.py")
webhook_receiver = load("webhook_receiver.py")
drive_escalq_mcp = load("mcp/drive_escalq_mcp.py")


@pytest.fixture
def agent(session):
    return make_agent(session)


def test_a_confident_agent_decides_alone(api_url, agent):
    with Escalq(api_url, agent.api_key) as escalq:
        outcome = refund_agent.handle(refund_agent.Request("A-1", 40, "damaged"), escalq)
        listed = escalq.list()

    assert (outcome.action, outcome.decided_by) == ("refund", "agent")
    assert listed.items == []


def test_an_unsure_agent_escalates_waits_and_acts_on_the_decision(api_url, client, session, agent):
    reviewer = make_reviewer(session)
    request = refund_agent.Request("A-2", 1500, "changed my mind")

    with Escalq(api_url, agent.api_key) as escalq, ThreadPoolExecutor(max_workers=1) as pool:
        handling = pool.submit(refund_agent.handle, request, escalq, wait_s=60)
        until(lambda: waiting_now() == 1)
        (escalation,) = escalq.list().items
        client.patch(
            f"/api/escalations/{escalation.id}/resolve",
            headers=reviewer.headers,
            json={"resolution": "rejected", "resolution_notes": "outside the return window"},
        )
        outcome = handling.result(timeout=10)

    assert escalation.priority == "high" and escalation.context_data["amount_eur"] == 1500
    assert (outcome.action, outcome.decided_by) == ("refuse", "human")
    assert outcome.notes == "outside the return window"


def test_nobody_deciding_in_time_holds(api_url, session, agent):
    make_reviewer(session)
    with Escalq(api_url, agent.api_key) as escalq:
        outcome = refund_agent.handle(refund_agent.Request("A-3", 500, "damaged"), escalq, wait_s=1)

    assert outcome.action == "hold" and outcome.escalation_id


def test_the_webhook_receiver_acts_once_on_a_verified_delivery(api_url, client, session, agent):
    reviewer = make_reviewer(session)
    heard: list[str] = []
    server = webhook_receiver.make_server(agent.webhook_secret, port=free_port(), on_event=heard.append)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/escalq"
    try:
        with Escalq(api_url, agent.api_key) as escalq:
            created = escalq.create("Refund 900 EUR?", webhook_url=url, fallback="refuse")
        client.patch(
            f"/api/escalations/{created.id}/resolve",
            headers=reviewer.headers,
            json={"resolution": "approved"},
        )
        (task,) = tasks_of(session, created.id, TaskKind.webhook)
        delivered = run_once(session, task, make_outbound(), FakeClock(utc_now() + timedelta(seconds=1)))
        forged = httpx.post(url, content=b'{"type":"escalation.resolved"}', headers={"webhook-id": "x"})
    finally:
        server.shutdown()

    assert delivered is not None and task.status == "done"
    assert heard == [f"{created.id}: approved by {reviewer.reviewer.display_name}, acting on it"]
    assert forged.status_code == 401


def test_the_desktop_config_starts_escalq_mcp():
    config = json.loads((EXAMPLES / "mcp" / "claude_desktop_config.json").read_text())
    server = config["mcpServers"]["escalq"]

    assert Path(server["command"]).name == "escalq-mcp"
    assert shutil.which("escalq-mcp") or Path(drive_escalq_mcp.ESCALQ_MCP).exists()
    assert set(server["env"]) == {"ESCALQ_URL", "ESCALQ_API_KEY"}


def test_the_mcp_script_escalates_and_waits_for_the_decision(api_url, client, session, agent, monkeypatch):
    reviewer = make_reviewer(session)
    monkeypatch.setenv("ESCALQ_URL", api_url)
    monkeypatch.setenv("ESCALQ_API_KEY", agent.api_key)

    def resolve_when_waited_on() -> None:
        until(lambda: waiting_now() == 1, within_s=30)
        (escalation,) = Escalq(api_url, agent.api_key).list().items
        client.patch(
            f"/api/escalations/{escalation.id}/resolve",
            headers=reviewer.headers,
            json={"resolution": "approved"},
        )

    resolver = threading.Thread(target=resolve_when_waited_on)
    resolver.start()
    decision = asyncio.run(drive_escalq_mcp.escalate_and_wait("Goodwill voucher?", rounds=3, timeout_s=20))
    resolver.join()

    assert decision["decided"] and decision["resolution"] == "approved"
