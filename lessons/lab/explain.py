"""Explain one lab request: the notes a learner reads beside its result.

Notes come from the Observation of this request and the exchanges before it,
and from nothing else: this module asks no store and reads no request. Their
codes and messages are in notes.py.
"""

from collections.abc import Sequence
from typing import Any, Protocol

from django.contrib.sessions.exceptions import SessionInterrupted
from django.core.exceptions import ValidationError
from pymemcache.exceptions import (
    MemcacheClientError,
    MemcacheServerError,
    MemcacheUnexpectedCloseError,
)

from lessons.engines import ENGINE_BY_PATH, ENGINES
from lessons.lab.cookies import (
    BROWSER_COOKIE_LIMIT,
    SetCookie,
    decode_signed_cookie,
    explain_missing_cookie,
    parse_set_cookie,
    rejection_reasons,
)
from lessons.lab.notes import Note, new_note
from lessons.lab.observe import Observation, RequestFacts
from lessons.lab.store import STORE_ERRORS
from lessons.models import LabConfig

# Actions after which Django holds another key on purpose.
# login() cycles or flushes, logout() flushes, update_session_auth_hash() cycles (and
# request.user flushes a session whose password hash is stale: see session_notes).
KEY_CHANGING_ACTIONS = frozenset({"flush", "cycle_key", "login", "logout", "change_password_keep"})


class EarlierExchange(Protocol):
    """What explaining needs of an earlier exchange (a LabExchange has it all)."""

    created_at: Any
    settings_snapshot: dict[str, Any]
    set_cookie_headers: list[str]


def explain(
    observation: Observation,
    earlier: Sequence[EarlierExchange],
    config: LabConfig,
    action_name: str,
) -> list[dict[str, Any]]:
    """Every note for this request, in the order a learner reads them."""
    notes = settings_change_notes(earlier[0] if earlier else None, config)
    missing = missing_cookie_note(earlier, config, observation.request)
    if missing:
        notes.append(missing)
    if observation.hidden:
        notes.append(
            new_note(Note.FOREIGN_COOKIE, cookie=config.cookie_name, reason=observation.hidden)
        )
    notes.extend(observation.failures)
    notes.extend(session_notes(observation, config, action_name))
    notes.extend(response_cookie_notes(observation.set_cookies, observation.request))
    return notes


def settings_change_notes(before: EarlierExchange | None, config: LabConfig) -> list[dict]:
    """An engine or cache alias that changed since the previous request."""
    snapshot = before.settings_snapshot if before is not None else {}
    engine = ENGINES[config.engine]
    previous_path = snapshot.get("SESSION_ENGINE")
    if previous_path and previous_path != engine.path:
        previous = ENGINE_BY_PATH.get(previous_path)
        same_store = previous is not None and previous.key_space == engine.key_space
        code = Note.ENGINE_CHANGED_SAME_STORE if same_store else Note.ENGINE_CHANGED
        return [new_note(code, engine=config.engine)]
    previous_alias = snapshot.get("SESSION_CACHE_ALIAS")
    if engine.uses_cache and previous_alias and previous_alias != config.cache_alias:
        return [new_note(Note.CACHE_ALIAS_CHANGED, alias=config.cache_alias, engine=config.engine)]
    return []


def last_cookie_set_by_lab(
    earlier: Sequence[EarlierExchange], cookie_name: str
) -> tuple[SetCookie, EarlierExchange] | None:
    """The most recent Set-Cookie of this cookie name the lab sent this learner."""
    for exchange in earlier:
        for raw in exchange.set_cookie_headers:
            cookie = parse_set_cookie(raw)
            if cookie.name == cookie_name:
                return cookie, exchange
    return None


def missing_cookie_note(
    earlier: Sequence[EarlierExchange], config: LabConfig, request: RequestFacts
) -> dict | None:
    """If the browser did not send back the lab cookie it was last given, say why."""
    found = last_cookie_set_by_lab(earlier, config.cookie_name)
    if found is None:
        return None
    cookie, exchange = found
    if cookie.is_deletion or request.cookies.get(cookie.name) == cookie.value:
        return None
    reasons = explain_missing_cookie(
        cookie,
        sent_at=exchange.created_at,
        sent_to_host=exchange.settings_snapshot.get("_host", request.host),
        sent_over_https=bool(exchange.settings_snapshot.get("_https")),
        request_path=request.path,
        request_host=request.host,
        fetch_site=request.fetch_site,
        top_level_get=request.top_level_get,
        top_level_navigation=request.top_level_navigation,
    )
    return new_note(
        Note.COOKIE_NOT_RETURNED,
        cookie=cookie.name,
        value=cookie.value[:40],
        reasons=reasons or ["unknown"],
        replaced=cookie.name in request.cookies,
    )


