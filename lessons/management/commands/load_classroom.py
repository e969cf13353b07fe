"""`manage.py load_classroom --url http://127.0.0.1:8000`: a simulated class against a running site.

N learners join a classroom, then each does a lab action about once a second
and presses Check on an exercise now and then, while an instructor's
dashboard refreshes every 4 seconds, for a fixed time. It prints requests per
second, latency percentiles per endpoint, and the errors.

It talks HTTP to the server given by --url (loopback only: it is a load
test) and creates, then deletes, its own
instructor and classroom in the database that server uses (run it with the
same DATABASE_URL).
"""

import http.cookiejar
import secrets
import statistics
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from ipaddress import ip_address

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from lessons.management.tables import markdown_table
from lessons.models import Classroom, Learner
from lessons.timing import percentile

LAB_ACTIONS = ("set", "get", "visit", "read", "append_modified")
CHECKED_EXERCISE = "/en/exercises/cookie-flags/hide-from-javascript/check/"
TARGET_P95_MS = 200


@dataclass
class Results:
    """Latencies per endpoint, and errors, gathered from every thread."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, endpoint: str, seconds: float, ok: bool) -> None:
        with self.lock:
            self.latencies[endpoint].append(seconds * 1000)
            if not ok:
                self.errors[endpoint] += 1


class Browser:
    """One person's cookies and the CSRF token the site gave them."""

    def __init__(self, base_url: str, results: Results):
        self.base_url = base_url.rstrip("/")
        self.results = results
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def csrf_token(self) -> str:
        # "__Host-sessionlab_csrftoken" when the site is served over HTTPS.
        return next((c.value for c in self.jar if c.name.endswith("sessionlab_csrftoken")), "")

    def request(
        self, endpoint: str, path: str, data: dict | None = None, htmx: bool = False
    ) -> bool:
        """Send one request; True if it worked (a refused join answers 4xx: it did not)."""
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base_url + path, data=body)
        if body is not None:
            request.add_header("X-CSRFToken", self.csrf_token())
            request.add_header("Referer", self.base_url + "/")
        if htmx:
            request.add_header("HX-Request", "true")
        start = time.perf_counter()
        try:
            with self.opener.open(request, timeout=30) as response:
                response.read()
                ok = response.status < 400
        except urllib.error.HTTPError as error:
            ok = error.code < 400
        except OSError:
            ok = False
        self.results.record(endpoint, time.perf_counter() - start, ok)
        return ok


