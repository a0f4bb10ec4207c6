"""The context schema on the admin page, and the audit log page: who gets in, filters, links."""

import re

from playwright.sync_api import expect
from sqlmodel import select

from escalq.models import EscalationEvent, Role
from tests.browser.ui import log_in
from tests.factories import make_agent, make_escalation, make_reviewer


def test_an_admin_gives_an_agent_the_recommended_schema_and_a_bad_one_is_refused(page, session, api):
    make_reviewer(session, "grace@example.com", role=Role.admin)
    agent = make_agent(session, "billing-bot")
    log_in(page, "grace@example.com")
    page.goto("/admin")
    cell = page.locator('[data-schema="billing-bot"]')
    expect(cell).to_contain_text("any object")

    cell.get_by_role("button", name="Edit").click()
    expect(page.locator("#admin-schema")).to_be_visible()
    page.get_by_role("button", name="Use the recommended").click()
    expect(page.locator("#admin-schema-text")).to_have_value(re.compile('"recent_events"'))
    page.click("#admin-schema-save")

    expect(page.locator("#admin-notice")).to_have_text("Context schema of billing-bot saved.")
    expect(page.locator("#admin-schema")).to_have_count(0)
    expect(cell).to_contain_text("schema")
    refused = api.post(
        "/api/escalations",
        headers=agent.headers,
        json={"issue_description": "Refund?", "priority": "low", "context_data": {"order": "A-1"}},
    )
    assert refused.status_code == 422
    assert {e["type"] for e in refused.json()["errors"]} == {"schema.required"}

    cell.get_by_role("button", name="Edit").click()
    expect(page.locator("#admin-schema-text")).to_have_value(re.compile('"pointers"'))
    page.fill("#admin-schema-text", '{"type": "nope"}')
    page.click("#admin-schema-save")

    expect(page.locator("#admin-schema-error")).to_contain_text("the schema is not valid at /type")
    expect(page.locator("#admin-schema")).to_be_visible()


def test_the_audit_log_is_for_managers_filters_and_links_to_escalations(page, open_browser, session):
    make_reviewer(session, "lin@example.com", role=Role.manager)
    make_reviewer(session, "ada@example.com")
    agent = make_agent(session, "billing-bot").agent
    first, second = make_escalation(session, agent), make_escalation(session, agent)
    events = session.exec(select(EscalationEvent)).all()

    log_in(page, "ada@example.com")
    expect(page.locator("#nav-audit")).to_have_count(0)
    page.goto("/audit")
    expect(page).to_have_url(re.compile(r"/\?denied=audit$"))

    page = open_browser()  # the manager, in a browser of their own
    log_in(page, "lin@example.com")
    page.click("#nav-audit")
    expect(page).to_have_url(re.compile(r"/audit/?$"))
    expect(page.locator("[data-event]")).to_have_count(len(events))

    page.fill('input[name="escalation"]', str(first.id))
    page.click("#audit-filter")

    rows = page.locator("[data-event]")
    expect(rows).to_have_count(2)  # created, assigned
    expect(rows.first).to_contain_text("assigned")
    expect(page.locator(f'[data-event] a[href="/escalations/{second.id}"]')).to_have_count(0)
    rows.first.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/escalations/{first.id}/?$"))
