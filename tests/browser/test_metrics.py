"""The metrics page: managers see the charts drawn; reviewers are sent away."""

import re
from datetime import timedelta

from playwright.sync_api import expect

from escalq.clock import utc_now
from escalq.models import Priority, Role
from tests.browser.ui import log_in
from tests.factories import make_agent, make_escalation, make_reviewer

CHARTS = 7  # first assignment, resolution, rate per agent, reasons, backlog, SLA by priority, SLA by reviewer


def test_a_manager_sees_every_chart_rendered(page, session, screenshots):
    make_reviewer(session, "lin@example.com", role=Role.manager)
    agent = make_agent(session, "billing-bot").agent
    make_agent(session, "idle-bot")
    for n, priority in enumerate([Priority.urgent, Priority.high, Priority.medium, Priority.low]):
        make_escalation(session, agent, priority=priority, now=utc_now() - timedelta(hours=n + 1))
    log_in(page, "lin@example.com")

    page.click("#nav-metrics")

    expect(page).to_have_url(re.compile(r"/metrics/?$"))
    plots = page.locator(".metrics-chart .js-plotly-plot")
    expect(plots).to_have_count(CHARTS)
    # Plotly draws its axes as SVG once a figure has data and layout: each chart has titled axes.
    for chart in plots.all():
        expect(chart.locator(".main-svg").first).to_be_visible()
        expect(chart.locator(".g-ytitle")).to_have_count(1)
    expect(page.get_by_text("escalations per day")).to_be_visible()
    expect(page.locator(".xtick").filter(has_text="idle-bot")).to_have_count(1)

    page.get_by_role("radio", name="24h").click()
    expect(page.get_by_text("escalations per hour")).to_be_visible()
    page.screenshot(path=str(screenshots / "metrics.png"), full_page=True)


def test_a_reviewer_is_sent_away_from_metrics(page, session):
    make_reviewer(session, "ada@example.com")
    log_in(page, "ada@example.com")
    expect(page.locator("#nav-metrics")).to_have_count(0)

    page.goto("/metrics")

    expect(page).to_have_url(re.compile(r"/\?denied=metrics$"))
    expect(page.locator(".metrics-chart")).to_have_count(0)
