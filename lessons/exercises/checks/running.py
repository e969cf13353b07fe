"""Checks for lessons 11 to 13: what travels with each engine, cleaning up, and the TTL a
session engine must give its records.

Every check reads only what the lab recorded (LabExchange rows).
"""

import datetime
import json

from django.utils.translation import gettext as _

from lessons.exercises.checks import Verdict, check
from lessons.exercises.evidence import (
    Evidence,
    engine_name,
    notes_of,
    store_part,
)
from lessons.lab.actions import ACTIONS
from lessons.lab.notes import Note
from lessons.models import LabExchange

# A TTL read right after the save may already have counted down a little.
TTL_SLACK_SECONDS = 2


# --- 11 Choosing an engine: what travels with every request --------------------


def carried_back(evidence: Evidence, index: int, exchange: LabExchange) -> bool:
    """Did a later request on the same engine bring back the cookie this exchange left?"""
    return any(
        engine_name(newer) == engine_name(exchange)
        and evidence.cookie_sent(newer) == exchange.session_key
        for newer in evidence.exchanges[:index]
    )


@check("what-travels")
def what_travels(evidence: Evidence) -> Verdict:
    """The same session data on a server-side engine and on signed_cookies, both sent back."""
    server: dict[str, tuple[str, int]] = {}  # data as JSON -> (engine, cookie length)
    signed: dict[str, int] = {}  # data as JSON -> cookie length
    waiting = False
    for index, exchange in enumerate(evidence.exchanges):
        data = evidence.stored_data(exchange)
        engine = engine_name(exchange)
        if not data or not exchange.session_key or not engine:
            continue
        if not carried_back(evidence, index, exchange):
            waiting = True
            continue
        shape = json.dumps(data, sort_keys=True)
        length = len(exchange.session_key)
        if engine == "signed_cookies":
            signed.setdefault(shape, length)
        else:
            server.setdefault(shape, (engine, length))
    for shape, signed_length in signed.items():
        if shape in server:
            engine, server_length = server[shape]
            return Verdict(
                True,
                _(
                    "Done: for the same data, the browser sent %(server)s characters with "
                    "%(engine)s, a key, and %(signed)s with signed_cookies, the data itself, "
                    "signed. It grows with the session, on every request."
                )
                % {"server": server_length, "engine": engine, "signed": signed_length},
            )
    if server and signed:
        return Verdict(
            False,
            _(
                "Your server-side session and your signed_cookies session hold different "
                "data: store the same key and value in both."
            ),
        )
    if server:
        engine, length = next(iter(server.values()))
        return Verdict(
            False,
            _(
                "With %(engine)s the browser sent back a %(length)s-character key. Now store "
                "the same data with signed_cookies and send one more request."
            )
            % {"engine": engine, "length": length},
        )
    if signed:
        return Verdict(
            False,
            _(
                "With signed_cookies the browser sent back %(length)s characters: the data "
                "itself, signed. Now store the same data on a server-side engine (db, for "
                "example) and send one more request."
            )
            % {"length": next(iter(signed.values()))},
        )
    if waiting:
        return Verdict(
            False,
            _(
                "The session holds data. Now send one more request (Read a key), so that the "
                "browser carries the cookie back."
            ),
        )
    return Verdict(
        False,
        _(
            "Store the same data with a server-side engine and with signed_cookies, and after "
            "each, send one more request."
        ),
    )


# --- 12 Cleaning up: Redis expires the session, clearsessions does not -----------


def key_gone(exchange: LabExchange) -> bool:
    return store_part(exchange, "cache").get("exists") is False or bool(
        notes_of(exchange, Note.SESSION_NOT_FOUND)
    )


@check("cache-expires-itself")
def cache_expires_itself(evidence: Evidence) -> Verdict:
    """clearsessions leaves a cache session alone; its TTL removes it later."""
    exchanges = evidence.chronological
    problem = None
    for index, run in enumerate(exchanges):
        if run.action != "clearsessions":
            continue
        engine = engine_name(run)
        if engine != "cache":
            problem = _(
                "Your clearsessions ran with the %(engine)s engine. This goal is about the cache "
                "engine: choose it, start a session and run clearsessions."
            ) % {"engine": engine}
            continue
        key = evidence.cookie_sent(run)
        if not key or not store_part(run, "cache").get("exists"):
            problem = _(
                "When you ran clearsessions, your browser sent no cookie of a session that "
                "Redis holds: start one first (Set a key)."
            )
            continue
        problem = _(
            "clearsessions did nothing with the cache engine: after it, your Redis key was "
            "still there, with %(ttl)s seconds to live. Let the TTL run out, then send another "
            "request with the same cookie."
        ) % {"ttl": store_part(run, "cache").get("ttl")}
        carried = False
        for later in exchanges[index + 1 :]:
            if engine_name(later) != "cache" or evidence.cookie_sent(later) != key:
                continue
            carried = True
            if later.action in {"evict_cache", "flush", "cycle_key"}:
                problem = _(
                    "You removed the session yourself (%(action)s). Let Redis remove it: wait "
                    "until the TTL runs out."
                ) % {"action": ACTIONS[later.action].label}
                break
            if key_gone(later):
                return Verdict(
                    True,
                    _(
                        "Done: clearsessions left your Redis key alone (TTL %(ttl)s seconds), "
                        "and Redis removed it by itself when the TTL ran out."
                    )
                    % {"ttl": store_part(run, "cache").get("ttl")},
                )
        if not carried and any(engine_name(later) == "cache" for later in exchanges[index + 1 :]):
            problem = _(
                "Your browser stopped sending that session's cookie: its Max-Age ran out together "
                "with the Redis key's TTL. Tick SESSION_EXPIRE_AT_BROWSER_CLOSE so that the "
                "browser keeps the cookie, and try again."
            )
    if problem is None:
        problem = _(
            "Run clearsessions with the cache engine while your session is in Redis, then find "
            "out what removes the key."
        )
    return Verdict(False, problem)