def session_notes(observation: Observation, config: LabConfig, action_name: str) -> list[dict]:
    """What Django found under the key the browser sent."""
    if not observation.loaded:
        return []
    engine = ENGINES[config.engine]
    notes = []
    # Expired, removed by clearsessions or flushed elsewhere: Django found
    # nothing under that key and started a new, empty session.
    if (
        engine.stores_on_server
        and action_name not in KEY_CHANGING_ACTIONS
        and not (observation.outcome and observation.outcome.extra.get("logged_out_by_hash"))
        and observation.key_after_run != observation.incoming_key
    ):
        notes.append(new_note(Note.SESSION_NOT_FOUND, cookie=config.cookie_name))
    if observation.served_from_cache is not None:
        store = "cache" if observation.served_from_cache else "database"
        notes.append(new_note(Note.SERVED_FROM, store=store))
    if config.engine == "signed_cookies":
        verdict = _signed_cookie_verdict(observation, config)
        if not verdict["valid"]:
            notes.append(new_note(Note.SIGNED_COOKIE_REJECTED, problem=verdict.get("problem")))
    return notes


def _signed_cookie_verdict(observation: Observation, config: LabConfig) -> dict[str, Any]:
    """The check of the signed cookie the browser sent: the store's when it still holds it."""
    if observation.current_key == observation.incoming_key and "cookie" in observation.store:
        return observation.store["cookie"]
    return decode_signed_cookie(observation.incoming_key or "", max_age=config.cookie_age)


def response_cookie_notes(set_cookies: list[SetCookie], request: RequestFacts) -> list[dict]:
    """Cookies in the response that the browser will refuse, and why."""
    notes = []
    for cookie in set_cookies:
        if cookie.is_deletion:
            continue
        size = len(cookie.name) + len(cookie.value)
        if size > BROWSER_COOKIE_LIMIT:
            notes.append(new_note(Note.COOKIE_TOO_LARGE, size=size))
        for reason in rejection_reasons(cookie, request.host, request.https):
            if reason != "too_large":
                notes.append(new_note(Note.COOKIE_REJECTED, reason=reason))
    return notes


# --- Failures a project would turn into an error page ------------------------------


def failure_note(error: Exception, session_settings: dict[str, Any]) -> tuple[int, dict]:
    """The status a project would answer with when Django's session code raised, and the note.

    The record vanished between load and save: Django's 400. A server that
    does not answer: 503, naming it. memcached refusing an item (over its
    size limit), or any other error: the project's 500, with the error's own words.
    """
    if isinstance(error, SessionInterrupted):
        return 400, new_note(Note.SESSION_INTERRUPTED)
    detail = f"{type(error).__name__}: {error}"
    if isinstance(error, ValidationError | OverflowError):
        # get_user() turning a hand-written _auth_user_id into the user model's key.
        return 500, new_note(Note.USER_ID_INVALID, error=detail[:300])
    if memcached_refused(error):
        return 500, new_note(Note.ENGINE_ERROR, error=detail)
    if isinstance(error, STORE_ERRORS):
        return 503, unreachable_store_note(session_settings)
    return 500, new_note(Note.ENGINE_ERROR, error=detail[:300])


def memcached_refused(error: Exception) -> bool:
    """memcached (or pymemcache) refused a command, as opposed to not answering at all."""
    return isinstance(error, MemcacheClientError | MemcacheServerError) and not isinstance(
        error, MemcacheUnexpectedCloseError
    )


def unreachable_store_note(session_settings: dict[str, Any]) -> dict[str, Any]:
    """Which server failed: memcached when the cache engines use it, Redis otherwise."""
    engine = ENGINE_BY_PATH.get(session_settings["SESSION_ENGINE"])
    if (
        engine is not None
        and engine.uses_cache
        and session_settings["SESSION_CACHE_ALIAS"] == "memcached"
    ):
        return new_note(Note.MEMCACHED_UNREACHABLE)
    return new_note(Note.REDIS_UNREACHABLE)
