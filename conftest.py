"""Fixtures shared by the unit tests (lessons/, tutorial/) and the browser tests (e2e/)."""

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test.utils import override_settings

from tutorial.private_servers import private_servers


@pytest.fixture(scope="session")
def private_test_servers(tmp_path_factory):
    """A throwaway Redis and memcached on free ports for the whole test run."""
    with private_servers(workdir=tmp_path_factory.mktemp("servers")) as servers:
        yield servers


@pytest.fixture(scope="session", autouse=True)
def memcached_server(private_test_servers):
    """The throwaway memcached (the "memcached" cache alias)."""
    return private_test_servers.memcached


@pytest.fixture(scope="session", autouse=True)
def redis_server(tmp_path_factory, private_test_servers, memcached_server):
    """The throwaway redis-server.

    The "redis" cache alias and the redis_json engine point at it, so no test
    ever reads or writes the data of a Redis someone else uses. The settings
    also point the "memcached" alias at the throwaway memcached.
    """
    server = private_test_servers.redis
    redis_cache = {**settings.CACHES["redis"], "LOCATION": server.url}
    memcached_cache = {**settings.CACHES["memcached"], "LOCATION": memcached_server.location}
    with override_settings(
        CACHES={**settings.CACHES, "redis": redis_cache, "memcached": memcached_cache},
        SESSION_REDIS_URL=server.url,
        # The lab's file engine writes here, not into the developer's var/.
        LAB_SESSION_FILE_PATH=tmp_path_factory.mktemp("lab-sessions"),
    ):
        yield server


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
