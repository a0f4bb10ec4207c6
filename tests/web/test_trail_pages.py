"""The audit log page and the context-schema dialog, driven over the socket as their pages would."""

import json
from typing import Any

from sqlmodel import select

from escalq.models import Agent, EscalationEvent, Role
from escalq.services import policies
from tests.factories import PASSWORD, make_agent, make_escalation, make_reviewer
from tests.web.handlers import found_named
from tests.web.tab import Tab


def _signed_in(backend: Any, email: str) -> Tab:
    tab = Tab(backend.url)
    tab.sign_in(email, PASSWORD)
    return tab


def test_a_manager_reads_and_filters_the_audit_log(backend, session):
    make_reviewer(session, "lin@example.com", role=Role.manager)
    agent = make_agent(session, "billing-bot").agent
    first, second = make_escalation(session, agent), make_escalation(session, agent)
    tab = _signed_in(backend, "lin@example.com")
    try:
        tab.send(found_named("AuditState", "load").event_name, {}, "/audit")
        tab.wait_until(
            lambda: str(first.id) in tab.text() and str(second.id) in tab.text(), what="the newest events"
        )
        seen = len(tab.updates)

        form = {"escalation": str(first.id), "actor": "", "action": "created", "since": "", "until": ""}
        tab.send(found_named("AuditState", "apply_filters").event_name, {"form": form}, "/audit")
        tab.wait_until(lambda: str(first.id) in tab.text_since(seen), what="the filtered page")

        filtered = tab.text_since(seen)
        assert str(second.id) not in filtered
        assert '"action": "created"' in filtered and '"action": "assigned"' not in filtered
    finally:
        tab.close()


def test_the_audit_log_filters_by_gate_rule_and_policy_version(backend, session):
    make_reviewer(session, "lin@example.com", role=Role.manager)
    agent = make_agent(session, "billing-bot").agent
    version = policies.current(session).number  # events are stamped with the active version
    by_rule, direct = make_escalation(session, agent), make_escalation(session, agent)
    by_rule.rule = "irreversible"
    session.add(by_rule)
    session.commit()
    assert set(session.exec(select(EscalationEvent.policy_version)).all()) == {version}
    tab = _signed_in(backend, "lin@example.com")
    try:
        seen = len(tab.updates)
        form = {"rule": "irreversible", "policy_version": str(version)}
        tab.send(found_named("AuditState", "apply_filters").event_name, {"form": form}, "/audit")
        tab.wait_until(lambda: str(by_rule.id) in tab.text_since(seen), what="the filtered page")
        assert str(direct.id) not in tab.text_since(seen)

        seen = len(tab.updates)
        form = {"rule": "", "policy_version": str(version + 1)}
        tab.send(found_named("AuditState", "apply_filters").event_name, {"form": form}, "/audit")
        tab.wait_until(
            lambda: '"rows_rx_state_": []' in tab.text_since(seen), what="no events under a later version"
        )
    finally:
        tab.close()


def test_a_wrong_filter_says_why(backend, session):
    make_reviewer(session, "lin@example.com", role=Role.manager)
    tab = _signed_in(backend, "lin@example.com")
    try:
        form = {"escalation": "not-an-id", "actor": "", "action": "", "since": "", "until": ""}
        tab.send(found_named("AuditState", "apply_filters").event_name, {"form": form}, "/audit")
        tab.wait_until(lambda: "is not an escalation id" in tab.text(), what="the refusal")
        form = {"policy_version": "v2"}
        tab.send(found_named("AuditState", "apply_filters").event_name, {"form": form}, "/audit")
        tab.wait_until(lambda: "is not a policy version number" in tab.text(), what="the refusal")
    finally:
        tab.close()


def test_an_admin_saves_and_is_refused_a_context_schema(backend, session):
    make_reviewer(session, "grace@example.com", role=Role.admin)
    agent = make_agent(session, "billing-bot").agent
    tab = _signed_in(backend, "grace@example.com")
    try:
        tab.send(
            found_named("ContractState", "open_schema").event_name, {"agent_id": str(agent.id)}, "/admin"
        )
        tab.wait_until(lambda: "billing-bot" in tab.text(), what="the dialog to open")
        schema = {"type": "object", "required": ["order"]}
        form = {"schema": json.dumps(schema)}
        tab.send(found_named("ContractState", "save_schema").event_name, {"form": form}, "/admin")
        tab.wait_until(lambda: "Context schema of billing-bot saved." in tab.text(), what="the save")
        session.expire_all()
        assert session.get(Agent, agent.id).context_schema == schema

        tab.send(
            found_named("ContractState", "open_schema").event_name, {"agent_id": str(agent.id)}, "/admin"
        )
        bad = {"schema": '{"type": "nope"}'}
        tab.send(found_named("ContractState", "save_schema").event_name, {"form": bad}, "/admin")
        tab.wait_until(lambda: "the schema is not valid at /type" in tab.text(), what="the refusal")
        session.expire_all()
        assert session.get(Agent, agent.id).context_schema == schema
    finally:
        tab.close()
