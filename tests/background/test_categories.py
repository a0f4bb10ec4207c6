"""Categorization: an OpenAI-compatible model when configured, local rules without a key or after failures."""

from escalq.config import Settings
from escalq.models import Escalation, TaskKind, TaskStatus
from escalq.services import categories
from escalq.services.outbound import Outbound
from tests.background.helpers import make_outbound, run_once, tasks_of
from tests.background.receivers import api_error, completion
from tests.factories import make_agent, make_escalation

MODEL = "gpt-test"
DESCRIPTION = "Customer wants their money back for order 77"


def with_model(server, **settings):
    """Outbound configured from settings naming the fake server, as the worker would build it."""
    values = {
        "openai_api_key": "sk-test",
        "openai_base_url": f"{server.url}/v1",
        "openai_model": MODEL,
        "openai_timeout_s": 5.0,
        "retry_delays_s": [10.0, 60.0],
        **settings,
    }
    return Outbound.from_settings(Settings(**values))


def categorize(session, escalation, config, clock):
    """One attempt of the escalation's categorize task; returns it and when it retries (or None)."""
    (task,) = tasks_of(session, escalation.id, TaskKind.categorize)
    attempted = run_once(session, task, config, clock)
    assert attempted is not None, "the task was due and free"
    return task, attempted.retry_at


def stored(session, escalation):
    session.expire_all()
    row = session.get(Escalation, escalation.id)
    return row.category, row.category_source


def test_the_model_names_the_category(session, clock, openai_server):
    agent = make_agent(session)
    older = make_escalation(session, agent.agent, description="Refund please", now=clock())
    older.category, older.category_source = "refund request", categories.LOCAL
    session.add(older)
    session.commit()
    openai_server.default = completion('{"category": "  Refund   REQUEST!! "}')
    escalation = make_escalation(session, agent.agent, description=DESCRIPTION, now=clock())

    task, retry = categorize(session, escalation, with_model(openai_server), clock)

    assert retry is None
    assert task.status == TaskStatus.done
    assert stored(session, escalation) == ("refund request", f"openai:{MODEL}")
    (request,) = openai_server.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer sk-test"
    asked = request.json()
    assert asked["model"] == MODEL
    assert asked["response_format"]["type"] == "json_schema"
    assert asked["response_format"]["json_schema"]["schema"]["required"] == ["category"]
    system, user = asked["messages"]
    assert system["role"] == "system"
    assert "- refund request" in system["content"]
    assert user == {"role": "user", "content": DESCRIPTION}


def test_api_errors_are_retried_then_local_rules_decide(session, clock, openai_server):
    agent = make_agent(session)
    openai_server.default = api_error(500)
    escalation = make_escalation(session, agent.agent, description=DESCRIPTION + ", a refund", now=clock())
    config = with_model(openai_server, retry_delays_s=[10.0])

    task, retry = categorize(session, escalation, config, clock)

    assert retry is not None and 8 <= (retry - clock()).total_seconds() <= 12
    assert (task.status, task.attempts) == (TaskStatus.pending, 1)
    assert "InternalServerError" in (task.last_error or "")
    assert stored(session, escalation) == (None, None)

    clock.at = retry
    task, retry = categorize(session, escalation, config, clock)

    assert retry is None
    assert (task.status, task.attempts) == (TaskStatus.failed, 2)
    assert stored(session, escalation) == ("refund or payment", categories.LOCAL)
    assert len(openai_server.requests) == 2


def test_a_model_that_recovers_is_used_on_the_retry(session, clock, openai_server):
    agent = make_agent(session)
    openai_server.respond(api_error(503))
    escalation = make_escalation(session, agent.agent, description=DESCRIPTION, now=clock())
    config = with_model(openai_server)

    _, retry = categorize(session, escalation, config, clock)
    assert retry is not None
    clock.at = retry
    task, retry = categorize(session, escalation, config, clock)

    assert (retry, task.status) == (None, TaskStatus.done)
    assert stored(session, escalation) == ("refund request", f"openai:{MODEL}")


def test_without_a_key_the_local_rules_are_deterministic(session, clock, openai_server):
    agent = make_agent(session)
    config = Outbound.from_settings(Settings(openai_api_key=None, openai_base_url=f"{openai_server.url}/v1"))
    assert config.ask_llm is None
    first = make_escalation(
        session, agent.agent, description="Suspicious login from a new country, session 1", now=clock()
    )
    second = make_escalation(
        session, agent.agent, description="Suspicious login from a new country, session 2", now=clock()
    )
    third = make_escalation(
        session, agent.agent, description="Please approve this newsletter draft", now=clock()
    )

    for escalation in (first, second, third):
        task, retry = categorize(session, escalation, config, clock)
        assert (retry, task.status) == (None, TaskStatus.done)

    assert stored(session, first) == stored(session, second) == ("security concern", categories.LOCAL)
    assert stored(session, third) == ("content review", categories.LOCAL)
    assert openai_server.requests == []
    assert make_outbound().ask_llm is None
