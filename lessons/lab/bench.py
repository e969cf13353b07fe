"""The benchmark's measuring core: bare Django, the lab's session handling and the whole lab
request, side by side on one engine (`manage.py bench_lab` runs it and prints the table;
its docstring says what is measured and why)."""

import cProfile
import gc
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.management.base import CommandError
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.test.utils import override_settings
from django_htmx.middleware import HtmxDetails

from lessons.engines import ENGINES
from lessons.lab.actions import ACTIONS, ActionInputError, parse_action_input
from lessons.lab.explain import KEY_CHANGING_ACTIONS
from lessons.lab.notes import Note
from lessons.lab.runner import respond_through_session_middleware
from lessons.lab.store import ensure_file_store
from lessons.lab.views import LAB_REQUEST_PATHS, lab_action
from lessons.learners import SESSION_LEARNER_KEY
from lessons.models import LabConfig, LabExchange, Learner
from lessons.timing import CookieJar, median_ms, p95_ms, timed

TARGET_RATIO = 1.30
# The whole lab request's median against bare Django's on the db engine, the same run.
REQUEST_TARGET_RATIO = 3.0
DEFAULT_ITERATIONS = 200
DEFAULT_WARMUP = 40  # more than LAB_TIMELINE_LENGTH: measured requests also trim the timeline
BENCH_HOST = "localhost"
LAB_PATH = LAB_REQUEST_PATHS[0]
BARE_PATH = "/bare/"
# The same form fields for both sides; each action reads the ones it needs.
BENCH_KEY = "cart"
BENCH_VALUE = ["apple"]
BENCH_SECONDS = 3600
# Notes that mean the lab did not get its session back: the run would then
# measure new sessions, not the same session operation as the bare side.
BROKEN_RUN_NOTES = {
    Note.COOKIE_NOT_RETURNED,
    Note.ENGINE_CHANGED,
    Note.FOREIGN_COOKIE,
    Note.REDIS_UNREACHABLE,
    Note.SESSION_INTERRUPTED,
    Note.SESSION_NOT_FOUND,
}


# --- The operations ------------------------------------------------------------

# Not "clearsessions": it is a management command over every stored session,
# not a session operation of one request.
BENCH_ACTIONS = tuple(name for name in ACTIONS if name != "clearsessions")


def bare_view_for(action_name: str) -> Callable[[HttpRequest], HttpResponse]:
    """A view as a Django project would write it: read the input, touch request.session.

    It runs the very function the lab runs for this action, so both sides do
    the same session operation.
    """
    action = ACTIONS[action_name]

    def bare_view(request: HttpRequest) -> HttpResponse:
        action.run(request.session, parse_action_input(action, request.POST))
        return HttpResponse()

    return bare_view


# --- Sides, samples and results ----------------------------------------------


@dataclass
class Side:
    """One side of the comparison: how to build its request, call it and check it."""

    build_request: Callable[[CookieJar], HttpRequest]
    handle: Callable[[HttpRequest], HttpResponse]
    check: Callable[[HttpResponse], None]
    jar: CookieJar = field(default_factory=CookieJar)
    samples_ns: list[int] = field(default_factory=list)
    session_keys: set[str] = field(default_factory=set)

    def request_once(self, cookie_name: str, *, record: bool) -> None:
        request = self.build_request(self.jar)
        response, elapsed = timed(lambda: self.handle(request))
        morsel = response.cookies.get(cookie_name)
        if morsel is not None and morsel.value:
            self.session_keys.add(morsel.value)  # first: a failed check still cleans it up
        self.check(response)
        self.jar.receive(response)
        if record:
            self.samples_ns.append(elapsed)


