"""What a session engine holds for one session key, read straight from the store.

Each snapshot is plain JSON (strings, numbers, lists, dicts) so that it can be
kept with the timeline, compared with the previous one and served as JSON.
"""

import datetime
import os
from pathlib import Path
from typing import Any

import redis
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.utils import timezone

from lessons.lab.cookies import decode_signed_cookie
from lessons.lab.engines import ENGINES

CACHE_KEY_PREFIXES = {
    "cache": "django.contrib.sessions.cache",
    "cached_db": "django.contrib.sessions.cached_db",
}
REDIS_ERRORS = (redis.RedisError, OSError)


def _decode(raw: str) -> Any:
    """Decode stored session data as Django does: bad data gives an empty session.

    The signing salt is derived from the class name, "SessionStore", which the
    db, file and cached_db engines share.
    """
    return DatabaseSessionStore().decode(raw)


def database_row(session_key: str) -> dict[str, Any]:
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


def session_file(cookie_name: str, session_key: str) -> dict[str, Any]:
    path = Path(settings.LAB_SESSION_FILE_PATH) / f"{cookie_name}{session_key}"
    try:
        stat = path.stat()
        raw = path.read_text(encoding="ascii")
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


def cache_entry(engine_name: str, session_key: str) -> dict[str, Any]:
    cache = caches[settings.LAB_SESSION_CACHE_ALIAS]
    django_key = CACHE_KEY_PREFIXES[engine_name] + session_key
    redis_key = cache.make_key(django_key)
    try:
        client = cache._cache.get_client(django_key)
        ttl = client.ttl(redis_key)
        raw = client.get(redis_key)
        value = cache.get(django_key)
    except REDIS_ERRORS as error:
        return {"reachable": False, "redis_key": redis_key, "error": type(error).__name__}
    return {
        "reachable": True,
        "exists": raw is not None,
        "alias": settings.LAB_SESSION_CACHE_ALIAS,
        "redis_key": redis_key,
        "ttl": ttl if raw is not None else None,
        "size": len(raw) if raw is not None else None,
        "decoded": value,
    }


def store_snapshot_for(
    engine_name: str, cookie_name: str, session_key: str | None, cookie_age: int
) -> dict:
    """What the engine stores for this key: the row, the file, the Redis key, or the cookie.

    `session_key` is the lab cookie's value (for signed_cookies, the signed data itself).
    """
    engine = ENGINES[engine_name]
    snapshot: dict[str, Any] = {"engine": engine_name, "session_key": session_key}
    if not session_key:
        snapshot["empty"] = True
        return snapshot
    if engine_name == "signed_cookies":
        snapshot["cookie"] = decode_signed_cookie(session_key, max_age=cookie_age)
        return snapshot
    if engine.uses_database:
        snapshot["database"] = database_row(session_key)
    if engine.uses_files:
        snapshot["file"] = session_file(cookie_name, session_key)
    if engine.uses_cache:
        snapshot["cache"] = cache_entry(engine_name, session_key)
    return snapshot


def ensure_file_store() -> None:
    """The file engine refuses a SESSION_FILE_PATH that does not exist: create it."""
    os.makedirs(settings.LAB_SESSION_FILE_PATH, exist_ok=True)
