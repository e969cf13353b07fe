"""The "redis" cache: Django's RedisCache keeping its client, and what watching() sees."""

import contextvars
import threading

import pytest
import redis
from django.core.cache import caches

from tutorial.private_servers import free_loopback_port
from tutorial.redis_cache import WatchedRedis, watching


@pytest.fixture
def cache(redis_server):
    cache = caches["redis"]
    cache.clear()
    return cache


def test_the_cache_makes_its_client_once(cache):
    client = cache._cache.get_client("a")
    assert cache._cache.get_client("b", write=True) is client
    cache.set("a", 1, 30)
    assert cache.get("a") == 1


def test_what_django_writes_is_seen_with_its_ttl(cache):
    with watching() as seen:
        cache.set("cart", {"items": ["apple"]}, 300)
        cache.set("forever", "x", None)
    key = cache.make_key("cart")
    raw, ttl = seen.written[key]
    assert ttl == 300 and raw == cache._cache.get_client().get(key)
    assert cache._cache._serializer.loads(raw) == {"items": ["apple"]}
    assert seen.written[cache.make_key("forever")][1] is None  # no EX: no TTL
    assert seen.complete


def test_the_first_read_of_a_key_is_kept(cache):
    key = cache.make_key("cart")
    with watching() as seen:
        assert cache.get("cart") is None
        cache.set("cart", "apple", 30)
        assert cache.get("cart") == "apple"
    assert seen.first_read == {key: None}


def test_an_add_that_finds_the_key_leaves_what_was_written(cache):
    key = cache.make_key("cart")
    with watching() as seen:
        cache.set("cart", "apple", 30)
        assert cache.add("cart", "pear", 60) is False
    assert cache._cache._serializer.loads(seen.written[key][0]) == "apple"
    assert seen.written[key][1] == 30


def test_a_delete_and_a_zero_timeout_are_seen_as_gone(cache):
    cache.set("old", "x", 30)
    with watching() as seen:
        cache.delete("old")
        cache.set("brief", "y", 0)  # Django deletes instead of storing
    assert seen.written[cache.make_key("old")] == (None, None)
    assert seen.written[cache.make_key("brief")] == (None, None)


@pytest.mark.parametrize(
    "call",
    [
        lambda cache: cache.touch("cart", 60),  # EXPIRE: not followed
        lambda cache: cache.set_many({"cart": "pear"}, 60),  # a pipeline
        lambda cache: cache._cache.get_client().set(cache.make_key("cart"), b"x", px=5000),
    ],
)
def test_anything_else_makes_what_was_seen_incomplete(cache, call):
    with watching() as seen:
        cache.set("cart", "apple", 30)
        call(cache)
    assert not seen.complete


def test_a_thread_started_with_a_copy_of_the_context_is_seen(cache):
    with watching() as seen:
        thread = threading.Thread(
            target=contextvars.copy_context().run, args=(lambda: cache.set("tab", 2, 30),)
        )
        thread.start()
        thread.join()
    assert cache.make_key("tab") in seen.written


def test_nothing_is_kept_outside_watching(cache):
    with watching() as seen:
        pass
    cache.set("cart", "apple", 30)
    assert seen.written == {} and seen.first_read == {}


def test_a_command_that_fails_makes_what_was_seen_incomplete(cache):
    """A failed command may still have been carried out: what was seen is then no guide."""
    nobody = WatchedRedis.from_url(
        f"redis://127.0.0.1:{free_loopback_port()}/0", socket_connect_timeout=0.2
    )
    with watching() as seen:
        cache.set("cart", "apple", 30)
        with pytest.raises(redis.ConnectionError):
            nobody.set(cache.make_key("cart"), b"pear", ex=30)
    assert not seen.complete
