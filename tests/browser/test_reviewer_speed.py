"""Working the queue fast: keyboard shortcuts, My work, countdowns to the next timeout, urgent alerts."""

import re
from datetime import timedelta

from playwright.sync_api import Page, expect

from escalq.clock import utc_now
from escalq.models import Escalation, Priority, Status
from tests.browser.ui import CLAIMED, expect_notice, log_in, row, status_cell
from tests.factories import make_agent, make_escalation, make_reviewer

# Records every `new Notification(...)`; the browser's own permission (granted to the context) stays.
RECORD_NOTIFICATIONS = """
window.__notifications = [];
const RealNotification = window.Notification;
window.Notification = class extends RealNotification {
  constructor(title, options) {
    window.__notifications.push({title, body: options?.body, tag: options?.tag});
    super(title, options);
  }
};
"""
# A browser that has not been asked yet: records each permission request and whether a click led to it.
NOT_ASKED_YET = """
window.__asked = [];
let permission = "default";
window.Notification = class {
  static get permission() { return permission; }
  static requestPermission() {
    window.__asked.push(navigator.userActivation.isActive);
    permission = "granted";
    return Promise.resolve(permission);
  }
};
"""


def _selected(page: Page) -> list[str]:
    return page.locator(".queue-row[data-selected='true']").evaluate_all(
        "rows => rows.map(r => r.dataset.id)"
    )


def test_the_keyboard_moves_opens_claims_and_resolves(page, session):
    agent = make_agent(session).agent
    make_reviewer(session, "ada@example.com")
    first, second, third = (
        make_escalation(session, agent, priority=p, description=f"{p.value} case")
        for p in (Priority.urgent, Priority.high, Priority.medium)
    )
    sent: list[str] = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda frame: sent.append(str(frame))))
    log_in(page, "ada@example.com")
    expect(page.locator(".queue-row")).to_have_count(3)

    page.keyboard.press("?")
    help_dialog = page.locator("#shortcuts-help")
    expect(help_dialog).to_be_visible()
    expect(help_dialog.locator("tr")).to_have_count(6)
    expect(help_dialog).to_contain_text("Claim the selected escalation")
    page.keyboard.press("?")
    expect(help_dialog).to_have_count(0)

    page.keyboard.press("j")
    expect(row(page, first.id)).to_have_attribute("data-selected", "true")
    expect(row(page, first.id)).to_be_focused()
    expect(row(page, first.id)).to_have_attribute("aria-current", "true")
    expect(page.locator("#selection-status")).to_have_text("Selected 1 of 3: urgent, assigned, urgent case")
    page.keyboard.press("j")
    page.keyboard.press("j")
    expect(row(page, third.id)).to_be_focused()
    page.keyboard.press("k")
    expect(row(page, second.id)).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(row(page, first.id)).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(row(page, second.id)).to_be_focused()
    assert _selected(page) == [str(second.id)]

    # Typing in a field is only typing: not even sent to the server.
    page.evaluate("document.body.append(Object.assign(document.createElement('input'), {id: 'probe'}))")
    page.fill("#probe", "")
    events_before = sum(frame.startswith("42") for frame in sent)
    page.type("#probe", "jkc?")
    expect(page.locator("#probe")).to_have_value("jkc?")
    assert sum(frame.startswith("42") for frame in sent) == events_before
    expect(help_dialog).to_have_count(0)
    expect(status_cell(page, second.id)).to_have_text("assigned")
    assert _selected(page) == [str(second.id)]

    row(page, second.id).focus()
    page.keyboard.press("c")
    expect(page.locator("#notice")).to_contain_text(CLAIMED)  # with a warning: the urgent one still waits
    expect(status_cell(page, second.id)).to_have_text("claimed")

    page.keyboard.press("r")
    expect(page.locator("#confirm-resolve")).to_be_visible()
    page.fill("#notes", "Approved by keyboard")
    page.click("#confirm-resolve")
    expect_notice(page, "Resolved as approved", colour="green")
    expect(row(page, second.id)).to_have_count(0)
    session.expire_all()
    resolved = session.get(Escalation, second.id)
    assert resolved is not None
    assert (resolved.status, resolved.resolution_notes) == (Status.resolved, "Approved by keyboard")

    page.keyboard.press("j")
    expect(row(page, first.id)).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/escalations/{first.id}$"))


