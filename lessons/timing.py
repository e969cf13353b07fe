"""Timing session work: a browser's cookie jar, a timed call and the statistics of samples.

Shared by the lesson's live engine measurement (lab/measure.py), the benchmark
(`manage.py bench_lab`) and the simulated class (`manage.py load_classroom`).
"""

import math
import statistics
import time
from collections.abc import Callable
from typing import TypeVar

from django.http import HttpResponse

Result = TypeVar("Result")


class CookieJar:
    """The cookies one browser holds (every one under Path=/), as it sends them back."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.values.items())

    def receive(self, response: HttpResponse) -> None:
        for name, morsel in response.cookies.items():
            if not morsel.value or str(morsel["max-age"]) == "0":
                self.values.pop(name, None)
            else:
                self.values[name] = morsel.coded_value


def timed(call: Callable[[], Result]) -> tuple[Result, int]:
    """The call's result and how long it took, in nanoseconds (time.perf_counter_ns)."""
    start = time.perf_counter_ns()
    result = call()
    return result, time.perf_counter_ns() - start


def median_ms(samples_ns: list[int]) -> float:
    return statistics.median(samples_ns) / 1e6


def percentile(samples: list[float], p: float) -> float:
    """The p-th percentile, nearest-rank: p% of the samples are at or below it."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def p95_ms(samples_ns: list[int]) -> float:
    return percentile(samples_ns, 95) / 1e6
