"""Where metrics.compute spends its time: each SQL statement it runs, timed at the driver."""

import dataclasses
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event

from escalq.schemas.metrics import Metrics

# compute() fills these in order, one SQL aggregate each; the first four fields echo the query.
FIGURES = [field.name for field in dataclasses.fields(Metrics)][4:]


@contextmanager
def _statement_times(engine: Engine) -> Iterator[list[float]]:
    times: list[float] = []

    def before(conn: Any, *args: Any) -> None:
        conn.info["bench_started"] = time.perf_counter()

    def after(conn: Any, *args: Any) -> None:
        times.append((time.perf_counter() - conn.info.pop("bench_started")) * 1000)

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield times
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


def per_statement(run: Callable[[], object], *, engine: Engine, repeat: int) -> list[tuple[str, float]]:
    """Median milliseconds of each statement `run` executes, named by figure when they line up one to one."""
    runs: list[list[float]] = []
    for _ in range(repeat):
        with _statement_times(engine) as times:
            run()
        runs.append(times)
    statements = min(len(times) for times in runs)
    names = FIGURES if statements == len(FIGURES) else [f"statement {n + 1}" for n in range(statements)]
    return [(names[n], statistics.median(times[n] for times in runs)) for n in range(statements)]
