"""The lab's sixth engine (redis_json) and its second cache (memcached), as learners see them."""

import json

import pytest
from django.conf import settings
from django.core.cache import caches
from django.test import override_settings

from tutorial.private_servers import PrivateMemcached, free_loopback_port

pytestmark = pytest.mark.django_db


def panels(learner) -> dict:
    return learner.state()


@pytest.fixture
def memcached_down():
    """The memcached alias pointing at a port where nothing listens."""
    location = f"127.0.0.1:{free_loopback_port()}"
    with override_settings(
        CACHES={
            **settings.CACHES,
            "memcached": {**settings.CACHES["memcached"], "LOCATION": location},
        }
    ):
        yield location


# --- redis_json in the lab -----------------------------------------------------------


def test_redis_json_is_the_sixth_engine_in_the_settings_form(learner):
    page = learner.client.get("/en/lab/").content.decode()
    assert 'value="redis_json"' in page
    assert "lessons.session_engines.redis_json" in page


def test_the_store_panel_shows_the_json_record_as_redis_cli_would(learner):
    learner.configure(engine="redis_json", cookie_age="600")
    response = learner.do("set", key="cart", value='["apple"]')
    key = learner.cookie()
    store = panels(learner)["latest"]["store"]["redis"]
    assert store["exists"] is True
    assert store["redis_key"] == f"session:{key}"
    assert 598 <= store["ttl"] <= 600
    record = json.loads(store["raw"])
    assert record["data"] == {"cart": ["apple"]} and record["signature"]
    assert store["decoded"] == {"cart": ["apple"]}
    assert 'data-testid="store-redis-json"' in response.html
    assert f"session:{key}" in response.html


def test_set_expiry_changes_the_redis_json_ttl(learner):
    learner.configure(engine="redis_json")
    learner.do("set", key="cart", value="[1]")
    learner.do("expiry_seconds", seconds="60")
    assert 58 <= panels(learner)["latest"]["store"]["redis"]["ttl"] <= 60


def test_switching_from_cache_to_redis_json_starts_a_new_session(learner):
    """Both keep sessions in the same Redis, but under different keys and formats."""
    learner.configure(engine="cache")
    learner.do("set", key="cart", value="[1]")
    cache_key = learner.cookie()
    learner.configure(engine="redis_json")
    response = learner.do("get", key="cart")
    assert panels(learner)["latest"]["result"]["value"] is None
    assert "The engine changed to redis_json" in response.html
    learner.do("set", key="cart", value="[2]")
    assert learner.cookie() != cache_key
    assert panels(learner)["latest"]["store"]["redis"]["decoded"] == {"cart": [2]}


# --- memcached as SESSION_CACHE_ALIAS --------------------------------------------------


def test_the_store_panel_shows_the_memcached_item(learner):
    learner.configure(engine="cache", cache_alias="memcached", cookie_age="300")
    response = learner.do("set", key="cart", value='["apple"]')
    key = learner.cookie()
    state = panels(learner)
    assert state["settings"]["SESSION_CACHE_ALIAS"] == "memcached"
    store = state["latest"]["store"]
    assert "cache" not in store, "nothing was looked up in Redis"
    item = store["memcached"]
    assert item["exists"] is True
    assert item["key"] == f":1:django.contrib.sessions.cache{key}"
    assert 298 <= item["ttl"] <= 300
    assert item["size"] > 0
    assert item["decoded"] == {"cart": ["apple"]}
    assert caches["memcached"].get(f"django.contrib.sessions.cache{key}") == {"cart": ["apple"]}
    assert caches["redis"].get(f"django.contrib.sessions.cache{key}") is None
    assert 'data-testid="store-memcached"' in response.html


def test_changing_the_cache_alias_is_explained(learner):
    learner.configure(engine="cache")
    learner.do("set", key="cart", value="[1]")
    learner.configure(engine="cache", cache_alias="memcached")
    response = learner.do("get", key="cart")
    assert panels(learner)["latest"]["result"]["value"] is None
    assert "SESSION_CACHE_ALIAS changed to memcached" in response.html


def test_cached_db_carries_the_session_over_to_the_other_cache(learner):
    learner.configure(engine="cached_db")
    learner.do("set", key="cart", value="[1]")
    key = learner.cookie()
    learner.configure(engine="cached_db", cache_alias="memcached")
    response = learner.do("get", key="cart")
    assert panels(learner)["latest"]["result"]["value"] == [1]
    assert "cached_db reads it from the database row" in response.html
    assert caches["memcached"].get(f"django.contrib.sessions.cached_db{key}") == {"cart": [1]}


