"""Two reviewers at once: one sees the other's claim live, and a claim lost in a race says so plainly."""

import time

from playwright.sync_api import expect

from tests.browser.ui import CLAIMED, StaleScreen, expect_notice, log_in, row, status_cell
from tests.factories import make_agent, make_escalation, make_reviewer

LIVE_LIMIT_MS = 2_000


def test_a_colleague_sees_a_claim_without_reloading(open_browser, session, timings):
    agent = make_agent(session)
    make_reviewer(session, "ada@example.com")
    make_reviewer(session, "ben@example.com")
    escalation = make_escalation(session, agent.agent, description="Angry customer wants to escalate")
    ada, ben = open_browser(), open_browser()
    log_in(ada, "ada@example.com")
    log_in(ben, "ben@example.com")
    expect(row(ben, escalation.id).locator(".claim")).to_be_visible()
    ben.evaluate("window.__notReloaded = true")

    began = time.monotonic()
    row(ada, escalation.id).locator(".claim").click()

    expect(status_cell(ben, escalation.id)).to_have_text("claimed", timeout=LIVE_LIMIT_MS)
    timings["live update (a claim until a colleague's row shows it)"] = (
        f"{(time.monotonic() - began) * 1000:.0f} ms"
    )
    expect(row(ben, escalation.id).locator(".claim")).to_have_count(0)
    assert ben.evaluate("window.__notReloaded") is True, "Ben's page reloaded"
    expect_notice(ada, CLAIMED, colour="green")


def test_a_claim_lost_to_a_colleague_shows_a_clear_message(open_browser, session):
    agent = make_agent(session)
    make_reviewer(session, "ada@example.com")
    make_reviewer(session, "ben@example.com")
    escalation = make_escalation(session, agent.agent, description="Invoice does not match the contract")
    ada, ben = open_browser(), open_browser()
    stale = StaleScreen(ben, marker='"claimed"')
    log_in(ada, "ada@example.com")
    log_in(ben, "ben@example.com")
    ben.goto(f"/escalations/{escalation.id}")
    expect(ben.locator("#detail-claim")).to_be_visible()

    # Ada claims first; Ben's screen has not caught up (the push that would hide his button is held).
    stale.holding = True
    row(ada, escalation.id).locator(".claim").click()
    expect_notice(ada, CLAIMED, colour="green")
    stale.wait_for_withheld(1)
    expect(ben.locator("#detail-claim")).to_be_visible()

    ben.click("#detail-claim")

    expect_notice(ben, "already claimed", colour="red")
    expect(ben.locator("#notice")).to_contain_text("Ada")
    expect(ben.locator("#detail-claim")).to_have_count(0)  # the page shows what is true now
    expect(ben.locator("#detail-description")).to_have_text("Invoice does not match the contract")
