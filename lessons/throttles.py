"""Brakes on guessing codes: wrong attempts counted per address, for every server process.

Each brake is a counter in Redis under `brake:<name>:<address>`, raised with
INCR and given its lifetime with EXPIRE NX in one transaction, so that two
hundred wrong guesses at once count two hundred, not the few that happened
to read the counter first. The window starts at the first wrong attempt.
While Redis is down the counters live in this process's memory: the brake
still holds, only per process.
"""

from dataclasses import dataclass

import redis
from django.core.cache import caches
from django.http import HttpRequest

REDIS_ERRORS = (redis.RedisError, OSError)


def client_address(request: HttpRequest) -> str:
    """The address a request came from (a classroom behind one router shares one)."""
    return request.META.get("REMOTE_ADDR") or "unknown"


@dataclass(frozen=True)
class Brake:
    """At most `limit` wrong attempts per address within `window` seconds."""

    name: str
    limit: int
    window: int

    def _key(self, address: str) -> str:
        return f"brake:{self.name}:{address}"

    def note_failure(self, address: str) -> int:
        """Count one wrong attempt; how many there have been in the window, this one included."""
        key = self._key(address)
        try:
            client = caches["redis"]._cache.get_client(key, write=True)
            pipeline = client.pipeline(transaction=True)
            pipeline.incr(key)
            pipeline.expire(key, self.window, nx=True)
            count, _expiry_set = pipeline.execute()
            return int(count)
        except REDIS_ERRORS:
            local = caches["default"]
            local.add(key, 0, timeout=self.window)
            return local.incr(key)

    def wait_seconds(self, address: str) -> int:
        """Seconds until this address may try again (0: it may now)."""
        key = self._key(address)
        try:
            client = caches["redis"]._cache.get_client(key)
            pipeline = client.pipeline(transaction=False)
            pipeline.get(key)
            pipeline.ttl(key)
            count, ttl = pipeline.execute()
            count = int(count or 0)
        except REDIS_ERRORS:
            count = caches["default"].get(key, 0)
            ttl = self.window
        return max(int(ttl), 1) if count >= self.limit else 0
