"""The redis_json session engine keeps the contract of Django's session engines.

Django's own session tests (SessionTestsMixin) pin down what every engine
must do. The same promises are checked here against this project's engine
and, on the same throwaway Redis, against Django's cache engine on the
"redis" cache alias: learners switch between the two in the lab, so whatever
they could observe must not differ except where the engines differ on
purpose. Such tests take one engine only and say why.

Everything runs on the real Redis of the `redis_server` fixture; nothing is
mocked, and expiry is Redis' own TTL.
"""

import json
import logging
import pickle
import re
import time
from dataclasses import dataclass, field
from datetime import timedelta
from importlib import import_module

import pytest
import redis
from django.conf import settings
from django.contrib.sessions.backends import base as session_base
from django.contrib.sessions.backends.base import (
    VALID_KEY_CHARS,
    CreateError,
    SessionBase,
    UpdateError,
)
from django.contrib.sessions.backends.cache import KEY_PREFIX as CACHE_SESSION_PREFIX
from django.contrib.sessions.exceptions import SessionInterrupted
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.cache import caches
from django.core.management import call_command
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import override_settings
from django.utils import timezone
from django.utils.crypto import get_random_string

from lessons.session_engines import redis_json

REDIS_JSON = "lessons.session_engines.redis_json"
CACHE = "django.contrib.sessions.backends.cache"
# What SessionBase hands out: 32 characters, lower-case letters and digits.
SESSION_KEY = re.compile(r"[a-z0-9]{32}")


@dataclass
class Backend:
    """One session engine under test, and where its records sit in Redis."""

    engine: str
    store_class: type[SessionBase]
    stores: list[SessionBase] = field(default_factory=list)

    @property
    def is_redis_json(self) -> bool:
        return self.engine == REDIS_JSON

    def store(self, session_key: str | None = None) -> SessionBase:
        store = self.store_class(session_key)
        self.stores.append(store)
        return store

    def saved(self, **data) -> SessionBase:
        """A new session holding `data`, already written to Redis."""
        session = self.store()
        session.update(data)
        session.save()
        return session

    def raw_key(self, session_key: str) -> str:
        """The Redis key a session's record is stored under, as the docs describe it."""
        if self.is_redis_json:
            return settings.SESSION_REDIS_KEY_PREFIX + session_key
        return caches["redis"].make_key(CACHE_SESSION_PREFIX + session_key)

    def clean_up(self) -> None:
        # The Redis serves the whole test run: leave no session behind.
        for store in self.stores:
            if store.session_key is not None:
                store.delete()


@pytest.fixture
def make_backend():
    made: list[Backend] = []

    def make(engine: str) -> Backend:
        backend = Backend(engine, import_module(engine).SessionStore)
        made.append(backend)
        return backend

    with override_settings(SESSION_CACHE_ALIAS="redis"):
        yield make
        for backend in made:
            backend.clean_up()


@pytest.fixture(params=[REDIS_JSON, CACHE], ids=["redis_json", "cache"])
def backend(request, make_backend) -> Backend:
    with override_settings(SESSION_ENGINE=request.param):
        yield make_backend(request.param)


@pytest.fixture
def json_backend(make_backend) -> Backend:
    with override_settings(SESSION_ENGINE=REDIS_JSON):
        yield make_backend(REDIS_JSON)


@pytest.fixture
def raw_redis(redis_server):
    """A plain client on the test server: what `redis-cli` would show."""
    client = redis.Redis.from_url(redis_server.url)
    yield client
    client.close()


def unknown_key() -> str:
    """A well-formed session key that no record has (2**165 of them to pick from)."""
    return get_random_string(32, VALID_KEY_CHARS)


# --- Reading and changing a session -------------------------------------------


