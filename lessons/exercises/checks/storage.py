"""Checks for the lessons on where a session is kept: cache, cached_db, signed cookies,
and how long the server keeps it (lessons 5 to 8)."""

import json

from django.conf import global_settings
from django.utils.translation import gettext as _

from lessons.exercises.checks import Verdict, check
from lessons.exercises.evidence import (
    Evidence,
    action_label,
    engine_name,
    notes_of,
    shorten,
    store_part,
)
from lessons.lab.notes import Note

REDIS_KEY_SECONDS = 300
# The TTL is read right after the save; a slow request may lose a second or two.
REDIS_KEY_SLACK = 5


# --- Lesson 5: cache sessions --------------------------------------------------------


@check("five-minute-redis-key")
def five_minute_redis_key(evidence: Evidence) -> Verdict:
    """The cache engine, SESSION_COOKIE_AGE at two weeks, and one session saved with a 300 s TTL."""
    saved = None
    for exchange in evidence.exchanges:
        cookie = evidence.set_cookie(exchange)
        if engine_name(exchange) == "cache" and cookie is not None and not cookie.is_deletion:
            saved = (exchange, cookie)
            break
    if saved is None:
        return Verdict(
            False,
            _(
                "No response has saved a session with the cache engine yet: choose cache in "
                "Settings, then change the session (Set a key)."
            ),
        )
    exchange, cookie = saved
    entry = store_part(exchange, "cache")
    if not entry.get("reachable", True):
        return Verdict(
            False,
            _("Redis did not answer when your session was saved: try again in a moment."),
        )
    if not entry.get("exists"):
        return Verdict(
            False,
            _(
                "After your last save the Store panel found no Redis key for your session. "
                "Save the session again (Set a key)."
            ),
        )
    age = exchange.settings_snapshot.get("SESSION_COOKIE_AGE")
    if age != global_settings.SESSION_COOKIE_AGE:
        return Verdict(
            False,
            _(
                "Your SESSION_COOKIE_AGE is %(age)s: that changes the lifetime of every "
                "session. Put it back to %(default)s and give this one session its own expiry."
            )
            % {"age": age, "default": global_settings.SESSION_COOKIE_AGE},
        )
    ttl = entry.get("ttl")
    if not isinstance(ttl, int) or not (
        REDIS_KEY_SECONDS - REDIS_KEY_SLACK <= ttl <= REDIS_KEY_SECONDS
    ):
        return Verdict(
            False,
            _(
                "After your last save the Redis key %(key)s had a TTL of %(ttl)s seconds; the "
                "goal is %(goal)s."
            )
            % {"key": entry.get("redis_key", "?"), "ttl": ttl, "goal": REDIS_KEY_SECONDS},
        )
    return Verdict(
        True,
        _(
            "Done: the Redis key %(key)s got a TTL of %(ttl)s seconds, while SESSION_COOKIE_AGE "
            "stayed at %(default)s. Redis deletes the key by itself when the TTL runs out."
        )
        % {
            "key": entry.get("redis_key", "?"),
            "ttl": ttl,
            "default": global_settings.SESSION_COOKIE_AGE,
        },
    )


# --- Lesson 6: cached database sessions ----------------------------------------------


