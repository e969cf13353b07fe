"""Two requests at once on one session: the lost update, for real.

The lab request is the first tab. Once its view has loaded the session, a
second request with the same session cookie runs in another thread, through
Django's own SessionMiddleware with the learner's settings: it loads the
session too, and a barrier makes sure both have loaded before either writes.
The second tab then changes another key and its response saves the session;
the first tab changes its key and its response saves the session last. Every
engine loads the whole dictionary and saves the whole dictionary, so the
second tab's change is gone from the store (or, with signed_cookies, from the
cookie the browser keeps: the last Set-Cookie wins).

The second tab only ever sends the key Django accepted for the first tab, so it
can reach no session but the learner's own. It shares the first tab's database
connection, one tab at a time (the barrier and the join keep them apart), as
Django's own live test server shares one between threads.
"""

import contextlib
import contextvars
import threading
from typing import Any

from django.contrib.sessions.middleware import SessionMiddleware
from django.db import connections
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext

from lessons.lab.action_types import ActionInput, ActionOutcome, request_as_the_learner
from lessons.lab.limits import session_size_problem
from lessons.lab.session_settings import SESSION_SETTINGS_VIEW as lab_settings

# What the second tab writes: a key of its own, so that the two changes never collide.
SECOND_TAB_KEY = "other_tab"
SECOND_TAB_VALUE = "written by tab 2"
# How long either tab waits for the other before the lab gives up (a stuck store).
WAIT_SECONDS = 10


def _run_second_tab(request: HttpRequest, barrier: threading.Barrier, report: dict) -> None:
    """The second tab: its own SessionMiddleware; load, wait for the first tab, write."""

    def view(inner: HttpRequest) -> HttpResponse:
        report["loaded"] = dict(inner.session.items())
        barrier.wait()
        inner.session[SECOND_TAB_KEY] = SECOND_TAB_VALUE
        report["wrote"] = dict(inner.session.items())
        return HttpResponse()

    try:
        response = SessionMiddleware(view)(request)
        morsel = response.cookies.get(lab_settings.SESSION_COOKIE_NAME)
        report["set_cookie"] = morsel.OutputString() if morsel is not None else None
        report["status"] = response.status_code
    except Exception as error:  # the store failed: a result to show, not an error page
        report["error"] = f"{type(error).__name__}: {error}"
        barrier.abort()


def two_tabs(request: HttpRequest, given: ActionInput) -> ActionOutcome:
    """Tab 1 (this request) and tab 2 load the same session; tab 2 saves first, tab 1 last."""
    session = request.session
    key_literal = repr(given.key)
    python = (
        "# two tabs load the same session at the same time, then each changes its own key\n"
        f"tab_2.session[{SECOND_TAB_KEY!r}] = {SECOND_TAB_VALUE!r}  # saved first\n"
        f"tab_1.session[{key_literal}] = {given.value!r}  # saved last"
    )
    loaded = dict(session.items())
    cookie_value = session.session_key
    if not cookie_value or not loaded:
        return ActionOutcome(
            python,
            error=gettext(
                "Your browser has no session with data yet, so two tabs would have nothing "
                "to share: set a key first."
            ),
        )
    too_large = session_size_problem(
        {**loaded, given.key: given.value, SECOND_TAB_KEY: SECOND_TAB_VALUE}
    )
    if too_large:
        return ActionOutcome(python, error=too_large)
    barrier = threading.Barrier(2, timeout=WAIT_SECONDS)
    report: dict[str, Any] = {}
    shared = connections["default"]
    shared.inc_thread_sharing()

    def in_thread() -> None:
        connections["default"] = shared
        # The same request from the other tab: the same path, the same session cookie.
        second = request_as_the_learner(request, "POST", request.path, cookie_value)
        _run_second_tab(second, barrier, report)

    second_tab = threading.Thread(target=contextvars.copy_context().run, args=(in_thread,))
    try:
        second_tab.start()
        # A broken barrier: the second tab failed before it loaded, and its report says why.
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()
        second_tab.join(WAIT_SECONDS)
    finally:
        shared.dec_thread_sharing()
    if second_tab.is_alive() or "error" in report:
        return ActionOutcome(
            python,
            error=report.get("error")
            or gettext("The second tab did not finish in time: the store did not answer."),
        )
    session[given.key] = given.value
    return ActionOutcome(
        python,
        result={
            "tab_1_loaded": loaded,
            "tab_2_loaded": report.get("loaded"),
            "tab_2_saved": report.get("wrote"),
            "tab_2_set_cookie": report.get("set_cookie"),
            "tab_1_saves": dict(session.items()),
        },
        extra={"lost_key": SECOND_TAB_KEY},
    )
