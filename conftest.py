"""Fixtures shared by the unit tests (lessons/, tutorial/) and the browser tests (e2e/)."""

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test.utils import override_settings

from tutorial.private_redis import PrivateRedis, free_loopback_port


@pytest.fixture(scope="session", autouse=True)
def redis_server(tmp_path_factory):
    """A throwaway redis-server on a free port for the whole test run.

    The "redis" cache alias points at it, so no test ever reads or writes the
    data of a Redis someone else uses.
    """
    server = PrivateRedis(workdir=tmp_path_factory.mktemp("redis"), port=free_loopback_port())
    server.start()
    redis_cache = {**settings.CACHES["redis"], "LOCATION": server.url}
    with override_settings(
        CACHES={**settings.CACHES, "redis": redis_cache},
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
