"""Several server processes, one class: two classroom servers sharing one database and one Redis.

The test starts two real servers with `scripts/classroom.py` (gunicorn,
DEBUG off, plain http, two workers each) on two free loopback ports. Both
use one throwaway PostgreSQL cluster, one throwaway Redis and one directory
for the lab's file engine, as several servers behind one address would. A
learner, driven with plain HTTP and one cookie jar, sends requests to the two
servers in turn: their lab settings, lab session and course progress must
carry on, whichever process answers.

The PostgreSQL is a private cluster made with Debian's `initdb` in a temporary
directory on a free port, started and removed by this module (never the
machine's own server). Without `initdb` (Debian package `postgresql`, which
`make system-packages-test` installs) the test is skipped, unless
SESSIONLAB_TEST_POSTGRES_URL names a server where it may create and then drop
a throwaway database, e.g. postgres://postgres@127.0.0.1:5432/postgres.
"""

import json
import os
import pwd
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from tutorial.private_servers import free_loopback_port, private_servers

BASE_DIR = Path(__file__).resolve().parent.parent
CLASSROOM = BASE_DIR / "scripts" / "classroom.py"
# (SESSION_ENGINE, SESSION_CACHE_ALIAS) as a learner picks them in the lab.
ENGINES = [
    ("db", "redis"),
    ("file", "redis"),
    ("cache", "redis"),
    ("cached_db", "redis"),
    ("signed_cookies", "redis"),
    ("redis_json", "redis"),
    ("cache", "memcached"),
    ("cached_db", "memcached"),
]
LAB_COOKIE = "sessionid"
CSRF_COOKIE = "sessionlab_csrftoken"
START_TIMEOUT = 60


# --- A throwaway PostgreSQL ------------------------------------------------------


