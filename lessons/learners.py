"""Who is using the site: a Learner tied to the site's own session.

A browser becomes a learner on its first write (a lab request, saved
settings, a checked exercise, a join), never by reading a page: a visitor
who only looks leaves nothing behind.
"""

import datetime
from functools import cached_property
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone

from lessons.codes import normalize_code, random_code
from lessons.models import LabConfig, LabExchange, Learner
from lessons.prepared_queries import PreparedRows
from lessons.session_engines.site_sessions import LEARNER_KEY as SESSION_LEARNER_KEY
from lessons.throttles import Brake, client_address

# In a browser that came in with a resume code: which of the learner's codes it was.
RESUMED_GENERATION = "resume_generation"
# How often a learner's "last seen" is written: often enough to tell who is idle.
LAST_SEEN_EVERY = datetime.timedelta(hours=1)


def existing_learner(request: HttpRequest, *, with_exchanges: int = 0) -> Learner | None:
    """The learner of this browser if there is one yet (never creates one).

    The learner and their lab settings usually come with the site's session
    (its row names the learner: session_engines/site_sessions.py); a session
    whose row does not name them yet is saved once so that it does.

    With `with_exchanges=n` the learner's latest n lab exchanges come too,
    newest first, as `learner.recent_exchanges` (RecentExchange).
    """
    public_id = request.session.get(SESSION_LEARNER_KEY)
    if not public_id:
        return None
    # The site's session engine loads the learner with the session (site_sessions.py).
    named = getattr(request.session, "learner_named", None)
    learner = named(public_id) if named is not None else None
    try:
        if learner is None:
            learner = _find_learner(public_id, with_exchanges)
            if learner is not None and named is not None:
                request.session.modified = True  # its row will name the learner from now on
        elif with_exchanges:
            learner.recent_exchanges = recent_exchanges(learner, with_exchanges)
    except ValidationError:
        return None
    if learner is None:
        return None
    resumed_with = request.session.get(RESUMED_GENERATION)
    if resumed_with is not None and resumed_with != learner.resume_generation:
        # This browser came in with a resume code that has since been replaced.
        request.session.flush()
        return None
    if timezone.now() - learner.last_seen_at > LAST_SEEN_EVERY:
        learner.last_seen_at = timezone.now()
        Learner.objects.filter(pk=learner.pk).update(last_seen_at=learner.last_seen_at)
    return learner


class RecentExchange:
    """One of the learner's latest lab exchanges, as a lab request reads it: a plain row
    without what only drawing its timeline entry needs, its time and JSON columns decoded
    only when read (a request reads the store of one or two of them, and the time of a
    few)."""

    PLAIN = ("id", "browser", "number", "action", "session_key")
    DECODED_WHEN_READ = ("created_at", "settings_snapshot", "set_cookie_headers", "store")

    def __init__(self, row: tuple, query: PreparedRows):
        self.id, self.browser, self.number, self.action, self.session_key = row[: len(self.PLAIN)]
        self._row = row
        self._query = query

    @property
    def pk(self) -> int:
        return self.id

    def _decoded(self, name: str) -> Any:
        raw = self._row[len(self.PLAIN) + self.DECODED_WHEN_READ.index(name)]
        return self._query.convert(name, raw)

    @cached_property
    def created_at(self) -> datetime.datetime:
        return self._decoded("created_at")

    @cached_property
    def settings_snapshot(self) -> dict[str, Any]:
        return self._decoded("settings_snapshot")

    @cached_property
    def set_cookie_headers(self) -> list[str]:
        return self._decoded("set_cookie_headers")

    @cached_property
    def store(self) -> dict[str, Any]:
        return self._decoded("store")


# A recorded lab exchange: the model instance, or the row a lab request reads.
TimelineExchange = LabExchange | RecentExchange


def _latest_exchanges(learner_id: int, count: int):
    return LabExchange.objects.filter(learner_id=learner_id).values_list(
        *RecentExchange.PLAIN, *RecentExchange.DECODED_WHEN_READ
    )[:count]


