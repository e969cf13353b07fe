"""Every lab action on every engine, against the real database, files, Redis and memcached.

An engine written "cache@memcached" is the cache engine with SESSION_CACHE_ALIAS
set to the memcached alias; plain "cache" and "cached_db" use the redis alias.
"""

import json
import re

import pytest
import redis
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import caches

from lessons.lab.store import DatabaseSessionStore
from lessons.session_engines.redis_json import SessionStore as RedisJsonStore
from lessons.tests.lab_helpers import LabLearner

ENGINES = [
    "db",
    "file",
    "cache",
    "cached_db",
    "signed_cookies",
    "redis_json",
    "cache@memcached",
    "cached_db@memcached",
]
KEY_PATTERN = re.compile(r"^[a-z0-9]{32}$")

pytestmark = pytest.mark.django_db


def configure(learner: LabLearner, engine: str, **overrides) -> None:
    name, _, alias = engine.partition("@")
    learner.configure(engine=name, cache_alias=alias or "redis", **overrides)


def stored_data(learner: LabLearner, engine: str) -> dict | None:
    """What the engine's store holds for the learner's current lab cookie (None: nothing)."""
    value = learner.cookie()
    if value is None:
        return None
    engine, _, alias = engine.partition("@")
    cache = caches[alias or "redis"]
    if engine == "redis_json":
        raw = redis.Redis.from_url(settings.SESSION_REDIS_URL).get(
            settings.SESSION_REDIS_KEY_PREFIX + value
        )
        return RedisJsonStore().decode(raw.decode()) if raw is not None else None
    if engine == "signed_cookies":
        from django.core import signing

        return signing.loads(value, salt="django.contrib.sessions.backends.signed_cookies")
    if engine in {"db", "cached_db"}:
        row = Session.objects.filter(session_key=value).first()
        db_data = DatabaseSessionStore().decode(row.session_data) if row else None
        if engine == "db":
            return db_data
        cached = cache.get("django.contrib.sessions.cached_db" + value)
        assert cached == db_data, "cached_db: the cache and the database disagree"
        return db_data
    if engine == "cache":
        return cache.get("django.contrib.sessions.cache" + value)
    path = learner.file_directory() / f"sessionid{value}"
    return DatabaseSessionStore().decode(path.read_text()) if path.exists() else None


@pytest.mark.parametrize("engine", ENGINES)
def test_setting_reading_and_deleting_keys(learner, engine):
    configure(learner, engine)
    first = learner.do("set", key="cart", value='["apple"]')
    assert first.set_cookie is not None and first.set_cookie.name == "sessionid"
    assert stored_data(learner, engine) == {"cart": ["apple"]}
    if engine != "signed_cookies":
        assert KEY_PATTERN.match(learner.cookie())

    read = learner.do("get", key="cart")
    assert read.set_cookie is None, "reading must not re-send the cookie"
    assert "Cookie" in read.vary
    assert learner.state()["latest"]["result"]["value"] == ["apple"]

    assert learner.do("contains", key="cart").set_cookie is None
    assert learner.state()["latest"]["result"]["value"] is True

    learner.do("set", key="coupon", value='{"code": "TASHKENT10", "percent": 10}')
    popped = learner.do("pop", key="coupon")
    assert popped.set_cookie is not None
    assert learner.state()["latest"]["result"]["value"] == {"code": "TASHKENT10", "percent": 10}
    assert stored_data(learner, engine) == {"cart": ["apple"]}

    missing = learner.do("delete", key="nothing-here")
    assert learner.state()["latest"]["result"]["error"] == "KeyError: 'nothing-here'"
    assert missing.status == 200

    learner.do("delete", key="cart")
    # An emptied session is still saved; its cookie is deleted only when a
    # request ends with an empty session *and* the browser sent the cookie.
    assert stored_data(learner, engine) in ({}, None)


@pytest.mark.parametrize("engine", ENGINES)
def test_nested_mutation_is_lost_without_modified(learner, engine):
    configure(learner, engine)
    learner.do("set", key="cart", value='["apple"]')

    silent = learner.do("append", key="cart", value='"pear"')
    assert silent.set_cookie is None, "Django did not notice the change"
    assert stored_data(learner, engine) == {"cart": ["apple"]}

    noticed = learner.do("append_modified", key="cart", value='"pear"')
    assert noticed.set_cookie is not None
    assert stored_data(learner, engine) == {"cart": ["apple", "pear"]}
    assert learner.state()["latest"]["python"] == (
        "request.session[\"cart\"].append('pear')\nrequest.session.modified = True"
    )


