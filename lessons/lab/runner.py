"""Run one lab request: a learner's action through Django's own SessionMiddleware.

A lab request flows one way, one module a step:

1. run (here): copy the request, hide a cookie that names someone else's
   session (ownership.py), and run Django's SessionMiddleware around the
   action inside the learner's settings (session_settings.py);
2. observe (observe.py): the request's Cookie, the response's Set-Cookie
   parsed once, the store read once;
3. explain (explain.py): notes from the observation and the exchanges before;
4. record (record.py): the LabExchange;
5. render (panels.py): the panels, from the exchanges already in hand.
"""

import copy
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.sessions.exceptions import SessionInterrupted
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from pymemcache.exceptions import (
    MemcacheClientError,
    MemcacheServerError,
    MemcacheUnexpectedCloseError,
)

from lessons.engines import ENGINE_BY_PATH, ENGINES
from lessons.lab.actions import ActionInput, ActionOutcome, LabAction
from lessons.lab.explain import explain
from lessons.lab.notes import Note, new_note
from lessons.lab.observe import observe
from lessons.lab.ownership import why_hidden
from lessons.lab.panels import TIMELINE_SHOWN
from lessons.lab.record import record
from lessons.lab.session_settings import lab_session_settings
from lessons.lab.store import CACHE_KEY_PREFIXES, STORE_ERRORS, ensure_file_store, is_session_key
from lessons.models import LabConfig, LabExchange, Learner

logger = logging.getLogger(__name__)


@dataclass
class LabRun:
    """One lab request: Django's response, the recorded exchange, and the ones before it."""

    response: HttpResponse
    exchange: LabExchange
    earlier: list[LabExchange]

    @property
    def timeline(self) -> list[LabExchange]:
        """Newest first, as the panels draw it, without reading the timeline again."""
        return [self.exchange, *self.earlier]

    @property
    def session_settings(self) -> dict[str, Any]:
        """The settings Django ran with (the snapshot also notes the host and scheme)."""
        snapshot = self.exchange.settings_snapshot
        return {name: value for name, value in snapshot.items() if not name.startswith("_")}


def run_lab_action(
    request: HttpRequest,
    learner: Learner,
    config: LabConfig,
    action: LabAction,
    given: ActionInput,
    earlier: Sequence[LabExchange] | None = None,
) -> LabRun:
    """Perform `action` on the learner's lab session, as a real Django request would.

    `earlier` is the learner's latest exchanges, newest first, when the
    caller already has them (see learners.existing_learner).
    """
    engine = ENGINES[config.engine]
    session_settings = config.session_settings()
    earlier = list(earlier) if earlier is not None else recent_exchanges(learner)

    lab_request = copy.copy(request)
    lab_request.COOKIES = dict(request.COOKIES)
    incoming_key = lab_request.COOKIES.get(config.cookie_name)
    hidden = why_hidden(learner, config, incoming_key, earlier) if incoming_key else None
    if hidden:
        del lab_request.COOKIES[config.cookie_name]
        incoming_key = None
    served_from_cache = _served_from_cache(config, incoming_key)
    if engine.uses_files:
        ensure_file_store(session_settings["SESSION_FILE_PATH"])

    response, outcome, failures = respond_through_session_middleware(
        lab_request, session_settings, action, given
    )
    observation = observe(
        request,
        lab_request,
        response,
        engine_name=config.engine,
        session_settings=session_settings,
        hidden=hidden,
        served_from_cache=served_from_cache,
        outcome=outcome,
        failures=failures,
    )
    notes = explain(observation, earlier, config, action.name)
    exchange = record(learner, config, action, given, observation, notes)
    return LabRun(response=response, exchange=exchange, earlier=earlier)


def recent_exchanges(learner: Learner) -> list[LabExchange]:
    """The learner's latest exchanges, newest first: what explaining and the panels need."""
    return list(learner.lab_exchanges.all()[:TIMELINE_SHOWN])


def _served_from_cache(config: LabConfig, session_key: str | None) -> bool | None:
    """For cached_db: is the session in the cache before the request reads it?"""
    if config.engine != "cached_db" or not session_key or not is_session_key(session_key):
        return None
    try:
        return caches[config.cache_alias].has_key(CACHE_KEY_PREFIXES["cached_db"] + session_key)
    except STORE_ERRORS:
        return None


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

    def lab_view(inner_request: HttpRequest) -> HttpResponse:
        outcome_box["outcome"] = action.run(inner_request.session, given)
        return HttpResponse()

    with lab_session_settings(session_settings):
        try:
            response = SessionMiddleware(lab_view)(lab_request)
            failure = None
        except SessionInterrupted:
            # What Django turns into "400 Bad Request": the record vanished
            # between loading and saving the session.
            response, failure = HttpResponse(status=400), new_note(Note.SESSION_INTERRUPTED)
        except STORE_ERRORS as error:
            if memcached_refused(error):
                # memcached answered, and said no (an item over its size
                # limit): a project's 500, with memcached's own words.
                detail = f"{type(error).__name__}: {error}"
                response, failure = (
                    HttpResponse(status=500),
                    new_note(Note.ENGINE_ERROR, error=detail),
                )
            else:
                response, failure = (
                    HttpResponse(status=503),
                    unreachable_store_note(session_settings),
                )
        except Exception as error:
            # In a project this would be a 500 page; in the lab it is a result
            # to read, and the rest of the page keeps working.
            logger.exception("lab action %s failed", action.name)
            detail = f"{type(error).__name__}: {error}"[:300]
            response, failure = HttpResponse(status=500), new_note(Note.ENGINE_ERROR, error=detail)
    return response, outcome_box.get("outcome"), [failure] if failure else []


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