def test_a_new_session_is_empty_and_has_no_key(backend):
    session = backend.store()
    assert (session.accessed, session.modified) == (False, False)
    assert session.session_key is None
    assert list(session.items()) == []
    assert "cart" not in session
    assert session.get("cart") is None
    assert session.get("cart", "empty") == "empty"
    # Looking is not changing: the middleware must not save or set a cookie.
    assert (session.accessed, session.modified) == (True, False)
    assert session.is_empty()


def test_a_value_set_is_read_back_and_marks_the_session_modified(backend):
    session = backend.store()
    session["cart"] = ["olma"]
    assert session.modified is True
    assert session["cart"] == ["olma"]
    assert session.get("cart") == ["olma"]
    with pytest.raises(KeyError):
        _ = session["lang"]


def test_reading_a_saved_session_does_not_mark_it_modified(backend):
    key = backend.saved(cart=["olma"]).session_key
    session = backend.store(key)
    # Nothing is read from Redis until a value is asked for.
    assert session.accessed is False
    assert session["cart"] == ["olma"]
    assert (session.accessed, session.modified) == (True, False)


def test_pop_returns_the_value_and_removes_it(backend):
    key = backend.saved(cart=["olma"], lang="uz").session_key
    session = backend.store(key)
    assert session.pop("cart") == ["olma"]
    assert session.modified is True
    assert "cart" not in session
    session.save()
    assert dict(backend.store(key).items()) == {"lang": "uz"}


def test_pop_of_a_missing_value_gives_the_default_or_key_error_and_changes_nothing(backend):
    session = backend.store(backend.saved(lang="uz").session_key)
    assert session.pop("cart", "empty") == "empty"
    assert session.pop("cart", None) is None
    with pytest.raises(KeyError):
        session.pop("cart")
    # Nothing changed, so the middleware has nothing to save.
    assert session.modified is False


def test_setdefault_keeps_an_existing_value_and_sets_a_missing_one(backend):
    session = backend.store(backend.saved(lang="uz").session_key)
    assert session.setdefault("lang", "en") == "uz"
    assert session.modified is False
    assert session.setdefault("cart", []) == []
    assert session.modified is True
    assert session["cart"] == []


def test_update_and_del_are_saved(backend):
    key = backend.saved(lang="uz", cart=["olma"]).session_key
    session = backend.store(key)
    session.update({"lang": "en", "theme": "dark"})
    assert session.modified is True
    del session["cart"]
    with pytest.raises(KeyError):
        del session["cart"]
    session.save()
    assert dict(backend.store(key).items()) == {"lang": "en", "theme": "dark"}


def test_keys_values_and_items_of_a_reloaded_session(backend):
    key = backend.saved(lang="uz", cart=["olma", "nok"], visits=3).session_key
    session = backend.store(key)
    assert sorted(session.keys()) == ["cart", "lang", "visits"]
    assert sorted(map(repr, session.values())) == sorted(["'uz'", "['olma', 'nok']", "3"])
    assert dict(session.items()) == {"lang": "uz", "cart": ["olma", "nok"], "visits": 3}


# --- clear, flush, cycle_key --------------------------------------------------


def test_clear_empties_the_session_but_keeps_its_key_and_record(backend, raw_redis):
    key = backend.saved(lang="uz", user_id=7).session_key
    session = backend.store(key)
    session.clear()
    assert list(session.items()) == []
    assert (session.accessed, session.modified) == (True, True)
    assert session.session_key == key
    # clear() writes nothing; the record goes on until the session is saved.
    assert session.exists(key)
    session.save()
    assert session.session_key == key
    assert raw_redis.exists(backend.raw_key(key)) == 1
    reloaded = backend.store(key)
    assert reloaded.load() == {}
    assert reloaded.session_key == key


def test_flush_removes_the_record_and_forgets_the_key(backend, raw_redis):
    session = backend.saved(user_id=7)
    key = session.session_key
    session.flush()
    assert session.session_key is None
    assert list(session.items()) == []
    assert (session.accessed, session.modified) == (True, True)
    assert not session.exists(key)
    assert raw_redis.get(backend.raw_key(key)) is None
    # Whatever is saved next is a new session, never the logged-out one.
    session["lang"] = "uz"
    session.save()
    assert session.session_key not in (None, key)