# --- 13 Writing your own engine: the TTL follows set_expiry() --------------------


def date_expiry_ttl(evidence: Evidence, exchange: LabExchange) -> tuple[int, int] | None:
    """(seconds left until the date given to set_expiry, the Redis TTL) on the cache engine."""
    if exchange.action != "expiry_date" or engine_name(exchange) != "cache":
        return None
    expiry = (evidence.stored_data(exchange) or {}).get("_session_expiry")
    ttl = store_part(exchange, "cache").get("ttl")
    if not isinstance(expiry, str) or not isinstance(ttl, int):
        return None
    try:
        moment = datetime.datetime.fromisoformat(expiry)
    except ValueError:
        return None
    return int((moment - exchange.created_at).total_seconds()), ttl


def zero_expiry_ttl(evidence: Evidence, exchange: LabExchange) -> int | None:
    """The Redis TTL after a cache-engine set_expiry(0) that asked for a browser-session cookie."""
    if exchange.action != "expiry_zero" or engine_name(exchange) != "cache":
        return None
    cookie = evidence.set_cookie(exchange)
    if cookie is None or not cookie.is_session_cookie:
        return None
    ttl = store_part(exchange, "cache").get("ttl")
    return ttl if isinstance(ttl, int) else None


@check("ttl-follows-expiry")
def ttl_follows_expiry(evidence: Evidence) -> Verdict:
    """On the cache engine: TTL = the time left until a set_expiry() date, and
    TTL = SESSION_COOKIE_AGE after set_expiry(0)."""
    date_seen = None
    zero_seen = None
    problem = None
    for exchange in evidence.exchanges:
        age = int(exchange.settings_snapshot.get("SESSION_COOKIE_AGE") or 0)
        dated = date_expiry_ttl(evidence, exchange)
        if dated is not None and date_seen is None:
            left, ttl = dated
            if abs(left - age) <= TTL_SLACK_SECONDS:
                problem = problem or _(
                    "Your date is as far away as SESSION_COOKIE_AGE, so the TTL cannot show which "
                    "of the two it follows. Pick another number of seconds."
                )
            elif abs(left - ttl) <= TTL_SLACK_SECONDS:
                date_seen = (ttl, age)
        zero_ttl = zero_expiry_ttl(evidence, exchange)
        if zero_ttl is not None and zero_seen is None and age - TTL_SLACK_SECONDS <= zero_ttl:
            zero_seen = (zero_ttl, age)
    if date_seen and zero_seen:
        return Verdict(
            True,
            _(
                "Done: set_expiry(a date) gave the Redis key a TTL of %(ttl)s seconds, the time "
                "left until that date, and set_expiry(0) gave it the full SESSION_COOKIE_AGE "
                "(%(age)s): the engine passes get_expiry_age() as the TTL."
            )
            % {"ttl": date_seen[0], "age": zero_seen[1]},
        )
    if date_seen:
        return Verdict(
            False,
            _(
                "set_expiry(a date) gave the Redis key a TTL of %(ttl)s seconds, the time left "
                "until that date. Now try set_expiry(0): does the record end at once?"
            )
            % {"ttl": date_seen[0]},
        )
    if zero_seen:
        return Verdict(
            False,
            _(
                "set_expiry(0) gave the Redis key a TTL of %(ttl)s seconds: the full "
                "SESSION_COOKIE_AGE, not zero. Now try set_expiry(a date)."
            )
            % {"ttl": zero_seen[0]},
        )
    if problem:
        return Verdict(False, problem)
    other = next(
        (
            engine_name(exchange)
            for exchange in evidence.exchanges
            if exchange.action in {"expiry_date", "expiry_zero"}
            and engine_name(exchange) != "cache"
        ),
        None,
    )
    if other:
        return Verdict(
            False,
            _(
                "Your set_expiry() ran with the %(engine)s engine. The TTL lives in Redis: "
                "choose the cache engine."
            )
            % {"engine": other},
        )
    return Verdict(
        False,
        _(
            "Choose the cache engine, start a session, then call set_expiry() with a date and "
            "with 0, and watch the TTL in the Store panel."
        ),
    )
