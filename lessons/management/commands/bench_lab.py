"""`manage.py bench_lab`: the lab's server-side time against bare Django's, engine by engine.

What is measured
----------------
For each engine, three handlers run in turn in this one process (their order
rotating from one round to the next, so that noise falls on all three), each
request carrying the cookies of the same handler's previous response, as a
browser would. An engine's rounds come in blocks of 5 (and one more, not
counted, after another engine's block), and the engines' blocks take turns
until each handler has its samples: within a block an engine's code stays as
warm as a server's that answers one kind of request, and a machine that slows
down for a while, as shared machines do, slows every engine alike:

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
whole lab request (the target: at most 3.0 x bare Django's db-engine median)
    The `lab_action` view with HX-Request, as the lab page calls it (saying
    which exchange it shows): the learner lookup, the key ownership check, the
    session handling above, the LabExchange recorded with a store snapshot, and
    the answer rendered: the result, cookie and store cards and the one new
    timeline entry. Everything here beyond the session handling is the teaching
    (timeline, store panel, HTML), not session work. Its last column divides
    its median by bare Django's on the db engine, whatever the engine: what a
    plain Django page with a database session costs, measured in db's blocks
    (which run even when db is not in the table), taking turns with the
    engine's own.

A sample is the time of the handler call alone (time.perf_counter_ns);
building the request is not timed, and warm-up requests are not counted.
The site's own middleware (its session, CSRF, locale, ...) runs for every
page of the site and bare Django has no counterpart of it, so neither side
runs it: the lab request carries the learner's site session as the site's
SessionMiddleware leaves it, named by its key and read when the view first
asks for it (that read, which brings the learner along, is measured). DEBUG
is off while measuring, as in production (no SQL query log).

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

import cProfile
import io
import pstats
import tempfile
from contextlib import ExitStack
from pathlib import Path

from django.conf import settings
from django.core.cache import caches
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection, transaction
from django.test.utils import override_settings

from lessons.engines import ENGINES
from lessons.lab.bench import (
    BENCH_ACTIONS,
    BENCH_HOST,
    DEFAULT_ITERATIONS,
    DEFAULT_WARMUP,
    measure_engines,
)
from lessons.lab.bench_results import COLUMNS, REQUEST_TARGET_RATIO, TARGET_RATIO, EngineResult
from lessons.lab.store import CACHE_KEY_PREFIXES, REDIS_ERRORS
from lessons.management.tables import markdown_table, text_table
from lessons.models import Learner
from lessons.probes import redis_answers
from lessons.session_engines import redis_json
from tutorial.private_servers import RedisUnavailable, private_servers

# engine left, times right, the verdict centred
ALIGNMENTS = "lrrrrrcrrrrr"


class Command(BaseCommand):
    help = (
        "Measure, per session engine, in this process, in blocks that take turns: bare Django "
        "(SessionMiddleware around a view doing the session operation under override_settings), "
        "the lab's session "
        "handling of the same operation (the learner's settings for this request only, the same "
        "middleware and operation), and the whole lab request (the lab_action view with the "
        "timeline recorded and the panels rendered). Prints median and p95 in ms and the ratios "
        f"to bare; the targets are lab session handling at most {TARGET_RATIO:.2f} x bare, "
        f"and the whole request at most {REQUEST_TARGET_RATIO:.1f} x bare Django's db median. "
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
            "--profile",
            type=int,
            default=0,
            metavar="N",
            help=(
                "Profile the whole lab request (cProfile, every engine's calls together) and "
                "print its N most expensive functions by own time and by cumulative time. "
                "The profiler slows that side down: read the ratios of a run without it."
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

            profiler = cProfile.Profile() if options["profile"] > 0 else None
            written_keys: dict[str, set[str]] = {}
            try:
                with transaction.atomic():
                    try:
                        self.progress(f"measuring {', '.join(engines)} ...")
                        results = measure_engines(
                            engines, action_name, iterations, warmup, written_keys, profiler
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
        if profiler is not None:
            self.report_profile(profiler, options["profile"])

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
        try:
            servers = stack.enter_context(private_servers(workdir=workdir, memcached=False))
        except RedisUnavailable as error:
            raise CommandError(
                f"Cannot start a private Redis for the cache engines: {error} "
                "Give --redis-url, or leave them out: --engines db,file,signed_cookies."
            ) from error
        return (
            servers.redis_url,
            f"a private redis-server at {servers.redis_url}, stopped at the end",
        )

    # --- Measuring ---

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
            f"engine after {warmup} warm-up requests; each engine's handlers in rotating order, "
            "in blocks of rounds that take turns with the other engines'.",
            "bare = Django's SessionMiddleware around a view doing the operation, under "
            "override_settings.",
            "lab session = the same middleware and operation with the learner's settings for "
            "this request only (respond_through_session_middleware): the target.",
            "whole lab request = the lab_action view with HX-Request, as the page sends it: "
            "learner lookup, session handling, LabExchange recorded, the changed panels "
            f"rendered; its target: at most {REQUEST_TARGET_RATIO:.1f} x bare Django's db median.",
            f"Session settings: Django's defaults (a new learner's). Database: "
            f"{connection.vendor}, rolled back. Redis: {redis_label}. DEBUG off. "
            f"Times are server-side, in ms.",
        ]

    def report(self, results: list[EngineResult], *, markdown: bool, header: list[str]) -> None:
        write = self.stdout.write
        for line in header:
            write(f"{line}  " if markdown else line)  # two spaces: a Markdown line break
        write("")
        rows = [result.cells() for result in results]
        table = markdown_table(COLUMNS, rows, ALIGNMENTS) if markdown else text_table(COLUMNS, rows)
        for line in table:
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
        over = [result for result in results if result.request_ratio_to_db > REQUEST_TARGET_RATIO]
        for result in over:
            write(
                f"{bullet}WHOLE REQUEST TARGET MISSED for {result.engine}: "
                f"{result.request_ratio_to_db:.2f} x bare Django's db median "
                f"(target ≤ {REQUEST_TARGET_RATIO:.1f})."
            )
        if not over:
            write(
                f"{bullet}All {len(results)} whole lab requests within "
                f"{REQUEST_TARGET_RATIO:.1f} x bare Django's db-engine median."
            )

    def report_profile(self, profiler: cProfile.Profile, count: int) -> None:
        """The profile's top functions: where the whole lab request spends its time."""
        for order, title in (("tottime", "own time"), ("cumulative", "cumulative time")):
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out)
            stats.strip_dirs().sort_stats(order).print_stats(count)
            self.stdout.write(f"\nProfile of the whole lab request, by {title}:")
            self.stdout.write(out.getvalue().split("\n", 4)[-1].rstrip())