def test_cycle_key_moves_the_data_to_a_new_key_and_removes_the_old_record(backend, raw_redis):
    session = backend.saved(user_id=7, cart=["olma"])
    old_key = session.session_key
    session.cycle_key()
    new_key = session.session_key
    assert new_key != old_key
    assert SESSION_KEY.fullmatch(new_key)
    assert dict(session.items()) == {"user_id": 7, "cart": ["olma"]}
    # A stolen pre-login key must lead nowhere after login.
    assert raw_redis.get(backend.raw_key(old_key)) is None
    assert raw_redis.get(backend.raw_key(new_key)) is not None
    assert backend.store(old_key).load() == {}
    assert dict(backend.store(new_key).items()) == {"user_id": 7, "cart": ["olma"]}


def test_cycle_key_of_a_session_not_read_yet_keeps_its_data(backend):
    # login() may cycle the key of a session the view never looked into.
    key = backend.saved(user_id=7).session_key
    session = backend.store(key)
    session.cycle_key()
    assert session.session_key != key
    assert dict(backend.store(session.session_key).items()) == {"user_id": 7}
    assert backend.store(key).load() == {}


# --- Keys ---------------------------------------------------------------------


def test_saving_a_new_session_creates_a_key_that_loads_elsewhere(backend):
    session = backend.store()
    session["lang"] = "uz"
    session.save()
    assert SESSION_KEY.fullmatch(session.session_key)
    # Saving does not empty the instance that was saved.
    assert session["lang"] == "uz"
    elsewhere = backend.store(session.session_key)
    assert elsewhere["lang"] == "uz"
    assert elsewhere.session_key == session.session_key


def test_the_session_key_cannot_be_assigned(backend):
    session = backend.store()
    with pytest.raises(AttributeError):
        session.session_key = unknown_key()


@pytest.mark.parametrize("bad_key", ["", "1234567", None], ids=["empty", "7 chars", "None"])
def test_an_invalid_key_is_dropped_and_saving_makes_a_new_one(backend, raw_redis, bad_key):
    session = backend.store(bad_key)
    assert session.session_key is None
    session["lang"] = "uz"
    session.save()
    assert SESSION_KEY.fullmatch(session.session_key)
    if bad_key is not None:
        assert raw_redis.get(backend.raw_key(bad_key)) is None


def test_eight_characters_are_enough_for_a_key(backend):
    assert backend.store("12345678").session_key == "12345678"


def test_a_well_formed_unknown_key_is_not_adopted(backend, raw_redis):
    # Adopting a key the client made up would let an attacker fix a victim's
    # session key before login (session fixation).
    made_up = unknown_key()
    session = backend.store(made_up)
    assert session.load() == {}
    assert session.session_key is None
    assert not session.exists(made_up)
    session["lang"] = "uz"
    session.save()
    assert session.session_key not in (None, made_up)
    assert raw_redis.get(backend.raw_key(made_up)) is None


def test_a_made_up_key_in_a_request_gets_a_new_session(backend, raw_redis):
    # The middleware path: the view writes without ever calling load().
    made_up = unknown_key()
    session = backend.store(made_up)
    session["lang"] = "uz"
    session.save()
    assert session.session_key not in (None, made_up)
    assert raw_redis.get(backend.raw_key(made_up)) is None
    assert backend.store(session.session_key)["lang"] == "uz"


def test_exists_is_false_for_a_session_whose_key_was_dropped(backend):
    """Django's own suite asks exists(session.session_key) right after an unknown key was dropped."""
    session = backend.store(unknown_key())
    session.load()
    assert session.session_key is None
    assert session.exists(session.session_key) is False
    assert session.load() == {}


