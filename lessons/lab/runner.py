"""Run one lab request: a learner's action through Django's own SessionMiddleware.

The path of a lab request:

1. The learner's LabConfig becomes Django session settings for this request
   only (`lab_session_settings`, see session_settings.py).
2. A copy of the incoming request gets its own `session` (the site's own
   session on the original request is untouched), and the lab cookie is
   hidden from Django only if it names a stored session that is not this
   learner's (`why_hidden`); any other value reaches Django as in a project.
3. `SessionMiddleware` wraps a tiny view that performs the action; Django
   loads, saves and sets the cookie exactly as it would in any project.
4. The response's Set-Cookie, the request's Cookie and what the store now
   holds are recorded as a LabExchange for the panels and the timeline.
"""

import copy
import datetime
import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.sessions.exceptions import SessionInterrupted
from django.contrib.sessions.middleware import SessionMiddleware
from django.db.models import Subquery
from django.http import HttpRequest, HttpResponse
from pymemcache.exceptions import (
    MemcacheClientError,
    MemcacheServerError,
    MemcacheUnexpectedCloseError,
)

from lessons.engines import ENGINE_BY_PATH, ENGINES, engines_sharing_keys
from lessons.lab.actions import ActionInput, ActionOutcome, LabAction
from lessons.lab.cookies import (
    BROWSER_COOKIE_LIMIT,
    SetCookie,
    decode_signed_cookie,
    explain_missing_cookie,
    parse_set_cookie,
    rejection_reasons,
)
from lessons.lab.limits import for_record, safe_text
from lessons.lab.session_settings import lab_session_settings
from lessons.lab.store import (
    CACHE_KEY_PREFIXES,
    STORE_ERRORS,
    ensure_file_store,
    is_session_key,
    store_snapshot_for,
    stored_record_exists,
)
from lessons.models import LabConfig, LabExchange, LabSessionKey, Learner

MASKED = "…"
# A Set-Cookie kept in the timeline: long enough to show it was over the
# browser's 4096-byte limit, short enough that a huge one costs nothing.
RECORDED_HEADER_CHARS = 8_192
# The timeline is trimmed on every TRIM_EVERY-th exchange, not on each one:
# it may hold a few more than LAB_TIMELINE_LENGTH for a while, which nobody sees.
TRIM_EVERY = 10
logger = logging.getLogger(__name__)


@dataclass
class LabRun:
    """The outcome of one lab request: Django's response and what was recorded."""

    response: HttpResponse
    exchange: LabExchange
    outcome: ActionOutcome | None = None
    notes: list[dict[str, Any]] = field(default_factory=list)


def masked_cookie_header(request: HttpRequest) -> str:
    """The Cookie header as received, with the values of the site's own cookies hidden.

    The timeline is also served as JSON to instructors' scripts: a learner's
    site session key must not travel there.
    """
    reserved = set(settings.LAB_RESERVED_COOKIE_NAMES)
    parts = []
    for part in request.headers.get("Cookie", "").split(";"):
        name, sep, value = part.strip().partition("=")
        if not name:
            continue
        parts.append(f"{name}={MASKED}" if name in reserved else f"{name}{sep}{value}")
    return "; ".join(parts)


def lab_set_cookies(response: HttpResponse, cookie_name: str) -> list[SetCookie]:
    """The Set-Cookie headers for the lab cookie, exactly as they go on the wire."""
    morsel = response.cookies.get(cookie_name)
    return [parse_set_cookie(morsel.OutputString())] if morsel is not None else []


def recorded_set_cookie(cookie: SetCookie) -> str:
    """The Set-Cookie header as the timeline keeps it: a huge value is cut, its attributes kept."""
    if len(cookie.raw) <= RECORDED_HEADER_CHARS:
        return cookie.raw
    name_value = f"{cookie.name}={cookie.value}"
    attributes = cookie.raw[len(name_value) :] if cookie.raw.startswith(name_value) else ""
    return f"{cookie.name}={safe_text(cookie.value, RECORDED_HEADER_CHARS)}{attributes}"


