"""What the lessons claim about Django, Redis and the session engines, run for real.

Each test is one sentence of the course: if Django or Redis ever behaves
otherwise, the lesson named in the test is wrong and must change with it.
"""

import contextlib
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import redis
from asgiref.sync import async_to_sync
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DatabaseStore
from django.contrib.sessions.backends.file import SessionStore as FileStore
from django.contrib.sessions.middleware import SessionMiddleware
from django.contrib.sessions.models import Session
from django.core.exceptions import SynchronousOnlyOperation
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext
from django.views.i18n import set_language

from tutorial.private_servers import free_loopback_port

DB_ENGINE = "django.contrib.sessions.backends.db"
# Django's defaults, as the lessons show them (the site itself uses other names).
DJANGO_DEFAULTS = {"SESSION_COOKIE_NAME": "sessionid", "SESSION_SAVE_EVERY_REQUEST": False}


def _plain_view(request):
    return HttpResponse("a page that never touches request.session")


def _through_middleware(cookie: str | None):
    """One request through SessionMiddleware, with SESSION_SAVE_EVERY_REQUEST on:
    the statements it ran and the session cookie it sent (None: no Set-Cookie)."""
    request = RequestFactory().get("/")
    if cookie is not None:
        request.COOKIES["sessionid"] = cookie
    every_request = {**DJANGO_DEFAULTS, "SESSION_SAVE_EVERY_REQUEST": True}
    with (
        override_settings(**every_request, SESSION_ENGINE=DB_ENGINE),
        CaptureQueriesContext(connection) as queries,
    ):
        response = SessionMiddleware(_plain_view)(request)
    statements = [
        query["sql"].split()[0]
        for query in queries.captured_queries
        if query["sql"].split()[0] in {"SELECT", "INSERT", "UPDATE", "DELETE"}
    ]
    morsel = response.cookies.get("sessionid")
    return statements, (morsel.value if morsel is not None else None)


@pytest.mark.django_db(transaction=True)
def test_save_every_request_makes_a_new_empty_session_for_a_key_naming_none():
    """Lessons 3 and 8: no cookie, nothing; a live key, SELECT + UPDATE; a stale or
    made-up key of 8+ characters, 2 SELECT + INSERT and a new key, each time."""
    assert _through_middleware(None) == ([], None)

    live = DatabaseStore()
    live["cart"] = ["apple"]
    live.create()
    assert _through_middleware(live.session_key) == (["SELECT", "UPDATE"], live.session_key)

    made_up = "abcdefgh12345678"
    first_statements, first_key = _through_middleware(made_up)
    second_statements, second_key = _through_middleware(made_up)
    assert first_statements == second_statements == ["SELECT", "SELECT", "INSERT"]
    assert first_key and second_key and len({made_up, first_key, second_key}) == 3
    assert DatabaseStore(first_key).load() == {}

    # Shorter than 8 characters is no key at all: the cookie is deleted, nothing saved.
    assert _through_middleware("abcdefg") == ([], "")


@pytest.mark.django_db
def test_session_data_pasted_from_another_row_loads():
    """Lessons 3 and 13: the signature does not tie the data to its row."""
    admin = DatabaseStore()
    admin.update({"_auth_user_id": "1", "role": "admin"})
    admin.create()
    visitor = DatabaseStore()
    visitor["cart"] = []
    visitor.create()
    pasted = Session.objects.get(pk=admin.session_key).session_data
    Session.objects.filter(pk=visitor.session_key).update(session_data=pasted)
    assert DatabaseStore(visitor.session_key).load() == {"_auth_user_id": "1", "role": "admin"}


@pytest.mark.django_db
def test_an_older_copy_of_the_same_row_loads():
    session = DatabaseStore()
    session["role"] = "admin"
    session.create()
    older = Session.objects.get(pk=session.session_key).session_data
    demoted = DatabaseStore(session.session_key)
    demoted["role"] = "learner"
    demoted.save()
    Session.objects.filter(pk=session.session_key).update(session_data=older)
    assert DatabaseStore(session.session_key).load() == {"role": "admin"}