# --- Expiry -------------------------------------------------------------------


def test_by_default_a_session_lasts_session_cookie_age(backend):
    session = backend.store()
    age = settings.SESSION_COOKIE_AGE
    assert session.get_expiry_age() == age
    moment = timezone.now()
    assert session.get_expiry_date(modification=moment) == moment + timedelta(seconds=age)
    assert session.get_expire_at_browser_close() is False


def test_expiry_in_seconds_counts_from_the_last_change_and_survives_a_reload(backend):
    session = backend.store()
    session.set_expiry(10)
    assert session.get_expiry_age() == 10
    moment = timezone.now()
    assert session.get_expiry_date(modification=moment) == moment + timedelta(seconds=10)
    assert session.get_expire_at_browser_close() is False
    session.save()
    assert backend.store(session.session_key).get_expiry_age() == 10


def test_expiry_zero_ends_with_the_browser_but_the_server_keeps_cookie_age(backend):
    session = backend.store()
    session.set_expiry(0)
    assert session.get_expire_at_browser_close() is True
    # The browser forgets the cookie; the server still needs some limit.
    assert session.get_expiry_age() == settings.SESSION_COOKIE_AGE
    moment = timezone.now()
    assert session.get_expiry_date(modification=moment) == moment + timedelta(
        seconds=settings.SESSION_COOKIE_AGE
    )


def test_expiry_none_goes_back_to_the_global_policy(backend):
    session = backend.store()
    session.set_expiry(10)
    session.save()
    session.set_expiry(None)
    assert session.get_expiry_age() == settings.SESSION_COOKIE_AGE
    assert session.get_expire_at_browser_close() is False
    session.save()
    assert backend.store(session.session_key).get_expiry_age() == settings.SESSION_COOKIE_AGE


def test_expiry_at_a_datetime_is_that_moment(backend):
    at = timezone.now() + timedelta(hours=1)
    session = backend.store()
    session.set_expiry(at)
    assert session.get_expiry_date() == at
    assert session.get_expiry_age(modification=at - timedelta(seconds=123)) == 123
    assert 3598 <= session.get_expiry_age() <= 3600
    assert session.get_expire_at_browser_close() is False
    session.save()
    assert backend.store(session.session_key).get_expiry_date() == at


def test_expiry_after_a_timedelta_fixes_the_moment_when_it_was_set(backend):
    session = backend.store()
    before = timezone.now()
    session.set_expiry(timedelta(minutes=10))
    after = timezone.now()
    expires = session.get_expiry_date()
    assert before + timedelta(minutes=10) <= expires <= after + timedelta(minutes=10)
    assert session.get_expiry_age(modification=expires - timedelta(seconds=42)) == 42
    session.save()
    # Unlike an int, the moment does not move when the session is saved again.
    assert backend.store(session.session_key).get_expiry_date() == expires


EXPIRY_FORMS = {
    # name: (what set_expiry gets, the TTL Redis must show; None = SESSION_COOKIE_AGE)
    "seconds": (lambda: 300, 300),
    "zero": (lambda: 0, None),
    "none": (lambda: None, None),
    "timedelta": (lambda: timedelta(seconds=600), 600),
    "datetime": (lambda: timezone.now() + timedelta(seconds=900), 900),
}


@pytest.mark.parametrize("form", list(EXPIRY_FORMS))
def test_redis_removes_the_record_when_the_session_expires(backend, raw_redis, form):
    # The TTL is what actually ends a session on the server: it must say the
    # same as get_expiry_age(), which is what the cookie's Max-Age says.
    value, expected_ttl = EXPIRY_FORMS[form]
    session = backend.store()
    session["lang"] = "uz"
    session.set_expiry(17)
    session.save()  # a TTL of 17 s that the update below must replace
    session.set_expiry(value())
    session.save()
    ttl = raw_redis.ttl(backend.raw_key(session.session_key))
    assert abs(ttl - session.get_expiry_age()) <= 1
    assert abs(ttl - (expected_ttl or settings.SESSION_COOKIE_AGE)) <= 1