@dataclass
class EngineResult:
    """One engine's samples: bare Django, the lab's session handling, the whole lab request,
    and bare Django on the db engine measured in the same rounds (on db, the bare side)."""

    engine: str
    bare_ns: list[int]
    session_ns: list[int]
    request_ns: list[int]
    bare_db_ns: list[int]

    @property
    def ratio(self) -> float:
        """The target's ratio: the lab's session handling over bare Django's."""
        return median_ms(self.session_ns) / median_ms(self.bare_ns)

    @property
    def request_ratio(self) -> float:
        return median_ms(self.request_ns) / median_ms(self.bare_ns)

    @property
    def within_target(self) -> bool:
        return self.ratio <= TARGET_RATIO

    @property
    def request_ratio_to_db(self) -> float:
        """The whole lab request's median over bare Django's db-engine median, both measured
        in the same rounds: a machine that slows down for a while slows both alike."""
        return median_ms(self.request_ns) / median_ms(self.bare_db_ns)

    def cells(self) -> list[str]:
        return [
            self.engine,
            f"{median_ms(self.bare_ns):.3f}",
            f"{p95_ms(self.bare_ns):.3f}",
            f"{median_ms(self.session_ns):.3f}",
            f"{p95_ms(self.session_ns):.3f}",
            f"{self.ratio:.2f}",
            "yes" if self.within_target else "NO",
            f"{median_ms(self.request_ns):.3f}",
            f"{p95_ms(self.request_ns):.3f}",
            f"{self.request_ratio:.2f}",
            f"{median_ms(self.bare_db_ns):.3f}",
            f"{self.request_ratio_to_db:.2f}",
        ]


COLUMNS = [
    "engine",
    "bare median ms",
    "bare p95 ms",
    "lab session median ms",
    "lab session p95 ms",
    "ratio",
    f"within target (≤ {TARGET_RATIO:.2f})",
    "whole lab request median ms",
    "whole lab request p95 ms",
    "whole request ratio",
    "bare db median ms, same rounds",
    f"whole request / bare db (≤ {REQUEST_TARGET_RATIO:.1f})",
]


# --- Measuring one engine ------------------------------------------------------


