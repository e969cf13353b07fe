"""Does a Redis or a memcached answer right now? Used by the lab's settings form
and by the private servers of `make run` and the tests."""

import socket

import redis
from django.conf import settings


def redis_answers(url: str) -> bool:
    """True when a Redis server answers PING at url."""
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except (redis.RedisError, OSError):
        return False


def memcached_answers(location: str, timeout: float = 0.5) -> bool:
    """True when a memcached at this PyMemcacheCache LOCATION answers `version`."""
    try:
        if location.startswith("unix:"):
            probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            address: str | tuple[str, int] = location.removeprefix("unix:")
        else:
            host, _, port = location.rpartition(":")
            probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            address = (host or "127.0.0.1", int(port))
        with probe:
            probe.settimeout(timeout)
            probe.connect(address)
            probe.sendall(b"version\r\n")
            return probe.recv(64).startswith(b"VERSION")
    except (OSError, ValueError):
        return False


def memcached_status() -> dict:
    """Whether the memcached of the "memcached" cache alias answers right now."""
    location = settings.CACHES["memcached"]["LOCATION"]
    return {"location": location, "reachable": memcached_answers(location)}