def postgres_bin_dir() -> Path | None:
    """The newest PostgreSQL server binaries: Debian's /usr/lib/postgresql/N/bin, else PATH."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda path: int(path.parent.parent.name) if path.parent.parent.name.isdigit() else 0,
    )
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


class PrivatePostgres:
    """A PostgreSQL cluster of its own: a temporary directory, loopback only, trust auth."""

    def __init__(self, bin_dir: Path):
        self.bin_dir = bin_dir
        self.port = free_loopback_port()
        self.root = Path(tempfile.mkdtemp(prefix="sessionlab-pg-"))
        self.process: subprocess.Popen | None = None
        self.run_as: dict = {}
        if os.geteuid() == 0:
            # PostgreSQL refuses to run as root: run it as its own user.
            account = _first_account("postgres", "nobody")
            os.chown(self.root, account.pw_uid, account.pw_gid)
            self.run_as = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}

    @property
    def admin_url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    @property
    def log(self) -> Path:
        return self.root / "postgres.log"

    def start(self) -> "PrivatePostgres":
        data = self.root / "data"
        subprocess.run(
            [self.bin_dir / "initdb", "-D", data, "-U", "postgres", "-A", "trust",
             "-E", "UTF8", "--locale=C", "--no-sync"],
            check=True, capture_output=True, timeout=60, **self.run_as,
        )  # fmt: skip
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [self.bin_dir / "postgres", "-D", data,
                 "-c", f"port={self.port}", "-c", "listen_addresses=127.0.0.1",
                 "-c", f"unix_socket_directories={self.root}",
                 # Throwaway data: no need to survive a power cut.
                 "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True, **self.run_as,
            )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"postgres exited at start:\n{self.log.read_text()}")
            try:
                psycopg.connect(self.admin_url, connect_timeout=1).close()
                return self
            except psycopg.OperationalError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("postgres did not accept connections within 30 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # "fast" shutdown
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        shutil.rmtree(self.root, ignore_errors=True)


def _first_account(*names: str) -> pwd.struct_passwd:
    for name in names:
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    pytest.skip(f"Running as root and none of the accounts {names} exists to run PostgreSQL.")


@pytest.fixture(scope="module")
def postgres_server_url():
    """The admin URL of a PostgreSQL server this test may create a database on."""
    bin_dir = postgres_bin_dir()
    if bin_dir is not None:
        server = PrivatePostgres(bin_dir)
        try:
            server.start()
        except (RuntimeError, subprocess.SubprocessError) as error:
            server.stop()
            pytest.fail(f"Could not start a private PostgreSQL from {bin_dir}: {error}")
        yield server.admin_url
        server.stop()
        return
    given = os.environ.get("SESSIONLAB_TEST_POSTGRES_URL")
    if not given:
        pytest.skip(
            "PostgreSQL server binaries (initdb) not found: install Debian's postgresql package "
            "(make system-packages-test does it as root), or set SESSIONLAB_TEST_POSTGRES_URL to "
            "a server where this test may create and drop a throwaway database."
        )
    try:
        psycopg.connect(given, connect_timeout=3).close()
    except psycopg.OperationalError as error:
        pytest.skip(f"PostgreSQL at SESSIONLAB_TEST_POSTGRES_URL is not reachable: {error}")
    yield given


@pytest.fixture(scope="module")
def database_url(postgres_server_url):
    """A throwaway database with a unique name, dropped afterwards."""
    name = f"sessionlab_test_{secrets.token_hex(6)}"
    with psycopg.connect(postgres_server_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    parts = urllib.parse.urlsplit(postgres_server_url)
    yield urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))
    with psycopg.connect(postgres_server_url, autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


# --- Two classroom servers -----------------------------------------------------------


class Server:
    """One `scripts/classroom.py` process (gunicorn and its workers) on a loopback port."""

    def __init__(self, name: str, env: dict[str, str], workdir: Path, *, prepare: bool):
        self.name = name
        self.env = env
        self.port = free_loopback_port()
        self.log = workdir / f"server-{name}.log"
        command = [
            sys.executable, str(CLASSROOM),
            "--bind", "127.0.0.1", "--port", str(self.port), "--workers", "2", "--threads", "2",
        ]  # fmt: skip
        if not prepare:
            command.append("--no-prepare")
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/en/", timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def wait_until_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"server {self.name} exited:\n{self.log.read_text()}")
            if self.answers():
                return
            time.sleep(0.2)
        self.stop()
        pytest.fail(
            f"server {self.name} did not answer within {START_TIMEOUT} s:\n{self.log.read_text()}"
        )

    def stop(self) -> int | None:
        """SIGTERM, as `kill` or a service manager sends: gunicorn finishes and exits."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        return self.process.returncode


@pytest.fixture(scope="module")
def servers(database_url, tmp_path_factory):
    """Servers A and B: one database, one Redis, one memcached, one lab file directory,
    one secret key."""
    workdir = tmp_path_factory.mktemp("classroom")
    with private_servers(workdir=workdir) as backing:
        yield from _two_servers(database_url, workdir, backing)


def _two_servers(database_url, workdir, backing):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "LAB_", "GUNICORN_", "EXERCISE_", "DATABASE_"))
        and key
        not in {
            "REDIS_URL",
            "MEMCACHED_LOCATION",
            "PORT",
            "WORKERS",
            "THREADS",
            "BIND",
        }
    }
    env.update(
        DJANGO_SETTINGS_MODULE="tutorial.settings",
        # A .env beside manage.py must not change what is tested.
        DJANGO_ENV_FILE=str(workdir / "no.env"),
        # The same key on every server: signed cookies and signed values verify anywhere.
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_HTTPS="0",
        DATABASE_URL=database_url,
        REDIS_URL=backing.redis_url,
        MEMCACHED_LOCATION=backing.memcached_location,
        LAB_SESSION_FILE_PATH=str(workdir / "lab-sessions"),
        DJANGO_STATIC_ROOT=str(workdir / "static"),
        DJANGO_LOG_LEVEL="WARNING",
    )
    # A prepares (migrate, lessons, static files) before it serves; B only serves.
    first = Server("A", env, workdir, prepare=True)
    started = [first]
    try:
        first.wait_until_ready()
        second = Server("B", env, workdir, prepare=False)
        started.append(second)
        second.wait_until_ready()
        yield first, second
    finally:
        codes = {server.name: server.stop() for server in started}
    # Stopped with SIGTERM, each server took gunicorn down cleanly and no longer answers.
    assert codes == {server.name: 0 for server in started}, codes
    assert not any(server.answers() for server in started)


