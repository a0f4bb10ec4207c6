"""PostgreSQL faults seen by agents: 503 with Retry-After while it is unreachable, never 500, and nothing
after a successful commit turns the answer into an error."""

from collections.abc import Iterator

import pytest
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlmodel import Session, col, select

from escalq.config import get_settings
from escalq.db import get_engine
from escalq.models import Escalation
from tests.factories import make_agent
from tests.net import TcpProxy

CREATE = {"issue_description": "Refund of 4,200 EUR", "priority": "high"}


@pytest.fixture
def database_proxy(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[TcpProxy]:
    """The API (and nothing the test reads with) reaches the test database through a proxy it can cut."""
    url = make_url(database_url)
    proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432))
    monkeypatch.setenv("DATABASE_URL", url.set(host="127.0.0.1", port=proxy.port).render_as_string(False))
    get_settings.cache_clear()
    get_engine.cache_clear()
    yield proxy
    get_engine().dispose()
    proxy.close()
    monkeypatch.undo()
    get_settings.cache_clear()
    get_engine.cache_clear()


def test_while_postgres_is_unreachable_every_answer_is_503_with_retry_after(client, session, database_proxy):
    agent = make_agent(session)
    assert client.post("/api/escalations", headers=agent.headers, json=CREATE).status_code == 201
    database_proxy.cut()

    answers = [
        client.post("/api/escalations", headers=agent.headers, json={**CREATE, "issue_description": "Other"}),
        client.get("/api/escalations", headers=agent.headers),
    ]

    for answer in answers:
        assert answer.status_code == 503, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.headers["retry-after"] == "5"
        assert answer.json()["status"] == 503
        assert "Idempotency-Key" in answer.json()["detail"]
    database_proxy.restore()
    again = client.post(
        "/api/escalations", headers=agent.headers, json={**CREATE, "issue_description": "Other"}
    )
    assert again.status_code == 201, "back without a restart"
    assert len(session.exec(select(Escalation)).all()) == 2


def test_a_fault_right_after_the_commit_still_answers_201_with_the_row_saved_once(
    client, session, database_proxy
):
    agent = make_agent(session)
    warm_up = client.post(
        "/api/escalations", headers=agent.headers, json={**CREATE, "issue_description": "First"}
    )
    assert warm_up.status_code == 201, "the first create also writes policy version 1 (a commit of its own)"

    def cut_once(committed: Session) -> None:
        if not database_proxy.is_cut:
            database_proxy.cut()

    event.listen(Session, "after_commit", cut_once)
    try:
        created = client.post("/api/escalations", headers=agent.headers, json=CREATE)
    finally:
        event.remove(Session, "after_commit", cut_once)

    assert created.status_code == 201, created.text
    session.expire_all()
    saved = session.exec(
        select(Escalation).where(col(Escalation.issue_description) == CREATE["issue_description"])
    ).all()
    assert [str(row.id) for row in saved] == [created.json()["id"]]