def why_hidden(learner: Learner, config: LabConfig, session_key: str) -> str | None:
    """Why this cookie value must not reach Django, or None when it may.

    A key the learner was given, or one that names nothing at all (typed,
    made up, left from another engine, already expired and cleared), goes to
    Django untouched, which then behaves exactly as in any project: a new
    session on a write, a deleting Set-Cookie on a read. A key that names a
    stored record that is not this learner's would load, change or delete it:
    "someone_else" (another learner's), "not_yours" (a record the lab gave
    nobody now, such as a forgotten learner's) or "unchecked" (the store
    cannot be asked).
    """
    if not is_session_key(session_key):
        return None  # nothing is ever stored under such a value
    owners = set(
        LabSessionKey.objects.filter(
            engine__in=engines_sharing_keys(config.engine), session_key=session_key
        ).values_list("learner_id", flat=True)
    )
    if learner.pk in owners:
        return None
    if owners:
        return "someone_else"
    exists = stored_record_exists(config.engine, session_key, config.cache_alias)
    if exists is None:
        return "unchecked"
    return "not_yours" if exists else None


@dataclass(frozen=True)
class RecentExchange:
    """The few columns of an earlier exchange that the next request needs."""

    created_at: datetime.datetime
    settings_snapshot: dict[str, Any]
    set_cookie_headers: list[str]


def recent_exchanges(learner: Learner, count: int = 20) -> list[RecentExchange]:
    """The learner's latest exchanges, newest first, in one query."""
    rows = learner.lab_exchanges.values_list(
        "created_at", "settings_snapshot", "set_cookie_headers"
    )
    return [RecentExchange(*row) for row in rows[:count]]


def last_cookie_set_by_lab(
    recent: list[RecentExchange], cookie_name: str
) -> tuple[SetCookie, RecentExchange] | None:
    """The most recent Set-Cookie of this cookie name the lab sent this learner."""
    for exchange in recent:
        for raw in exchange.set_cookie_headers:
            cookie = parse_set_cookie(raw)
            if cookie.name == cookie_name:
                return cookie, exchange
    return None


def missing_cookie_note(
    recent: list[RecentExchange], config: LabConfig, request: HttpRequest
) -> dict | None:
    """If the browser did not send back the lab cookie it was last given, say why."""
    found = last_cookie_set_by_lab(recent, config.cookie_name)
    if found is None:
        return None
    cookie, exchange = found
    if cookie.is_deletion or request.COOKIES.get(cookie.name) == cookie.value:
        return None
    sent_to_host = exchange.settings_snapshot.get("_host", request.get_host())
    # A page opened in the tab itself (a link, a form), not a frame or a fetch.
    top_level_navigation = request.headers.get("Sec-Fetch-Mode") == "navigate" and (
        request.headers.get("Sec-Fetch-Dest", "document") == "document"
    )
    reasons = explain_missing_cookie(
        cookie,
        sent_at=exchange.created_at,
        sent_to_host=sent_to_host,
        sent_over_https=bool(exchange.settings_snapshot.get("_https")),
        request_path=request.path,
        request_host=request.get_host(),
        fetch_site=request.headers.get("Sec-Fetch-Site", ""),
        top_level_get=top_level_navigation and request.method == "GET",
        top_level_navigation=top_level_navigation,
    )
    return {
        "code": "cookie_not_returned",
        "cookie": cookie.name,
        "value": cookie.value[:40],
        "reasons": reasons or ["unknown"],
        "replaced": cookie.name in request.COOKIES,
    }


def _served_from_cache(engine_name: str, session_key: str | None, alias: str) -> bool | None:
    """For cached_db: is the session in the cache before the request reads it?"""
    if engine_name != "cached_db" or not session_key or not is_session_key(session_key):
        return None
    from django.core.cache import caches

    try:
        return caches[alias].has_key(CACHE_KEY_PREFIXES["cached_db"] + session_key)
    except STORE_ERRORS:
        return None


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
        return {"code": "memcached_unreachable"}
    return {"code": "redis_unreachable"}


