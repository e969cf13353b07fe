"""A page behind Django's cache middleware: what a shared cache keeps, and hands on.

The lab request asks for a page twice, as GET requests through the stack a
project puts around a cached site, with the learner's session settings:

    UpdateCacheMiddleware -> SessionMiddleware -> FetchFromCacheMiddleware -> the page

first with the learner's cookie, then as the next visitor, with no cookie at
all. The cache is the lab's Redis, under a key prefix of this learner's own
(no learner's cached page can reach another), kept for CACHED_SECONDS. The
learner's browser gets the Set-Cookie of its own page request, as it would from
the page itself; the next visitor's answer is shown, never stored.

Two pages: one that never touches the session (a public page), and one that
reads it (a page with the visitor's cart count).
"""

import hashlib
import json
from typing import Any

from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpRequest, HttpResponse
from django.middleware.cache import FetchFromCacheMiddleware, UpdateCacheMiddleware
from django.utils.cache import has_vary_header
from django.utils.translation import gettext
from redis.exceptions import RedisError

from lessons.lab.action_types import (
    ActionInput,
    ActionOutcome,
    passed_on,
    request_as_the_learner,
)
from lessons.lab.demo_users import running_learner
from lessons.lab.session_settings import SESSION_SETTINGS_VIEW as lab_settings
from lessons.lab.session_settings import active_lab_settings

CACHE_ALIAS = "redis"
# How long a page stays cached: long enough for a lesson's steps, short enough to forget.
CACHED_SECONDS = 60
PAGE_PATHS = {"public": "/lab/page/public/", "personal": "/lab/page/personal/"}


def cache_prefix() -> str:
    """This learner's own part of the cache, one for each set of lab settings: a page
    cached under other settings is not what these settings would send."""
    settings_now = json.dumps(active_lab_settings(), sort_keys=True, default=str)
    return f"lab-page-{running_learner()}-{hashlib.sha256(settings_now.encode()).hexdigest()[:12]}"


def _page(kind: str):
    def public(request: HttpRequest) -> HttpResponse:
        return HttpResponse("<h1>Opening hours</h1><p>Mon-Sat 9:00-18:00</p>")

    def personal(request: HttpRequest) -> HttpResponse:
        items = len(request.session.get("cart", []) or [])
        return HttpResponse(f"<h1>Your cart</h1><p>Items in your cart: {items}</p>")

    return public if kind == "public" else personal


def _stack(kind: str, prefix: str, ran: list):
    """The cached site's middleware around the page, as settings.MIDDLEWARE would order it."""
    page = _page(kind)

    def view(request: HttpRequest) -> HttpResponse:
        ran.append(True)
        return page(request)

    fetch = FetchFromCacheMiddleware(view)
    session = SessionMiddleware(fetch)
    update = UpdateCacheMiddleware(session)
    for middleware in (fetch, update):
        middleware.cache_alias = CACHE_ALIAS
        middleware.key_prefix = prefix
    update.cache_timeout = CACHED_SECONDS
    return update


def _visit(
    first: HttpRequest, kind: str, prefix: str, cookie: str | None
) -> tuple[HttpResponse, dict[str, Any]]:
    # The Cookie header and the host are part of the cache key: the real ones.
    request = request_as_the_learner(first, "GET", PAGE_PATHS[kind], cookie)
    ran: list = []
    response = _stack(kind, prefix, ran)(request)
    morsel = response.cookies.get(lab_settings.SESSION_COOKIE_NAME)
    return response, {
        "from_cache": not ran,
        "status": response.status_code,
        "vary": response.get("Vary", ""),
        "cache_control": response.get("Cache-Control", ""),
        "set_cookie": morsel.OutputString() if morsel is not None else None,
        "body": response.content.decode()[:200],
    }


def cached_page(kind: str):
    """A lab action: ask for the `kind` page as yourself, then as the next visitor."""

    def run(request: HttpRequest, given: ActionInput) -> ActionOutcome:
        path = PAGE_PATHS[kind]
        python = (
            "# MIDDLEWARE = [UpdateCacheMiddleware, SessionMiddleware, ..., "
            "FetchFromCacheMiddleware]\n"
            f'you = client.get("{path}")  # with your session cookie\n'
            f'next_visitor = Client().get("{path}")  # no cookie at all'
        )
        prefix = cache_prefix()
        cookie = request.COOKIES.get(lab_settings.SESSION_COOKIE_NAME)
        try:
            yours, you = _visit(request, kind, prefix, cookie)
            _, next_visitor = _visit(request, kind, prefix, None)
        except (RedisError, OSError):  # a result to show, not an error page
            return ActionOutcome(
                python,
                error=gettext(
                    "The page cache is the lab's Redis, and Redis is not reachable right now."
                ),
            )
        you["cacheable"] = (
            gettext("served from the cache: the page's view did not run")
            if you["from_cache"]
            else _cacheable(yours)
        )
        return ActionOutcome(
            python, result={"you": you, "next_visitor": next_visitor}, extra=passed_on(yours)
        )

    return run


def _cacheable(response: HttpResponse) -> str:
    """Why Django's UpdateCacheMiddleware kept this response, or did not (its own tests)."""
    if response.cookies and has_vary_header(response, "Cookie"):
        return gettext("not cached: it sets a cookie and varies on Cookie")
    control = response.get("Cache-Control", "").lower()
    if any(word in control for word in ("private", "no-cache", "no-store")):
        return gettext("not cached: Cache-Control says private, no-cache or no-store")
    if has_vary_header(response, "Cookie"):
        return gettext("cached once per Cookie header: Vary: Cookie")
    return gettext("cached for every visitor alike")