@pytest.mark.parametrize("engine", ENGINES)
def test_clear_keeps_the_key_and_flush_ends_the_session(learner, engine):
    configure(learner, engine)
    learner.do("set", key="cart", value="[1]")
    key_before = learner.cookie()

    cleared = learner.do("clear")
    assert not cleared.set_cookie.is_deletion, "clear() is not a logout: the cookie stays"
    assert stored_data(learner, engine) == {}
    if engine == "signed_cookies":
        # The data is the cookie: it is re-signed with an empty payload, {}.
        assert cleared.set_cookie.value.startswith("e30:")
    else:
        assert learner.cookie() == key_before, "clear() keeps the same key"

    learner.do("set", key="cart", value="[2]")
    key_before_flush = learner.cookie()
    flushed = learner.do("flush")
    assert flushed.set_cookie.is_deletion
    assert flushed.set_cookie.attributes["max-age"] == "0"
    assert learner.cookie() is None
    if engine.startswith(("db", "cached_db")):
        assert not Session.objects.filter(session_key=key_before_flush).exists()


@pytest.mark.parametrize("engine", [e for e in ENGINES if e != "signed_cookies"])
def test_cycle_key_keeps_the_data_under_a_new_key(learner, engine):
    configure(learner, engine)
    learner.do("set", key="cart", value='["apple"]')
    old_key = learner.cookie()
    cycled = learner.do("cycle_key")
    new_key = learner.cookie()
    assert cycled.set_cookie.value == new_key
    assert new_key != old_key and KEY_PATTERN.match(new_key)
    assert stored_data(learner, engine) == {"cart": ["apple"]}
    if engine.startswith(("db", "cached_db")):
        assert not Session.objects.filter(session_key=old_key).exists()
    if engine == "file":
        assert not (learner.file_directory() / f"sessionid{old_key}").exists()


@pytest.mark.parametrize("engine", ENGINES)
def test_set_expiry_in_all_its_forms(learner, engine):
    configure(learner, engine)
    learner.do("set", key="exam", value='"started"')

    seconds = learner.do("expiry_seconds", seconds=300).set_cookie
    assert seconds.attributes["max-age"] == "300"

    zero = learner.do("expiry_zero").set_cookie
    assert "max-age" not in zero.attributes and "expires" not in zero.attributes

    back = learner.do("expiry_none").set_cookie
    assert back.attributes["max-age"] == "1209600"

    dated = learner.do("expiry_date", seconds=600).set_cookie
    assert 595 <= int(dated.attributes["max-age"]) <= 600
    assert "datetime.datetime(" in learner.state()["latest"]["python"]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_plain_visit_leaves_the_session_alone(learner, engine):
    configure(learner, engine)
    learner.do("set", key="cart", value="[1]")
    visit = learner.do("visit")
    assert visit.set_cookie is None
    assert "Cookie" not in visit.vary
    read = learner.do("read")
    assert read.set_cookie is None
    assert "Cookie" in read.vary
    assert learner.state()["latest"]["result"]["value"] == {"cart": [1]}


@pytest.mark.parametrize("engine", ENGINES)
def test_save_every_request_resends_the_cookie_even_on_a_plain_visit(learner, engine):
    configure(learner, engine, save_every_request="on", cookie_age="20")
    learner.do("set", key="exam", value='"q1"')
    visit = learner.do("visit")
    assert visit.set_cookie is not None
    assert visit.set_cookie.attributes["max-age"] == "20"


@pytest.mark.parametrize("engine", ENGINES)
def test_clearsessions_runs_for_the_current_engine(learner, engine):
    configure(learner, engine)
    learner.do("set", key="cart", value="[1]")
    result = learner.do("clearsessions")
    assert result.status == 200
    assert learner.state()["latest"]["python"] == 'call_command("clearsessions")'
    # A live session survives clearsessions on every engine.
    assert stored_data(learner, engine) == {"cart": [1]}


def test_clearsessions_removes_an_expired_database_row(learner):
    learner.configure(engine="db", cookie_age="1")
    learner.do("set", key="cart", value="[1]")
    key = learner.cookie()
    Session.objects.filter(session_key=key).update(expire_date="2000-01-01T00:00:00Z")
    learner.do("clearsessions")
    assert not Session.objects.filter(session_key=key).exists()


def test_each_action_shows_the_python_it_ran(learner):
    learner.do("set", key="cart", value='{"items": [1, 2], "paid": false, "note": null}')
    assert learner.state()["latest"]["python"] == (
        "request.session[\"cart\"] = {'items': [1, 2], 'paid': False, 'note': None}"
    )
    learner.do("visit")
    assert learner.state()["latest"]["python"].startswith("pass")