def respond_through_session_middleware(
    lab_request: HttpRequest,
    session_settings: dict[str, Any],
    action: LabAction,
    given: ActionInput,
) -> tuple[HttpResponse, ActionOutcome | None, list[dict[str, Any]]]:
    """The heart of a lab request: Django's SessionMiddleware around the action.

    Runs with `session_settings` for this request only and returns Django's
    response, what the action gave back, and notes for failures a real
    project would turn into an error page (400, 500, Redis down).
    """
    outcome_box: dict[str, ActionOutcome] = {}
    notes: list[dict[str, Any]] = []

    def lab_view(inner_request: HttpRequest) -> HttpResponse:
        outcome_box["outcome"] = action.run(inner_request.session, given)
        return HttpResponse()

    with lab_session_settings(session_settings):
        try:
            response = SessionMiddleware(lab_view)(lab_request)
        except SessionInterrupted:
            # What Django turns into "400 Bad Request": the record vanished
            # between loading and saving the session.
            response = HttpResponse(status=400)
            notes.append({"code": "session_interrupted"})
        except STORE_ERRORS as error:
            if memcached_refused(error):
                # memcached answered, and said no (an item over its size
                # limit): a project's 500, with memcached's own words.
                response = HttpResponse(status=500)
                notes.append({"code": "engine_error", "error": f"{type(error).__name__}: {error}"})
            else:
                response = HttpResponse(status=503)
                notes.append(unreachable_store_note(session_settings))
        except Exception as error:
            # In a project this would be a 500 page; in the lab it is a result
            # to read, and the rest of the page keeps working.
            logger.exception("lab action %s failed", action.name)
            response = HttpResponse(status=500)
            detail = f"{type(error).__name__}: {error}"[:300]
            notes.append({"code": "engine_error", "error": detail})
    return response, outcome_box.get("outcome"), notes