def test_an_expiry_already_past_removes_the_record(backend, raw_redis):
    session = backend.saved(user_id=7)
    key = session.session_key
    session.set_expiry(timezone.now() - timedelta(seconds=10))
    session.save()
    assert raw_redis.get(backend.raw_key(key)) is None
    assert backend.store(key).load() == {}


def test_a_session_expired_on_the_server_loads_empty(backend, raw_redis):
    session = backend.store()
    session["user_id"] = 7
    session.set_expiry(1)
    session.save()
    key = session.session_key
    assert backend.store(key)["user_id"] == 7
    time.sleep(1.2)
    reloaded = backend.store(key)
    assert reloaded.load() == {}
    assert reloaded.session_key is None
    assert raw_redis.exists(backend.raw_key(key)) == 0


# --- Records the site did not write (redis_json only) --------------------------
# The cache engine hands the session dict to the cache, which pickles it: it
# has no signature to check and never calls decode(), so these are the JSON
# engine's own promises.


def valid_record(backend: Backend, raw_redis) -> tuple[str, str, dict]:
    """A saved session: its key, its Redis key and its record as JSON."""
    key = backend.saved(user_id=7, lang="uz").session_key
    raw_key = backend.raw_key(key)
    return key, raw_key, json.loads(raw_redis.get(raw_key))


CORRUPT_RECORDS = {
    "not JSON": lambda record: b"user_id=1",
    "not UTF-8": lambda record: b"\xff\xfe\x80",
    "no signature": lambda record: json.dumps({"data": record["data"]}),
    "no data": lambda record: json.dumps({"signature": record["signature"]}),
    "wrong signature": lambda record: json.dumps({**record, "signature": "forged"}),
    "signature not a string": lambda record: json.dumps({**record, "signature": 1}),
    "data not an object": lambda record: json.dumps({**record, "data": [record["data"]]}),
    "a list": lambda record: json.dumps([record]),
    "a JSON string": lambda record: json.dumps("user_id"),
    "null": lambda record: b"null",
}


@pytest.mark.parametrize("corrupt", list(CORRUPT_RECORDS))
def test_a_record_the_site_did_not_write_loads_as_an_empty_session(
    json_backend, raw_redis, corrupt
):
    key, raw_key, record = valid_record(json_backend, raw_redis)
    raw_redis.set(raw_key, CORRUPT_RECORDS[corrupt](record), keepttl=True)
    assert json_backend.store(key).load() == {}


def test_a_forged_signature_with_non_ascii_characters_loads_as_an_empty_session(
    json_backend, raw_redis
):
    # Whoever can write to Redis chooses the signature's characters too; a
    # crash here is an error page for that user until the record expires.
    key, raw_key, record = valid_record(json_backend, raw_redis)
    raw_redis.set(raw_key, json.dumps({**record, "signature": "forgé"}), keepttl=True)
    assert json_backend.store(key).load() == {}


def test_a_tampered_record_is_logged_as_suspicious(json_backend, raw_redis, caplog):
    key, raw_key, record = valid_record(json_backend, raw_redis)
    caplog.set_level(logging.WARNING, logger="django.security.SuspiciousSession")
    assert json_backend.store(key)["user_id"] == 7
    assert caplog.records == []
    # Someone with write access to Redis makes themselves user 1.
    record["data"]["user_id"] = 1
    raw_redis.set(raw_key, json.dumps(record), keepttl=True)
    assert json_backend.store(key).load() == {}
    assert [(r.name, r.getMessage()) for r in caplog.records] == [
        ("django.security.SuspiciousSession", "Session data corrupted")
    ]


