"""Brakes on guessing codes: wrong attempts counted per address, for every server process.

Each brake is a counter in Redis under `brake:<name>:<address>`, raised with
INCR and given its lifetime with EXPIRE NX in one transaction, so that two
hundred wrong guesses at once count two hundred, not the few that happened
to read the counter first. The window starts at the first wrong attempt.
While Redis is down (or is older than 7.0, which EXPIRE NX needs) the
counters live in this process's memory: the brake still holds, only per
process.
"""

import contextlib
import hashlib
from dataclasses import dataclass

import redis
from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest

REDIS_ERRORS = (redis.RedisError, OSError)


def client_address(request: HttpRequest) -> str:
    """The address a request came from (a classroom behind one router shares one).

    Behind a proxy (BEHIND_PROXY), the last X-Forwarded-For entry: the one the
    proxy appended. Earlier entries are whatever the client wrote.
    """
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        last = forwarded.rsplit(",", 1)[-1].strip()
        if last:
            return last[:64]
    return request.META.get("REMOTE_ADDR") or "unknown"


def browser_id(request: HttpRequest) -> str:
    """This browser, as far as the site can tell without a session: its CSRF cookie, hashed.

    Every form post carries one (CsrfViewMiddleware refuses it otherwise). A
    guesser can fetch a new one for every few tries; a brake on it only stops
    one browser hammering a form, never a classmate at the next desk.
    """
    secret = request.META.get("CSRF_COOKIE") or ""
    return hashlib.sha256(secret.encode()).hexdigest()[:24] if secret else client_address(request)


@dataclass(frozen=True)
class Brake:
    """At most `limit` attempts per address (or browser) within `window` seconds.

    `attempt()` counts first and answers after, in one step: however many
    requests arrive at once, no more than `limit` of them get past it.
    """

    name: str
    limit: int
    window: int

    def _key(self, who: str) -> str:
        return f"brake:{self.name}:{who}"

    def attempt(self, who: str) -> int:
        """Count one attempt; 0 if it may go ahead, else the seconds to wait."""
        key = self._key(who)
        try:
            client = caches["redis"]._cache.get_client(key, write=True)
            pipeline = client.pipeline(transaction=True)
            pipeline.incr(key)
            pipeline.expire(key, self.window, nx=True)
            pipeline.ttl(key)
            count, _expiry_set, ttl = pipeline.execute()
        except REDIS_ERRORS:
            local = caches["default"]
            local.add(key, 0, timeout=self.window)
            count, ttl = local.incr(key), self.window
        return 0 if int(count) <= self.limit else max(int(ttl), 1)

    def give_back(self, who: str) -> None:
        """Uncount an attempt that turned out right: only wrong ones use up the limit."""
        key = self._key(who)
        try:
            caches["redis"]._cache.get_client(key, write=True).decr(key)
        except REDIS_ERRORS:
            with contextlib.suppress(ValueError):
                caches["default"].decr(key)
