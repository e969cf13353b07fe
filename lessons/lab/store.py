"""What a session engine holds for one session key: read straight from the store, or, for
what Django wrote during the lab request, taken from the write (seen_in_run).

Each snapshot is plain JSON (strings, numbers, lists, dicts) so that it can be
kept with the timeline, compared with the previous one and served as JSON.
"""

import datetime
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.core.cache.backends.base import InvalidCacheKey
from django.utils import timezone
from pymemcache.exceptions import MemcacheError

from lessons.engines import ENGINES
from lessons.lab.cookies import decode_signed_cookie
from lessons.session_engines import redis_json
from tutorial.redis_cache import Seen, watching

CACHE_KEY_PREFIXES = {
    "cache": "django.contrib.sessions.cache",
    "cached_db": "django.contrib.sessions.cached_db",
}
REDIS_ERRORS = (redis.RedisError, OSError)
MEMCACHED_ERRORS = (MemcacheError, OSError)
# The parts of a snapshot that hold a server-side record, in the order the
# Store panel shows them.
RECORD_PARTS = ("database", "file", "cache", "memcached", "redis")
# The shape of every key SessionBase makes (_get_new_session_key).
DJANGO_SESSION_KEY = re.compile(r"[a-z0-9]{32}")
# A session file is at most the lab's session limit, signed: never read more.
MAX_FILE_READ = 256 * 1024
# What a session store that cannot be reached raises, whichever server it is.
STORE_ERRORS = (*REDIS_ERRORS, MemcacheError)


def _decode(raw: str) -> Any:
    """Decode stored session data as Django does: bad data gives an empty session.

    The signing salt is derived from the class name, "SessionStore", which the
    db, file and cached_db engines share.
    """
    return DatabaseSessionStore().decode(raw)


@dataclass
class SeenInRun:
    """What Django wrote to the stores during a lab request, seen as it wrote it, so that
    the Store panel need not read it back: the django_session rows it saved (the instance)
    or deleted (None), by session key, from the model's post_save and post_delete
    signals; and what the "redis" cache's clients read and wrote (tutorial/redis_cache.py)."""

    rows: dict[str, Session | None] = field(default_factory=dict)
    redis: Seen = field(default_factory=Seen)


_seen_in_run: ContextVar[SeenInRun | None] = ContextVar("seen_in_run", default=None)


@contextmanager
def seen_in_run() -> Iterator[SeenInRun]:
    """Within: what Django writes to the database and the "redis" cache (SeenInRun)."""
    with watching() as redis_seen:
        token = _seen_in_run.set(SeenInRun(redis=redis_seen))
        try:
            yield _seen_in_run.get()
        finally:
            _seen_in_run.reset(token)


def note_row_saved(sender, instance: Session, **kwargs) -> None:
    """Receiver of post_save for Session (connected in apps.py)."""
    seen = _seen_in_run.get()
    if seen is not None:
        seen.rows[instance.session_key] = instance


def note_row_deleted(sender, instance: Session, **kwargs) -> None:
    """Receiver of post_delete for Session (connected in apps.py)."""
    seen = _seen_in_run.get()
    if seen is not None:
        seen.rows[instance.session_key] = None


def database_row(
    session_key: str, written: dict[str, Session | None] | None = None
) -> dict[str, Any]:
    """The django_session row for this key: the one Django wrote in this request when it
    wrote one (`written`, SeenInRun.rows), else read from the table."""
    if written is not None and session_key in written:
        row = written[session_key]
    else:
        row = Session.objects.filter(session_key=session_key).first()
    if row is None:
        return {"exists": False, "table": Session._meta.db_table}
    return {
        "exists": True,
        "table": Session._meta.db_table,
        "session_key": row.session_key,
        "session_data": row.session_data,
        "decoded": _decode(row.session_data),
        "expire_date": row.expire_date.isoformat(),
        "expired": row.expire_date <= timezone.now(),
    }


def session_file(directory: str, cookie_name: str, session_key: str) -> dict[str, Any]:
    """The file engine's file for this key (a key of Django's shape: see is_session_key)."""
    path = Path(directory) / f"{cookie_name}{session_key}"
    try:
        stat = path.stat()
        with path.open(encoding="ascii") as file:
            raw = file.read(MAX_FILE_READ)
    except (OSError, UnicodeDecodeError):
        return {"exists": False, "path": str(path)}
    return {
        "exists": True,
        "path": str(path),
        "size": stat.st_size,
        "modified": datetime.datetime.fromtimestamp(stat.st_mtime, tz=datetime.UTC).isoformat(),
        "raw": raw,
        "decoded": _decode(raw),
    }