def measure_engine(
    engine_name: str,
    action_name: str,
    iterations: int,
    warmup: int,
    written_keys: set[str],
    profiler: cProfile.Profile | None = None,
) -> EngineResult:
    learner = Learner.objects.create()
    config = LabConfig.objects.create(learner=learner, engine=engine_name)
    session_settings = config.session_settings()
    # Bare Django needs the directory the lab makes before its own first request.
    ensure_file_store(session_settings["SESSION_FILE_PATH"])
    cookie_name = config.cookie_name
    form = {
        "action": action_name,
        "key": BENCH_KEY,
        "value": json.dumps(BENCH_VALUE),
        "seconds": str(BENCH_SECONDS),
        "language": "en",
    }
    body = urlencode(form)
    factory = RequestFactory()

    def post(path: str, jar: CookieJar, extra: str = "", **headers) -> HttpRequest:
        return factory.post(
            path,
            body + extra,
            content_type="application/x-www-form-urlencoded",
            headers={"Host": BENCH_HOST, **headers},
            HTTP_COOKIE=jar.header(),
        )

    # The learner's site session, as the site's SessionMiddleware leaves it.
    # The learner's site session, saved; each lab request gets it as the site's
    # SessionMiddleware leaves it: named by its key, read when the view first asks.
    site_engine = import_module(settings.SESSION_ENGINE)
    site_session = site_engine.SessionStore()
    site_session[SESSION_LEARNER_KEY] = str(learner.public_id)
    site_session.save()

    # The exchange the lab page shows, as the page tells it with each request.
    shown = {"exchange": ""}

    def lab_request(jar: CookieJar) -> HttpRequest:
        extra = "&" + urlencode({"shown": shown["exchange"]})
        request = post(LAB_PATH, jar, extra, **{"HX-Request": "true"})
        request.session = site_engine.SessionStore(site_session.session_key)
        request.htmx = HtmxDetails(request)
        return request

    action = ACTIONS[action_name]
    try:
        parse_action_input(action, form)
    except ActionInputError as error:  # the benchmark's own input; never expected
        raise CommandError(f"The benchmark's input is refused: {error}") from error

    def check_bare(response: HttpResponse) -> None:
        if response.status_code != 200:
            raise CommandError(f"Bare Django answered {response.status_code} on {engine_name}.")

    def check_lab(response: HttpResponse) -> None:
        status = response.get("X-Lab-Status", str(response.status_code))
        if response.status_code != 200 or status != "200":
            raise CommandError(
                f"The lab answered {response.status_code} (lab status {status}) on "
                f"{engine_name}; nothing comparable to measure."
            )
        shown["exchange"] = response["X-Lab-Exchange"]

    request_side = Side(
        build_request=lab_request,
        handle=lab_action if profiler is None else profiled(profiler, lab_action),
        check=check_lab,
    )

    def session_handling(request: HttpRequest) -> HttpResponse:
        given = parse_action_input(action, request.POST)
        response, _outcome, failures = respond_through_session_middleware(
            request, session_settings, action, given
        )
        if failures:
            raise CommandError(f"The lab's session handling failed on {engine_name}: {failures}")
        return response

    session_side = Side(
        build_request=lambda jar: post(LAB_PATH, jar),
        handle=session_handling,
        check=check_bare,
    )

    def bare_side(engine_path: str) -> Side:
        with override_settings(**{**session_settings, "SESSION_ENGINE": engine_path}):
            # Built once, as a server builds its middleware at start-up.
            handle = SessionMiddleware(bare_view_for(action_name))
        return Side(build_request=lambda jar: post(BARE_PATH, jar), handle=handle, check=check_bare)

    bare = bare_side(session_settings["SESSION_ENGINE"])
    sides = [bare, session_side, request_side]
    # What the last column divides by: bare Django on the db engine, in the same rounds as
    # the rest (the settings differ in SESSION_ENGINE alone, which the middleware reads
    # when it is built).
    bare_db = bare
    if engine_name != "db":
        bare_db = bare_side(ENGINES["db"].path)
        sides.append(bare_db)
    gc.collect()
    try:
        # Bare Django runs with these settings for the whole engine, as a
        # project runs with its settings.py (entering override_settings for
        # each request would empty Django's settings cache and slow the bare
        # side down). The lab's handlers are unaffected: their per-request
        # settings take precedence in the session code.
        with override_settings(**session_settings):
            for index in range(warmup + iterations):
                record = index >= warmup
                shift = index % len(sides)
                for side in sides[shift:] + sides[:shift]:
                    side.request_once(cookie_name, record=record)
    finally:
        if ENGINES[engine_name].uses_cache or ENGINES[engine_name].uses_redis:
            for side in sides:
                written_keys.update(side.session_keys)

    check_same_session(engine_name, action_name, learner, sides)
    return EngineResult(
        engine_name,
        bare.samples_ns,
        session_side.samples_ns,
        request_side.samples_ns,
        bare_db.samples_ns,
    )


def profiled(
    profiler: cProfile.Profile, view: Callable[[HttpRequest], HttpResponse]
) -> Callable[[HttpRequest], HttpResponse]:
    """The view, with the profiler on for its calls only."""

    def run(request: HttpRequest) -> HttpResponse:
        profiler.enable()
        try:
            return view(request)
        finally:
            profiler.disable()

    return run


def check_same_session(
    engine_name: str, action_name: str, learner: Learner, sides: list["Side"]
) -> None:
    """Every side must have worked on one session throughout, as a browser's would."""
    codes = {
        note.get("code")
        for notes in LabExchange.objects.filter(learner=learner).values_list("notes", flat=True)
        for note in notes
    }
    broken = sorted(codes & BROKEN_RUN_NOTES)
    if broken:
        raise CommandError(
            f"The lab did not keep its session on {engine_name} ({', '.join(broken)}); "
            "the numbers would not be comparable."
        )
    keeps_key = ENGINES[engine_name].stores_on_server and action_name not in KEY_CHANGING_ACTIONS
    if keeps_key:
        for side in sides:
            if len(side.session_keys) > 1:
                raise CommandError(
                    f"A measured handler got {len(side.session_keys)} session keys on "
                    f"{engine_name} instead of keeping one; the cookies were not sent back."
                )
