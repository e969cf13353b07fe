"""Django's Redis cache backend, with one redis-py client per connection pool, and a way to
see what it read and wrote during a block of code.

Django's RedisCacheClient.get_client() makes a new `redis.Redis` for every cache
call. Making one costs about half of a round trip to a local Redis (its table of
commands is built afresh each time), and a lab request on the cache engines makes
several calls. A client is safe to share between threads: each command takes a
connection from the pool. Everything else is Django's: the same pools, keys,
serializer and options.

`watching()` tells, by Redis key, the first value each GET found and the last value
each SET or DEL left (with the TTL it set), so the lab can show what Django wrote
without asking Redis again, as it does for the database rows Django saves.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

import redis
from django.core.cache.backends import redis as django_redis

# SET's options whose effect on the stored value and TTL is known: EX n, NX, XX.
_KNOWN_SET_OPTIONS = {b"NX", b"XX"}
# Commands that only read, or change nothing a watcher keeps.
_READ_ONLY = {b"EXISTS", b"TTL", b"PTTL", b"MGET", b"TYPE", b"PING"}


@dataclass
class Seen:
    """What the cache's clients did during `watching()`, by Redis key.

    `first_read`: the value the first GET of a key found (None: no such key).
    `written`: the value the last SET left (None after a DEL) and the TTL in seconds it
    set (None: none). `complete` is False once a command was sent whose effect is not
    followed here (a pipeline, any other command): what `written` says may then be out
    of date.
    """

    first_read: dict[str, bytes | None] = field(default_factory=dict)
    written: dict[str, tuple[bytes | None, int | None]] = field(default_factory=dict)
    complete: bool = True

    def command(self, args: tuple, result) -> None:
        name = _as_bytes(args[0]).upper()
        if name in _READ_ONLY:
            return
        if name == b"GET":
            self.first_read.setdefault(_as_text(args[1]), result)
        elif name in (b"DEL", b"UNLINK"):
            for key in args[1:]:
                self.written[_as_text(key)] = (None, None)
        elif name == b"SET" and self._set(args[1], args[2], args[3:], result):
            return
        else:
            self.complete = False

    def _set(self, key, value, options: tuple, result) -> bool:
        """Note a SET's effect; False if its options are not ones followed here."""
        ttl, rest = None, [_as_bytes(option).upper() for option in options]
        if b"EX" in rest:
            at = rest.index(b"EX")
            ttl, rest = int(rest[at + 1]), rest[:at] + rest[at + 2 :]
        if not set(rest) <= _KNOWN_SET_OPTIONS or not isinstance(value, (bytes, str, int)):
            return False
        if result:  # NX or XX may have left the key as it was
            self.written[_as_text(key)] = (_as_bytes(value), ttl)
        return True


def _as_bytes(value) -> bytes:
    if isinstance(value, bytes):
        return value
    return str(value).encode()


def _as_text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


_seen: ContextVar[Seen | None] = ContextVar("redis_cache_seen", default=None)


@contextmanager
def watching() -> Iterator[Seen]:
    """Within: what the cache's clients read and wrote (threads started with a copy of
    this context write to the same Seen)."""
    token = _seen.set(Seen())
    try:
        yield _seen.get()
    finally:
        _seen.reset(token)


class WatchedRedis(redis.Redis):
    """A redis-py client that tells the active `watching()` each command it sent."""

    def execute_command(self, *args, **options):
        seen = _seen.get()
        try:
            result = super().execute_command(*args, **options)
        except Exception:
            # A command that failed may still have been carried out (a timeout after
            # Redis did it): what was seen no longer says what Redis holds.
            if seen is not None:
                seen.complete = False
            raise
        if seen is not None:
            seen.command(args, result)
        return result

    def pipeline(self, *args, **kwargs):
        seen = _seen.get()
        if seen is not None:
            seen.complete = False
        return super().pipeline(*args, **kwargs)


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, servers, **options):
        super().__init__(servers, **options)
        self._client = WatchedRedis
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        # Django keeps its pools for the life of the cache: one client each.
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