# --- A learner with a browser's cookie jar -----------------------------------------------


class Learner:
    """Plain HTTP with one cookie jar; cookies are per host, so both servers get them."""

    def __init__(self):
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def cookie(self, name: str) -> str | None:
        return next((cookie.value for cookie in self.jar if cookie.name == name), None)

    def request(self, server: Server, path: str, fields: dict | None = None, *, htmx=False):
        headers = {"Accept-Language": "en"}
        data = None
        if fields is not None:
            data = urllib.parse.urlencode(fields).encode()
            # As a browser on that server's page sends them: the CSRF token and its Origin.
            headers["X-CSRFToken"] = self.cookie(CSRF_COOKIE) or ""
            headers["Origin"] = server.url
        if htmx:
            headers["HX-Request"] = "true"
        request = urllib.request.Request(server.url + path, data=data, headers=headers)
        try:
            with self.opener.open(request, timeout=20) as response:
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode()

    def get(self, server: Server, path: str) -> str:
        status, _headers, body = self.request(server, path)
        assert status == 200, f"GET {path} on {server.name}: {status}\n{body[:2000]}"
        return body

    def state(self, server: Server) -> dict:
        return json.loads(self.get(server, "/en/lab/state.json"))

    def run(self, server: Server, action: str, **inputs) -> dict:
        """One lab request on `server`; returns the lab's view of it from that server."""
        fields = {"action": action, "language": "en", **inputs}
        status, headers, body = self.request(server, "/lab/run/", fields, htmx=True)
        assert status == 200, f"lab {action} on {server.name}: {status}\n{body[:2000]}"
        assert headers["X-Lab-Status"] == "200", f"lab {action} on {server.name}: {body[:2000]}"
        return self.state(server)["latest"]


def stored_data(store: dict) -> list:
    """The session data each place the engine keeps it in holds, decoded."""
    places = [
        store[place]["decoded"]
        for place in ("database", "file", "cache", "memcached", "redis")
        if place in store
    ]
    if "cookie" in store:
        assert store["cookie"]["valid"], store["cookie"]
        places.append(store["cookie"]["payload"])
    return places


# --- The tests ------------------------------------------------------------------------