def test_my_work_is_one_click_and_opens_the_queue_next_time(open_browser, session):
    agent = make_agent(session).agent
    ada = make_reviewer(session, "ada@example.com").reviewer
    make_reviewer(session, "bob@example.com")
    opened = [make_escalation(session, agent) for _ in range(4)]  # round robin: two each
    mine = sorted(str(e.id) for e in opened if e.assigned_to == ada.id)
    assert len(mine) == 2
    page = open_browser()
    log_in(page, "ada@example.com")
    expect(page.locator(".queue-row")).to_have_count(4)

    page.click("#my-work")
    expect(page.locator("#my-work")).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".queue-row")).to_have_count(2)
    assert sorted(page.locator(".queue-row").evaluate_all("rows => rows.map(r => r.dataset.id)")) == mine
    session.refresh(ada)
    assert ada.opens_my_work

    elsewhere = open_browser()  # another browser: remembered on the server, not in the first one
    log_in(elsewhere, "ada@example.com")
    expect(elsewhere.locator("#my-work")).to_have_attribute("aria-pressed", "true")
    expect(elsewhere.locator(".queue-row")).to_have_count(2)

    elsewhere.click("#my-work")
    expect(elsewhere.locator("#my-work")).to_have_attribute("aria-pressed", "false")
    expect(elsewhere.locator(".queue-row")).to_have_count(4)
    page.reload()
    expect(page.locator("#my-work")).to_have_attribute("aria-pressed", "false")
    expect(page.locator(".queue-row")).to_have_count(4)


def test_countdowns_tick_in_the_browser_and_change_colour_as_the_timeout_nears(page, session):
    agent = make_agent(session).agent
    make_reviewer(session, "ada@example.com")
    now = utc_now().replace(microsecond=0)
    urgent = make_escalation(session, agent, priority=Priority.urgent, now=now - timedelta(minutes=20))
    low = make_escalation(session, agent, priority=Priority.low, now=now - timedelta(minutes=20))
    page.clock.set_fixed_time(now)  # the page's Date; its timers keep running
    frames: list[str] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda frame: frames.append(str(frame))))
    log_in(page, "ada@example.com")

    clock = row(page, urgent.id).locator(".countdown")
    expect(clock).to_have_text("to on-call in 40:00")
    expect(clock).to_have_attribute("data-band", "ok")  # two thirds left
    expect(row(page, low.id).locator(".countdown")).to_have_text("expires in 6d 23h")  # low: no timeout rule
    green = clock.evaluate("el => getComputedStyle(el).color")

    events_before = sum(frame.startswith("42") for frame in frames)
    page.clock.set_fixed_time(now + timedelta(minutes=25))
    expect(clock).to_have_text("to on-call in 15:00")
    expect(clock).to_have_attribute("data-band", "close")  # a quarter left
    page.clock.set_fixed_time(now + timedelta(minutes=18))
    expect(clock).to_have_text("to on-call in 22:00")
    expect(clock).to_have_attribute("data-band", "near")
    page.clock.set_fixed_time(now + timedelta(minutes=41, seconds=5))
    expect(clock).to_have_text("to on-call 1:05 overdue")
    expect(clock).to_have_attribute("data-band", "breached")
    assert clock.evaluate("el => getComputedStyle(el).color") != green
    assert sum(frame.startswith("42") for frame in frames) == events_before, "the countdown asked the server"

    row(page, urgent.id).locator(".claim").click()
    expect(status_cell(page, urgent.id)).to_have_text("claimed")
    expect(row(page, urgent.id).locator(".countdown")).to_have_count(0)  # claimed: no timeout applies


def test_an_urgent_escalation_assigned_to_me_raises_a_browser_notification(open_browser, session, api):
    agent = make_agent(session, "billing-bot")
    make_reviewer(session, "ada@example.com")
    page = open_browser(permissions=["notifications"])
    page.add_init_script(RECORD_NOTIFICATIONS)
    log_in(page, "ada@example.com")
    expect(page.locator("#enable-notifications")).to_have_count(0)  # already allowed: nothing to ask

    for priority, description in (
        ("high", "Invoice 12 is over my approval limit"),
        ("urgent", "Payout to card 4111 1111 1111 1111 after a password reset"),
    ):
        body = {"issue_description": description, "priority": priority}
        assert api.post("/api/escalations", headers=agent.headers, json=body).status_code == 201
    expect(page.locator(".queue-row")).to_have_count(2)
    page.wait_for_function("window.__notifications.length > 0")
    (shown,) = page.evaluate("window.__notifications")
    urgent_id = page.locator(".queue-row[data-priority='urgent']").get_attribute("data-id")
    assert shown["title"] == "Urgent escalation for you from billing-bot"
    assert shown["tag"] == f"/escalations/{urgent_id}"
    assert shown["body"].startswith("Payout to card ") and "4111 1111 1111 1111" not in shown["body"]

    page.reload()  # already on screen when the page loads: no second notification
    expect(page.locator(".queue-row")).to_have_count(2)
    page.locator(".claim").first.click()
    expect_notice(page, CLAIMED, colour="green")
    assert page.evaluate("window.__notifications") == []


def test_notifications_are_asked_for_once_on_a_click(page, session):
    make_reviewer(session, "ada@example.com")
    page.add_init_script(NOT_ASKED_YET)
    log_in(page, "ada@example.com")
    ask = page.locator("#enable-notifications")
    expect(ask).to_be_visible()
    assert page.evaluate("window.__asked") == []  # never without the reviewer's click

    ask.click()

    expect(ask).to_have_count(0)
    assert page.evaluate("window.__asked") == [True]
