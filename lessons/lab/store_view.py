"""The store panel, part by part: what each server-side record shows, as rows for the store card.

A part of the store snapshot (store.py) becomes a StoreSection: a heading, and
either "cannot be reached", the record's rows, or "nothing under this key".
`lessons/lab/store_card.py` draws every section the same way; a new engine's
store is a new function here.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

from lessons.html_text import translated as _
from lessons.lab.store import RECORD_PARTS


@dataclass(frozen=True)
class StoreRow:
    """One fact of a record. `kind` says how it is drawn:
    text, code, long (cut code), json, ttl (counts down), bytes."""

    label: str
    value: Any
    kind: str = "code"
    # The dotted name panels.store_changes uses when this value changed.
    change: str = ""
    # A remark after the value ("(pickled by the cache)").
    remark: str = ""
    # A warning after the value, in bold.
    warning: str = ""


@dataclass(frozen=True)
class StoreSection:
    part: str
    heading: str
    testid: str
    rows: list[StoreRow] = field(default_factory=list)
    unreachable: str = ""
    down_testid: str = "store-redis-down"
    missing: str = ""
    missing_change: str = ""

    @property
    def missing_testid(self) -> str:
        return f"{self.testid}-missing"


def _section(
    part: str,
    heading: str,
    entry: dict,
    rows: list[StoreRow],
    *,
    missing: Callable[[], str],
    unreachable: Callable[[], str] = str,
    **facts: str,
) -> StoreSection:
    """A section with its rows if the record exists, else what is missing; "cannot be
    reached" only if it cannot. Each message is translated only if the section shows it."""
    facts.setdefault("testid", f"store-{part}")
    if not entry.get("reachable", True):
        facts["unreachable"] = unreachable()
    if entry.get("exists"):
        return StoreSection(part, heading, rows=rows, **facts)
    return StoreSection(part, heading, missing=missing(), **facts)


def _key_ttl_size(part: str, entry: dict, key: str, size_remark: str = "") -> list[StoreRow]:
    """The first rows of a Redis key or memcached item: its key, its lifetime, its size."""
    return [
        StoreRow(_("key"), entry.get(key), "long"),
        StoreRow("TTL", entry.get("ttl"), "ttl", f"{part}.ttl"),
        StoreRow(_("size"), entry.get("size"), "bytes", f"{part}.size", size_remark),
    ]


def _database(row: dict) -> StoreSection:
    expired = (
        _("(expired: ignored when loading, kept until clearsessions)") if row.get("expired") else ""
    )
    rows = [
        StoreRow("session_key", row.get("session_key"), "long"),
        StoreRow("session_data", row.get("session_data"), "long", "database.session_data"),
        StoreRow(_("decoded"), row.get("decoded"), "json", "database.decoded"),
        StoreRow(
            "expire_date",
            row.get("expire_date"),
            change="database.expire_date",
            warning=expired,
        ),
    ]
    return _section(
        "database",
        _("Database row in %(table)s") % {"table": row.get("table", "")},
        row,
        rows,
        missing=lambda: _("No row with this key."),
        missing_change="database.exists",
    )


def _file(entry: dict) -> StoreSection:
    rows = [
        StoreRow(_("path"), entry.get("path"), "long"),
        StoreRow(_("size"), entry.get("size"), "bytes", "file.size"),
        StoreRow(_("modified"), entry.get("modified"), change="file.modified"),
        StoreRow(_("content"), entry.get("raw"), "long", "file.raw"),
        StoreRow(_("decoded"), entry.get("decoded"), "json", "file.decoded"),
    ]
    return _section(
        "file",
        _("File"),
        entry,
        rows,
        missing=lambda: _("No file at %(path)s.") % {"path": entry.get("path", "")},
    )