@check("survive-cache-loss")
def survive_cache_loss(evidence: Evidence) -> Verdict:
    """cached_db: the Redis copy gone, a read from the database, the copy back, the data kept."""
    lost: dict[str, dict] = {}  # session key -> the data the row held when the copy was gone
    evicted_from_cache_engine: set[str] = set()
    used_cached_db = False
    problem = None
    for exchange in evidence.chronological:
        engine = engine_name(exchange)
        sent = evidence.cookie_sent(exchange) or ""
        if engine == "cache":
            if sent in evicted_from_cache_engine and notes_of(exchange, Note.SESSION_NOT_FOUND):
                problem = _(
                    "With the cache engine the session lived only in Redis: after the loss, the "
                    "next request (%(action)s) found nothing and Django started an empty "
                    "session. Try the same with cached_db."
                ) % {"action": action_label(exchange.action)}
            if exchange.action == "evict_cache" and (exchange.result or {}).get("value"):
                evicted_from_cache_engine.add(sent)
            continue
        if engine != "cached_db":
            continue
        used_cached_db = True
        database = store_part(exchange, "database")
        cache = store_part(exchange, "cache")
        served = notes_of(exchange, Note.SERVED_FROM)
        if sent in lost and served and served[0].get("store") == "database":
            data_before = lost.pop(sent)
            data_after = database.get("decoded") or {}
            if not (cache.get("exists") and cache.get("decoded") == data_after):
                problem = _(
                    "The request (%(action)s) read your session from the database, but Redis did "
                    "not get the copy back. Try another read."
                ) % {"action": action_label(exchange.action)}
            elif missing := [name for name in data_before if name not in data_after]:
                problem = _(
                    "The session came back from the database, but the same request (%(action)s) "
                    "removed %(keys)s from it. Read it without changing it."
                ) % {"action": action_label(exchange.action), "keys": ", ".join(missing)}
            else:
                return Verdict(
                    True,
                    _(
                        "Done: Redis had lost your session, the next request (%(action)s) read it "
                        "from the database (%(data)s) and put the copy back in Redis."
                    )
                    % {
                        "action": action_label(exchange.action),
                        "data": json.dumps(data_after, ensure_ascii=False),
                    },
                )
        elif sent in lost and not served and exchange.action != "evict_cache":
            problem = _(
                "Your session's copy is gone from Redis and the row is still in django_session, "
                "but the request (%(action)s) did not read the session. Send one that does."
            ) % {"action": action_label(exchange.action)}
        key = exchange.session_key
        row_data = database.get("decoded") if database.get("exists") else None
        if (
            key
            and row_data
            and not database.get("expired")
            and cache.get("reachable", True)
            and not cache.get("exists")
        ):
            lost[key] = row_data
            if exchange.action == "evict_cache":
                problem = _(
                    "Your session's copy is gone from Redis and the row is still in "
                    "django_session. Now send a request that reads the session."
                )
        elif key and cache.get("exists"):
            lost.pop(key, None)
    if problem:
        return Verdict(False, problem)
    if used_cached_db:
        return Verdict(
            False,
            _(
                "Every read of your cached_db session so far was served from the cache: the "
                "copy in Redis has not been lost yet."
            ),
        )
    return Verdict(
        False,
        _(
            "No request has used the cached_db engine yet: choose it in Settings and put "
            "something in the session."
        ),
    )


# --- Lesson 7: signed cookie sessions ------------------------------------------------


def _parts(value: str) -> set[str]:
    return {part for part in value.split(":") if part}


@check("tampered-signed-cookie")
def tampered_signed_cookie(evidence: Evidence) -> Verdict:
    """A signed cookie the server set, sent back with a change, and refused by Django."""
    signed: list[str] = []  # the values the lab set, oldest first
    problem = None
    for exchange in evidence.chronological:
        if engine_name(exchange) != "signed_cookies":
            continue
        sent = evidence.cookie_sent(exchange)
        derived = bool(
            sent and sent not in signed and any(_parts(sent) & _parts(value) for value in signed)
        )
        rejected = notes_of(exchange, Note.SIGNED_COOKIE_REJECTED)
        seen = None
        reason = (rejected[0].get("problem") or "?") if rejected else None
        if reason == "expired":
            seen = _(
                "Django refused your cookie because it was signed more than SESSION_COOKIE_AGE "
                "seconds ago (expired), not because it was changed. Change one character of "
                "a fresh cookie."
            )
        elif rejected and derived:
            replaced = evidence.set_cookie(exchange)
            return Verdict(
                True,
                _(
                    "Done: the cookie you changed failed its check (%(problem)s). "
                    "Django threw its data away without an error page, the request (%(action)s) "
                    "saw an empty session, and the response replaced your cookie with a newly "
                    "signed one: %(value)s"
                )
                % {
                    "problem": reason,
                    "action": action_label(exchange.action),
                    "value": shorten(replaced.value) if replaced else "—",
                },
            )
        elif rejected and not notes_of(exchange, Note.ENGINE_CHANGED):
            seen = _(
                "Django refused the cookie you sent, but it is not a cookie the server signed "
                "with a character changed. Start from the value under Set-Cookie in the last "
                "response and change one character."
            )
        elif derived:
            seen = _(
                "Your browser sent a changed cookie with a request that never touches the "
                "session (%(action)s), so Django never checked the signature. Send a request "
                "that reads the session."
            ) % {"action": action_label(exchange.action)}
        cookie = evidence.set_cookie(exchange)
        if seen:
            problem = seen
        elif cookie is not None and not cookie.is_deletion:
            problem = None  # a fresh cookie: what came before no longer matters
        if cookie is not None and not cookie.is_deletion:
            signed.append(cookie.value)
    if problem:
        return Verdict(False, problem)
    if not signed:
        return Verdict(
            False,
            _(
                "No response has set a signed cookie yet: choose the signed_cookies engine and "
                "change the session (Set a key)."
            ),
        )
    return Verdict(
        False,
        _(
            "Your browser has not sent back a changed cookie yet (the server last signed "
            "%(value)s). Change one character of its value in your browser's developer "
            "tools, then send a request that reads the session."
        )
        % {"value": shorten(signed[-1])},
    )