def test_the_file_engine_never_enforces_an_integer_expiry(tmp_path):
    """Lessons 4, 8 and 12: set_expiry(1) on the file engine, then 2 seconds later the
    file still loads and clearsessions keeps it."""
    with override_settings(**DJANGO_DEFAULTS, SESSION_FILE_PATH=str(tmp_path)):
        _forget_storage_path()  # the file engine remembers it on the class after first use
        try:
            session = FileStore()
            session["cart"] = ["apple"]
            session.set_expiry(1)
            session.save()
            time.sleep(2.1)
            assert FileStore(session.session_key).load()["cart"] == ["apple"]
            FileStore.clear_expired()
            assert (tmp_path / f"sessionid{session.session_key}").exists()
        finally:
            _forget_storage_path()


def _forget_storage_path() -> None:
    if "_storage_path" in FileStore.__dict__:
        del FileStore._storage_path


def test_the_language_goes_in_its_own_cookie_not_in_the_session():
    """Lesson 10: set_language stores the choice in LANGUAGE_COOKIE_NAME; the session
    is not touched."""
    request = RequestFactory().post("/i18n/setlang/", {"language": "uz", "next": "/"})
    request.session = DatabaseStore()
    response = set_language(request)
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "uz"
    assert not request.session.accessed and not request.session.modified


@pytest.mark.django_db(transaction=True)
def test_an_async_view_needs_the_a_methods_on_the_db_engine(monkeypatch):
    """Lesson 2: with a cookie, a sync read raises SynchronousOnlyOperation in an async
    view on the db engine; aget/aset work."""
    # Django's guard, as a server runs it (the browser tests' conftest turns it off).
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    existing = DatabaseStore()
    existing["cart"] = ["apple"]
    existing.create()

    async def view_body():
        with pytest.raises(SynchronousOnlyOperation):
            DatabaseStore(existing.session_key).get("cart")
        session = DatabaseStore(existing.session_key)
        assert await session.aget("cart") == ["apple"]
        await session.aset("cart", ["apple", "pear"])
        await session.asave()

    with override_settings(**DJANGO_DEFAULTS, SESSION_ENGINE=DB_ENGINE):
        async_to_sync(view_body)()
    assert DatabaseStore(existing.session_key).load() == {"cart": ["apple", "pear"]}


REDIS_SERVER = shutil.which("redis-server") or shutil.which("redis-server", path="/usr/sbin")


@pytest.mark.skipif(REDIS_SERVER is None, reason="redis-server is not installed")
def test_stock_redis_snapshots_and_keeps_its_data_over_a_clean_restart(tmp_path: Path):
    """Lesson 5: a Redis started without a config file has RDB snapshots on and writes
    one on a clean shutdown, so a key survives the restart."""

    def start() -> tuple[subprocess.Popen, redis.Redis]:
        port = free_loopback_port()
        server = subprocess.Popen(
            [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(tmp_path)],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=2)
        for _attempt in range(100):
            try:
                client.ping()
                return server, client
            except redis.ConnectionError:
                time.sleep(0.05)
        server.kill()
        raise AssertionError("redis-server did not start")

    server, client = start()
    try:
        assert client.config_get("save")["save"] == "3600 1 300 100 60 10000"
        assert client.config_get("appendonly")["appendonly"] == "no"
        client.set("session", "kept")
        with contextlib.suppress(redis.ConnectionError):  # it hangs up as it stops
            client.shutdown()
        server.wait(timeout=10)
        assert (tmp_path / "dump.rdb").exists()
        server, client = start()
        assert client.get("session") == b"kept"
    finally:
        server.kill()
        server.wait(timeout=10)


@pytest.mark.django_db(transaction=True)
def test_adelete_test_cookie_leaves_the_session_unmodified():
    """Lesson 17: the async twin deletes the key without marking the session modified;
    delete_test_cookie() marks it."""
    with override_settings(**DJANGO_DEFAULTS, SESSION_ENGINE=DB_ENGINE):
        session = DatabaseStore()
        session.set_test_cookie()
        session.create()

        async def delete_it():
            loaded = DatabaseStore(session.session_key)
            await loaded.adelete_test_cookie()
            return loaded

        loaded = async_to_sync(delete_it)()
        assert not loaded.test_cookie_worked() and loaded.modified is False
        again = DatabaseStore(session.session_key)
        again.delete_test_cookie()
        assert again.modified is True
