"""Observe one lab request: what the browser sent, what Django answered, what the store holds.

Everything later steps need is gathered here once: the request's Cookie
header, the response's Set-Cookie parsed once, and the store read once,
after Django's SessionMiddleware has finished. `explain`, `record` and the
panels read the Observation; none of them asks the request, the response or
the store again.
"""

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse

from lessons.lab.actions import ActionOutcome
from lessons.lab.cookies import SetCookie, cookie_pairs, parse_set_cookie
from lessons.lab.store import (
    CACHE_KEY_PREFIXES,
    STORE_ERRORS,
    SeenInRun,
    found_in_redis,
    is_session_key,
    store_snapshot_for,
)
from lessons.models import LabConfig

MASKED = "…"


@dataclass(frozen=True)
class RequestFacts:
    """What the browser sent with a lab request, and how the request was made."""

    method: str
    path: str
    host: str
    https: bool
    cookies: dict[str, str]
    # The Cookie header as received, with the values of the site's own cookies hidden.
    cookie_header: str
    # The browser's Sec-Fetch-Site: "cross-site" when another site started the request.
    fetch_site: str = ""
    # A page opened in the tab itself (a link, a form), not a frame or a fetch.
    top_level_navigation: bool = False

    @classmethod
    def of(cls, request: HttpRequest) -> "RequestFacts":
        return cls(
            method=request.method or "",
            path=request.path,
            host=request.get_host(),
            https=request.is_secure(),
            cookies=dict(request.COOKIES),
            cookie_header=masked_cookie_header(request.headers.get("Cookie", "")),
            fetch_site=request.headers.get("Sec-Fetch-Site", ""),
            top_level_navigation=request.headers.get("Sec-Fetch-Mode") == "navigate"
            and request.headers.get("Sec-Fetch-Dest", "document") == "document",
        )

    @property
    def top_level_get(self) -> bool:
        return self.top_level_navigation and self.method == "GET"


def masked_cookie_header(header: str) -> str:
    """A Cookie header with the values of the site's own cookies replaced by "…".

    The timeline is also served as JSON to instructors' scripts: a learner's
    site session key must not travel there.
    """
    reserved = set(settings.LAB_RESERVED_COOKIE_NAMES)
    return "; ".join(
        f"{name}={MASKED}" if name in reserved else (f"{name}={value}" if sep else name)
        for name, sep, value in cookie_pairs(header)
    )


@dataclass
class Observation:
    """One lab request, seen from outside: in, out, and the store afterwards."""

    request: RequestFacts
    session_settings: dict[str, Any]
    # The lab cookie as Django got it (None if absent or hidden), and why it was hidden.
    incoming_key: str | None
    hidden: str | None
    # For cached_db: was the session in the cache before Django read it?
    served_from_cache: bool | None
    status_code: int
    vary: str
    set_cookies: list[SetCookie]
    # Did Django read the session the cookie named, and which key did it end with?
    loaded: bool
    key_after_run: str | None
    outcome: ActionOutcome | None
    failures: list[dict[str, Any]] = field(default_factory=list)
    store: dict[str, Any] = field(default_factory=dict)

    @property
    def cookie_name(self) -> str:
        return self.session_settings["SESSION_COOKIE_NAME"]

    @property
    def current_key(self) -> str | None:
        """The key the browser holds after this response (for signed cookies: the data)."""
        for cookie in self.set_cookies:
            if cookie.name == self.cookie_name:
                return None if cookie.is_deletion else cookie.value
        return self.incoming_key


def served_from_cache_before(config: LabConfig, session_key: str | None) -> bool | None:
    """For cached_db on memcached, asked before the request: is the session in the cache?
    (On Redis, what Django's own GET found answers it: store.found_in_redis.)"""
    if (
        config.engine != "cached_db"
        or config.cache_alias == "redis"
        or not session_key
        or not is_session_key(session_key)
    ):
        return None
    try:
        return caches[config.cache_alias].has_key(CACHE_KEY_PREFIXES["cached_db"] + session_key)
    except STORE_ERRORS:
        return None


def lab_set_cookies(response: HttpResponse, cookie_name: str) -> list[SetCookie]:
    """The Set-Cookie headers for the lab cookie, exactly as they go on the wire."""
    morsel = response.cookies.get(cookie_name)
    return [parse_set_cookie(morsel.OutputString())] if morsel is not None else []


def observe(
    request: HttpRequest,
    lab_request: HttpRequest,
    response: HttpResponse,
    *,
    engine_name: str,
    session_settings: dict[str, Any],
    hidden: str | None,
    served_from_cache: bool | None,
    outcome: ActionOutcome | None,
    failures: list[dict[str, Any]],
    seen: SeenInRun | None = None,
) -> Observation:
    """Everything about this request the later steps need, each read once (what Django
    wrote in the request, `seen`, is not read back). `served_from_cache` is what
    served_from_cache_before found on memcached; otherwise `seen` tells it."""
    cookie_name = session_settings["SESSION_COOKIE_NAME"]
    incoming_key = lab_request.COOKIES.get(cookie_name)
    session = getattr(lab_request, "session", None)
    observation = Observation(
        request=RequestFacts.of(request),
        session_settings=session_settings,
        incoming_key=incoming_key,
        hidden=hidden,
        served_from_cache=(
            found_in_redis(engine_name, incoming_key, seen.redis)
            if served_from_cache is None and seen is not None
            else served_from_cache
        ),
        status_code=response.status_code,
        vary=response.get("Vary", ""),
        set_cookies=lab_set_cookies(response, cookie_name),
        loaded=bool(incoming_key and session is not None and session.accessed),
        key_after_run=session.session_key if session is not None else None,
        outcome=outcome,
        failures=failures,
    )
    observation.store = store_snapshot_for(
        engine_name,
        cookie_name,
        observation.current_key,
        session_settings["SESSION_COOKIE_AGE"],
        session_settings["SESSION_CACHE_ALIAS"],
        session_settings["SESSION_FILE_PATH"],
        seen,
    )
    return observation