# --- Lesson 8: how long a session lives ----------------------------------------------


@check("browser-close-server-expiry")
def browser_close_server_expiry(evidence: Evidence) -> Verdict:
    """A cookie without Max-Age or Expires, on an engine that keeps the session with an end."""
    for exchange in evidence.exchanges:
        cookie = evidence.set_cookie(exchange)
        if cookie is None or cookie.is_deletion:
            continue
        if not cookie.is_session_cookie:
            if cookie.max_age is not None:
                return Verdict(
                    False,
                    _(
                        "Your last response set Max-Age=%(age)s: the browser keeps that cookie "
                        "after it closes. The goal needs a cookie without Max-Age or Expires."
                    )
                    % {"age": cookie.max_age},
                )
            return Verdict(
                False,
                _(
                    "Your last response set Expires: the browser keeps that cookie after it "
                    "closes. The goal needs a cookie without Max-Age or Expires."
                ),
            )
        engine = engine_name(exchange)
        database = store_part(exchange, "database")
        cache = store_part(exchange, "cache")
        file = (exchange.store or {}).get("file") or {}
        if engine == "signed_cookies":
            return Verdict(
                False,
                _(
                    "The cookie has no Max-Age, but with signed_cookies nothing is kept on the "
                    "server: the cookie is the whole session. Choose an engine that stores the "
                    "session on the server."
                ),
            )
        if database.get("exists") and not database.get("expired"):
            return Verdict(
                True,
                _(
                    "Done: the cookie has no Max-Age or Expires, so the browser forgets it when "
                    "it closes, but the row in django_session keeps expire_date %(date)s."
                )
                % {"date": database.get("expire_date", "?")},
            )
        if cache.get("exists") and isinstance(cache.get("ttl"), int) and cache["ttl"] > 0:
            return Verdict(
                True,
                _(
                    "Done: the cookie has no Max-Age or Expires, so the browser forgets it when "
                    "it closes, but the Redis key keeps a TTL of %(ttl)s seconds."
                )
                % {"ttl": cache["ttl"]},
            )
        if file.get("exists"):
            return Verdict(
                True,
                _(
                    "Done: the cookie has no Max-Age or Expires, so the browser forgets it when "
                    "it closes, but the session file stays valid for SESSION_COOKIE_AGE "
                    "(%(age)s seconds) after its last change."
                )
                % {"age": exchange.settings_snapshot.get("SESSION_COOKIE_AGE")},
            )
        return Verdict(
            False,
            _(
                "The cookie has no Max-Age, but the Store panel found no live session on the "
                "server after that response. Change the session again."
            ),
        )
    return Verdict(
        False,
        _("No lab response has set a session cookie yet: change the session first (Set a key)."),
    )
