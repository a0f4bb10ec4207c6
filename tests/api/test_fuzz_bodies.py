"""Property: whatever JSON an agent sends to create or extend an escalation, the API never answers 5xx,
and every answer is either a valid escalation or a well-formed problem document."""

import itertools
import json
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from escalq.clock import utc_now
from escalq.schemas.escalation import EscalationCreated, EscalationOut
from escalq.schemas.problem import Problem
from tests.factories import make_agent, make_escalation

# Derandomized and without an example database: the same examples on every run, no files written.
BOUNDED = settings(
    max_examples=120,
    deadline=timedelta(seconds=5),
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
AGENTS = 6  # the rate limit is per agent per minute; rotating keeps most examples past it

EDGE_NUMBERS = st.sampled_from(
    [0, -0.0, 1e308, -1e308, 5e-324, 2**63, -(2**63) - 1, 10**400, float("nan"), float("inf"), -float("inf")]
)
ODD_TEXT = st.sampled_from(
    ["\x00", "a\x00b", "\ud800", "\udfff", "x\udbff", "\ud83d\ude00", "\u202e", " ", ""]
)
TEXT = st.text(max_size=40) | ODD_TEXT | st.text(min_size=5_000, max_size=70_000, alphabet='ab{["\\')
SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | EDGE_NUMBERS | TEXT
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(TEXT, children, max_size=4),
    max_leaves=12,
)


@st.composite
def deep(draw: st.DrawFn) -> Any:
    """A value buried in up to 400 levels of arrays and objects (the limit is 32)."""
    value = draw(JSON_VALUES)
    for _ in range(draw(st.integers(min_value=0, max_value=400))):
        value = [value] if draw(st.booleans()) else {draw(TEXT): value}
    return value


CONTEXT = st.dictionaries(TEXT, JSON_VALUES | deep(), max_size=5) | JSON_VALUES
CREATE_FIELDS = {
    "issue_description": TEXT | JSON_VALUES,
    "priority": st.sampled_from(["low", "medium", "high", "urgent"]) | JSON_VALUES,
    "context_data": CONTEXT,
    "webhook_url": st.sampled_from(["https://hooks.example.com/in", "http://127.0.0.1:9/x"]) | TEXT,
    "expires_in": st.integers() | EDGE_NUMBERS,
    "expires_at": st.sampled_from(["2099-01-01T00:00:00Z", "9999-12-31T23:59:59-23:59"]) | TEXT,
    "fallback": TEXT,
    "dedupe_key": TEXT,
    "source_agent": st.just("agent-0") | TEXT,
}
REQUIRED = ("issue_description", "priority")
CREATE_BODIES = (
    st.fixed_dictionaries(
        {name: CREATE_FIELDS[name] for name in REQUIRED},
        optional={name: value for name, value in CREATE_FIELDS.items() if name not in REQUIRED}
        | {"surplus": JSON_VALUES},
    )
    | JSON_VALUES
)
CONTEXT_BODIES = (
    st.fixed_dictionaries(
        {"context_data": CONTEXT}, optional={"note": TEXT | JSON_VALUES, "surplus": JSON_VALUES}
    )
    | JSON_VALUES
)


def as_json(body: Any) -> bytes:
    """JSON as a careless client writes it: NaN and Infinity as bare words, lone surrogates escaped."""
    return json.dumps(body, allow_nan=True).encode()


def assert_well_formed(response, model: type) -> None:
    assert response.status_code < 500, response.text
    if response.status_code < 300:
        model.model_validate_json(response.content)
        return
    assert response.headers["content-type"] == "application/problem+json", response.text
    problem = Problem.model_validate_json(response.content)
    assert problem.status == response.status_code
    if response.status_code == 422:
        assert problem.errors, response.text


@pytest.fixture
def agents(session):
    made = [make_agent(session, f"agent-{n}") for n in range(AGENTS)]
    return itertools.cycle(made)


@BOUNDED
@given(body=CREATE_BODIES)
def test_create_never_fails_on_any_body(client, agents, body):
    agent = next(agents)

    response = client.post(
        "/api/escalations",
        headers={**agent.headers, "Content-Type": "application/json"},
        content=as_json(body),
    )

    assert_well_formed(response, EscalationCreated)


@pytest.fixture
def times():
    """Creation times 5 s apart from an hour ago (30 s apart per agent): the escalations to extend stay
    under the agents' rate limit however fast the examples run."""
    start = utc_now() - timedelta(hours=1)
    return (start + timedelta(seconds=5 * n) for n in itertools.count())


@BOUNDED
@given(body=CONTEXT_BODIES)
def test_adding_context_never_fails_on_any_body(client, session, agents, times, body):
    agent = next(agents)
    escalation = make_escalation(session, agent.agent, now=next(times))

    response = client.post(
        f"/api/escalations/{escalation.id}/context",
        headers={**agent.headers, "Content-Type": "application/json"},
        content=as_json(body),
    )

    assert_well_formed(response, EscalationOut)
