"""The Reflex backend alone (`reflex run --env prod --backend-only`) on the test database."""

import os
from collections.abc import Iterator

import pytest

from tests.browser import server
from tests.browser.server import RunningApp


@pytest.fixture(scope="package")
def backend(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """Started once for tests/web, in a process group of its own; its Redis is the tests' (REDIS_URL)."""
    running = server.start_backend(
        database_url=database_url,
        redis_url=os.environ["REDIS_URL"],
        work_dir=tmp_path_factory.mktemp("backend"),
    )
    yield running
    running.stop()
