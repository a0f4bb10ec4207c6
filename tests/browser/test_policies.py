"""The policies page: an admin edits a version as a new one, sees its diff, activates it and rolls back;
a rule test replays recent gate calls; a bad document is refused field by field; managers read,
reviewers are sent away."""

import json
import re
from datetime import timedelta

from playwright.sync_api import expect
from sqlmodel import select

from escalq.clock import utc_now
from escalq.models import Role, SecurityEvent
from escalq.schemas.evaluation import EvaluateIn
from escalq.services import evaluations, policies
from escalq.services.outbound import configured
from tests.browser.ui import log_in
from tests.factories import make_agent, make_reviewer


def version(page, number):
    return page.locator(f'[data-version="{number}"]')


def test_an_admin_edits_a_new_version_sees_the_diff_and_activates_it(page, session):
    make_reviewer(session, "grace@example.com", role=Role.admin)
    agent = make_agent(session).agent
    for confidence in (0.3, 0.9, 0.9):  # three decision-gate calls for the rule test to replay
        evaluations.evaluate(
            session=session,
            request=EvaluateIn(confidence=confidence),
            agent=agent,
            policy=policies.current(session),
            outbound=configured(),
            now=utc_now() - timedelta(hours=1),
        )
    session.commit()
    log_in(page, "grace@example.com")
    page.click("#nav-policies")
    expect(page).to_have_url(re.compile(r"/policies/?$"))
    expect(version(page, 1)).to_contain_text("active")
    expect(page.locator("#policy-diff")).to_have_text("None: it is the active document.")

    page.click("#policy-edit")
    editor = page.locator("#policy-document")
    expect(editor).to_have_value(re.compile('"window_min": 60'))
    document = json.loads(editor.input_value())
    document["loops"]["window_min"] = 30
    editor.fill(json.dumps(document, indent=2))
    page.fill("#policy-comment", "shorter loop window")
    page.click("#policy-save")

    expect(page.locator("#policy-notice")).to_have_text("Saved as v2, not active yet.")
    expect(page.locator("#policy-editor")).to_have_count(0)
    expect(page.locator("#policy-shown")).to_have_text("Version 2")
    expect(page.locator("#policy-diff")).to_have_text("loops.window_min: 60.0 -> 30.0")
    expect(version(page, 2)).to_contain_text("shorter loop window")
    expect(version(page, 2)).not_to_contain_text("active")
    page.click("#policy-test")
    expect(page.locator("#policy-test-summary")).to_have_text(
        "0 of 3 decisions recorded in the last 7 days would change under v2."
    )

    version(page, 2).get_by_role("button", name="Activate").click()
    expect(page.locator("#policy-confirm-diff")).to_have_text("loops.window_min: 60.0 -> 30.0")
    expect(page.locator("#policy-confirm-test")).to_have_text(
        "0 of 3 decisions recorded in the last 7 days would change under v2."
    )
    page.click("#policy-activate")

    expect(page.locator("#policy-notice")).to_have_text("v2 is active (was v1).")
    expect(version(page, 2)).to_contain_text("active")
    assert policies.current(session, cache=policies.Cache(ttl=timedelta(0))).document.loops.window_min == 30

    version(page, 1).get_by_role("button", name="Roll back to v1").click()
    expect(page.locator("#policy-confirm")).to_contain_text("Roll back to v1?")
    expect(page.locator("#policy-confirm-diff")).to_have_text("loops.window_min: 30.0 -> 60.0")
    page.click("#policy-activate")

    expect(page.locator("#policy-notice")).to_have_text("v1 is active (was v2).")
    expect(version(page, 2).get_by_role("button", name="Activate")).to_be_visible()
    events = session.exec(select(SecurityEvent).where(SecurityEvent.action == "policy_activated")).all()
    assert [(e.actor_name, e.details["to_version"]) for e in events] == [("Grace", 2), ("Grace", 1)]


def test_a_bad_document_shows_its_fields_and_creates_nothing(page, session):
    make_reviewer(session, "grace@example.com", role=Role.admin)
    log_in(page, "grace@example.com")
    page.goto("/policies")
    expect(version(page, 1)).to_be_visible()

    page.click("#policy-edit")
    document = json.loads(page.locator("#policy-document").input_value())
    document["loops"]["similarity"] = 150
    document["timeouts"]["urgent_action"] = "page"
    page.fill("#policy-document", json.dumps(document))
    page.click("#policy-save")

    errors = page.locator("#policy-errors")
    expect(errors).to_contain_text("loops.similarity: Input should be less than or equal to 100")
    expect(errors).to_contain_text("timeouts.urgent_action")
    expect(page.locator("#policy-editor")).to_be_visible()
    page.fill("#policy-document", "{not json")
    page.click("#policy-save")
    expect(errors).to_contain_text("document: the policy document is not JSON")
    assert [row.number for row in policies.listing(session=session)] == [1]


def test_managers_read_policies_and_reviewers_are_sent_away(page, open_browser, session):
    make_reviewer(session, "lin@example.com", role=Role.manager)
    make_reviewer(session, "ada@example.com")
    log_in(page, "ada@example.com")
    expect(page.locator("#nav-policies")).to_have_count(0)
    page.goto("/policies")
    expect(page).to_have_url(re.compile(r"/\?denied=policies$"))

    page = open_browser()
    log_in(page, "lin@example.com")
    page.click("#nav-policies")
    expect(page.locator("#policy-json")).to_contain_text('"similarity"')
    expect(version(page, 1)).to_contain_text("active")
    expect(page.locator("#policy-edit")).to_have_count(0)
    expect(page.get_by_role("button", name="Activate")).to_have_count(0)
