"""The demo as a new user meets it: every chart drawn from its history, a worked queue, a delivered webhook.

These tests write the README's screenshots of the queue, an escalation and the metrics.
"""

import re

import pytest
from playwright.sync_api import Page, expect

from escalq.clock import utc_now
from escalq.services import demo
from tests.browser.test_metrics import CHARTS, drawn, open_metrics
from tests.browser.ui import log_in


@pytest.fixture
def seeded(session) -> demo.DemoSeed:
    made = demo.seed(session=session, now=utc_now())
    session.commit()
    return made


def sign_in(page: Page, email: str) -> None:
    log_in(page, email, demo.DEMO_PASSWORD)


def test_every_metrics_chart_draws_the_demo_data(page, seeded, screenshots):
    sign_in(page, "manager@escalq.test")

    open_metrics(page)
    for preset, bucket in (("7d", "day"), ("24h", "hour"), ("30d", "day")):
        page.get_by_role("radio", name=preset).click()
        expect(page.get_by_text(f"escalations per {bucket}")).to_be_visible()
        charts = drawn(page)
        assert len(charts) == CHARTS
        for chart in charts:
            assert chart["points"] and all(chart["points"]), (preset, chart)
            assert chart["says"] == "", (preset, chart)
    webhooks = page.locator(".rt-Card").filter(has_text="Webhook success")
    expect(webhooks).to_contain_text(re.compile(r"9\d\.\d%"))  # one failed: never rounded up to 100%
    page.mouse.move(0, 0)
    page.screenshot(path=str(screenshots / "metrics.png"), full_page=True)


def test_the_queue_has_urgent_claimed_and_open_work(page, seeded, screenshots):
    sign_in(page, "riley@escalq.test")

    rows = page.locator(".queue-row")
    expect(rows.first).to_be_visible()
    assert page.locator('.queue-row[data-priority="urgent"]').count() >= 2
    expect(page.locator("#queue-total")).to_have_text(re.compile(r"^\d{2} escalations$"))
    statuses = rows.locator("td:nth-child(2)").all_inner_texts()
    assert {"assigned", "claimed", "needs_info"} <= {s.strip() for s in statuses}, statuses
    expect(page.locator(".queue-row .rt-Badge", has_text="security concern").first).to_be_visible()
    page.mouse.move(0, 0)
    page.screenshot(path=screenshots / "queue.png")


def test_an_escalation_page_shows_the_question_answer_and_delivered_webhooks(page, seeded, screenshots):
    sign_in(page, "sam@escalq.test")

    page.goto(f"/escalations/{seeded.stories.answered}")

    expect(page.locator("#detail-description")).to_contain_text("Contract MSA-20417")
    deliveries = page.locator(".delivery-row")
    expect(deliveries).to_have_count(2)
    expect(deliveries.filter(has_text="succeeded")).to_have_count(2)
    events = page.locator(".event-row")
    for action in ("info_requested", "context_added", "resolved"):
        expect(events.filter(has_text=action)).to_have_count(1)
    expect(page.locator("#context-updates")).to_contain_text("signed_term_months")
    page.mouse.move(0, 0)
    page.screenshot(path=screenshots / "escalation.png", full_page=True)