def test_a_record_rewritten_with_other_whitespace_is_refused(json_backend, raw_redis, caplog):
    # The signature covers the exact text the site wrote: even a record
    # re-saved pretty-printed, with the same data, is not the site's record.
    session = json_backend.saved(til="oʻzbek", cart=["olma"])
    raw_key = json_backend.raw_key(session.session_key)
    record = json.loads(raw_redis.get(raw_key))
    raw_redis.set(raw_key, json.dumps(record, indent=2, ensure_ascii=False).encode(), keepttl=True)
    caplog.set_level(logging.WARNING, logger="django.security.SuspiciousSession")
    assert json_backend.store(session.session_key).load() == {}
    assert [r.getMessage() for r in caplog.records] == ["Session data corrupted"]


@pytest.mark.parametrize("corrupt", list(CORRUPT_RECORDS))
def test_every_unreadable_record_is_logged(json_backend, raw_redis, caplog, corrupt):
    key, raw_key, record = valid_record(json_backend, raw_redis)
    raw_redis.set(raw_key, CORRUPT_RECORDS[corrupt](record), keepttl=True)
    caplog.set_level(logging.WARNING, logger="django.security.SuspiciousSession")
    json_backend.store(key).load()
    assert [r.getMessage() for r in caplog.records] == ["Session data corrupted"]


def test_keys_that_json_merges_keep_the_last_value(json_backend):
    # JSON object keys are strings: 1 and "1" become one key, as with
    # Django's JSONSerializer, and the record still verifies.
    session = json_backend.store()
    session[1] = "a"
    session["1"] = "b"
    session.save()
    assert dict(json_backend.store(session.session_key).items()) == {"1": "b"}


def test_a_fractional_expiry_is_saved_in_whole_seconds(json_backend, raw_redis):
    session = json_backend.store()
    session["user_id"] = 7
    session.set_expiry(90.7)
    session.save()
    assert raw_redis.ttl(json_backend.raw_key(session.session_key)) in (89, 90)


def test_a_record_signed_with_a_rotated_out_secret_key_still_loads(json_backend):
    # Rotating SECRET_KEY with the old one in SECRET_KEY_FALLBACKS must not
    # log everybody out.
    old_secret = settings.SECRET_KEY
    new_secret = "rotated-" + get_random_string(50)
    key = json_backend.saved(user_id=7).session_key
    with override_settings(SECRET_KEY=new_secret, SECRET_KEY_FALLBACKS=[]):
        assert json_backend.store(key).load() == {}
    with override_settings(SECRET_KEY=new_secret, SECRET_KEY_FALLBACKS=[old_secret]):
        session = json_backend.store(key)
        assert session["user_id"] == 7
        session["lang"] = "uz"
        session.save()
    # Saved again, it is signed with the new key and needs no fallback.
    with override_settings(SECRET_KEY=new_secret, SECRET_KEY_FALLBACKS=[]):
        assert dict(json_backend.store(key).items()) == {"user_id": 7, "lang": "uz"}


# --- Concurrent requests --------------------------------------------------------


def test_must_create_on_a_taken_key_raises_and_leaves_the_record_alone(backend, raw_redis):
    key = backend.saved(user_id=7).session_key
    raw_key = backend.raw_key(key)
    before = raw_redis.get(raw_key)
    intruder = backend.store(key)
    intruder["user_id"] = 666
    with pytest.raises(CreateError):
        intruder.save(must_create=True)
    assert raw_redis.get(raw_key) == before
    assert backend.store(key)["user_id"] == 7


def test_create_skips_keys_that_are_taken(backend, monkeypatch):
    taken = backend.saved(user_id=7).session_key
    fresh = unknown_key()
    # The random generator "happens" to draw the taken key twice first.
    draws = iter([taken, taken, fresh])
    monkeypatch.setattr(session_base, "get_random_string", lambda *args, **kwargs: next(draws))
    session = backend.store()
    session["lang"] = "uz"
    session.save()
    assert session.session_key == fresh
    assert dict(backend.store(taken).items()) == {"user_id": 7}


