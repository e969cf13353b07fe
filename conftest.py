"""Fixtures shared by the unit tests (lessons/, tutorial/) and the browser tests (e2e/)."""

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test.utils import override_settings

from tutorial.private_servers import PrivateMemcached, PrivateRedis, free_loopback_port


@pytest.fixture(scope="session", autouse=True)
def memcached_server(tmp_path_factory):
    """A throwaway memcached on a free port for the whole test run (the "memcached" alias)."""
    server = PrivateMemcached(
        workdir=tmp_path_factory.mktemp("memcached"), port=free_loopback_port()
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session", autouse=True)
def redis_server(tmp_path_factory, memcached_server):
    """A throwaway redis-server on a free port for the whole test run.

    The "redis" cache alias and the redis_json engine point at it, so no test
    ever reads or writes the data of a Redis someone else uses. The settings
    also point the "memcached" alias at the throwaway memcached.
    """
    server = PrivateRedis(workdir=tmp_path_factory.mktemp("redis"), port=free_loopback_port())
    server.start()
    redis_cache = {**settings.CACHES["redis"], "LOCATION": server.url}
    memcached_cache = {**settings.CACHES["memcached"], "LOCATION": memcached_server.location}
    with override_settings(
        CACHES={**settings.CACHES, "redis": redis_cache, "memcached": memcached_cache},
        SESSION_REDIS_URL=server.url,
        # The lab's file engine writes here, not into the developer's var/.
        LAB_SESSION_FILE_PATH=tmp_path_factory.mktemp("lab-sessions"),
    ):
        yield server
    server.stop()


@pytest.fixture
def lessons(db):
    """The real lessons from lessons/content/, loaded as `make run` loads them."""
    from lessons.models import Lesson

    call_command("load_lessons", stdout=StringIO())
    return list(Lesson.objects.order_by("order"))


@pytest.fixture(autouse=True)
def _fresh_brakes(redis_server):
    """Each test starts with no wrong codes counted: the brakes key them by address,
    and every test client comes from 127.0.0.1."""
    import redis

    client = redis.Redis.from_url(redis_server.url)
    keys = list(client.scan_iter("brake:*"))
    if keys:
        client.delete(*keys)
    client.close()
    from django.core.cache import caches

    caches["default"].clear()