def test_the_panels_show_the_store_and_the_cookie(learner):
    learner.configure(engine="cached_db")
    response = learner.do("set", key="cart", value='["apple"]')
    assert "Set-Cookie: sessionid=" in response.html
    assert ":1:django.contrib.sessions.cached_db" in response.html
    assert "django_session" in response.html
    state = learner.state()
    store = state["latest"]["store"]
    assert store["database"]["decoded"] == {"cart": ["apple"]}
    assert store["cache"]["decoded"] == {"cart": ["apple"]}
    assert 1209500 < store["cache"]["ttl"] <= 1209600
    json.dumps(state)  # the JSON view serves plain JSON


def test_what_changed_since_the_previous_request_is_highlighted(learner):
    learner.configure(engine="cache")
    learner.do("set", key="cart", value="[1]")
    learner.do("expiry_seconds", seconds=60)
    changes = learner.state()["changes"]
    assert "max-age" in changes["cookie"]
    assert "value" not in changes["cookie"], "same key, same value"
    assert "cache.ttl" in changes["store"], "the TTL jumped from two weeks to a minute"

    learner.do("set", key="cart", value="[1, 2]")
    changes = learner.state()["changes"]
    assert "cache.decoded" in changes["store"]
    assert "max-age" not in changes["cookie"]

    learner.do("get", key="cart")
    changes = learner.state()["changes"]
    assert changes["cookie"] == [], "no Set-Cookie, nothing to compare"
    assert changes["store"] == [], "reading changes nothing; the TTL only counted down"

    learner.do("cycle_key")
    changes = learner.state()["changes"]
    assert "value" in changes["cookie"]
    assert "session_key" in changes["store"]
    state = learner.state()
    old_key = state["before"]["store"]["session_key"]
    assert old_key and old_key != state["latest"]["session_key"]
    html = learner.client.get("/en/lab/").content.decode()
    assert 'class="cookie-attributes__value changed"' in html
    # The new key is shown with the one it replaced: old → new.
    assert f'was <code class="break">{old_key[:35]}' in html


@pytest.mark.parametrize("engine", ["cache", "cached_db", "cache@memcached", "cached_db@memcached"])
def test_removing_my_session_from_the_cache_shows_a_cache_miss(learner, engine):
    configure(learner, engine)
    name, _, alias = engine.partition("@")
    cache = caches[alias or "redis"]
    learner.do("set", key="cart", value='["apple"]')
    key = learner.cookie()
    prefix = f"django.contrib.sessions.{name}"
    assert cache.get(prefix + key) is not None

    evicted = learner.do("evict_cache")
    assert evicted.set_cookie is None and "Cookie" not in evicted.vary
    assert cache.get(prefix + key) is None

    read = learner.do("get", key="cart")
    if name == "cached_db":
        # Back from the database, and the cache is filled again.
        assert learner.state()["latest"]["result"]["value"] == ["apple"]
        assert "read it from the database" in read.html
        assert cache.get(prefix + key) == {"cart": ["apple"]}
    else:
        assert learner.state()["latest"]["result"]["value"] is None
        assert "no live session under the key" in read.html


def test_removing_a_redis_json_session_is_a_lost_session(learner):
    configure(learner, "redis_json")
    learner.do("set", key="cart", value='["apple"]')
    assert stored_data(learner, "redis_json") == {"cart": ["apple"]}
    evicted = learner.do("evict_cache")
    assert learner.state()["latest"]["result"]["value"] is True
    assert evicted.set_cookie is None
    assert stored_data(learner, "redis_json") is None
    read = learner.do("get", key="cart")
    assert learner.state()["latest"]["result"]["value"] is None
    assert "no live session under the key" in read.html


def test_removing_from_the_cache_on_another_engine_explains_itself(learner):
    learner.do("set", key="cart", value="[1]")
    learner.do("evict_cache")
    assert learner.state()["latest"]["result"]["error"] == "This engine keeps nothing in the cache."


def test_an_attribute_a_setting_took_away_is_shown_removed(learner):
    learner.do("set", key="cart", value="[1]")
    learner.configure(cookie_httponly=False)
    html = learner.do("set", key="cart", value="[2]").html
    removed = re.search(
        r'<div class="changed cookie-attributes__removed" data-attribute="httponly">.*?</div>',
        html,
        re.S,
    )
    assert removed, "HttpOnly went away: the panel says so"
    assert re.search(r"<dd>\s*removed", removed.group(0)), removed.group(0)
    assert "was" in removed.group(0) and "(set)" in removed.group(0)