def test_create_tries_again_when_another_request_takes_the_key_first(backend):
    # Between "is this key free?" and the write, another request may take the
    # key; create() must then pick another one, not write over that session.
    taken = backend.saved(user_id=7).session_key
    fresh = unknown_key()
    draws = iter([taken, fresh])

    class RacingStore(backend.store_class):
        def _get_new_session_key(self):
            return next(draws)

    session = RacingStore()
    backend.stores.append(session)
    session["lang"] = "uz"
    session.save()
    assert session.session_key == fresh
    assert dict(backend.store(taken).items()) == {"user_id": 7}
    assert dict(backend.store(fresh).items()) == {"lang": "uz"}


@pytest.mark.parametrize("deleted_by", ["another SessionStore", "Redis DEL"])
def test_saving_a_session_deleted_meanwhile_raises_and_does_not_bring_it_back(
    backend, raw_redis, deleted_by
):
    key = backend.saved(user_id=7).session_key
    raw_key = backend.raw_key(key)
    session = backend.store(key)
    assert session["user_id"] == 7
    if deleted_by == "Redis DEL":
        raw_redis.delete(raw_key)
    else:
        backend.store(key).delete()
    session["cart"] = ["olma"]
    with pytest.raises(UpdateError):
        session.save()
    assert raw_redis.exists(raw_key) == 0
    assert backend.store(key).load() == {}


def request_with_session_cookie(key: str):
    request = RequestFactory().get("/cart/")
    request.COOKIES[settings.SESSION_COOKIE_NAME] = key
    return request


def test_a_logout_in_another_tab_interrupts_the_request(backend, raw_redis):
    key = backend.saved(user_id=7, cart=["olma"]).session_key

    def add_to_cart(request):
        cart = request.session["cart"]
        backend.store(key).delete()  # the other tab logs out meanwhile
        request.session["cart"] = [*cart, "nok"]
        return HttpResponse("added")

    with pytest.raises(SessionInterrupted):
        SessionMiddleware(add_to_cart)(request_with_session_cookie(key))
    assert raw_redis.exists(backend.raw_key(key)) == 0


def test_without_a_logout_the_same_request_saves_under_the_same_key(backend):
    # The counterpart of the test above: only the deletion interrupts.
    key = backend.saved(user_id=7, cart=["olma"]).session_key

    def add_to_cart(request):
        request.session["cart"] = [*request.session["cart"], "nok"]
        return HttpResponse("added")

    response = SessionMiddleware(add_to_cart)(request_with_session_cookie(key))
    assert response.cookies[settings.SESSION_COOKIE_NAME].value == key
    assert backend.store(key)["cart"] == ["olma", "nok"]


# --- Housekeeping ---------------------------------------------------------------


def test_clearsessions_runs_and_leaves_live_sessions_alone(backend):
    # Redis expires the records itself; a cron job running clearsessions
    # must neither fail nor remove anything still in use.
    key = backend.saved(user_id=7).session_key
    assert backend.store_class.clear_expired() is None
    call_command("clearsessions")
    assert backend.store(key)["user_id"] == 7


def test_the_key_prefix_comes_from_settings(make_backend, raw_redis):
    with override_settings(SESSION_ENGINE=REDIS_JSON, SESSION_REDIS_KEY_PREFIX="shop.session:"):
        backend = make_backend(REDIS_JSON)
        key = backend.saved(user_id=7).session_key
        assert backend.store(key)["user_id"] == 7
    assert raw_redis.get("shop.session:" + key) is not None
    assert raw_redis.get("session:" + key) is None


def test_stores_on_one_url_share_one_connection_pool(json_backend):
    # A pool per SessionStore (one per request) would open a connection per request.
    first, second = json_backend.store(), json_backend.store()
    assert first._redis.connection_pool is second._redis.connection_pool
    assert redis_json.redis_client().connection_pool is first._redis.connection_pool