def _cache(entry: dict) -> StoreSection:
    rows = [
        *_key_ttl_size("cache", entry, "redis_key", _("(pickled by the cache)")),
        StoreRow(_("value"), entry.get("decoded"), "json", "cache.decoded"),
    ]
    return _section(
        "cache",
        _("Redis key"),
        entry,
        rows,
        unreachable=lambda: _(
            "Redis is not reachable: nothing can be read from the cache until it is back."
        ),
        missing=lambda: _("No Redis key %(key)s.") % {"key": entry.get("redis_key", "")},
    )


def _memcached(entry: dict) -> StoreSection:
    key, _ttl, size = _key_ttl_size("memcached", entry, "key", _("(pickled by the cache)"))
    ttl = entry.get("ttl")
    time_left = StoreRow(
        _("time left"),
        _("no expiry") if ttl == -1 else ttl,
        "text" if ttl == -1 else "ttl",
        "memcached.ttl",
        _("(asked with the meta command mg; Django's cache API cannot read it)"),
    )
    rows = [
        key,
        time_left,
        size,
        StoreRow(_("value"), entry.get("decoded"), "json", "memcached.decoded"),
    ]
    return _section(
        "memcached",
        _("memcached item"),
        entry,
        rows,
        unreachable=lambda: (
            _(
                "memcached is not reachable at %(location)s: nothing can be read from this cache "
                "until it runs."
            )
            % {"location": entry.get("location", "")}
        ),
        down_testid="store-memcached-down",
        missing=lambda: _("No memcached item %(key)s.") % {"key": entry.get("key", "")},
    )


def _redis_json(entry: dict) -> StoreSection:
    rows = [
        *_key_ttl_size("redis", entry, "redis_key"),
        StoreRow(_("value (as redis-cli GET shows it)"), entry.get("raw"), "long", "redis.raw"),
        StoreRow(_("decoded"), entry.get("decoded"), "json", "redis.decoded"),
    ]
    return _section(
        "redis",
        _("Redis key (redis_json engine)"),
        entry,
        rows,
        testid="store-redis-json",
        unreachable=lambda: _(
            "Redis is not reachable: nothing can be read from it until it is back."
        ),
        missing=lambda: _("No Redis key %(key)s.") % {"key": entry.get("redis_key", "")},
    )


# By part of the snapshot, in store.RECORD_PARTS order.
SECTIONS = {
    "database": _database,
    "file": _file,
    "cache": _cache,
    "memcached": _memcached,
    "redis": _redis_json,
}


def store_sections(store: dict[str, Any] | None) -> list[StoreSection]:
    """The server-side records of a store snapshot, in the order the panel shows them."""
    store = store or {}
    return [SECTIONS[part](store[part]) for part in RECORD_PARTS if store.get(part)]


# What django.contrib.auth keeps in a session (django/contrib/auth/__init__.py), and what
# Django does with each (translated only when a session holds it).
LOGIN_KEY_MEANINGS = {
    SESSION_KEY: lambda: _(
        "the logged-in user's primary key: AuthenticationMiddleware loads request.user "
        "from it on every request that asks"
    ),
    BACKEND_SESSION_KEY: lambda: _(
        "the authentication backend that logged them in: get_user() asks it for the "
        "user, and only if it is still in AUTHENTICATION_BACKENDS"
    ),
    HASH_SESSION_KEY: lambda: _(
        "an HMAC of the user's password hash: after a password change it no longer "
        "matches, and get_user() flushes the session"
    ),
}
LOGIN_KEYS = tuple(LOGIN_KEY_MEANINGS)


def login_keys(store: dict[str, Any] | None) -> list[StoreRow]:
    """The login keys the stored session holds, each with what Django does with it."""
    store = store or {}
    data: dict = {}
    for part in RECORD_PARTS:
        decoded = (store.get(part) or {}).get("decoded")
        if isinstance(decoded, dict) and decoded:
            data = decoded
            break
    else:
        payload = (store.get("cookie") or {}).get("payload")
        data = payload if isinstance(payload, dict) else {}
    return [
        StoreRow(key, data[key], "long", remark=meaning())
        for key, meaning in LOGIN_KEY_MEANINGS.items()
        if key in data
    ]
