"""Measure the engines on this server, for the "Choosing an engine" lesson.

Each engine gets the same small workload (write a key, then read it) through
Django's SessionMiddleware with Django's default settings, in this process;
the sessions it creates are flushed at the end, so nothing is left behind.
"""

import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest
from django.test import RequestFactory

from lessons.engines import ENGINES
from lessons.lab.actions import ACTIONS, ActionInput
from lessons.lab.runner import respond_through_session_middleware
from lessons.lab.store import ensure_file_store
from lessons.models import LabConfig

ROUNDS = 15
MEASURED_ACTIONS = ("set", "get")


@dataclass(frozen=True)
class EngineTiming:
    engine: str
    path: str
    write_ms: float | None
    read_ms: float | None
    error: str | None = None


def _request(factory: RequestFactory, cookie: str | None, cookie_name: str) -> HttpRequest:
    request = factory.post("/lab/measure/")
    if cookie:
        request.COOKIES[cookie_name] = cookie
    return request


def measure_engines(rounds: int = ROUNDS) -> list[EngineTiming]:
    """Median server-side milliseconds of a session write and a read, per engine."""
    factory = RequestFactory()
    given = ActionInput(key="cart", value=["apple", "pear"])
    # The measurement's own file sessions, apart from every learner's.
    file_directory = str(Path(settings.LAB_SESSION_FILE_PATH) / "measurements")
    ensure_file_store(file_directory)
    timings = []
    for name, engine in ENGINES.items():
        settings_values = {
            **LabConfig(engine=name).session_settings(),
            "SESSION_FILE_PATH": file_directory,
        }
        cookie_name = settings_values["SESSION_COOKIE_NAME"]
        cookie = None
        samples: dict[str, list[float]] = {action: [] for action in MEASURED_ACTIONS}
        error = None
        for _round in range(rounds):
            for action_name in MEASURED_ACTIONS:
                request = _request(factory, cookie, cookie_name)
                start = time.perf_counter()
                response, _outcome, failures = respond_through_session_middleware(
                    request, settings_values, ACTIONS[action_name], given
                )
                samples[action_name].append((time.perf_counter() - start) * 1000)
                if failures:
                    error = failures[0]["code"]
                morsel = response.cookies.get(cookie_name)
                if morsel is not None and morsel.value:
                    cookie = morsel.value
            if error:
                break
        # Leave nothing behind: delete this measurement's session.
        respond_through_session_middleware(
            _request(factory, cookie, cookie_name), settings_values, ACTIONS["flush"], given
        )
        timings.append(
            EngineTiming(
                engine=name,
                path=engine.path,
                write_ms=None if error else statistics.median(samples["set"]),
                read_ms=None if error else statistics.median(samples["get"]),
                error=error,
            )
        )
    return timings
