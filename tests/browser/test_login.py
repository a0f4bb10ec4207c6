"""Signing in: the login page, a wrong password, and the redirect for visitors without a session."""

import re

from playwright.sync_api import expect

from tests.browser.ui import QUEUE_URL, log_in
from tests.factories import make_reviewer


def test_visiting_the_queue_without_a_session_redirects_to_login(page):
    page.goto("/")

    expect(page).to_have_url(re.compile(r"/login\?next=/$"))
    expect(page.locator("#sign-in")).to_be_visible()
    expect(page.locator("#queue-table")).to_have_count(0)


def test_a_wrong_password_shows_an_error_and_the_right_one_opens_the_queue(page, session, screenshots):
    make_reviewer(session, "ada@example.com")
    page.goto("/login")
    expect(page.locator("#sign-in")).to_be_visible()
    page.screenshot(path=screenshots / "login.png")

    page.fill("#email", "ada@example.com")
    page.fill("#password", "not-the-password")
    page.click("#sign-in")

    expect(page.locator("#login-error")).to_have_text("Wrong email or password.")
    expect(page).to_have_url(re.compile(r"/login"))

    log_in(page, "ada@example.com")

    expect(page).to_have_url(QUEUE_URL)
    expect(page.locator("#nav-user")).to_have_text("Ada")
    expect(page.locator("#login-error")).to_have_count(0)


def test_the_session_lives_in_a_cookie_for_this_site_that_ends_with_the_browser(page, session):
    make_reviewer(session, "ada@example.com")
    log_in(page, "ada@example.com")

    [cookie] = [c for c in page.context.cookies() if c["name"] == "escalq_session"]
    assert cookie["value"] != ""
    assert cookie["sameSite"] == "Strict"
    assert cookie["expires"] == -1  # no max-age: gone when the browser closes
    assert cookie["path"] == "/"
    assert cookie["secure"] is False  # the test app is served over http
    assert page.evaluate("window.localStorage.getItem('escalq_session')") is None
