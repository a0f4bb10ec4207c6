"""Outbound connections go to exactly the address that passed the check: a name that answers a public
address and then 127.0.0.1 (DNS rebinding) never reaches the loopback canary, and TLS keeps the name."""

import ipaddress
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import httpcore
import openai
import pytest

from escalq.config import Settings
from escalq.integrations import email, http, llm
from escalq.models import NotificationStatus, Priority, TaskKind, TaskStatus
from escalq.schemas.escalation import EscalationCreate
from escalq.services import escalations, notifications, webhooks
from escalq.services.outbound import Outbound
from escalq.services.urls import Reach, UnsafeUrl
from tests.background import fakenet
from tests.background.fakenet import LOOPBACK, PUBLIC
from tests.background.helpers import SENDER, SLACK_PATH, channels, make_outbound, run_once, tasks_of
from tests.background.receivers import Answer, HttpReceiver, SmtpInbox
from tests.factories import make_agent, make_resolved_escalation, make_reviewer

NAME = "rebind.example.test"
LOCAL_ONLY = (ipaddress.IPv4Network("127.0.0.1/32"),)


def local(answers, *, tls=None) -> Reach:
    """What the operator's integrations may reach with 127.0.0.1 listed, over a fake network."""
    return Reach(private_networks=LOCAL_ONLY, network=fakenet.network(answers, tls=tls))


def rebinding() -> http.Network:
    """The attacker's DNS: a public address for the first look-up, 127.0.0.1 for every later one."""
    return fakenet.network({NAME: [[PUBLIC], [LOOPBACK]]})


def webhook_task(session, clock, url):
    agent, reviewer = make_agent(session), make_reviewer(session)
    escalation = make_resolved_escalation(
        session, agent.agent, reviewer.reviewer, webhook_url=url, outbound=make_outbound(), now=clock()
    )
    (task,) = tasks_of(session, escalation.id, TaskKind.webhook)
    return agent, escalation, task


def test_a_rebinding_webhook_name_never_reaches_loopback(session, webhook_receiver, clock):
    net = rebinding()
    _, escalation, task = webhook_task(session, clock, f"http://{NAME}:{webhook_receiver.port}/hook")
    config = make_outbound(allow_private=False, network=net)

    first = run_once(session, task, config, clock)
    assert first is not None and first.retry_at is not None
    clock.advance((first.retry_at - clock()).total_seconds())
    second = run_once(session, task, config, clock)

    assert second is not None and second.retry_at is None
    # One look-up per attempt; the only address dialed is the one that look-up gave and the check passed.
    assert fakenet.resolver(net).lookups == [NAME, NAME]
    assert fakenet.backend(net).dialed == [str(PUBLIC)]
    assert webhook_receiver.requests == []
    tried, refused = webhooks.attempts_for(session=session, escalation_id=escalation.id)
    assert "no route to 93.184.215.14" in (tried.error or "")
    assert (refused.outcome, task.status) == ("failed", TaskStatus.failed)
    assert "private, loopback or link-local address (127.0.0.1)" in (refused.error or "")


def test_a_rebinding_slack_name_never_reaches_loopback(session, slack_receiver, clock):
    net = rebinding()
    slack_url = f"http://{NAME}:{slack_receiver.port}{SLACK_PATH}"
    to_slack = replace(channels(reach=Reach(network=net)), slack_webhook_url=slack_url)
    config = make_outbound(channels=to_slack)
    make_reviewer(session)
    data = EscalationCreate(issue_description="Chargeback of 900 EUR", priority=Priority.urgent)
    escalation = escalations.create(
        session=session, data=data, agent=make_agent(session).agent, outbound=config, now=clock()
    ).escalation
    session.commit()
    (task,) = tasks_of(session, escalation.id, TaskKind.notification)

    first = run_once(session, task, config, clock)
    assert first is not None and first.retry_at is not None
    assert "no route to 93.184.215.14" in (task.last_error or "")
    clock.advance((first.retry_at - clock()).total_seconds())
    run_once(session, task, config, clock)

    assert "UnsafeUrl" in (task.last_error or "") and "(127.0.0.1)" in (task.last_error or "")
    assert fakenet.backend(net).dialed == [str(PUBLIC)]
    assert slack_receiver.requests == []


