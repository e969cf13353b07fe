"""`manage.py bench_lab`: the lab's server-side time against bare Django's, engine by engine.

What is measured
----------------
For each engine, three handlers run in turn in this one process (their order
rotating from one round to the next, so that noise falls on all three), each
request carrying the cookies of the same handler's previous response, as a
browser would:

bare
    Django's SessionMiddleware around a plain view that does the session
    operation (for `set`: `request.session[key] = value`, key and value read
    from the POST body), called under `override_settings` with the session
    settings of the learner (Django's defaults, as a new learner's LabConfig
    has them). This is what any Django project pays.
lab session handling (the target: at most 1.30 x bare)
    What the lab adds to that to give each learner their own settings:
    `respond_through_session_middleware`, i.e. the learner's settings set for
    this request only, the same SessionMiddleware and the same operation
    function, reading the same POST body. The global settings never change.
whole lab request (reported, no target)
    The `lab_action` view with HX-Request, as the lab page calls it: the
    learner lookup, the key ownership check, the session handling above, the
    LabExchange recorded with a store snapshot, and the four panels rendered as
    the response's body. Everything here beyond the session handling is the
    teaching (timeline, store panel, HTML), not session work.

A sample is the time of the handler call alone (time.perf_counter_ns);
building the request is not timed, and warm-up requests are not counted.
The site's own middleware (its session, CSRF, locale, ...) runs for every
page of the site and bare Django has no counterpart of it, so neither side
runs it: the lab request carries the learner's site session already loaded,
as the site's SessionMiddleware leaves it. DEBUG is off while measuring, as in
production (no SQL query log).

What it leaves behind: nothing
------------------------------
- Database: a throwaway learner per engine, created inside one transaction
  that is rolled back at the end, with every session row and lab record of
  the run.
- Redis: by default a redis-server of its own on a free loopback port, stopped
  at the end; the "redis" cache alias points at it for the run. With
  --redis-url it uses that Redis and deletes the session keys it wrote.
- Files: the file engine writes into a temporary directory, removed at the end.
"""

import gc
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack, nullcontext
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.cache import caches
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection, transaction
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.test.utils import override_settings
from django_htmx.middleware import HtmxDetails

from lessons.engines import ENGINES
from lessons.lab.actions import ACTIONS, ActionInputError, parse_action_input
from lessons.lab.runner import respond_through_session_middleware
from lessons.lab.store import CACHE_KEY_PREFIXES, REDIS_ERRORS, ensure_file_store
from lessons.lab.views import LAB_REQUEST_PATHS, lab_action
from lessons.learners import SESSION_LEARNER_KEY
from lessons.models import LabConfig, LabExchange, Learner
from lessons.session_engines import redis_json
from tutorial.private_servers import (
    PrivateRedis,
    RedisUnavailable,
    free_loopback_port,
    redis_answers,
)

TARGET_RATIO = 1.30
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
    "cookie_not_returned",
    "engine_changed",
    "foreign_cookie",
    "redis_unreachable",
    "session_interrupted",
    "session_not_found",
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


# --- Browsers, samples and results --------------------------------------------


class CookieJar:
    """The cookies one browser holds for the benchmark's paths (all under Path=/)."""

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


@dataclass
class Side:
    """One side of the comparison: how to build its request, call it and check it."""

    build_request: Callable[[CookieJar], HttpRequest]
    handle: Callable[[HttpRequest], HttpResponse]
    check: Callable[[HttpResponse], None]
    settings_context: Callable[[], AbstractContextManager]
    jar: CookieJar = field(default_factory=CookieJar)
    samples_ns: list[int] = field(default_factory=list)
    session_keys: set[str] = field(default_factory=set)

    def request_once(self, cookie_name: str, *, record: bool) -> None:
        request = self.build_request(self.jar)
        with self.settings_context():
            start = time.perf_counter_ns()
            response = self.handle(request)
            elapsed = time.perf_counter_ns() - start
        morsel = response.cookies.get(cookie_name)
        if morsel is not None and morsel.value:
            self.session_keys.add(morsel.value)  # first: a failed check still cleans it up
        self.check(response)
        self.jar.receive(response)
        if record:
            self.samples_ns.append(elapsed)


