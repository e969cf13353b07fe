"""The benchmark's measuring core: bare Django, the lab's session handling and the whole lab
request on each engine, the engines taking turns (`manage.py bench_lab` runs it and prints
the table; its docstring says what is measured and why)."""

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
from lessons.lab.bench_results import EngineResult
from lessons.lab.explain import KEY_CHANGING_ACTIONS
from lessons.lab.notes import Note
from lessons.lab.runner import respond_through_session_middleware
from lessons.lab.store import ensure_file_store
from lessons.lab.views import LAB_REQUEST_PATHS, lab_action
from lessons.learners import SESSION_LEARNER_KEY
from lessons.models import LabConfig, LabExchange, Learner
from lessons.timing import CookieJar, timed

DEFAULT_ITERATIONS = 200
DEFAULT_WARMUP = 40  # more than LAB_TIMELINE_LENGTH: measured requests also trim the timeline
# Counted rounds of one engine before the next engine's turn (a fraction of a second).
BLOCK_ROUNDS = 5
# What the engines' learners may have of their own: every other setting the bare
# handlers share.
BARE_OWN_SETTINGS = ("SESSION_ENGINE", "SESSION_FILE_PATH")
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


# --- Measuring the engines ----------------------------------------------------


@dataclass
class EngineSides:
    """One engine's three handlers, with what checking its run afterwards needs."""

    engine: str
    learner: Learner
    cookie_name: str
    session_settings: dict
    bare: Side
    session: Side
    request: Side

    @property
    def sides(self) -> list[Side]:
        return [self.bare, self.session, self.request]


def engine_sides(
    engine_name: str, action_name: str, profiler: cProfile.Profile | None = None
) -> EngineSides:
    """A throwaway learner on `engine_name`, and the three handlers measured on it."""
    learner = Learner.objects.create()
    config = LabConfig.objects.create(learner=learner, engine=engine_name)
    session_settings = config.session_settings()
    # The lab's session handling alone needs the directory the lab makes before a request.
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

    with override_settings(**session_settings):
        # Built once, as a server builds its middleware at start-up (SessionMiddleware
        # takes its engine from SESSION_ENGINE then).
        bare_handle = SessionMiddleware(bare_view_for(action_name))
    bare = Side(
        build_request=lambda jar: post(BARE_PATH, jar),
        handle=bare_handle,
        check=check_bare,
    )
    return EngineSides(
        engine_name, learner, cookie_name, session_settings, bare, session_side, request_side
    )


def measure_engines(
    engine_names: list[str],
    action_name: str,
    iterations: int,
    warmup: int,
    written_keys: dict[str, set[str]],
    profiler: cProfile.Profile | None = None,
) -> list[EngineResult]:
    """Each engine's three handlers in rounds of their own (as warm as a server answering
    one kind of request), in blocks of BLOCK_ROUNDS that take turns until every handler has
    `iterations` samples; a block's first round, after another engine's, is not counted.
    A machine that slows down for a while slows every engine alike, bare Django on db's
    blocks included (they run even when db is not in the table)."""
    shown = [engine_sides(name, action_name, profiler) for name in engine_names]
    engines = list(shown)
    if "db" not in engine_names:
        engines.append(engine_sides("db", action_name))
    bare_db = next(engine.bare for engine in engines if engine.engine == "db")
    # Bare Django runs with these settings throughout, as a project with its settings.py
    # (override_settings per request would empty Django's settings cache). They differ
    # between engines in SESSION_ENGINE, which each bare handler took when built, and the
    # learner's file directory; the lab's handlers use their own per request.
    shared = {
        **engines[0].session_settings,
        "SESSION_FILE_PATH": str(settings.LAB_SESSION_FILE_PATH),
    }
    ensure_file_store(shared["SESSION_FILE_PATH"])
    for engine in engines:
        own = engine.session_settings.items()
        if any(shared[name] != value for name, value in own if name not in BARE_OWN_SETTINGS):
            raise CommandError(f"{engine.engine}'s learner settings differ beyond the engine.")

    def block(engine: EngineSides, rounds: int, counted: bool) -> None:
        for index in range(rounds):
            sides = engine.sides
            shift = (index + len(engine.bare.samples_ns)) % len(sides)
            for side in sides[shift:] + sides[:shift]:
                side.request_once(engine.cookie_name, record=counted and index > 0)

    gc.collect()
    try:
        with override_settings(**shared):
            for engine in engines:
                block(engine, warmup, counted=False)
            while any(len(engine.bare.samples_ns) < iterations for engine in engines):
                for engine in engines:
                    wanted = iterations - len(engine.bare.samples_ns)
                    if wanted > 0:
                        block(engine, min(BLOCK_ROUNDS, wanted) + 1, counted=True)
    finally:
        for engine in engines:
            if ENGINES[engine.engine].uses_cache or ENGINES[engine.engine].uses_redis:
                written = written_keys.setdefault(engine.engine, set())
                for side in engine.sides:
                    written.update(side.session_keys)

    for engine in engines:
        check_same_session(engine.engine, action_name, engine.learner, engine.sides)
    return [
        EngineResult(
            engine.engine,
            engine.bare.samples_ns,
            engine.session.samples_ns,
            engine.request.samples_ns,
            bare_db.samples_ns,
        )
        for engine in shown
    ]


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