def smtp(host: str, port: int, *, starttls: bool = False) -> email.SmtpConfig:
    return email.SmtpConfig(
        host=host, port=port, username=None, password=None, starttls=starttls, sender=SENDER, timeout_s=5.0
    )


def mail(config: email.SmtpConfig, gate: Reach) -> None:
    email.send(config=config, to="dana@example.com", subject="Urgent", body="Please look", gate=gate)


def test_a_rebinding_smtp_relay_name_never_reaches_loopback(smtp_inbox):
    net = rebinding()
    gate = Reach(network=net)

    with pytest.raises(httpcore.ConnectError, match=r"no route to 93\.184\.215\.14"):
        mail(smtp(NAME, smtp_inbox.port), gate)
    with pytest.raises(UnsafeUrl, match=r"\(127\.0\.0\.1\)"):
        mail(smtp(NAME, smtp_inbox.port), gate)

    assert fakenet.backend(net).dialed == [str(PUBLIC)]
    assert smtp_inbox.messages == []


def categorize(base_url: str, gate: Reach) -> str:
    return llm.categorize(
        api_key="sk-test",
        base_url=base_url,
        model="gpt-test",
        timeout_s=5.0,
        gate=gate,
        description="x",
        known=[],
    )


def test_a_rebinding_model_server_name_never_reaches_loopback(openai_server):
    net = rebinding()
    base_url = f"http://{NAME}:{openai_server.port}/v1"

    with pytest.raises(openai.APIConnectionError):
        categorize(base_url, Reach(network=net))
    with pytest.raises(UnsafeUrl, match=r"\(127\.0\.0\.1\)"):
        categorize(base_url, Reach(network=net))

    assert fakenet.backend(net).dialed == [str(PUBLIC)]
    assert openai_server.requests == []


def test_a_pinned_model_server_answers_under_its_own_name(openai_server):
    gate = local({"models.made-up.test": [[LOOPBACK]]})

    category = categorize(f"http://models.made-up.test:{openai_server.port}/v1", gate)

    assert category == "refund request"
    (request,) = openai_server.requests
    assert request.headers["host"] == f"models.made-up.test:{openai_server.port}"
    assert fakenet.backend(gate.network).dialed == ["127.0.0.1"]


@contextmanager
def https_receiver(certified_for: str, directory: Path) -> Iterator[tuple[HttpReceiver, ssl.SSLContext]]:
    """An HTTPS receiver on 127.0.0.1 with a self-signed certificate for `certified_for`."""
    server_tls, client_tls = fakenet.certificate(certified_for, directory)
    receiver = HttpReceiver(Answer(200), tls=server_tls)
    try:
        yield receiver, client_tls
    finally:
        receiver.close()


def test_https_keeps_the_name_for_sni_host_and_certificate(session, clock, tmp_path):
    name = "hooks.made-up.test"
    with https_receiver(name, tmp_path) as (receiver, trust):
        net = fakenet.network({name: [[LOOPBACK]]}, tls=trust)
        agent, _, task = webhook_task(session, clock, f"https://{name}:{receiver.port}/hook")
        receiver.secret = agent.webhook_secret

        done = run_once(session, task, make_outbound(network=net), clock)

        assert done is not None and done.retry_at is None and task.status == TaskStatus.done
        (request,) = receiver.requests
        assert request.verified, request.verify_error
        assert request.headers["host"] == f"{name}:{receiver.port}"
        assert receiver.server_names == [name]
        assert fakenet.backend(net).dialed == ["127.0.0.1"]


