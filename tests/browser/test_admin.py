"""The admin page: only admins get in; they see reviewers and agents and get a new agent's key once."""

import re

from playwright.sync_api import expect

from escalq.models import Role
from tests.browser.ui import log_in
from tests.factories import make_agent, make_reviewer

# From the first paint of a document on: did any admin row ever render?
WATCH_ADMIN_ROWS = """
window.__adminRowsSeen = 0;
new MutationObserver(() => {
  window.__adminRowsSeen = Math.max(
    window.__adminRowsSeen, document.querySelectorAll('[data-email], [data-agent]').length);
}).observe(document, {childList: true, subtree: true});
"""


def test_a_reviewer_has_no_admin_link_and_is_sent_away_from_admin(page, session):
    make_reviewer(session, "ada@example.com")
    make_agent(session, "billing-bot")
    page.add_init_script(WATCH_ADMIN_ROWS)
    log_in(page, "ada@example.com")
    expect(page.locator("#nav-user")).to_have_text("Ada")
    expect(page.locator("#nav-admin")).to_have_count(0)

    page.goto("/admin")

    expect(page).to_have_url(re.compile(r"/\?denied=admin$"))
    expect(page.locator("#queue-table")).to_be_visible()
    expect(page.locator("#admin-reviewers")).to_have_count(0)
    expect(page.locator("#admin-agents")).to_have_count(0)
    assert page.evaluate("window.__adminRowsSeen") == 0, "admin rows were rendered for a reviewer"


def test_an_admin_sees_both_tables_and_a_new_agents_key_once(page, session, api, screenshots):
    make_reviewer(session, "grace@example.com", role=Role.admin)
    make_reviewer(session, "ada@example.com")
    make_reviewer(session, "lin@example.com", role=Role.manager)
    make_agent(session, "billing-bot")
    make_agent(session, "support-bot", disabled=True)
    log_in(page, "grace@example.com")

    page.click("#nav-admin")

    expect(page).to_have_url(re.compile(r"/admin/?$"))
    reviewers = page.locator("#admin-reviewers [data-email]")
    expect(reviewers).to_have_count(3)
    expect(page.locator('#admin-reviewers [data-email="grace@example.com"]')).to_contain_text("you")
    expect(page.locator("#admin-agents [data-agent]")).to_have_count(2)
    expect(page.locator('[data-agent="support-bot"]')).to_contain_text("disabled")

    page.fill("#admin-new-agent-name", "triage-bot")
    page.click("#admin-create-agent")

    expect(page.locator("#admin-reveal")).to_be_visible()
    key = page.locator("#admin-revealed-key").inner_text()
    secret = page.locator("#admin-revealed-secret").inner_text()
    assert key and secret and key != secret
    works = api.post(
        "/api/escalations",
        headers={"Authorization": f"Bearer {key}"},
        json={"issue_description": "First call with my new key", "priority": "low"},
    )
    assert works.status_code == 201, works.text
    assert works.json()["source_agent"] == "triage-bot"
    page.click("#admin-reveal-done")
    expect(page.locator("#admin-reveal")).to_have_count(0)
    expect(page.locator("#admin-notice")).to_have_text("Created agent triage-bot.")
    expect(page.locator("#admin-agents [data-agent]")).to_have_count(3)
    assert key not in page.content() and secret not in page.content()
    page.mouse.move(0, 0)
    page.screenshot(path=screenshots / "admin.png", full_page=True)

    page.reload()
    expect(page.locator("#admin-agents [data-agent]")).to_have_count(3)
    assert key not in page.content()
    expect(page).to_have_url(re.compile(r"/admin/?$"))
