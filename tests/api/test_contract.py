"""The OpenAPI document is the contract: Schemathesis (every check) finds nothing the API does otherwise."""

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.responses import PlainTextResponse

from escalq.api.app import create_api
from escalq.api.problems import PROBLEM_JSON, PROBLEM_REF
from escalq.models import Role
from tests.factories import make_agent, make_escalation, make_reviewer

ROOT = Path(__file__).resolve().parents[2]
CONFIG = Path(__file__).with_name("schemathesis.toml")  # bounds: seed, examples per operation, workers
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


@pytest.fixture
def keys(session) -> dict[str, str]:
    """One key of each kind, and an escalation assigned to the reviewer for the stateful phase to find."""
    agent = make_agent(session)
    reviewer = make_reviewer(session)
    manager = make_reviewer(session, "boss@example.com", role=Role.manager, active=False)
    make_escalation(session, agent.agent)
    return {"agent": agent.api_key, "reviewer": reviewer.api_key, "manager": manager.api_key}


@pytest.mark.parametrize("kind", ["agent", "reviewer", "manager"])
def test_schemathesis_finds_no_failure(api_url, keys, kind):
    run = subprocess.run(
        [
            str(SCHEMATHESIS),
            "--config-file",
            str(CONFIG),
            "run",
            f"{api_url}/api/openapi.json",
            "--checks",
            "all",
            "--header",
            f"Authorization: Bearer {keys[kind]}",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},  # for the hooks module named in the config
    )

    assert run.returncode == 0, run.stdout[-20_000:] + run.stderr[-5_000:]
    assert re.search(r"(\d{3,}) generated, \1 passed", run.stdout), run.stdout[-3_000:]


@pytest.fixture(scope="module")
def document() -> dict:
    return create_api().openapi()


def operations(document: dict):
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def test_every_error_is_a_documented_problem(document):
    for name, operation in operations(document):
        errors = {status: answer for status, answer in operation["responses"].items() if status >= "400"}
        assert {"401", "413", "422"} <= set(errors), name
        for status, answer in errors.items():
            assert answer["content"] == {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_REF}}}, (name, status)
    assert {"Problem", "FieldProblem"} <= set(document["components"]["schemas"])
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_expires_at_and_expires_in_are_exclusive_in_the_schema(document):
    create = document["components"]["schemas"]["EscalationCreate"]

    assert create["not"]["required"] == ["expires_at", "expires_in"]


@pytest.fixture
def as_mounted() -> TestClient:
    """The API as Reflex serves it: with the web app's backend mounted at "/" behind the API's routes."""
    api = create_api()
    api.mount("", PlainTextResponse("the web app", status_code=404))
    return TestClient(api)


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("TRACE", "/api/escalations", "GET, POST"),
        ("DELETE", "/api/escalations", "GET, POST"),
        ("QUERY", "/api/escalations", "GET, POST"),
        ("HEAD", "/api/escalations/{id}", "GET"),
        ("GET", "/api/escalations/{id}/claim", "PATCH"),
        ("TRACE", "/api/oncall", "GET"),
        ("POST", "/api/openapi.json", "GET, HEAD"),
    ],
)
def test_unsupported_methods_answer_405_with_allow(as_mounted, method, path, allow):
    response = as_mounted.request(method, path.format(id=uuid.uuid4()))

    assert response.status_code == 405
    assert response.headers["allow"] == allow
    if method != "HEAD":
        assert response.headers["content-type"] == PROBLEM_JSON


def test_unknown_api_paths_are_404_problems_and_the_rest_is_the_web_app(as_mounted):
    unknown = as_mounted.get("/api/escalations/x/y/z")
    web = as_mounted.get("/queue")

    assert (unknown.status_code, unknown.headers["content-type"]) == (404, PROBLEM_JSON)
    assert (web.status_code, web.text) == (404, "the web app")
