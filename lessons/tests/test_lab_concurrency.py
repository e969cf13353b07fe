"""Many learners at once, each with their own settings: nobody gets anybody else's.

The lab gives Django's session code one learner's settings for one request
through a context variable, never by changing `django.conf.settings`. These
tests run many learners in threads of one process, all at the same moment,
and check every response: its Set-Cookie carries that learner's cookie name,
Max-Age and flags and no other learner's cookie, and the store holds that
learner's data under that learner's key. Meanwhile the site's own settings
stay as they are and the site's own session cookie keeps the site's settings.

The threads need a database they can all write to at the same time, as the
threads of `manage.py runserver` write to var/db.sqlite3: see `sqlite_file`.
Every thread closes its connections when it is done.
"""

import sqlite3
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import redis
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core import signing
from django.core.cache import caches
from django.db import connections
from django.test import Client

from lessons.lab.session_settings import LAB_SETTING_NAMES
from lessons.models import LabExchange, Learner
from lessons.session_engines.redis_json import SessionStore as RedisJsonStore
from lessons.tests.lab_helpers import DJANGO_DEFAULT_SETTINGS, cookie_attributes

LEARNERS = 14
VISITORS = 2
ENGINES = ("db", "file", "cache", "cached_db", "signed_cookies", "redis_json")
SIGNED_COOKIE_SALT = "django.contrib.sessions.backends.signed_cookies"
STORED_DATA_SALT = "django.contrib.sessions.SessionStore"
CACHE_PREFIXES = {
    "cache": "django.contrib.sessions.cache",
    "cached_db": "django.contrib.sessions.cached_db",
}
# How long the threads may take, at most, before the test gives up on them.
THREAD_TIMEOUT_SECONDS = 120


@dataclass
class LearnerPlan:
    """One learner's lab settings, all different from the other learners'."""

    number: int
    engine: str
    cookie_age: int
    cookie_path: str
    cookie_domain: str
    secure: bool
    httponly: bool
    samesite: str
    expire_at_close: bool
    save_every_request: bool
    expiry_seconds: int
    cache_alias: str
    problems: list[str] = field(default_factory=list)
    # SESSION_FILE_PATH of this learner's file engine, known once the learner exists.
    file_directory: Path | None = None

    @property
    def cookie_name(self) -> str:
        return f"lab_{self.number}"

    def form(self) -> dict[str, str]:
        form = {
            "engine": self.engine,
            "cookie_age": str(self.cookie_age),
            "cookie_name": self.cookie_name,
            "cookie_path": self.cookie_path,
            "cookie_domain": self.cookie_domain,
            "cookie_samesite": self.samesite,
            "cache_alias": self.cache_alias,
        }
        flags = {
            "cookie_secure": self.secure,
            "cookie_httponly": self.httponly,
            "expire_at_browser_close": self.expire_at_close,
            "save_every_request": self.save_every_request,
        }
        form.update({name: "on" for name, on in flags.items() if on})
        return form


