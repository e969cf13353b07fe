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

from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

from lessons.engines import ENGINES
from lessons.lab.actions import ActionInput, ActionOutcome, LabAction
from lessons.lab.demo_users import LAB_BACKEND, users_of
from lessons.lab.explain import explain, failure_note
from lessons.lab.notes import Note
from lessons.lab.observe import observe, served_from_cache_before
from lessons.lab.ownership import why_hidden
from lessons.lab.panels import TIMELINE_SHOWN
from lessons.lab.record import record
from lessons.lab.session_settings import lab_session_settings
from lessons.lab.store import STORE_ERRORS, ensure_file_store, seen_in_run
from lessons.learners import RecentExchange, recent_exchanges
from lessons.models import LabConfig, LabExchange, Learner

logger = logging.getLogger(__name__)
# How far back explaining looks, for the lab cookie the browser was last given
# (reads send none), and one more than the timeline shows: whether it is cut. Each
# exchange more costs every lab request its loading.
EARLIER_EXCHANGES = TIMELINE_SHOWN + 1
# What the site's middleware put on the request for the site's session and user.
SITE_REQUEST_ATTRIBUTES = ("session", "user", "auser", "_cached_user", "_acached_user")


@dataclass
class LabRun:
    """One lab request: Django's response, the recorded exchange, and the ones before it."""

    response: HttpResponse
    exchange: LabExchange
    earlier: list[RecentExchange]
    outcome: ActionOutcome | None = None

    @property
    def timeline(self) -> list[LabExchange | RecentExchange]:
        """Newest first, without reading the timeline again; the panels draw the first
        TIMELINE_SHOWN and know from the rest whether the list is cut."""
        return [self.exchange, *self.earlier]

    @property
    def timeline_complete(self) -> bool:
        """Whether `timeline` holds every exchange the learner has (fewer than were asked for)."""
        return len(self.earlier) < EARLIER_EXCHANGES

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
    earlier: Sequence[RecentExchange] | None = None,
    browser: str = LabExchange.Browser.A,
) -> LabRun:
    """Perform `action` on the learner's lab session, as a real Django request would.

    `earlier` is the learner's latest exchanges, newest first, when the
    caller already has them (see learners.existing_learner). `browser` says
    whose request this is: the learner's own browser, or Browser B
    (browser_b.py builds its request); each is explained against its own past.
    """
    engine = ENGINES[config.engine]
    session_settings = config.session_settings()
    earlier = list(earlier) if earlier is not None else recent_exchanges(learner, EARLIER_EXCHANGES)
    earlier_here = same_browser(earlier, browser)

    lab_request = copy.copy(request)
    lab_request.COOKIES = dict(request.COOKIES)
    # login() rotates the CSRF token in META: the lab's copy, never the site's request.
    lab_request.META = dict(request.META)
    # The site's own user (an instructor's, say) stays with the site's request: the lab's
    # AuthenticationMiddleware resolves request.user from the lab session alone.
    for attribute in SITE_REQUEST_ATTRIBUTES:
        lab_request.__dict__.pop(attribute, None)
    incoming_key = lab_request.COOKIES.get(config.cookie_name)
    hidden = why_hidden(learner, config, incoming_key, earlier_here) if incoming_key else None
    if hidden:
        del lab_request.COOKIES[config.cookie_name]
        incoming_key = None
    served_from_cache = served_from_cache_before(config, incoming_key)
    if engine.uses_files:
        ensure_file_store(session_settings["SESSION_FILE_PATH"])

    with users_of(learner), seen_in_run() as seen:
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
        seen=seen,
    )
    notes = explain(observation, earlier_here, config, action.name)
    number = earlier[0].number + 1 if earlier else 1
    exchange = record(learner, config, action, given, observation, notes, browser, number)
    return LabRun(response=response, exchange=exchange, earlier=earlier, outcome=outcome)


def same_browser(earlier: Sequence[RecentExchange], browser: str) -> list[RecentExchange]:
    """The exchanges of one browser, newest first; for Browser B only those since its
    cookie was last replaced by a copy of the learner's (what it was given before that
    no longer tells what it should send)."""
    kept = []
    for exchange in earlier:
        if browser == LabExchange.Browser.B and exchange.action == "copy_to_b":
            break
        if exchange.browser == browser:
            kept.append(exchange)
    return kept


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
    AuthenticationMiddleware sits inside it, as in a project: `request.user`
    is resolved only by an action that asks for it (whoami, logout, ...),
    with the lab's own backend (the caller names the learner: users_of).
    """
    outcome_box: dict[str, ActionOutcome] = {}

    def lab_view(inner_request: HttpRequest) -> HttpResponse:
        target = inner_request if action.takes_request else inner_request.session
        outcome_box["outcome"] = action.run(target, given)
        return HttpResponse()

    with lab_session_settings({**session_settings, "AUTHENTICATION_BACKENDS": [LAB_BACKEND]}):
        try:
            middleware = SessionMiddleware(AuthenticationMiddleware(lab_view))
            response, failures = middleware(lab_request), []
            outcome = outcome_box.get("outcome")
            passed_on = outcome and outcome.extra.get("pass_cookie")
            if passed_on:
                # The Set-Cookie of a page the action asked for in this request's name
                # (cached_page.py, async_view.py): the browser gets it as from that page.
                response.cookies.load(passed_on)
            if outcome and outcome.extra.get("pass_vary"):
                patch_vary_headers(response, outcome.extra["pass_vary"].split(","))
            planted = outcome and outcome.extra.get("plant")
            if planted:
                # Not Django's doing: what a page on a sibling subdomain can set, after it.
                response.set_cookie(
                    session_settings["SESSION_COOKIE_NAME"],
                    planted,
                    path=session_settings["SESSION_COOKIE_PATH"],
                )
        except Exception as error:
            # In a project this would be an error page; in the lab it is a
            # result to read, and the rest of the page keeps working.
            status, note = failure_note(error, session_settings)
            if note["code"] == Note.ENGINE_ERROR and not isinstance(error, STORE_ERRORS):
                logger.exception("lab action %s failed", action.name)
            response, failures = HttpResponse(status=status), [note]
    return response, outcome_box.get("outcome"), failures
