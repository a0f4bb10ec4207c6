"""How a person drives the dashboard: the steps the browser tests share."""

import re
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import Locator, Page, WebSocketRoute, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from escalq.cli.database import ROOT
from tests.factories import PASSWORD

AXE = ROOT / ".tools" / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")

QUEUE_URL = re.compile(r"^https?://[^/]+/(\?.*)?$")
CLAIMED = re.compile(r"^Claimed\b")


def log_in(page: Page, email: str, password: str = PASSWORD) -> None:
    """Sign in on the login page and wait for the queue to show."""
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("#sign-in")
    expect(page).to_have_url(QUEUE_URL)
    expect(page.locator("#queue-table")).to_be_visible()


def row(page: Page, escalation_id: object) -> Locator:
    """The queue row of one escalation."""
    return page.locator(f'.queue-row[data-id="{escalation_id}"]')


def status_cell(page: Page, escalation_id: object) -> Locator:
    """The status badge's cell (the second column) of one queue row."""
    return row(page, escalation_id).locator("td").nth(1)


def priorities(page: Page) -> list[str]:
    """The data-priority of every queue row, top to bottom."""
    return page.locator(".queue-row").evaluate_all("rows => rows.map(r => r.dataset.priority)")


def expect_notice(page: Page, text: str | re.Pattern[str], *, colour: str) -> None:
    """The action notice reads `text` (a substring, or a pattern) in `colour` (green, or red for errors)."""
    notice = page.locator("#notice")
    expect(notice).to_contain_text(text)
    expect(notice).to_have_attribute("data-accent-color", colour)


def choose(page: Page, select: str, option: str) -> None:
    """Pick `option` in a Radix select (a button that opens a listbox)."""
    page.click(select)
    page.get_by_role("option", name=option, exact=True).click()
    expect(page.get_by_role("listbox")).to_have_count(0)


class StaleScreen:
    """Keeps one page from hearing about a change until that page itself acts, as in a race.

    Between the page and the backend's event socket: while `holding`, socket.io event frames from the
    server that mention `marker` are withheld (and counted). The page's next own event ends the hold,
    so it gets the answer to its action. Install it before the page connects.
    """

    def __init__(self, page: Page, *, marker: str) -> None:
        self.page = page
        self.marker = marker
        self.holding = False
        self.withheld = 0
        page.route_web_socket(re.compile(r"/_event"), self._route)

    def _route(self, ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()

        def to_server(message: str | bytes) -> None:
            if _is_event(message):
                self.holding = False
            server.send(message)

        def to_page(message: str | bytes) -> None:
            if self.holding and _is_event(message) and self.marker in str(message):
                self.withheld += 1
                return
            ws.send(message)

        ws.on_message(to_server)
        server.on_message(to_page)

    def wait_for_withheld(self, count: int, timeout_s: float = 10.0) -> None:
        """Let Playwright pass socket traffic until `count` frames have been withheld."""
        deadline = time.monotonic() + timeout_s
        while self.withheld < count:
            assert time.monotonic() < deadline, f"withheld {self.withheld} of {count} frames in {timeout_s} s"
            self.page.wait_for_timeout(20)


def _is_event(message: str | bytes) -> bool:
    """A socket.io event frame (`42...`), not a connect, ping or pong."""
    return isinstance(message, str) and message.startswith("42")


def wait_for_priorities(page: Page, expected: list[str], timeout_ms: float = 10_000) -> None:
    """Wait until the queue rows' data-priority read `expected`, top to bottom."""
    try:
        page.wait_for_function(
            """expected => JSON.stringify([...document.querySelectorAll('.queue-row')]
                 .map(r => r.dataset.priority)) === JSON.stringify(expected)""",
            arg=expected,
            timeout=timeout_ms,
        )
    except PlaywrightTimeout:
        assert priorities(page) == expected


def axe_findings(page: Page, within: str = "body") -> list[str]:
    """Serious and critical axe-core violations in `within` (a selector), one line per rule and element."""
    if not Path(AXE).exists():
        raise AssertionError(f"axe-core is missing ({AXE}): run `make setup`")
    page.add_script_tag(path=str(AXE))
    violations: list[dict[str, Any]] = page.evaluate(
        "async (within) => (await axe.run(within, {resultTypes: ['violations']})).violations", within
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {node['target']}"
        for v in violations
        if v["impact"] in BLOCKING_IMPACTS
        for node in v["nodes"]
    ]


def has_horizontal_overflow(page: Page) -> bool:
    """Whether the page body is wider than the viewport (sideways scrolling)."""
    return bool(page.evaluate("document.documentElement.scrollWidth > window.innerWidth"))