def test_https_refuses_a_certificate_for_another_name(session, clock, tmp_path):
    with https_receiver("other.made-up.test", tmp_path) as (receiver, trust):
        net = fakenet.network({"hooks.made-up.test": [[LOOPBACK]]}, tls=trust)
        _, escalation, task = webhook_task(session, clock, f"https://hooks.made-up.test:{receiver.port}/")

        run_once(session, task, make_outbound(network=net), clock)

        (row,) = webhooks.attempts_for(session=session, escalation_id=escalation.id)
        assert "CERTIFICATE_VERIFY_FAILED" in (row.error or "") and "hostname" in (row.error or "").lower()
        assert receiver.requests == []


def test_starttls_verifies_the_relay_certificate_for_its_configured_name(tmp_path):
    name = "smtp.made-up.test"
    server_tls, trust = fakenet.certificate(name, tmp_path)
    inbox = SmtpInbox(tls=server_tls)
    try:
        mail(smtp(name, inbox.port, starttls=True), local({name: [[LOOPBACK]]}, tls=trust))
        other = "relay.made-up.test"
        with pytest.raises(ssl.SSLCertVerificationError, match=r"relay\.made-up\.test"):
            mail(smtp(other, inbox.port, starttls=True), local({other: [[LOOPBACK]]}, tls=trust))
    finally:
        inbox.close()

    assert inbox.over_tls == [True]
    assert [message["To"] for message in inbox.messages] == ["dana@example.com"]


def test_integrations_reach_private_addresses_only_when_the_operator_lists_them(session, clock, smtp_inbox):
    settings = Settings(
        smtp_host="127.0.0.1", smtp_port=smtp_inbox.port, integrations_private_networks=[], retry_delays_s=[]
    )
    config = Outbound.from_settings(settings)
    make_reviewer(session, "dana@example.com")
    data = EscalationCreate(issue_description="Chargeback of 900 EUR", priority=Priority.urgent)
    escalation = escalations.create(
        session=session, data=data, agent=make_agent(session).agent, outbound=config, now=clock()
    ).escalation
    session.commit()
    (task,) = tasks_of(session, escalation.id, TaskKind.notification)

    run_once(session, task, config, clock)

    assert task.status == TaskStatus.failed
    assert "ESCALQ_INTEGRATIONS_PRIVATE_NETWORKS" in (task.last_error or "")
    (notification,) = notifications.for_escalation(session=session, escalation_id=escalation.id)
    assert notification.status == NotificationStatus.failed
    assert smtp_inbox.messages == []


def test_the_operators_list_is_for_integrations_never_for_agent_webhooks():
    settings = Settings(allow_private_webhooks=False, integrations_private_networks=["127.0.0.1/32"])

    config = Outbound.from_settings(settings)

    assert config.channels.reach.may_reach(LOOPBACK)
    assert config.channels.reach.may_reach(ipaddress.ip_address("::ffff:127.0.0.1"))
    assert not config.channels.reach.may_reach(ipaddress.ip_address("127.0.0.2"))
    assert not config.webhook_reach.may_reach(LOOPBACK)


def test_operator_urls_follow_the_same_url_rules(session, clock, slack_receiver):
    settings = Settings(
        openai_api_key="sk-test", openai_base_url=f"http://me:pw@127.0.0.1:{slack_receiver.port}/v1"
    )
    ask = Outbound.from_settings(settings).ask_llm
    assert ask is not None
    with pytest.raises(UnsafeUrl) as refused:
        ask("Refund please", [])
    assert refused.value.field == "ESCALQ_OPENAI_BASE_URL"

    slack_url = f"http://127.0.0.1:{slack_receiver.port}\\@hooks.slack.com{SLACK_PATH}"
    config = make_outbound(channels=replace(channels(slack=slack_receiver), slack_webhook_url=slack_url))
    data = EscalationCreate(issue_description="Chargeback of 900 EUR", priority=Priority.urgent)
    escalation = escalations.create(
        session=session, data=data, agent=make_agent(session).agent, outbound=config, now=clock()
    ).escalation
    session.commit()
    (task,) = tasks_of(session, escalation.id, TaskKind.notification)
    run_once(session, task, config, clock)

    assert "backslash" in (task.last_error or "")
    assert slack_receiver.requests == []
