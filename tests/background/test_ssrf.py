"""Webhook targets may not reach our own network: refused at creation and again at delivery."""

import ipaddress
import itertools

import pytest
from sqlmodel import select

from escalq.clock import utc_now
from escalq.models import Escalation, Priority, TaskKind, TaskStatus
from escalq.schemas.escalation import EscalationCreate
from escalq.services import escalations, webhooks
from escalq.services.urls import UnsafeUrl
from tests.background import fakenet
from tests.background.helpers import make_outbound, run_once, tasks_of
from tests.factories import make_agent, make_resolved_escalation, make_reviewer

# IPv6 forms that carry a loopback, private or link-local IPv4 address, judged by that address.
TRANSITION_FORMS = [
    "::7f00:1",  # IPv4-compatible 127.0.0.1
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::ffff:0:7f00:1",  # IPv4-translated (SIIT)
    "64:ff9b::7f00:1",  # NAT64, well-known prefix
    "64:ff9b::a9fe:a9fe",  # NAT64 of the metadata address 169.254.169.254
    "64:ff9b:1::808:808",  # local-use NAT64: never public, whatever it carries
    "2002:7f00:1::",  # 6to4
    "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo, client 127.0.0.1
]
INTERNAL_TARGETS = [
    "http://127.0.0.1:8080/hook",
    "http://10.0.0.1/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]:8080/hook",
    "http://localhost:8080/hook",
    *(f"http://[{form}]/hook" for form in TRANSITION_FORMS),
]
# Read as another host by some parser, or hiding one: refused even where private targets are allowed.
AMBIGUOUS = [
    "http://127.0.0.1:18951\\@example.com/",
    "http://user:pass@example.com/hook",
    "http://example.com@127.0.0.1/hook",
    "http://:@example.com/hook",
    "http://exa mple.com/hook",
    "http://example.com\t.evil/hook",
    "http://example.com\x00.evil/hook",
    "http://example.com\u200b/hook",
    "http:///hook",
    "http://example.com:0/hook",
    "http://example.com:99999/hook",
    "http://example.com:8o/hook",
    "http://%31%32%37.0.0.1/hook",
    "ftp://example.com/hook",
]
UNRESOLVABLE = "https://escalq-receiver.invalid/hook"
_cases = itertools.count(1)


def create(session, agent, webhook_url, *, allow_private, network=None):
    data = EscalationCreate(
        issue_description=f"Refund for case {next(_cases)}", priority=Priority.high, webhook_url=webhook_url
    )
    return escalations.create(
        session=session,
        data=data,
        agent=agent,
        outbound=make_outbound(allow_private=allow_private, network=network or fakenet.network({})),
        now=utc_now(),
    ).escalation


@pytest.mark.parametrize("url", INTERNAL_TARGETS)
def test_creation_refuses_internal_targets(session, url):
    agent = make_agent(session)

    with pytest.raises(UnsafeUrl) as refused:
        create(session, agent.agent, url, allow_private=False)

    assert refused.value.field == "webhook_url"
    assert session.exec(select(Escalation)).all() == []


@pytest.mark.parametrize("url", INTERNAL_TARGETS)
def test_api_answers_422_naming_the_field(client, session, env, url):
    env.set(ESCALQ_ALLOW_PRIVATE_WEBHOOKS="false")
    agent = make_agent(session)

    response = client.post(
        "/api/escalations",
        headers=agent.headers,
        json={"issue_description": "Refund", "priority": "high", "webhook_url": url},
    )

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [error["field"] for error in response.json()["errors"]] == ["body.webhook_url"]
    assert session.exec(select(Escalation)).all() == []


def test_allow_private_accepts_internal_targets(session):
    agent = make_agent(session)

    for url in INTERNAL_TARGETS:
        assert create(session, agent.agent, url, allow_private=True).webhook_url == url


def test_an_unresolvable_name_is_accepted_at_creation(session):
    agent = make_agent(session)
    net = fakenet.network({})

    escalation = create(session, agent.agent, UNRESOLVABLE, allow_private=False, network=net)

    assert escalation.webhook_url == UNRESOLVABLE
    assert fakenet.resolver(net).lookups == ["escalq-receiver.invalid"]