@pytest.mark.parametrize(("engine", "cache_alias"), ENGINES, ids=["-".join(e) for e in ENGINES])
def test_lab_session_continues_across_server_processes(servers, engine, cache_alias):
    a, b = servers
    learner = Learner()
    assert 'name="engine"' in learner.get(a, "/en/lab/")
    assert learner.cookie(CSRF_COOKIE)

    # The settings are saved through B and apply on A.
    status, _headers, body = learner.request(
        b,
        "/en/lab/settings/",
        {
            "engine": engine,
            "cookie_age": "1209600",
            "cookie_name": LAB_COOKIE,
            "cookie_path": "/",
            "cookie_domain": "",
            "cookie_httponly": "on",
            "cookie_samesite": "Lax",
            "cache_alias": cache_alias,
        },
    )
    assert status == 200, body[:2000]
    state = learner.state(a)
    assert state["engine"] == engine
    assert state["settings"]["SESSION_CACHE_ALIAS"] == cache_alias
    assert state["settings"]["SESSION_COOKIE_NAME"] == LAB_COOKIE
    assert state["latest"] is None

    # Requests alternate A, B, A, B, A: each server reads what the other wrote.
    latest = learner.run(a, "set", key="cart", value='["apple"]')
    assert latest["status"] == 200 and latest["set_cookie"], latest
    first_cookie = learner.cookie(LAB_COOKIE)
    assert first_cookie

    latest = learner.run(b, "get", key="cart")
    assert latest["result"]["value"] == ["apple"], latest
    assert f"{LAB_COOKIE}=" in latest["cookie_header"]

    latest = learner.run(a, "append_modified", key="cart", value='"pear"')
    latest = learner.run(b, "set", key="user", value='"ada"')
    assert stored_data(latest["store"]) and all(
        data == {"cart": ["apple", "pear"], "user": "ada"} for data in stored_data(latest["store"])
    ), latest["store"]

    latest = learner.run(a, "get", key="cart")
    assert latest["result"]["value"] == ["apple", "pear"], latest
    if engine != "signed_cookies":
        # One session all along: the same key in the cookie, whichever server set it.
        assert learner.cookie(LAB_COOKIE) == first_cookie
        assert latest["session_key"] == first_cookie
    else:
        assert learner.cookie(LAB_COOKIE) != first_cookie  # the data itself, re-signed

    # Both servers tell the same story: one timeline in the shared database.
    timelines = [[item["action"] for item in learner.state(s)["timeline"]] for s in (a, b)]
    assert timelines[0] == timelines[1] == ["get", "set", "append_modified", "get", "set"]


def _progress(page: str) -> tuple[int, int]:
    found = re.search(r'id="course-progress-label">\s*(\d+) of (\d+)', page)
    assert found, "no progress bar on the page"
    return int(found.group(1)), int(found.group(2))


def test_progress_made_on_one_server_shows_on_the_other(servers):
    a, b = servers
    learner = Learner()
    learner.get(a, "/en/lessons/signed-cookie-sessions/")
    status, _headers, body = learner.request(
        a,
        "/en/exercises/signed-cookie-sessions/nothing-on-the-server/answer/",
        {"choice": "4"},
        htmx=True,
    )
    assert status == 200, body[:2000]

    done, total = _progress(learner.get(b, "/en/progress/"))
    assert (done, total > 1) == (1, True)
    assert re.search(r"\b1 of \d+", learner.get(b, "/en/"))
    # Another learner (another cookie jar) on the same server has done nothing.
    assert _progress(Learner().get(b, "/en/progress/"))[0] == 0


def test_the_load_script_runs_a_small_class_against_a_real_server(servers):
    """manage.py load_classroom, pointed at server A with the same database, finds no errors."""
    first, _second = servers
    result = subprocess.run(
        [sys.executable, "manage.py", "load_classroom", "--url", first.url,
         "--learners", "4", "--seconds", "5"],
        cwd=BASE_DIR, env=first.env, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert ", 0 errors." in result.stdout, result.stdout
    for endpoint in ("lab action", "exercise check", "dashboard", "join"):
        assert re.search(rf"\| {endpoint} \| [1-9]\d* \| 0 \|", result.stdout), result.stdout


def test_postgresql_commits_wait_for_the_disk_only_when_told(servers):
    """The site's connections to PostgreSQL commit as SQLite's do here (synchronous_commit
    off, synchronous=NORMAL), unless DATABASE_DURABLE_COMMITS says otherwise."""
    first, _second = servers
    show = (
        "from django.db import connection; cursor = connection.cursor(); "
        "cursor.execute('SHOW synchronous_commit'); print(cursor.fetchone()[0])"
    )
    answers = []
    for durable in ("", "1"):
        result = subprocess.run(
            [sys.executable, "manage.py", "shell", "-v", "0", "-c", show],
            cwd=BASE_DIR, env={**first.env, "DATABASE_DURABLE_COMMITS": durable},
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        answers.append(result.stdout.strip())
    assert answers == ["off", "on"]
