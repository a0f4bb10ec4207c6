"""Every page passes axe-core (nothing serious or critical); the queue and an escalation work on a phone."""

import re

from playwright.sync_api import expect

from escalq.models import Priority, Role
from tests.browser.ui import axe_findings, has_horizontal_overflow, log_in, row, status_cell
from tests.factories import make_agent, make_escalation, make_reviewer

PHONE = {"width": 390, "height": 844}


def dialog_findings(page, selector):
    """axe's findings in an open dialog once its fade-in has ended: measured mid-animation, its buttons
    would fail the contrast check."""
    page.locator(selector).evaluate(
        "el => Promise.all(el.getAnimations({subtree: true}).map(a => a.finished))"
    )
    return axe_findings(page, selector)


def test_every_page_passes_axe(page, session):
    agent = make_agent(session, "billing-bot").agent
    make_reviewer(session, "grace@example.com", role=Role.admin)
    escalations = [
        make_escalation(session, agent, priority=p, description=f"{p.value}: refund above my limit")
        for p in Priority
    ]
    findings: dict[str, list[str]] = {}

    page.goto("/login")
    expect(page.locator("#sign-in")).to_be_visible()
    findings["login"] = axe_findings(page)

    log_in(page, "grace@example.com")
    expect(page.locator(".queue-row")).to_have_count(len(escalations))
    expect(page.locator(".countdown").first).to_have_attribute("data-band", re.compile("."))
    findings["queue"] = axe_findings(page)
    page.keyboard.press("?")
    expect(page.locator("#shortcuts-help")).to_be_visible()
    findings["shortcuts overlay"] = axe_findings(page, "#shortcuts-help")
    page.keyboard.press("Escape")

    page.goto(f"/escalations/{escalations[0].id}")
    expect(page.locator("#detail-description")).to_be_visible()
    findings["escalation"] = axe_findings(page)

    page.goto("/metrics")
    expect(page.locator(".metrics-chart .js-plotly-plot").first).to_be_visible()
    findings["metrics"] = axe_findings(page)

    page.goto("/admin")
    expect(page.locator("#admin-reviewers")).to_be_visible()
    expect(page.locator("#nav-user")).to_have_text("Grace")
    findings["admin"] = axe_findings(page)
    page.locator('[data-schema="billing-bot"]').get_by_role("button", name="Edit").click()
    expect(page.locator("#admin-schema")).to_be_visible()
    findings["context schema dialog"] = dialog_findings(page, "#admin-schema")
    page.keyboard.press("Escape")

    page.goto("/audit")
    expect(page.locator("[data-event]").first).to_be_visible()
    findings["audit log"] = axe_findings(page)

    page.goto("/policies")
    expect(page.locator("#policy-json")).to_be_visible()
    findings["policies"] = axe_findings(page)
    page.click("#policy-edit")
    expect(page.locator("#policy-editor")).to_be_visible()
    findings["policy editor"] = dialog_findings(page, "#policy-editor")
    page.keyboard.press("Escape")

    page.goto("/account")
    expect(page.locator("#account-change-password")).to_be_visible()
    findings["account"] = axe_findings(page)

    failed = [f"{name}: {line}" for name, found in findings.items() for line in found]
    assert failed == [], "\n".join(failed)


def test_the_queue_and_an_escalation_work_at_phone_size(open_browser, session, screenshots):
    agent = make_agent(session, "billing-bot").agent
    make_reviewer(session, "ada@example.com")
    escalations = [
        make_escalation(session, agent, priority=p, description=f"Refund of $2,400 for order A-104{n}")
        for n, p in enumerate(Priority)
    ]
    page = open_browser(viewport=PHONE, is_mobile=True, has_touch=True)
    log_in(page, "ada@example.com")
    expect(page.locator(".queue-row")).to_have_count(len(escalations))
    assert not has_horizontal_overflow(page)
    page.screenshot(path=screenshots / "queue-mobile.png", full_page=True)

    first = escalations[0]
    claim = row(page, first.id).locator(".claim")
    box = claim.bounding_box()
    assert box is not None and box["x"] + box["width"] <= PHONE["width"], (
        "Claim is off the side of the screen"
    )
    claim.tap()
    expect(status_cell(page, first.id)).to_have_text("claimed")
    assert not has_horizontal_overflow(page)

    page.goto(f"/escalations/{first.id}")
    expect(page.locator("#detail-description")).to_be_visible()
    assert not has_horizontal_overflow(page)
    resolve = page.locator("#detail-resolve")
    resolve.scroll_into_view_if_needed()
    expect(resolve).to_be_in_viewport()
    page.screenshot(path=screenshots / "escalation-mobile.png", full_page=True)
    resolve.tap()
    expect(page.locator("#confirm-resolve")).to_be_in_viewport()
