"""Wall-clock medians, each paired with a calibration measured alongside it."""

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


def _ms(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return (time.perf_counter() - started) * 1000


@dataclass(frozen=True)
class Paired:
    median_ms: float
    calibration_ms: float


def paired_medians(run: Callable[[], object], *, calibration: Callable[[], object], repeat: int) -> Paired:
    """`run` and `calibration` timed in turns, `repeat` times each after one untimed warm-up of both.

    Taking turns means both see the same load on the machine, whatever else runs on it meanwhile.
    """
    run()
    calibration()
    times, calibrations = [], []
    for _ in range(repeat):
        calibrations.append(_ms(calibration))
        times.append(_ms(run))
    return Paired(median_ms=statistics.median(times), calibration_ms=statistics.median(calibrations))