def cache_entry(
    engine_name: str, session_key: str, alias: str = "redis", seen: Seen | None = None
) -> dict[str, Any]:
    """The cache engines' entry for this key, in the cache SESSION_CACHE_ALIAS names: on
    Redis, what Django wrote in this request when `seen` tells it, else read from Redis."""
    if alias == "memcached":
        return memcached_entry(engine_name, session_key)
    cache = caches[alias]
    django_key, redis_key = cache_keys(alias, engine_name, session_key)
    if seen is not None and seen.complete and redis_key in seen.written:
        raw, ttl = seen.written[redis_key]
        # Redis's TTL right after SET ... EX n is n; without EX there is none (-1).
        ttl = -1 if ttl is None else ttl
    else:
        try:
            # One round trip for both.
            ttl, raw = _ttl_and_value(cache._cache.get_client(django_key), redis_key)
        except REDIS_ERRORS as error:
            return {"reachable": False, "redis_key": redis_key, "error": type(error).__name__}
    return {
        "reachable": True,
        "exists": raw is not None,
        "alias": alias,
        "redis_key": redis_key,
        "ttl": ttl if raw is not None else None,
        "size": len(raw) if raw is not None else None,
        # Unpacked as Django's RedisCache does.
        "decoded": cache._cache._serializer.loads(raw) if raw is not None else None,
    }


def cache_keys(alias: str, engine_name: str, session_key: str) -> tuple[str, str]:
    """The key Django's cache engines give the cache for a session, and the key the cache
    server holds it under (with the cache's prefix and version)."""
    django_key = CACHE_KEY_PREFIXES[engine_name] + session_key
    return django_key, caches[alias].make_key(django_key)


def found_in_redis(engine_name: str, session_key: str | None, seen: Seen) -> bool | None:
    """For cached_db on the "redis" cache: did Django find the session in the cache when it
    loaded it? What its own GET found (`seen`); None if it did not ask."""
    if engine_name != "cached_db" or not session_key or not is_session_key(session_key):
        return None
    _django_key, redis_key = cache_keys("redis", "cached_db", session_key)
    if redis_key not in seen.first_read:
        return None
    return seen.first_read[redis_key] is not None


def _ttl_and_value(client, redis_key: str) -> tuple[int, bytes | None]:
    """A Redis key's TTL and value, asked in one round trip."""
    pipeline = client.pipeline(transaction=False)
    pipeline.ttl(redis_key)
    pipeline.get(redis_key)
    ttl, raw = pipeline.execute()
    return ttl, raw


def memcached_entry(engine_name: str, session_key: str) -> dict[str, Any]:
    """The memcached item of a cache session: its key, size, value and remaining lifetime.

    Django's cache API reads values only. The remaining lifetime comes from
    memcached's meta command `mg <key> t s` (memcached 1.6+); the classic
    get/set protocol has no way to ask for it.
    """
    cache = caches["memcached"]
    django_key, key = cache_keys("memcached", engine_name, session_key)
    entry: dict[str, Any] = {"key": key, "alias": "memcached", "location": cache._servers[0]}
    try:
        cache.validate_key(key)
    except InvalidCacheKey:
        return {**entry, "reachable": True, "exists": False}
    try:
        # The cache's own connection to the server that holds this key.
        meta = cache._cache._get_client(key).raw_command(f"mg {key} t s", "\r\n").split()
        value = cache.get(django_key) if meta[:1] == [b"HD"] else None
    except MEMCACHED_ERRORS as error:
        return {**entry, "reachable": False, "error": type(error).__name__}
    if meta[:1] != [b"HD"]:
        return {**entry, "reachable": True, "exists": False}
    flags = {item[:1]: item[1:] for item in meta[1:]}
    ttl = int(flags[b"t"]) if b"t" in flags else None
    return {
        **entry,
        "reachable": True,
        "exists": True,
        # -1: stored without an expiry time.
        "ttl": ttl,
        "size": int(flags[b"s"]) if b"s" in flags else None,
        "decoded": value,
    }


def redis_json_entry(session_key: str) -> dict[str, Any]:
    """This project's redis_json engine: the Redis key, its TTL, the JSON as stored, the data."""
    store = redis_json.SessionStore()
    redis_key = store.redis_key(session_key)
    client = redis_json.redis_client()
    try:
        ttl, raw = _ttl_and_value(client, redis_key)
    except REDIS_ERRORS as error:
        return {"reachable": False, "redis_key": redis_key, "error": type(error).__name__}
    if raw is None:
        return {"reachable": True, "exists": False, "redis_key": redis_key}
    text = raw.decode("utf-8", errors="replace")
    return {
        "reachable": True,
        "exists": True,
        "redis_key": redis_key,
        "ttl": ttl,
        "size": len(raw),
        "raw": text,
        "decoded": store.decode(text),
    }


