"""Measure the engines on this server, for the "Choosing an engine" lesson.

Each engine gets the same small workload (write a key, then read it) through
Django's SessionMiddleware with Django's default settings, in this process;
the sessions it creates are flushed at the end, so nothing is left behind.
"""

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.test import RequestFactory

from lessons.engines import ENGINES
from lessons.lab.actions import ACTIONS, ActionInput
from lessons.lab.runner import respond_through_session_middleware
from lessons.lab.store import ensure_file_store
from lessons.models import LabConfig
from lessons.timing import CookieJar, median_ms, timed

ROUNDS = 15
MEASURED_ACTIONS = ("set", "get")


@dataclass(frozen=True)
class EngineTiming:
    engine: str
    path: str
    write_ms: float | None
    read_ms: float | None
    error: str | None = None


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
        jar = CookieJar()

        def run(action_name: str, jar: CookieJar = jar, settings_values=settings_values):
            request = factory.post("/lab/measure/", HTTP_COOKIE=jar.header())
            (response, _outcome, failures), elapsed = timed(
                lambda: respond_through_session_middleware(
                    request, settings_values, ACTIONS[action_name], given
                )
            )
            jar.receive(response)
            return elapsed, failures

        samples: dict[str, list[int]] = {action: [] for action in MEASURED_ACTIONS}
        error = None
        for _round in range(rounds):
            for action_name in MEASURED_ACTIONS:
                elapsed, failures = run(action_name)
                samples[action_name].append(elapsed)
                if failures:
                    error = failures[0]["code"]
            if error:
                break
        run("flush")  # leave nothing behind: delete this measurement's session
        timings.append(
            EngineTiming(
                engine=name,
                path=engine.path,
                write_ms=None if error else median_ms(samples["set"]),
                read_ms=None if error else median_ms(samples["get"]),
                error=error,
            )
        )
    return timings