def test_a_cache_alias_that_is_not_offered_is_refused_with_a_message(learner):
    data = {
        "engine": "cache",
        "cookie_age": "1209600",
        "cookie_name": "sessionid",
        "cookie_path": "/",
        "cookie_samesite": "Lax",
        "cache_alias": "default",
    }
    response = learner.client.post("/en/lab/settings/", data, headers={"HX-Request": "true"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Select a valid choice" in page
    assert 'value="default"' not in page or "default is not one of" in page
    assert panels(learner)["settings"]["SESSION_CACHE_ALIAS"] == "redis"


def test_the_settings_form_says_memcached_answers(learner):
    page = learner.client.get("/en/lab/").content.decode()
    assert "memcached answers at" in page


def test_the_settings_form_says_when_memcached_is_not_running(learner, memcached_down):
    page = learner.client.get("/en/lab/").content.decode()
    assert f'memcached is not running at <code class="break">{memcached_down}</code>' in page
    uz_page = learner.client.get("/uz/lab/").content.decode()
    assert memcached_down in uz_page and "memcached is not running" not in uz_page


@pytest.mark.parametrize("engine", ["cache", "cached_db"])
def test_without_memcached_the_lab_says_so_and_the_other_engines_work(
    learner, memcached_down, engine
):
    learner.configure(engine=engine, cache_alias="memcached")
    response = learner.do("set", key="cart", value="[1]")
    assert response.status == 503
    assert "memcached is not reachable" in response.html
    assert panels(learner)["latest"]["notes"][-1]["code"] == "memcached_unreachable"

    # The redis alias and the other engines go on working, in the same lab.
    learner.configure(engine=engine, cache_alias="redis")
    assert learner.do("set", key="cart", value="[2]").status == 200
    learner.configure(engine="redis_json")
    assert learner.do("set", key="cart", value="[3]").status == 200


# --- The engine's source page ------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "uz"])
def test_the_engine_source_page_shows_the_code_the_lab_runs(client, lessons, language):
    response = client.get(f"/{language}/source/redis_json/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "lessons/session_engines/redis_json.py" in page
    assert "clear_expired" in page and "SessionStore" in page
    assert f'href="/{language}/lessons/writing-your-own-engine/"' in page


def test_the_site_sessions_engine_source_is_shown_as_the_sites_own(client, lessons):
    page = client.get("/en/source/site_sessions/").content.decode()
    assert "lessons/session_engines/site_sessions.py" in page
    assert "key_salt" in page and "get_model_class" in page
    assert "not one the lab offers" in page
    lesson = client.get("/uz/lessons/writing-your-own-engine/").content.decode()
    assert 'href="/uz/source/site_sessions/"' in lesson


def test_an_unknown_engine_source_is_not_found(client):
    assert client.get("/en/source/pickle_store/").status_code == 404


def test_lesson_13_links_to_the_engine_source(client, lessons):
    page = client.get("/en/lessons/writing-your-own-engine/").content.decode()
    assert 'href="/en/source/redis_json/"' in page
    assert "source:" not in page


def test_a_session_over_memcacheds_item_limit_is_refused_and_said(learner, tmp_path):
    """memcached answers SERVER_ERROR for an item over its limit (-I): with the lab's
    client settings that is an exception, so a project would answer 500."""
    small = PrivateMemcached(workdir=tmp_path, port=free_loopback_port(), max_item_bytes=2048)
    with (
        small,
        override_settings(
            CACHES={
                **settings.CACHES,
                "memcached": {**settings.CACHES["memcached"], "LOCATION": small.location},
            }
        ),
    ):
        learner.configure(engine="cache", cache_alias="memcached")
        assert learner.do("set", key="cart", value='["apple"]').status == 200
        too_big = learner.do("set", key="essay", value=json.dumps("x" * 3000))
        assert too_big.status == 500
        assert "object too large for cache" in too_big.html
        assert panels(learner)["latest"]["notes"][-1]["code"] == "engine_error"
        # memcached dropped the old item too: the session is gone.
        assert learner.do("get", key="cart").status == 200
        assert panels(learner)["latest"]["result"]["value"] is None