class Command(BaseCommand):
    help = __doc__.split("\n\n")[0].strip("`")

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="The running site.")
        parser.add_argument("--learners", type=int, default=60)
        parser.add_argument("--seconds", type=int, default=60)

    def handle(self, *args, url: str, learners: int, seconds: int, **options):
        host = urllib.parse.urlsplit(url).hostname or ""
        try:
            local = ip_address(host).is_loopback or ip_address(host).is_private
        except ValueError:
            local = host == "localhost"
        if not local:
            raise CommandError(
                f"{url} is not on this machine or its network; a load test stays local."
            )
        if learners < 1 or not 5 <= seconds <= 3600:
            raise CommandError("Give at least 1 learner and between 5 and 3600 seconds.")

        username = f"load-{secrets.token_hex(4)}"
        password = secrets.token_urlsafe(24)
        instructor = get_user_model().objects.create_user(
            username, password=password, is_staff=True
        )
        classroom = Classroom.objects.create(name=f"Load test {username}")
        classroom.instructors.add(instructor)
        results = Results()
        try:
            # Everyone joins first; a thread that fails breaks the barrier instead of
            # leaving the others waiting for ever.
            start_gate = threading.Barrier(learners + 2, timeout=120)
            stop_at = time.monotonic() + 10_000  # replaced once everyone has joined
            threads = []
            deadline = {"at": stop_at}

            def at():
                return deadline["at"]

            for number in range(learners):
                browser = Browser(url, results)
                threads.append(
                    threading.Thread(
                        target=self._run_learner,
                        args=(
                            browser,
                            classroom.join_code,
                            f"Learner {number + 1}",
                            number,
                            at,
                            start_gate,
                        ),
                    )
                )
            threads.append(
                threading.Thread(
                    target=self._run_instructor,
                    args=(Browser(url, results), username, password, classroom.pk, at, start_gate),
                )
            )
            for thread in threads:
                thread.start()
            try:
                start_gate.wait()
            except threading.BrokenBarrierError:
                for thread in threads:
                    thread.join(timeout=5)
                raise CommandError(
                    "The simulated class could not start; see the errors above."
                ) from None
            deadline["at"] = time.monotonic() + seconds
            began = time.monotonic()
            for thread in threads:
                thread.join()
            elapsed = time.monotonic() - began
        finally:
            learner_ids = list(classroom.memberships.values_list("learner_id", flat=True))
            classroom.delete()
            Learner.objects.filter(id__in=learner_ids).delete()
            instructor.delete()
        self.report(results, learners, seconds, elapsed)

    def _run_learner(self, browser, join_code, name, number, at, start_gate):
        try:
            self._learner(browser, join_code, name, number, at, start_gate)
        except Exception:
            start_gate.abort()
            raise

    def _learner(self, browser, join_code, name, number, at, start_gate):
        browser.request("lab page", "/en/lab/")
        browser.request("join", "/en/join/", {"code": join_code, "name": name})
        start_gate.wait()
        # People do not click in step: spread the learners over the first second,
        # and their exercise checks over the rounds.
        time.sleep(secrets.randbelow(1000) / 1000)
        rounds = number
        while time.monotonic() < at():
            action = LAB_ACTIONS[rounds % len(LAB_ACTIONS)]
            browser.request(
                "lab action",
                "/lab/run/",
                {"action": action, "key": "cart", "value": '["apple"]', "language": "en"},
                htmx=True,
            )
            if rounds % 10 == 2:  # every tenth round, at a different round for each learner
                browser.request("exercise check", CHECKED_EXERCISE, {}, htmx=True)
            rounds += 1
            time.sleep(1.0)

    def _run_instructor(self, browser, username, password, classroom_id, at, start_gate):
        try:
            self._instructor(browser, username, password, classroom_id, at, start_gate)
        except Exception:
            start_gate.abort()
            raise

    def _instructor(self, browser, username, password, classroom_id, at, start_gate):
        browser.request("login", "/en/instructor/login/")
        browser.request(
            "login", "/en/instructor/login/", {"username": username, "password": password}
        )
        start_gate.wait()
        while time.monotonic() < at():
            browser.request("dashboard", f"/en/instructor/classrooms/{classroom_id}/", htmx=True)
            time.sleep(4)

    def report(self, results: Results, learners: int, seconds: int, elapsed: float) -> None:
        write = self.stdout.write
        total = sum(len(samples) for samples in results.latencies.values())
        errors = sum(results.errors.values())
        write(f"load_classroom: {learners} learners and 1 instructor for {seconds} s.")
        write(f"{total} requests, {total / elapsed:.1f} per second, {errors} errors.")
        write("")
        rows, worst_p95 = [], 0.0
        for endpoint, samples in sorted(results.latencies.items()):
            p95 = percentile(samples, 95)
            if endpoint in {"lab action", "exercise check", "dashboard"}:
                worst_p95 = max(worst_p95, p95)
            rows.append(
                [endpoint, str(len(samples)), str(results.errors.get(endpoint, 0)),
                 f"{statistics.median(samples):.0f}", f"{p95:.0f}", f"{percentile(samples, 99):.0f}"]
            )  # fmt: skip
        columns = ["endpoint", "requests", "errors", "p50 ms", "p95 ms", "p99 ms"]
        for line in markdown_table(columns, rows, "lrrrrr"):
            write(line)
        write("")
        verdict = "met" if errors == 0 and worst_p95 < TARGET_P95_MS else "MISSED"
        write(f"Target (0 errors, p95 under {TARGET_P95_MS} ms during the class): {verdict}.")
