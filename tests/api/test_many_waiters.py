"""A hundred agents waiting at once: each is woken by its own resolution, none by another's."""

import asyncio
import time

import httpx

from tests.api.waiters import until, waiting_now
from tests.factories import make_agent, make_escalation, make_reviewer

WAITERS = 100
AGENTS = 5  # each under the per-minute rate limit


def test_a_hundred_waiters_wake_on_their_resolution(api_url, client, session):
    reviewer = make_reviewer(session, role="admin")
    agents = [make_agent(session, f"agent-{n}") for n in range(AGENTS)]
    opened = [
        (agent, make_escalation(session, agent.agent)) for agent in agents for _ in range(WAITERS // AGENTS)
    ]
    answered: dict[str, float] = {}

    async def wait_for(http: httpx.AsyncClient, headers: dict[str, str], escalation_id: str) -> dict:
        response = await http.get(f"/api/escalations/{escalation_id}", params={"wait": 50}, headers=headers)
        answered[escalation_id] = time.monotonic()
        assert response.status_code == 200, response.text
        return response.json()

    async def run() -> tuple[list[dict], dict[str, float]]:
        limits = httpx.Limits(max_connections=WAITERS + 10)
        async with httpx.AsyncClient(base_url=api_url, timeout=70, limits=limits) as http:
            waits = [asyncio.create_task(wait_for(http, agent.headers, str(esc.id))) for agent, esc in opened]
            await asyncio.to_thread(until, lambda: waiting_now() == WAITERS, within_s=30)
            assert not any(task.done() for task in waits)
            resolved_at = {}
            for n, (_, escalation) in enumerate(opened):
                if n == WAITERS // 2:  # halfway: the other half are still waiting
                    await asyncio.gather(*waits[:n])
                    assert waiting_now() == WAITERS - n
                    assert not any(task.done() for task in waits[n:])
                response = await asyncio.to_thread(
                    client.patch,
                    f"/api/escalations/{escalation.id}/resolve",
                    headers=reviewer.headers,
                    json={"resolution": "approved"},
                )
                assert response.status_code == 200, response.text
                resolved_at[str(escalation.id)] = time.monotonic()
            return await asyncio.gather(*waits), resolved_at

    done, resolved_at = asyncio.run(run())

    assert [answer["status"] for answer in done] == ["resolved"] * WAITERS
    assert [answer["id"] for answer in done] == [str(escalation.id) for _, escalation in opened]
    latencies = sorted(answered[key] - at for key, at in resolved_at.items())
    assert latencies[-1] < 5, latencies[-5:]
    until(lambda: waiting_now() == 0)
