"""Browser fixtures: one running app and one Chromium for all of tests/browser, a context per person."""

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from redis import Redis

from tests.background.helpers import RedisServer
from tests.background.receivers import Answer, HttpReceiver
from tests.browser import server
from tests.browser.server import RunningApp

VIEWPORT = {"width": 1400, "height": 900}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
FIRST_LOAD_TIMEOUT_MS = 60_000

# What the run measured (app start, live-update latency), printed at the end of the run.
TIMINGS: dict[str, str] = {}

expect.set_options(timeout=10_000)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[pytest.TestReport]:
    """A failing browser test shows the end of the app's and the worker's logs."""
    report = yield
    running = getattr(item, "funcargs", {}).get("app")
    if report.failed and isinstance(running, RunningApp):
        for name in running.processes:
            report.sections.append((f"{name} log (last lines)", running.log_tail(name)))
    return report


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if TIMINGS:
        terminalreporter.section("browser timings")
        for name, value in TIMINGS.items():
            terminalreporter.write_line(f"{name}: {value}")


@pytest.fixture(scope="package")
def app_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A redis-server of the app's own: another test run sharing db 15 cannot take its jobs or feed."""
    redis = RedisServer(tmp_path_factory.mktemp("app-redis"))
    redis.start()
    yield redis
    redis.stop()


@pytest.fixture(scope="package")
def app(
    database_url: str, app_redis: RedisServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RunningApp]:
    """reflex run and escalq worker on the test database, for every browser test; stopped after the last."""
    running = server.start(
        database_url=database_url, redis_url=app_redis.url, work_dir=tmp_path_factory.mktemp("app")
    )
    TIMINGS["app start (reflex run: build, then pages and backend answer)"] = f"{running.started_in_s:.1f} s"
    yield running
    running.stop()


@pytest.fixture(autouse=True)
def _fresh_metrics(app_redis: RedisServer) -> Iterator[None]:
    """The app keeps metrics in its Redis for a minute: the next test must not see this test's figures."""
    yield
    client = Redis.from_url(app_redis.url)
    keys = list(client.scan_iter("escalq:metrics:*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture(scope="package")
def browser(app: RunningApp) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(server.CHROMIUM), args=CHROMIUM_ARGS)
        began = time.monotonic()
        _warm_up(chromium, app)
        TIMINGS["first page load"] = f"{time.monotonic() - began:.1f} s"
        yield chromium
        chromium.close()


def _warm_up(chromium: Browser, app: RunningApp) -> None:
    """Load the login page once: a broken build fails here, before any test."""
    context = chromium.new_context(viewport=VIEWPORT, base_url=app.url)
    try:
        page = context.new_page()
        page.goto("/login", timeout=FIRST_LOAD_TIMEOUT_MS)
        expect(page.locator("#sign-in")).to_be_visible(timeout=FIRST_LOAD_TIMEOUT_MS)
    finally:
        context.close()


@pytest.fixture
def open_browser(browser: Browser, app: RunningApp) -> Iterator[Callable[[], Page]]:
    """Opens a page in a new browser context: its own local storage, so its own login."""
    contexts = []

    def open_page() -> Page:
        context = browser.new_context(viewport=VIEWPORT, base_url=app.url)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(open_browser: Callable[[], Page]) -> Page:
    return open_browser()


@pytest.fixture
def api(app: RunningApp) -> Iterator[httpx.Client]:
    """The API as an agent sees it: mounted on the Reflex backend under /api."""
    with httpx.Client(base_url=app.url, timeout=30) as client:
        yield client


@pytest.fixture
def webhook_receiver() -> Iterator[HttpReceiver]:
    receiver = HttpReceiver(Answer(200, b"thanks"))
    yield receiver
    receiver.close()


@pytest.fixture(scope="session")
def timings() -> dict[str, str]:
    """Measurements to print in the run's summary."""
    return TIMINGS


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """docs/screenshots/, overwritten on every run."""
    folder = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
