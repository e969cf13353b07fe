"""`manage.py load_classroom --url http://127.0.0.1:8000`: a simulated class against a running site.

N learners join a classroom within the same 10 seconds, then each does a lab
action about once a second and presses Check on an exercise every tenth time,
while an instructor's dashboard refreshes every 4 seconds, for a fixed time.
locust plays the class, headless (scripts/locustfile.py says what each one
does); this command sets the class up, watches the server's gunicorn workers'
memory (what locust cannot see) and prints the latencies per endpoint against
the targets, the errors, and the workers' memory.

It talks HTTP to the server given by --url (loopback or the local network only:
it is a load test) and creates, then deletes, its own instructor and classroom
in the database that server uses (run it with the same DATABASE_URL).
"""

import csv
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from ipaddress import ip_address
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from lessons.management.tables import markdown_table
from lessons.models import Classroom, Learner

LOCUSTFILE = Path(settings.BASE_DIR) / "scripts" / "locustfile.py"
# Everyone joins within this many seconds, then the class runs for --seconds.
JOIN_SECONDS = 10
# p95 targets per endpoint, in ms (the endpoints locustfile.py names).
TARGETS_MS = {"lab action": 150, "exercise check": 150, "dashboard": 300, "join": 1500}
MEMORY_EVERY = 2.0


@dataclass
class Memory:
    """The RSS of each gunicorn worker serving the port, sampled while the class runs."""

    port: int
    peak_kb: dict[int, int] = field(default_factory=dict)
    total_peak_kb: int = 0
    stop: threading.Event = field(default_factory=threading.Event)

    def sample(self) -> None:
        workers = gunicorn_workers(self.port)
        total = 0
        for pid in workers:
            rss = rss_kb(pid)
            if rss:
                self.peak_kb[pid] = max(self.peak_kb.get(pid, 0), rss)
                total += rss
        self.total_peak_kb = max(self.total_peak_kb, total)

    def watch(self) -> None:
        while not self.stop.wait(MEMORY_EVERY):
            self.sample()


