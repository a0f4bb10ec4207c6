"""The live queue: new escalations appear without a reload, headers sort, a row can be claimed."""

import re
import time

from playwright.sync_api import expect

from escalq.models import Escalation, Status
from tests.browser.ui import (
    CLAIMED,
    expect_notice,
    log_in,
    priorities,
    row,
    status_cell,
    wait_for_priorities,
)
from tests.factories import make_agent, make_escalation, make_reviewer

LIVE_LIMIT_S = 2.0  # the requirement is 1 s; the test leaves room for a loaded machine and reports the time

# Rows appear in the page: remember when the first one does, in the page's own clock.
RECORD_FIRST_ROW = """
() => {
  window.__firstRowAt = null;
  new MutationObserver((_, observer) => {
    if (document.querySelector('.queue-row')) {
      window.__firstRowAt = Date.now();
      observer.disconnect();
    }
  }).observe(document.body, {childList: true, subtree: true});
}
"""


def test_an_escalation_from_the_api_appears_on_an_open_dashboard(page, session, api, timings):
    agent = make_agent(session, "billing-bot")
    make_reviewer(session, "ada@example.com")
    log_in(page, "ada@example.com")
    expect(page.locator("#queue-total")).to_have_text("0 escalations")
    page.evaluate(RECORD_FIRST_ROW)
    page.evaluate("window.__notReloaded = true")

    sent_at_ms = time.time() * 1000
    response = api.post(
        "/api/escalations",
        headers=agent.headers,
        json={"issue_description": "Refund of $2,400 exceeds my limit", "priority": "urgent"},
    )
    assert response.status_code == 201, response.text

    expect(row(page, response.json()["id"])).to_be_visible(timeout=LIVE_LIMIT_S * 1000)
    latency_ms = page.evaluate("window.__firstRowAt") - sent_at_ms
    timings["live update (API POST until the row is in an open dashboard)"] = f"{latency_ms:.0f} ms"
    assert latency_ms < LIVE_LIMIT_S * 1000
    assert page.evaluate("window.__notReloaded") is True, "the page reloaded"
    expect(page.locator("#queue-total")).to_have_text(re.compile(r"^1 escalations?$"))
    expect(status_cell(page, response.json()["id"])).to_have_text("assigned")


def test_sorting_by_priority_puts_urgent_first_and_a_second_click_flips_it(page, session, api):
    make_reviewer(session, "ada@example.com")
    agents = {name: make_agent(session, name) for name in ("billing-bot", "support-bot", "content-bot")}
    # Opened in this order, so newest-first and priority order differ.
    opened = [
        ("content-bot", "low", "Draft newsletter mentions an unreleased feature: publish anyway?"),
        ("billing-bot", "urgent", "Suspicious login followed by a payout change on account 88231"),
        ("support-bot", "medium", "Customer asks to delete all personal data under GDPR"),
        ("billing-bot", "high", "Refund of $2,400 exceeds my approval limit"),
    ]
    for name, priority, description in opened:
        body = {"issue_description": description, "priority": priority, "context_data": {"ticket": 1}}
        assert api.post("/api/escalations", headers=agents[name].headers, json=body).status_code == 201
    log_in(page, "ada@example.com")

    page.click("#sort-created_at")
    wait_for_priorities(page, ["low", "urgent", "medium", "high"])

    page.click("#sort-priority")
    wait_for_priorities(page, ["urgent", "high", "medium", "low"])
    expect(page.locator("#sort-priority")).to_have_text("Priority ↓")

    page.click("#sort-priority")
    wait_for_priorities(page, ["low", "medium", "high", "urgent"])
    expect(page.locator("#sort-priority")).to_have_text("Priority ↑")

    page.click("#sort-priority")
    wait_for_priorities(page, ["urgent", "high", "medium", "low"])
    # The worker categorizes each escalation (local rules).
    for category in ("security concern", "refund or payment", "data privacy", "content review"):
        expect(page.locator(".queue-row .rt-Badge", has_text=category)).to_have_count(1)
    assert priorities(page) == ["urgent", "high", "medium", "low"]


def test_claiming_from_the_queue_makes_the_row_claimed(page, session):
    agent = make_agent(session)
    ada = make_reviewer(session, "ada@example.com")
    escalation = make_escalation(session, agent.agent, description="Contract clause 7 conflicts with policy")
    log_in(page, "ada@example.com")
    expect(status_cell(page, escalation.id)).to_have_text("assigned")

    row(page, escalation.id).locator(".claim").click()

    expect_notice(page, CLAIMED, colour="green")
    expect(status_cell(page, escalation.id)).to_have_text("claimed")
    expect(row(page, escalation.id).locator(".claim")).to_have_count(0)
    expect(row(page, escalation.id).locator(".resolve")).to_be_visible()
    session.expire_all()
    stored = session.get(Escalation, escalation.id)
    assert stored is not None
    assert (stored.status, stored.assigned_to) == (Status.claimed, ada.reviewer.id)