def store_snapshot_for(
    engine_name: str,
    cookie_name: str,
    session_key: str | None,
    cookie_age: int,
    cache_alias: str = "redis",
    file_directory: str | None = None,
    seen: SeenInRun | None = None,
) -> dict:
    """What the engine stores for this key: the row, the file, the Redis key, the memcached
    item, or the cookie.

    `session_key` is the lab cookie's value (for signed_cookies, the signed data itself);
    `file_directory` is the SESSION_FILE_PATH the file engine used; `seen` what Django
    wrote in this request (seen_in_run), which is not read back.
    """
    engine = ENGINES[engine_name]
    snapshot: dict[str, Any] = {"engine": engine_name, "session_key": session_key}
    if not session_key:
        snapshot["empty"] = True
        return snapshot
    if engine_name == "signed_cookies":
        snapshot["cookie"] = decode_signed_cookie(session_key, max_age=cookie_age)
        return snapshot
    if not is_session_key(session_key):
        # Nothing is ever stored under it, so no store is asked (a cookie value
        # is no file name, and some stores refuse odd keys).
        snapshot["not_a_key"] = True
        return snapshot
    if engine.uses_database:
        snapshot["database"] = database_row(session_key, seen.rows if seen else None)
    if engine.uses_files:
        snapshot["file"] = session_file(
            file_directory or str(settings.LAB_SESSION_FILE_PATH), cookie_name, session_key
        )
    if engine.uses_cache:
        # Redis entries stay under "cache", where the exercises look for them.
        part = "memcached" if cache_alias == "memcached" else "cache"
        snapshot[part] = cache_entry(
            engine_name, session_key, cache_alias, seen.redis if seen else None
        )
    if engine.uses_redis:
        snapshot["redis"] = redis_json_entry(session_key)
    return snapshot


def is_session_key(value: str) -> bool:
    """Could a store hold a session under this cookie value? Only if Django made it:
    every engine's keys are 32 characters of a-z and 0-9."""
    return bool(DJANGO_SESSION_KEY.fullmatch(value))


def stored_record_exists(engine_name: str, session_key: str, cache_alias: str) -> bool | None:
    """Is there any record under this key in the engine's store, live or expired?

    None when the store cannot be asked. The file engine's directory is the
    learner's own, so whatever it holds is theirs: it is not asked.
    """
    if not is_session_key(session_key):
        return False
    engine = ENGINES[engine_name]
    try:
        if engine.uses_database and Session.objects.filter(session_key=session_key).exists():
            return True
        if engine.uses_cache:
            django_key = CACHE_KEY_PREFIXES[engine_name] + session_key
            try:
                if caches[cache_alias].has_key(django_key):
                    return True
            except InvalidCacheKey:  # memcached's key rules: nothing can be stored under it
                pass
        if engine.uses_redis:
            store = redis_json.SessionStore()
            if redis_json.redis_client().exists(store.redis_key(session_key)):
                return True
    except STORE_ERRORS:
        return None
    return False


def ensure_file_store(directory: str) -> None:
    """The file engine refuses a SESSION_FILE_PATH that does not exist: create it."""
    os.makedirs(directory, mode=0o700, exist_ok=True)


def remove_stored_sessions(keys: list[tuple[str, str]]) -> list[str]:
    """Delete the records of these (engine, session key) pairs from every server-side store.

    Returns the stores that could not be reached (their records stay until
    they expire there). Files are not touched: they go with their learner's
    directory.
    """
    unreachable = []
    database_keys = [key for engine, key in keys if ENGINES[engine].uses_database]
    Session.objects.filter(session_key__in=database_keys).delete()
    for alias in ("redis", "memcached"):
        cache_keys = [
            CACHE_KEY_PREFIXES[engine] + key
            for engine, key in keys
            if engine in CACHE_KEY_PREFIXES and is_session_key(key)
        ]
        if not cache_keys:
            continue
        try:
            caches[alias].delete_many(cache_keys)
        except STORE_ERRORS:
            unreachable.append(alias)
    redis_keys = [
        redis_json.SessionStore().redis_key(key) for engine, key in keys if engine == "redis_json"
    ]
    if redis_keys:
        try:
            redis_json.redis_client().delete(*redis_keys)
        except REDIS_ERRORS:
            unreachable.append("redis")
    return sorted(set(unreachable))