def test_another_redis_url_gets_its_own_pool_and_database(redis_server, raw_redis, make_backend):
    db1_url = redis_server.url.rsplit("/", 1)[0] + "/1"
    default_pool = make_backend(REDIS_JSON).store()._redis.connection_pool
    with override_settings(SESSION_ENGINE=REDIS_JSON, SESSION_REDIS_URL=db1_url):
        backend = make_backend(REDIS_JSON)
        session = backend.saved(user_id=7)
        assert session._redis.connection_pool is not default_pool
        assert backend.store(session.session_key)["user_id"] == 7
    db1 = redis.Redis.from_url(db1_url)
    try:
        assert db1.get("session:" + session.session_key) is not None
    finally:
        db1.close()
    assert raw_redis.get("session:" + session.session_key) is None


# --- What is stored -------------------------------------------------------------


def test_the_record_is_json_that_redis_cli_shows_as_is(json_backend, raw_redis):
    session = json_backend.store()
    session["til"] = "oʻzbek"
    session["cart"] = ["olma", "nok"]
    session.save()
    # The documented default prefix, as a learner would type it in redis-cli.
    record = json.loads(raw_redis.get("session:" + session.session_key))
    assert set(record) == {"data", "signature"}
    assert record["data"] == {"til": "oʻzbek", "cart": ["olma", "nok"]}
    assert isinstance(record["signature"], str)
    assert record["signature"]
    assert json_backend.store(session.session_key)["til"] == "oʻzbek"


def run_scenario(backend: Backend, raw_redis) -> tuple[dict, bytes, int]:
    """A login-like life of one session; what a user could observe, the stored value, its TTL."""
    session = backend.store()
    session.create()
    first_key = session.session_key
    session["til"] = "oʻzbek"
    session["cart"] = ["olma", "nok"]
    session["visits"] = 2
    session.set_expiry(300)
    session.save()
    session.cycle_key()
    cycled_key = session.session_key
    reloaded = backend.store(cycled_key)
    observed = {
        "data": dict(reloaded.items()),
        "expiry age": reloaded.get_expiry_age(),
        "keys well-formed": bool(SESSION_KEY.fullmatch(first_key))
        and bool(SESSION_KEY.fullmatch(cycled_key)),
        "key changed": cycled_key != first_key,
        "old key loads": backend.store(first_key).load(),
        "old record in Redis": raw_redis.exists(backend.raw_key(first_key)),
    }
    stored = raw_redis.get(backend.raw_key(cycled_key))
    ttl = raw_redis.ttl(backend.raw_key(cycled_key))
    reloaded.flush()
    observed["key after flush"] = reloaded.session_key
    observed["record after flush"] = raw_redis.exists(backend.raw_key(cycled_key))
    observed["loads after flush"] = backend.store(cycled_key).load()
    return observed, stored, ttl


def test_both_engines_behave_alike_but_store_differently(make_backend, raw_redis):
    json_seen, json_stored, json_ttl = run_scenario(make_backend(REDIS_JSON), raw_redis)
    cache_seen, cache_stored, cache_ttl = run_scenario(make_backend(CACHE), raw_redis)

    assert json_seen == cache_seen
    assert json_seen["data"] == {
        "til": "oʻzbek",
        "cart": ["olma", "nok"],
        "visits": 2,
        "_session_expiry": 300,
    }
    assert json_seen["key changed"] is True
    assert json_seen["record after flush"] == 0

    assert json.loads(json_stored)["data"] == json_seen["data"]
    with pytest.raises(ValueError):
        json.loads(cache_stored)
    # Safe here: this is the test's own Redis. On a shared one, this is the risk.
    assert pickle.loads(cache_stored) == cache_seen["data"]

    assert abs(json_ttl - 300) <= 1
    assert abs(cache_ttl - 300) <= 1