@pytest.mark.parametrize("url", AMBIGUOUS)
def test_api_refuses_ambiguous_urls_even_where_private_targets_are_allowed(client, session, url):
    agent = make_agent(session)

    response = client.post(
        "/api/escalations",
        headers=agent.headers,
        json={"issue_description": "Refund", "priority": "high", "webhook_url": url},
    )

    assert response.status_code == 422, response.text
    assert [error["field"] for error in response.json()["errors"]] == ["body.webhook_url"]
    assert session.exec(select(Escalation)).all() == []


@pytest.mark.parametrize("form", TRANSITION_FORMS)
def test_creation_refuses_a_name_resolving_to_a_transition_form(session, form):
    agent = make_agent(session)
    net = fakenet.network({"hooks.example.test": [[ipaddress.ip_address(form)]]})

    with pytest.raises(UnsafeUrl) as refused:
        create(session, agent.agent, "https://hooks.example.test/hook", allow_private=False, network=net)

    assert str(ipaddress.ip_address(form)) in refused.value.message


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1"])
def test_delivery_refuses_a_target_that_resolves_to_a_private_address(session, webhook_receiver, clock, host):
    agent, reviewer = make_agent(session), make_reviewer(session)
    target = f"http://{host}:{webhook_receiver.port}/hook"
    # Accepted at creation (as if its DNS pointed elsewhere then); refused when the delivery resolves it.
    escalation = make_resolved_escalation(
        session, agent.agent, reviewer.reviewer, webhook_url=target, outbound=make_outbound(), now=clock()
    )
    (task,) = tasks_of(session, escalation.id, TaskKind.webhook)

    attempted = run_once(session, task, make_outbound(allow_private=False), clock)

    assert attempted is not None and attempted.retry_at is None
    assert task.status == TaskStatus.failed
    assert "private, loopback or link-local" in (task.last_error or "")
    (row,) = webhooks.attempts_for(session=session, escalation_id=escalation.id)
    assert (row.outcome, row.http_status) == ("failed", None)
    assert "127.0.0.1" in (row.error or "")
    assert webhook_receiver.requests == []


def delivered_to(session, receiver, clock, url, net):
    """A resolved escalation's webhook task aimed at `url`, tried once with private targets refused."""
    agent, reviewer = make_agent(session), make_reviewer(session)
    escalation = make_resolved_escalation(
        session,
        agent.agent,
        reviewer.reviewer,
        webhook_url=f"http://127.0.0.1:{receiver.port}/hook",
        outbound=make_outbound(),
        now=clock(),
    )
    (task,) = tasks_of(session, escalation.id, TaskKind.webhook)
    # As if stored before these rules, or by an operator's hand: the delivery checks it again.
    task.payload = {**task.payload, "url": url}
    session.add(task)
    session.commit()
    attempted = run_once(session, task, make_outbound(allow_private=False, network=net), clock)
    assert attempted is not None and attempted.retry_at is None
    (row,) = webhooks.attempts_for(session=session, escalation_id=escalation.id)
    return task, row


@pytest.mark.parametrize("form", TRANSITION_FORMS)
@pytest.mark.parametrize("spelled", ["literal", "resolved"])
def test_delivery_refuses_every_transition_form(session, webhook_receiver, clock, form, spelled):
    address = ipaddress.ip_address(form)
    host = f"[{form}]" if spelled == "literal" else "hooks.example.test"
    net = fakenet.network({"hooks.example.test": [[address]]})

    task, row = delivered_to(session, webhook_receiver, clock, f"http://{host}:{webhook_receiver.port}/", net)

    assert task.status == TaskStatus.failed
    assert (row.outcome, row.http_status) == ("failed", None)
    assert f"private, loopback or link-local address ({address})" in (row.error or "")
    assert fakenet.backend(net).dialed == []
    assert webhook_receiver.requests == []


@pytest.mark.parametrize("shape", ["{base}\\@example.com/hook", "http://agent:pw@127.0.0.1:{port}/hook"])
def test_delivery_refuses_an_ambiguous_url_stored_earlier(session, webhook_receiver, clock, shape):
    url = shape.format(base=f"http://127.0.0.1:{webhook_receiver.port}", port=webhook_receiver.port)
    net = fakenet.network({"example.com": [[fakenet.LOOPBACK]]})

    task, row = delivered_to(session, webhook_receiver, clock, url, net)

    assert task.status == TaskStatus.failed
    assert "backslash" in (row.error or "") or "user name or password" in (row.error or "")
    assert fakenet.resolver(net).lookups == []
    assert webhook_receiver.requests == []
