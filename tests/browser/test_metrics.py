"""The metrics page: charts draw what there is, say so when there is nothing; reviewers are sent away."""

import re
from datetime import timedelta

from playwright.sync_api import Page, expect

from escalq.clock import utc_now
from escalq.models import Priority, Role, Warranted
from escalq.services import escalations
from tests.browser.ui import log_in
from tests.factories import make_agent, make_escalation, make_reviewer

# first assignment, resolution, rate per agent, reasons, backlog, SLA by priority, SLA by reviewer, precision
CHARTS = 8
# What each Plotly figure in the page holds: its traces' point counts, and the words of an empty state.
DRAWN = """
charts => charts.map(chart => ({
  title: chart.layout.title.text,
  points: (chart.data || []).map(trace => (trace.x || []).length + (trace.y || []).length),
  says: ((chart.layout.annotations || [])[0] || {}).text || "",
}))
"""


def drawn(page: Page) -> list[dict]:
    return page.locator(".metrics-chart .js-plotly-plot").evaluate_all(DRAWN)


def open_metrics(page: Page) -> None:
    page.click("#nav-metrics")
    expect(page).to_have_url(re.compile(r"/metrics/?$"))
    expect(page.locator(".metrics-chart .js-plotly-plot")).to_have_count(CHARTS)
    for chart in page.locator(".metrics-chart .js-plotly-plot").all():
        expect(chart.locator(".main-svg").first).to_be_visible()


def test_charts_without_data_in_the_range_say_so_and_the_others_draw(page, session):
    make_reviewer(session, "lin@example.com", role=Role.manager)
    agent = make_agent(session, "billing-bot").agent
    make_agent(session, "idle-bot")
    for n, priority in enumerate([Priority.urgent, Priority.high, Priority.medium, Priority.low]):
        make_escalation(session, agent, priority=priority, now=utc_now() - timedelta(hours=n + 1))
    log_in(page, "lin@example.com")

    open_metrics(page)

    expect(page.get_by_text("escalations per day")).to_be_visible()
    expect(page.locator(".xtick").filter(has_text="idle-bot")).to_have_count(1)
    # Nothing is resolved or claimed yet: those two and the precision say so, with the range, and draw no
    # axes.
    empty = page.locator(".metrics-chart").filter(
        has_text=re.compile(
            r"No (escalations (resolved|claimed)|resolver said whether escalating was warranted) between"
        )
    )
    expect(empty).to_have_count(3)
    expect(empty.locator(".g-ytitle")).to_have_count(0)
    by_title = {chart["title"]: chart for chart in drawn(page)}
    assert by_title["Backlog now"]["points"] and not by_title["Backlog now"]["says"]
    assert re.fullmatch(
        r"No escalations resolved between \d+ \w{3} \d\d:\d\d and \d+ \w{3} \d\d:\d\d UTC",
        by_title["Average resolution time by priority"]["says"],
    )

    page.get_by_role("radio", name="24h").click()
    expect(page.get_by_text("escalations per hour")).to_be_visible()


def test_a_reviewer_is_sent_away_from_metrics(page, session):
    make_reviewer(session, "ada@example.com")
    log_in(page, "ada@example.com")
    expect(page.locator("#nav-metrics")).to_have_count(0)

    page.goto("/metrics")

    expect(page).to_have_url(re.compile(r"/\?denied=metrics$"))
    expect(page.locator(".metrics-chart")).to_have_count(0)


def test_precision_per_rule_and_sampled_continues_overturned_are_listed(page, session):
    manager = make_reviewer(session, "lin@example.com", role=Role.manager).reviewer
    agent = make_agent(session, "billing-bot").agent
    said = [("low-confidence", False, Warranted.yes), ("low-confidence", False, Warranted.no)]
    said += [(None, True, Warranted.yes), (None, True, Warranted.unsure)]
    for rule, sampled, word in said:
        escalation = make_escalation(session, agent, rule=rule, sampled=sampled)
        escalations.resolve(
            session=session,
            escalation_id=escalation.id,
            by=manager,
            resolution="approved",
            notes="",
            now=utc_now(),
            warranted=word,
        )
    session.commit()
    log_in(page, "lin@example.com")

    open_metrics(page)

    rule_row = page.get_by_role("row").filter(has_text="low-confidence")
    expect(rule_row).to_contain_text("50%")
    expect(rule_row).to_contain_text("1 of 2 warranted, 0 unsure")
    overturned = page.locator(".rt-Card").filter(has_text="Sampled continues overturned")
    expect(overturned).to_contain_text("100%")
    expect(overturned).to_contain_text("1 of 1 judged; 2 sampled, 1 unsure")
