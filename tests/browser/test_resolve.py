"""Resolving through the dialog: the worker delivers the signed webhook, the escalation page shows it all."""

from playwright.sync_api import expect
from standardwebhooks import Webhook

from tests.browser.ui import choose, expect_notice, log_in, row
from tests.factories import make_agent, make_reviewer

CONTEXT = {
    "order": {"id": "A-1042", "amount": 2400, "currency": "USD"},
    "customer": {"id": "C-77", "tier": "gold", "orders_last_year": 14},
    "agent_reasoning": "The refund exceeds my $500 limit; the customer reports a damaged delivery.",
}


def test_resolving_sends_the_signed_webhook_and_the_page_shows_the_delivery(
    page, session, api, webhook_receiver
):
    agent = make_agent(session, "billing-bot")
    ada = make_reviewer(session, "ada@example.com")
    webhook_receiver.secret = agent.webhook_secret
    created = api.post(
        "/api/escalations",
        headers=agent.headers,
        json={
            "issue_description": "Refund of $2,400 exceeds my approval limit",
            "priority": "high",
            "context_data": CONTEXT,
            "webhook_url": webhook_receiver.url + "/escalq",
        },
    )
    assert created.status_code == 201, created.text
    escalation_id = created.json()["id"]
    log_in(page, "ada@example.com")

    row(page, escalation_id).locator(".resolve").click()
    choose(page, "#resolution", "rejected")
    page.fill("#notes", "Offer store credit instead; refunds over $500 need a manager.")
    page.click("#confirm-resolve")

    expect_notice(page, "Resolved as rejected", colour="green")
    expect(row(page, escalation_id)).to_have_count(0)  # the queue shows open escalations
    assert webhook_receiver.wait_for(1, timeout=30), "the worker delivered no webhook"
    (request,) = webhook_receiver.requests
    assert request.path == "/escalq"
    assert request.verified, request.verify_error
    body = Webhook(agent.webhook_secret).verify(request.body, request.headers)
    assert body["type"] == "escalation.resolved"
    assert body["escalation_id"] == escalation_id
    assert body["resolution"] == "rejected"
    assert body["resolution_notes"] == "Offer store credit instead; refunds over $500 need a manager."
    assert body["resolved_by"] == str(ada.reviewer.id)
    assert body["context_data"] == CONTEXT

    page.goto(f"/escalations/{escalation_id}")

    delivery = page.locator(".delivery-row")
    expect(delivery).to_have_count(1)  # live: the worker's outcome arrives on its own
    expect(delivery).to_contain_text("succeeded")
    expect(delivery.locator("td").nth(3)).to_have_text("200")
    expect(page.locator("#detail-description")).to_have_text("Refund of $2,400 exceeds my approval limit")
    events = page.locator(".event-row")
    expect(events.filter(has_text="resolved")).to_have_count(1)
    expect(events.filter(has_text="created")).to_have_count(1)
    expect(events.last).to_contain_text("Ada")
    sections = page.locator("#context .context-section")
    expect(sections).to_have_count(len(CONTEXT))
    expect(sections.locator("summary code")).to_have_text(list(CONTEXT))
    sections.first.locator("summary").click()
    expect(sections.first).to_contain_text('"A-1042"')
    expect(page.locator("#redeliver")).to_be_visible()
    expect(page.locator("#detail-claim")).to_have_count(0)
    expect(page.locator("#detail-resolve")).to_have_count(0)