def plan_for(number: int) -> LearnerPlan:
    samesite = ("Lax", "Strict", "", "None")[number % 4]
    return LearnerPlan(
        number=number,
        engine=ENGINES[number % len(ENGINES)],
        cookie_age=600 + 37 * number,
        cookie_path=("/", "/lab/", "/lab/run/")[number % 3],
        cookie_domain="testserver" if number % 4 == 1 else "",
        # SameSite=None without Secure is a cookie browsers refuse.
        secure=samesite == "None" or number % 5 == 0,
        httponly=number % 2 == 0,
        samesite=samesite,
        expire_at_close=number % 3 == 1,
        save_every_request=number % 4 == 2,
        expiry_seconds=5000 + number,
        # Every other round of engines keeps cache sessions in memcached.
        cache_alias=("redis", "memcached")[(number // len(ENGINES)) % 2],
    )


@dataclass(frozen=True)
class Step:
    action: str
    key: str = ""
    value: str | None = None
    seconds: int | None = None

    def form(self) -> dict[str, str]:
        data = {"action": self.action, "language": "en", "key": self.key}
        if self.value is not None:
            data["value"] = self.value
        if self.seconds is not None:
            data["seconds"] = str(self.seconds)
        return data


# Steps that change the session, so Django sends the cookie whatever the settings.
MODIFYING = {"set", "append_modified", "cycle_key", "expiry_seconds"}


def script_for(plan: LearnerPlan) -> list[Step]:
    """About twenty requests, each of which carries this learner's number somewhere."""
    steps = [Step("set", "owner", str(plan.number)), Step("read"), Step("set", "items", "[]")]
    for item in range(5):
        steps += [
            Step("append_modified", "items", str(plan.number * 100 + item)),
            Step("visit"),
            Step("get", "owner"),
        ]
    steps += [
        Step("cycle_key"),
        Step("expiry_seconds", seconds=plan.expiry_seconds),
        Step("read"),
        Step("set", "last", str(plan.number)),
    ]
    return steps


def expected_attributes(plan: LearnerPlan, max_age: int | None) -> dict[str, str | bool]:
    """The attributes Django gives this learner's cookie (`expires` left aside)."""
    attributes: dict[str, str | bool] = {"path": plan.cookie_path}
    if max_age is not None:
        attributes["max-age"] = str(max_age)
    if plan.cookie_domain:
        attributes["domain"] = plan.cookie_domain
    if plan.secure:
        attributes["secure"] = True
    if plan.httponly:
        attributes["httponly"] = True
    if plan.samesite:
        attributes["samesite"] = plan.samesite
    return attributes


def stored_session(plan: LearnerPlan, key: str) -> dict[str, Any] | None:
    """The session data this learner's engine holds under `key`, read from the store."""
    if plan.engine == "signed_cookies":
        return signing.loads(key, salt=SIGNED_COOKIE_SALT)
    if plan.engine == "file":
        path = plan.file_directory / f"{plan.cookie_name}{key}"
        return signing.loads(path.read_text(), salt=STORED_DATA_SALT) if path.exists() else None
    if plan.engine == "redis_json":
        raw = redis.Redis.from_url(settings.SESSION_REDIS_URL).get(
            settings.SESSION_REDIS_KEY_PREFIX + key
        )
        return RedisJsonStore().decode(raw.decode()) if raw is not None else None
    if plan.engine in CACHE_PREFIXES:
        cached = caches[plan.cache_alias].get(CACHE_PREFIXES[plan.engine] + key)
        if plan.engine == "cache":
            return cached
        row = Session.objects.filter(session_key=key).first()
        from_db = signing.loads(row.session_data, salt=STORED_DATA_SALT) if row else None
        return cached if cached == from_db else {"cache": cached, "database": from_db}
    row = Session.objects.filter(session_key=key).first()
    return signing.loads(row.session_data, salt=STORED_DATA_SALT) if row else None


def site_cookie_names() -> set[str]:
    return set(settings.LAB_RESERVED_COOKIE_NAMES)


def learner_thread(plan: LearnerPlan, client: Client, everybody: set[str], start) -> None:
    """One learner's browser: wait for the others, then run the script as fast as it can."""
    others = everybody - {plan.cookie_name}
    expected_data: dict[str, Any] = {}
    max_age = None if plan.expire_at_close else plan.cookie_age
    start.wait()
    for number, step in enumerate(script_for(plan)):
        where = f"learner {plan.number} step {number} ({step.action})"
        response = client.post("/lab/run/", step.form(), headers={"HX-Request": "true"})
        if response.status_code != 200 or response.get("X-Lab-Status") != "200":
            plan.problems.append(f"{where}: {response.status_code} {response.get('X-Lab-Status')}")
            continue
        names = set(response.cookies)
        if names & others or not names <= site_cookie_names() | {plan.cookie_name}:
            plan.problems.append(f"{where}: cookies {sorted(names)}")
        if step.action == "set":
            expected_data[step.key] = int(step.value) if step.key != "items" else []
        elif step.action == "append_modified":
            expected_data["items"].append(int(step.value))
        elif step.action == "expiry_seconds":
            expected_data["_session_expiry"] = step.seconds
            max_age = step.seconds
        morsel = response.cookies.get(plan.cookie_name)
        should_send = step.action in MODIFYING or plan.save_every_request
        if (morsel is not None) != should_send:
            plan.problems.append(f"{where}: Set-Cookie {morsel!r}, expected one: {should_send}")
        if morsel is not None:
            attributes = cookie_attributes(morsel)
            expires = attributes.pop("expires", None)
            if attributes != expected_attributes(plan, max_age) or (expires is None) != (
                max_age is None
            ):
                plan.problems.append(f"{where}: {morsel.OutputString()}")
        held = client.cookies.get(plan.cookie_name)
        if held is None:
            plan.problems.append(f"{where}: the browser holds no {plan.cookie_name} cookie")
            continue
        stored = stored_session(plan, held.value)
        if stored != expected_data:
            plan.problems.append(f"{where}: the store holds {stored!r}, not {expected_data!r}")


def visitor_thread(rounds: int, everybody: set[str], start, problems: list[str]) -> None:
    """A visitor of the site: its own session cookie, made on its first write, keeps the site's
    own settings."""
    site_attributes = {
        "path": settings.SESSION_COOKIE_PATH,
        "max-age": str(settings.SESSION_COOKIE_AGE),
        "samesite": settings.SESSION_COOKIE_SAMESITE,
        "httponly": True,
    }
    if settings.SESSION_COOKIE_SECURE:
        site_attributes["secure"] = True
    start.wait()
    for round_number in range(rounds):
        client = Client()
        for url in ("/en/", "/en/lab/"):
            response = client.get(url)
            names = set(response.cookies)
            if response.status_code != 200 or names & everybody or "sessionid" in names:
                problems.append(f"visitor {url} round {round_number}: {sorted(names)}")
            if settings.SESSION_COOKIE_NAME in names:
                problems.append(f"visitor {url} round {round_number}: a read made a session")
        response = client.post("/en/lab/settings/", DJANGO_DEFAULT_SETTINGS)
        morsel = response.cookies.get(settings.SESSION_COOKIE_NAME)
        if morsel is None:
            problems.append(f"visitor round {round_number}: no site session cookie")
            continue
        attributes = cookie_attributes(morsel)
        attributes.pop("expires", None)
        if attributes != site_attributes:
            problems.append(f"visitor round {round_number}: {morsel.OutputString()}")


# Every setting a lab request may change: none of them may change for the site.
SITE_SETTING_NAMES = tuple(sorted(LAB_SETTING_NAMES))


def site_settings() -> dict[str, Any]:
    """The site's settings, as django.conf and as Django's session modules see them."""
    from django.contrib.sessions import middleware
    from django.contrib.sessions.backends import base

    seen = {name: getattr(settings, name) for name in SITE_SETTING_NAMES}
    for module in (middleware, base):
        seen |= {
            f"{module.__name__}.{name}": getattr(module.settings, name)
            for name in SITE_SETTING_NAMES
        }
    return seen


def settings_watcher(expected: dict[str, Any], stop, start, seen: list, problems: list) -> None:
    """Look at the site's settings, over and over, while the learners work."""
    start.wait()
    while not stop.is_set():
        now = site_settings()
        if now != expected:
            changed = {name: value for name, value in now.items() if expected[name] != value}
            problems.append(f"the site's settings changed: {changed}")
            return
        seen.append(1)
        time.sleep(0.001)


def in_thread(target, *args, problems: list[str]) -> threading.Thread:
    """A thread that reports any exception as a problem and closes its connections."""

    def run():
        try:
            target(*args)
        except Exception:
            problems.append(traceback.format_exc())
        finally:
            connections.close_all()

    return threading.Thread(target=run, daemon=True)


@pytest.fixture
def sqlite_file(transactional_db, tmp_path):
    """Run the test on a SQLite file, a copy of the (empty) test database.

    pytest-django's SQLite test database lives in memory, shared between
    connections in SQLite's "shared cache" mode. There a writer that meets
    another connection's lock fails at once ("database table is locked")
    whatever the timeout, where on a SQLite file like var/db.sqlite3 it waits
    for the lock. With many threads writing at once that failure would be the
    test's, not the lab's, so the threads get a file, opened with the
    project's own database options (WAL, IMMEDIATE transactions, a timeout).

    The in-memory database stays open on the main thread's old connection
    (closing its last connection would destroy it) and is put back afterwards.
    """
    in_memory = connections["default"]
    if in_memory.vendor != "sqlite":
        yield None  # a database server lets writers wait for each other
        return
    if not in_memory.is_in_memory_db():
        yield in_memory.settings_dict["NAME"]  # already a file (settings.DATABASES TEST NAME)
        return
    shared = connections.settings["default"]  # every new connection is made from this dict
    original_name = shared["NAME"]
    in_memory.ensure_connection()
    in_memory.settings_dict = dict(shared)
    path = tmp_path / "lab.sqlite3"
    target = sqlite3.connect(path)
    in_memory.connection.backup(target)
    target.close()
    shared["NAME"] = str(path)
    connections["default"] = connections.create_connection("default")
    try:
        yield path
    finally:
        connections["default"].close()
        shared["NAME"] = original_name
        connections["default"] = in_memory
        in_memory.settings_dict = shared


@pytest.mark.django_db(transaction=True)
def test_learners_at_the_same_time_each_get_their_own_settings(sqlite_file):
    """Zero responses carry another learner's settings; the site's settings never change."""
    plans = [plan_for(number) for number in range(LEARNERS)]
    everybody = {plan.cookie_name for plan in plans}
    clients = []
    for plan in plans:
        client = Client()
        response = client.post("/en/lab/settings/", plan.form())
        assert response.status_code == 302, f"learner {plan.number}: settings refused"
        plan.file_directory = Learner.objects.get(
            public_id=client.session["learner"]
        ).lab_file_directory
        clients.append(client)
    # The settings really differ: no two learners share a cookie name or age.
    assert len({plan.cookie_age for plan in plans}) == LEARNERS
    assert {plan.engine for plan in plans} == set(ENGINES)
    assert {plan.cache_alias for plan in plans if plan.engine == "cache"} == {"redis", "memcached"}

    expected_site = site_settings()
    problems: list[str] = []
    watcher_seen: list[int] = []
    stop = threading.Event()
    start = threading.Barrier(LEARNERS + VISITORS + 1)
    threads = [
        in_thread(learner_thread, plan, client, everybody, start, problems=problems)
        for plan, client in zip(plans, clients, strict=True)
    ]
    threads += [
        in_thread(visitor_thread, 6, everybody, start, problems, problems=problems)
        for _ in range(VISITORS)
    ]
    watcher = in_thread(
        settings_watcher, expected_site, stop, start, watcher_seen, problems, problems=problems
    )
    for thread in [*threads, watcher]:
        thread.start()
    deadline = time.monotonic() + THREAD_TIMEOUT_SECONDS
    for thread in threads:
        thread.join(timeout=max(0, deadline - time.monotonic()))
    stop.set()
    watcher.join(timeout=10)
    assert not any(thread.is_alive() for thread in [*threads, watcher]), "threads still running"

    problems += [problem for plan in plans for problem in plan.problems]
    assert problems == []
    assert watcher_seen, "the settings were never looked at while the learners worked"
    assert site_settings() == expected_site

    # What the lab recorded for each learner is that learner's alone.
    for plan in plans:
        learner = Learner.objects.get(lab_config__cookie_name=plan.cookie_name)
        exchanges = list(LabExchange.objects.filter(learner=learner))
        assert len(exchanges) == len(script_for(plan))
        for exchange in exchanges:
            assert exchange.settings_snapshot["SESSION_COOKIE_NAME"] == plan.cookie_name
            assert exchange.settings_snapshot["SESSION_COOKIE_AGE"] == plan.cookie_age
            for header in exchange.set_cookie_headers:
                assert header.startswith(f"{plan.cookie_name}="), header


@pytest.mark.django_db(transaction=True)
def test_simultaneous_lab_requests_on_sqlite_do_not_fail(sqlite_file):
    """Learners who press a lab button at the same moment all get an answer.

    The project's default database is a SQLite file (var/db.sqlite3) written
    by the threads of runserver. The lab records each request in a
    transaction that reads before it writes; with SQLite's default DEFERRED
    transactions most of these requests failed at once with "database is
    locked" (about 210 of 240 here) until the project opened SQLite with
    transaction_mode IMMEDIATE.
    """
    learners = 12
    clients = []
    for number in range(learners):
        client = Client()
        form = {
            "engine": "db",
            "cookie_age": "1209600",
            "cookie_name": f"lab_{number}",
            "cookie_path": "/",
            "cookie_samesite": "Lax",
            "cookie_httponly": "on",
            "cache_alias": "redis",
        }
        assert client.post("/en/lab/settings/", form).status_code == 302
        clients.append(client)
    problems: list[str] = []
    start = threading.Barrier(learners)

    def press_buttons(client: Client) -> None:
        start.wait()
        for number in range(20):
            data = {"action": "set", "key": "n", "value": number}
            try:
                response = client.post("/lab/run/", data, headers={"HX-Request": "true"})
            except Exception as error:  # the test client re-raises the view's exception
                problems.append(f"{type(error).__name__}: {error}")
                continue
            # An error inside Django's session code is shown as a result: 500 here.
            if response.get("X-Lab-Status") != "200":
                problems.append(f"Django answered {response.get('X-Lab-Status')}")

    threads = [in_thread(press_buttons, client, problems=problems) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=THREAD_TIMEOUT_SECONDS)
    assert not any(thread.is_alive() for thread in threads)
    locked = [problem for problem in problems if "database is locked" in problem]
    assert locked == [], f"{len(locked)} of {learners * 20} lab requests failed: {locked[0]}"
    assert problems == []