# Each lab request reads them: their SQL is built once per count.
_LATEST_EXCHANGES: dict[int, PreparedRows] = {}


def recent_exchanges(learner: Learner, count: int) -> list[RecentExchange]:
    """The learner's latest `count` lab exchanges, newest first (RecentExchange)."""
    query = _LATEST_EXCHANGES.get(count)
    if query is None:
        query = _LATEST_EXCHANGES.setdefault(
            count,
            PreparedRows(
                lambda learner_id: _latest_exchanges(learner_id, count),
                0,
                raw=RecentExchange.DECODED_WHEN_READ,
            ),
        )
    return [RecentExchange(row, query) for row in query(learner.pk)]


def _find_learner(public_id: str, with_exchanges: int) -> Learner | None:
    learner = (
        Learner.objects.select_related("lab_config__preset__lesson")
        .filter(public_id=public_id)
        .first()
    )
    if learner is not None and with_exchanges:
        learner.recent_exchanges = recent_exchanges(learner, with_exchanges)
    return learner


def learner_for(request: HttpRequest, *, with_exchanges: int = 0) -> Learner:
    """The learner of this browser, created on its first write; for views that write.

    The site's own session only holds the learner's public id; everything else
    is in the database.
    """
    learner = existing_learner(request, with_exchanges=with_exchanges)
    if learner is None:
        learner = Learner.objects.create()
        learner.recent_exchanges = []
        request.session[SESSION_LEARNER_KEY] = str(learner.public_id)
    return learner


def lab_config_for(learner: Learner | None) -> LabConfig:
    """The learner's lab settings; Django's defaults (not saved) for anyone who has none yet."""
    if learner is None:
        return LabConfig()
    try:
        return learner.lab_config
    except LabConfig.DoesNotExist:
        return LabConfig(learner=learner)


RESUME_CODE_LENGTH = 8
# Wrong resume codes: a resume code opens someone's progress, so past this many
# from one address in the window, every code waits, right or wrong (right ones
# are given back and use up nothing).
RESUME_BRAKE = Brake("resume", limit=20, window=15 * 60)


class ResumeRefused(Exception):
    """Why a resume code did not work: "unknown" or "wait" (with `wait_seconds`)."""

    def __init__(self, reason: str, wait_seconds: int = 0):
        super().__init__(reason)
        self.reason = reason
        self.wait_seconds = wait_seconds


def resume_code_for(learner: Learner) -> str:
    """The learner's code for resuming on another device, made on first use."""
    if not learner.resume_code:
        _store_new_resume_code(learner)
    return learner.resume_code


def _store_new_resume_code(learner: Learner) -> None:
    while True:
        code = random_code(RESUME_CODE_LENGTH)
        if not Learner.objects.filter(resume_code=code).exists():
            learner.resume_code = code
            learner.save(update_fields=["resume_code", "resume_generation"])
            return


def renew_resume_code(request: HttpRequest, learner: Learner) -> None:
    """A fresh resume code: the old one stops working, and so do the browsers that came
    in with it. The browser asking keeps its place."""
    learner.resume_generation += 1
    _store_new_resume_code(learner)
    if RESUMED_GENERATION in request.session:
        request.session[RESUMED_GENERATION] = learner.resume_generation


def resume_learner(request: HttpRequest, raw_code: str) -> Learner:
    """Continue, in this browser, as the learner with this code; ResumeRefused if none has it."""
    address = client_address(request)
    wait = RESUME_BRAKE.attempt(address)
    if wait:
        raise ResumeRefused("wait", wait_seconds=wait)
    code = normalize_code(raw_code)
    learner = (
        Learner.objects.filter(resume_code=code).first()
        if len(code) == RESUME_CODE_LENGTH
        else None
    )
    if learner is None:
        raise ResumeRefused("unknown")
    RESUME_BRAKE.give_back(address)
    # A new site session key for a new identity, as login() does.
    request.session.cycle_key()
    request.session[SESSION_LEARNER_KEY] = str(learner.public_id)
    request.session[RESUMED_GENERATION] = learner.resume_generation
    return learner