def gunicorn_processes(port: int) -> dict[int, int]:
    """pid → parent pid of every gunicorn process bound to this port on this machine."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
            status = (entry / "status").read_text()
        except OSError:
            continue
        words = [word.decode(errors="replace") for word in command]
        if not any("gunicorn" in word for word in words):
            continue
        if not any(word.endswith(f":{port}") for word in words):
            continue
        parent = next(
            (int(line.split()[1]) for line in status.splitlines() if line.startswith("PPid:")), 0
        )
        found[int(entry.name)] = parent
    return found


def gunicorn_workers(port: int) -> list[int]:
    """The workers: gunicorn processes whose parent is the gunicorn master."""
    processes = gunicorn_processes(port)
    return sorted(pid for pid, parent in processes.items() if parent in processes)


def rss_kb(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    return next(
        (int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0
    )


def locust_command() -> list[str]:
    """locust from this virtualenv (make load installs it: requirements-load.txt)."""
    beside = Path(sys.executable).with_name("locust")
    found = str(beside) if beside.exists() else shutil.which("locust")
    if not found:
        raise CommandError(
            "locust is not installed: run `make load` (it installs requirements-load.txt)."
        )
    return [found]


class Command(BaseCommand):
    help = __doc__.split("\n\n")[0].strip("`")

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="The running site.")
        parser.add_argument("--learners", type=int, default=200)
        parser.add_argument(
            "--seconds", type=int, default=300, help="How long the class runs once joined."
        )

    def handle(self, *args, url: str, learners: int, seconds: int, **options):
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname or ""
        try:
            local = ip_address(host).is_loopback or ip_address(host).is_private
        except ValueError:
            local = host == "localhost"
        if not local:
            raise CommandError(
                f"{url} is not on this machine or its network; a load test stays local."
            )
        if not 1 <= learners <= 2000 or not 5 <= seconds <= 3600:
            raise CommandError("Give 1 to 2000 learners and between 5 and 3600 seconds.")
        command = locust_command()

        username = f"load-{secrets.token_hex(4)}"
        password = secrets.token_urlsafe(24)
        instructor = get_user_model().objects.create_user(
            username, password=password, is_staff=True
        )
        classroom = Classroom.objects.create(name=f"Load test {username}")
        classroom.instructors.add(instructor)
        memory = Memory(port=parts.port or 80)
        watcher = threading.Thread(target=memory.watch, daemon=True)
        try:
            with tempfile.TemporaryDirectory(prefix="load_classroom-") as workdir:
                stats_prefix = str(Path(workdir) / "class")
                run = [
                    *command,
                    "--locustfile", str(LOCUSTFILE),
                    "--headless", "--only-summary",
                    "--host", url.rstrip("/"),
                    "--users", str(learners + 1),
                    "--spawn-rate", str(max(1.0, learners / JOIN_SECONDS)),
                    "--run-time", f"{seconds + JOIN_SECONDS}s",
                    "--stop-timeout", "10",
                    "--csv", stats_prefix,
                    "--loglevel", "WARNING",
                ]  # fmt: skip
                environment = {
                    **os.environ,
                    "SESSIONLAB_JOIN_CODE": classroom.join_code,
                    "SESSIONLAB_CLASSROOM": str(classroom.pk),
                    "SESSIONLAB_INSTRUCTOR": username,
                    "SESSIONLAB_PASSWORD": password,
                }
                watcher.start()
                began = time.monotonic()
                finished = subprocess.run(run, env=environment, capture_output=True, text=True)
                elapsed = time.monotonic() - began
                memory.stop.set()
                stats_file = Path(f"{stats_prefix}_stats.csv")
                if not stats_file.exists():
                    raise CommandError(
                        f"locust stopped without results (exit {finished.returncode}):\n"
                        + (finished.stderr or finished.stdout)[-2000:]
                    )
                rows = list(csv.DictReader(stats_file.open()))
                failures_file = Path(f"{stats_prefix}_failures.csv")
                failures = (
                    list(csv.DictReader(failures_file.open())) if failures_file.exists() else []
                )
        finally:
            memory.stop.set()
            learner_ids = list(classroom.memberships.values_list("learner_id", flat=True))
            classroom.delete()
            Learner.objects.filter(id__in=learner_ids).delete()
            instructor.delete()
        self.report(rows, failures, memory, learners, seconds, elapsed)

    def report(self, rows, failures, memory: Memory, learners: int, seconds: int, elapsed: float):
        write = self.stdout.write
        aggregated = next((row for row in rows if row["Name"] == "Aggregated"), None)
        total = int(aggregated["Request Count"]) if aggregated else 0
        errors = int(aggregated["Failure Count"]) if aggregated else 0
        write(
            f"load_classroom: {learners} learners (joining within {JOIN_SECONDS} s) and 1 "
            f"instructor for {seconds} s more, played by locust; {elapsed:.0f} s in all."
        )
        write(f"{total} requests, {total / max(elapsed, 1):.1f} per second, {errors} errors.")
        write("")
        table, missed = [], []
        for row in rows:
            name = row["Name"]
            if name == "Aggregated":
                continue
            p95 = float(row["95%"] or 0)
            target = TARGETS_MS.get(name)
            verdict = ""
            if target is not None:
                verdict = "yes" if p95 < target else "NO"
                if verdict == "NO":
                    missed.append(name)
            table.append(
                [name, row["Request Count"], row["Failure Count"], row["50%"], row["95%"],
                 row["99%"], f"< {target}" if target else "", verdict]
            )  # fmt: skip
        columns = [
            "endpoint",
            "requests",
            "errors",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "p95 target",
            "met",
        ]
        for line in markdown_table(columns, table, "lrrrrrrc"):
            write(line)
        write("")
        for failure in failures[:10]:
            write(f"- {failure.get('Occurrences')} x {failure.get('Name')}: {failure.get('Error')}")
        if memory.peak_kb:
            peaks = sorted(memory.peak_kb.values())
            write(
                f"gunicorn workers on port {memory.port}: {len(peaks)}; peak RSS per worker "
                f"{peaks[0] / 1024:.0f} to {peaks[-1] / 1024:.0f} MB, all workers together at most "
                f"{memory.total_peak_kb / 1024:.0f} MB."
            )
        else:
            write(f"No gunicorn workers found on port {memory.port}: memory not measured.")
        met = errors == 0 and not missed and total > 0
        write(
            "Targets (0 errors; p95: lab action and check < 150 ms, dashboard < 300 ms, "
            f"joins < 1.5 s): {'met' if met else 'MISSED'}."
        )