def median_ms(samples_ns: list[int]) -> float:
    return statistics.median(samples_ns) / 1e6


def p95_ms(samples_ns: list[int]) -> float:
    """The 95th percentile, nearest-rank: 95% of the samples are at or below it."""
    ordered = sorted(samples_ns)
    rank = max(1, -(-95 * len(ordered) // 100))  # ceil(0.95 n)
    return ordered[rank - 1] / 1e6


@dataclass
class EngineResult:
    """One engine's samples: bare Django, the lab's session handling, the whole lab request."""

    engine: str
    bare_ns: list[int]
    session_ns: list[int]
    request_ns: list[int]

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
]


def text_table(results: list[EngineResult]) -> list[str]:
    rows = [COLUMNS, *(result.cells() for result in results)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]

    def line(row: list[str]) -> str:
        first = row[0].ljust(widths[0])
        rest = [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
        return "  ".join([first, *rest]).rstrip()

    return [line(COLUMNS), "  ".join("-" * width for width in widths), *map(line, rows[1:])]


def markdown_table(results: list[EngineResult]) -> list[str]:
    return [
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "|".join(["---", *["---:"] * 5, ":---:", *["---:"] * 3]) + "|",
        *("| " + " | ".join(result.cells()) + " |" for result in results),
    ]


# --- The command -----------------------------------------------------------------


class Command(BaseCommand):
    help = (
        "Measure, per session engine, in this process and in turn: bare Django (SessionMiddleware "
        "around a view doing the session operation under override_settings), the lab's session "
        "handling of the same operation (the learner's settings for this request only, the same "
        "middleware and operation), and the whole lab request (the lab_action view with the "
        "timeline recorded and the panels rendered). Prints median and p95 in ms and the ratios "
        f"to bare; the target is lab session handling at most {TARGET_RATIO:.2f} x bare. "
        "Leaves nothing behind: database work is rolled back, files go to a temporary "
        "directory, and Redis is a private redis-server unless --redis-url is given. Exits 0 "
        "whatever the numbers: it is a report, not a test."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--iterations",
            type=int,
            default=DEFAULT_ITERATIONS,
            help=f"Measured requests per side and engine (default {DEFAULT_ITERATIONS}).",
        )
        parser.add_argument(
            "--warmup",
            type=int,
            default=DEFAULT_WARMUP,
            help=(
                f"Requests per side and engine before measuring, not counted (default "
                f"{DEFAULT_WARMUP}: enough to fill the lab's timeline, as for a busy learner)."
            ),
        )
        parser.add_argument(
            "--engines",
            default=",".join(ENGINES),
            help=f"Comma-separated engines to measure (default all: {','.join(ENGINES)}).",
        )
        parser.add_argument(
            "--action",
            default="set",
            choices=BENCH_ACTIONS,
            help="The lab action to measure (default set: request.session['cart'] = ['apple']).",
        )
        parser.add_argument(
            "--redis-url",
            default="",
            help=(
                "Use this Redis for the cache engines instead of starting a private "
                "redis-server; the session keys the run writes there are deleted at the end."
            ),
        )
        parser.add_argument(
            "--format",
            default="text",
            choices=("text", "markdown"),
            help="text: an aligned table (default); markdown: a Markdown table for the README.",
        )

    def handle(self, *args, **options):
        self.verbosity = options["verbosity"]
        iterations = options["iterations"]
        warmup = options["warmup"]
        if iterations < 1:
            raise CommandError(f"--iterations must be at least 1, not {iterations}.")
        if warmup < 0:
            raise CommandError(f"--warmup must be 0 or more, not {warmup}.")
        engines = self.parse_engines(options["engines"])
        action_name = options["action"]
        markdown = options["format"] == "markdown"
        try:
            Learner.objects.exists()
        except DatabaseError as error:
            raise CommandError(
                f"The database is not ready ({error}). Run `manage.py migrate` first."
            ) from error

        # The cache engines measure on the redis alias; redis_json talks to Redis itself.
        redis_engines = [
            name for name in engines if ENGINES[name].uses_cache or ENGINES[name].uses_redis
        ]
        with ExitStack() as stack:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench_lab-")))
            file_path = workdir / "lab-sessions"
            file_path.mkdir()
            overrides = {
                "DEBUG": False,
                "ALLOWED_HOSTS": [*settings.ALLOWED_HOSTS, BENCH_HOST],
                "LAB_SESSION_FILE_PATH": file_path,
            }
            redis_label = "not used"
            if redis_engines:
                url, redis_label = self.redis_for_run(stack, options["redis_url"], workdir)
                overrides["CACHES"] = {
                    **settings.CACHES,
                    "redis": {**settings.CACHES["redis"], "LOCATION": url},
                }
                overrides["SESSION_REDIS_URL"] = url
            stack.enter_context(override_settings(**overrides))

            results = []
            written_keys: dict[str, set[str]] = {}
            try:
                with transaction.atomic():
                    try:
                        for engine_name in engines:
                            self.progress(f"measuring {engine_name} ...")
                            keys: set[str] = set()
                            written_keys[engine_name] = keys
                            results.append(
                                self.measure(engine_name, action_name, iterations, warmup, keys)
                            )
                    finally:
                        transaction.set_rollback(True)
            finally:
                self.forget_cache_keys(written_keys)

        self.report(
            results,
            markdown=markdown,
            header=self.header_lines(action_name, iterations, warmup, redis_label),
        )

    # --- Input ---

    def parse_engines(self, raw: str) -> list[str]:
        names = list(dict.fromkeys(name.strip() for name in raw.split(",") if name.strip()))
        if not names:
            raise CommandError(f"--engines names no engine; choose from {', '.join(ENGINES)}.")
        unknown = [name for name in names if name not in ENGINES]
        if unknown:
            raise CommandError(
                f"Unknown engine{'s' if len(unknown) > 1 else ''} "
                f"{', '.join(repr(name) for name in unknown)} in --engines; "
                f"choose from {', '.join(ENGINES)}."
            )
        return names

    def redis_for_run(self, stack: ExitStack, redis_url: str, workdir: Path) -> tuple[str, str]:
        """The Redis URL for the cache engines, and how to describe it."""
        if redis_url:
            if not redis_answers(redis_url):
                raise CommandError(f"No Redis answers at --redis-url {redis_url}.")
            return redis_url, f"the Redis at {redis_url} (its keys from this run deleted)"
        server = PrivateRedis(workdir=workdir / "redis", port=free_loopback_port())
        try:
            server.start()
        except RedisUnavailable as error:
            raise CommandError(
                f"Cannot start a private Redis for the cache engines: {error} "
                "Give --redis-url, or leave them out: --engines db,file,signed_cookies."
            ) from error
        stack.callback(server.stop)
        return server.url, f"a private redis-server at {server.url}, stopped at the end"

    # --- Measuring ---

    def measure(
        self,
        engine_name: str,
        action_name: str,
        iterations: int,
        warmup: int,
        written_keys: set[str],
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

        def post(path: str, jar: CookieJar, **headers) -> HttpRequest:
            return factory.post(
                path,
                body,
                content_type="application/x-www-form-urlencoded",
                headers={"Host": BENCH_HOST, **headers},
                HTTP_COOKIE=jar.header(),
            )

        # The learner's site session, as the site's SessionMiddleware leaves it.
        site_session = import_module(settings.SESSION_ENGINE).SessionStore()
        site_session[SESSION_LEARNER_KEY] = str(learner.public_id)

        def lab_request(jar: CookieJar) -> HttpRequest:
            request = post(LAB_PATH, jar, **{"HX-Request": "true"})
            request.session = site_session
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

        request_side = Side(
            build_request=lab_request,
            handle=lab_action,
            check=check_lab,
            settings_context=nullcontext,
        )

        def session_handling(request: HttpRequest) -> HttpResponse:
            given = parse_action_input(action, request.POST)
            response, _outcome, failures = respond_through_session_middleware(
                request, session_settings, action, given
            )
            if failures:
                raise CommandError(
                    f"The lab's session handling failed on {engine_name}: {failures}"
                )
            return response

        session_side = Side(
            build_request=lambda jar: post(LAB_PATH, jar),
            handle=session_handling,
            check=check_bare,
            settings_context=nullcontext,
        )

        with override_settings(**session_settings):
            # Built once, as a server builds its middleware at start-up.
            bare_handle = SessionMiddleware(bare_view_for(action_name))

        bare = Side(
            build_request=lambda jar: post(BARE_PATH, jar),
            handle=bare_handle,
            check=check_bare,
            settings_context=nullcontext,
        )

        sides = [bare, session_side, request_side]
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

        self.check_same_session(engine_name, action_name, learner, sides)
        return EngineResult(
            engine_name, bare.samples_ns, session_side.samples_ns, request_side.samples_ns
        )

    def check_same_session(
        self, engine_name: str, action_name: str, learner: Learner, sides: list["Side"]
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
        keeps_key = ENGINES[engine_name].stores_on_server and action_name not in {
            "flush",
            "cycle_key",
        }
        if keeps_key:
            for side in sides:
                if len(side.session_keys) > 1:
                    raise CommandError(
                        f"A measured handler got {len(side.session_keys)} session keys on "
                        f"{engine_name} instead of keeping one; the cookies were not sent back."
                    )

    def forget_cache_keys(self, written_keys: dict[str, set[str]]) -> None:
        """Delete the session keys this run wrote to Redis (the only store not rolled back)."""
        for engine_name, keys in written_keys.items():
            if keys and ENGINES[engine_name].uses_redis:
                try:
                    prefix = redis_json.key_prefix()
                    redis_json.redis_client().delete(*(prefix + key for key in keys))
                except REDIS_ERRORS as error:
                    self.stderr.write(
                        f"Could not delete {len(keys)} {engine_name} session keys from Redis: "
                        f"{error}"
                    )
                continue
            if not keys or engine_name not in CACHE_KEY_PREFIXES:
                continue
            prefix = CACHE_KEY_PREFIXES[engine_name]
            try:
                caches["redis"].delete_many([prefix + key for key in keys])
            except REDIS_ERRORS as error:
                self.stderr.write(
                    f"Could not delete {len(keys)} {engine_name} session keys from Redis: {error}"
                )

    # --- Output ---

    def progress(self, message: str) -> None:
        if self.verbosity >= 2:
            self.stderr.write(message)

    def header_lines(
        self, action_name: str, iterations: int, warmup: int, redis_label: str
    ) -> list[str]:
        return [
            f"bench_lab: action {action_name!r}, {iterations} measured requests per handler and "
            f"engine after {warmup} warm-up requests, the three handlers in rotating order.",
            "bare = Django's SessionMiddleware around a view doing the operation, under "
            "override_settings.",
            "lab session = the same middleware and operation with the learner's settings for "
            "this request only (respond_through_session_middleware): the target.",
            "whole lab request = the lab_action view with HX-Request: learner lookup, session "
            "handling, LabExchange recorded, panels rendered.",
            f"Session settings: Django's defaults (a new learner's). Database: "
            f"{connection.vendor}, rolled back. Redis: {redis_label}. DEBUG off. "
            f"Times are server-side, in ms.",
        ]

    def report(self, results: list[EngineResult], *, markdown: bool, header: list[str]) -> None:
        write = self.stdout.write
        for line in header:
            write(f"{line}  " if markdown else line)  # two spaces: a Markdown line break
        write("")
        for line in markdown_table(results) if markdown else text_table(results):
            write(line)
        write("")
        missed = [result for result in results if not result.within_target]
        bullet = "- " if markdown else ""
        for result in missed:
            write(
                f"{bullet}TARGET MISSED for {result.engine}: the lab's session handling takes "
                f"{result.ratio:.2f} x bare Django's median (target ≤ {TARGET_RATIO:.2f})."
            )
        if missed:
            write(
                f"{bullet}{len(missed)} of {len(results)} engines miss the target "
                f"(lab session median ≤ {TARGET_RATIO:.2f} x bare median)."
            )
        else:
            write(
                f"{bullet}All {len(results)} engines within target "
                f"(lab session median ≤ {TARGET_RATIO:.2f} x bare median)."
            )