def run_lab_action(
    request: HttpRequest,
    learner: Learner,
    config: LabConfig,
    action: LabAction,
    given: ActionInput,
) -> LabRun:
    """Perform `action` on the learner's lab session, as a real Django request would."""
    engine = ENGINES[config.engine]
    cookie_name = config.cookie_name
    session_settings = config.session_settings()
    notes: list[dict[str, Any]] = []

    recent = recent_exchanges(learner)
    before = recent[0].settings_snapshot if recent else {}
    previous_path = before.get("SESSION_ENGINE")
    if previous_path and previous_path != engine.path:
        previous = ENGINE_BY_PATH.get(previous_path)
        same_store = previous is not None and previous.key_space == engine.key_space
        code = "engine_changed_same_store" if same_store else "engine_changed"
        notes.append({"code": code, "engine": config.engine})
    elif (
        engine.uses_cache
        and before.get("SESSION_CACHE_ALIAS")
        and before["SESSION_CACHE_ALIAS"] != config.cache_alias
    ):
        notes.append(
            {"code": "cache_alias_changed", "alias": config.cache_alias, "engine": config.engine}
        )
    missing = missing_cookie_note(recent, config, request)
    if missing:
        notes.append(missing)

    lab_request = copy.copy(request)
    lab_request.COOKIES = dict(request.COOKIES)
    incoming_key = lab_request.COOKIES.get(cookie_name)
    file_directory = session_settings["SESSION_FILE_PATH"]
    hidden = (
        why_hidden(learner, config, incoming_key)
        if incoming_key and engine.stores_on_server
        else None
    )
    if hidden:
        del lab_request.COOKIES[cookie_name]
        notes.append({"code": "foreign_cookie", "cookie": cookie_name, "reason": hidden})
        incoming_key = None

    served_from_cache = _served_from_cache(config.engine, incoming_key, config.cache_alias)
    if engine.uses_files:
        ensure_file_store(file_directory)
    response, outcome, failures = respond_through_session_middleware(
        lab_request, session_settings, action, given
    )
    notes.extend(failures)

    session = getattr(lab_request, "session", None)
    loaded = incoming_key and session is not None and session.accessed
    # Expired, removed by clearsessions or flushed elsewhere: Django found
    # nothing under that key and started a new, empty session.
    if (
        loaded
        and engine.stores_on_server
        and action.name not in {"flush", "cycle_key"}
        and session.session_key != incoming_key
    ):
        notes.append({"code": "session_not_found", "cookie": cookie_name})
    if loaded and served_from_cache is not None:
        notes.append({"code": "served_from", "store": "cache" if served_from_cache else "database"})
    if loaded and config.engine == "signed_cookies":
        verdict = decode_signed_cookie(incoming_key, max_age=config.cookie_age)
        if not verdict["valid"]:
            notes.append({"code": "signed_cookie_rejected", "problem": verdict.get("problem")})

    set_cookies = lab_set_cookies(response, cookie_name)
    for cookie in set_cookies:
        if cookie.is_deletion:
            continue
        if len(cookie.name) + len(cookie.value) > BROWSER_COOKIE_LIMIT:
            notes.append({"code": "cookie_too_large", "size": len(cookie.name) + len(cookie.value)})
        for reason in rejection_reasons(cookie, request.get_host(), request.is_secure()):
            if reason != "too_large":
                notes.append({"code": "cookie_rejected", "reason": reason})

    current_key = _current_session_key(set_cookies, incoming_key, cookie_name)
    if engine.stores_on_server and current_key and current_key != incoming_key:
        # A key the browser did not have yet (a new session, cycle_key):
        # from now on it is this learner's.
        LabSessionKey.objects.get_or_create(
            learner=learner, engine=config.engine, session_key=current_key
        )
    exchange = LabExchange.objects.create(
        learner=learner,
        action=action.name,
        python=safe_text(outcome.python) if outcome else "",
        method=request.method,
        path=request.path,
        status_code=response.status_code,
        settings_snapshot={
            **session_settings,
            "_host": request.get_host(),
            "_https": request.is_secure(),
        },
        cookie_header=safe_text(masked_cookie_header(request), RECORDED_HEADER_CHARS),
        set_cookie_headers=[recorded_set_cookie(cookie) for cookie in set_cookies],
        vary=response.get("Vary", "")[:200],
        # A browser never sends back a cookie longer than this, so nothing is lost
        # for comparing what came back with what was sent.
        session_key=safe_text((current_key or "")[:BROWSER_COOKIE_LIMIT], BROWSER_COOKIE_LIMIT),
        result=for_record({"value": outcome.result, "error": outcome.error} if outcome else None),
        notes=for_record(notes),
        store=for_record(_snapshot(config, current_key, file_directory)),
    )
    if exchange.pk % TRIM_EVERY == 0:
        _trim_timeline(learner)
    return LabRun(response=response, exchange=exchange, outcome=outcome, notes=notes)


def _current_session_key(
    set_cookies: list[SetCookie], incoming_key: str | None, cookie_name: str
) -> str | None:
    """The key the browser holds after this response (for signed cookies: the data)."""
    for cookie in set_cookies:
        if cookie.name == cookie_name:
            return None if cookie.is_deletion else cookie.value
    return incoming_key


def _snapshot(config: LabConfig, session_key: str | None, file_directory: str) -> dict:
    return store_snapshot_for(
        config.engine,
        config.cookie_name,
        session_key,
        config.cookie_age,
        config.cache_alias,
        file_directory,
    )


def _trim_timeline(learner: Learner) -> None:
    """Forget all but the learner's latest LAB_TIMELINE_LENGTH exchanges."""
    cutoff = learner.lab_exchanges.values_list("id", flat=True)[
        settings.LAB_TIMELINE_LENGTH : settings.LAB_TIMELINE_LENGTH + 1
    ]
    learner.lab_exchanges.filter(id__lte=Subquery(cutoff)).delete()
