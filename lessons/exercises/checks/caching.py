"""Checks for lesson 16, sessions and HTTP caches: what the next visitor is handed."""

from django.utils.translation import gettext as _

from lessons.exercises.checks import Verdict, check
from lessons.exercises.evidence import Evidence


def _pages(exchange) -> tuple[dict, dict] | None:
    """Your page and the next visitor's, as the cached-page action recorded them."""
    result = exchange.result or {}
    if result.get("error"):
        return None
    pages = result.get("value") or {}
    return pages.get("you") or {}, pages.get("next_visitor") or {}


@check("cached-page-is-yours-alone")
def cached_page_is_yours_alone(evidence: Evidence) -> Verdict:
    """A page that reads a session with data, behind the cache: the next visitor gets their
    own copy, never yours, and no cookie."""
    problem = None
    for exchange in evidence.exchanges:  # newest first
        if exchange.action != "cached_personal_page" or (pages := _pages(exchange)) is None:
            continue
        you, after = pages
        if "Cookie" not in you.get("vary", ""):
            problem = problem or _("Your page did not vary on Cookie: it never read a session.")
        elif you.get("body") == after.get("body"):
            problem = problem or _(
                "Your page and the next visitor's say the same: store something in your "
                "session first (Set a key cart), so that your page is yours."
            )
        elif after.get("set_cookie"):
            problem = problem or _("The next visitor was sent a session cookie.")
        else:
            return Verdict(
                True,
                _(
                    "Done: your page varies on Cookie, so the cache keeps your copy apart. "
                    "The next visitor got a page of their own and no cookie."
                ),
            )
    return Verdict(
        False,
        problem or _("Not yet: Set a key, then ask for the cached page that reads the session."),
    )


@check("save-every-request-not-cached")
def save_every_request_not_cached(evidence: Evidence) -> Verdict:
    """SESSION_SAVE_EVERY_REQUEST with a session, a page that ignores it, behind the cache:
    the response sets the cookie with Vary: Cookie, and the cache hands it to nobody."""
    problem = None
    for exchange in evidence.exchanges:  # newest first
        if exchange.action != "cached_public_page" or (pages := _pages(exchange)) is None:
            continue
        you, after = pages
        if not exchange.settings_snapshot.get("SESSION_SAVE_EVERY_REQUEST"):
            problem = problem or _("Turn SESSION_SAVE_EVERY_REQUEST on first.")
        elif not you.get("set_cookie"):
            problem = problem or _(
                "Your page set no session cookie: with no session there is nothing to save. "
                "Set a key first."
            )
        elif after.get("set_cookie"):
            problem = problem or _("The next visitor was sent a session cookie.")
        elif "Cookie" in you.get("vary", ""):
            return Verdict(
                True,
                _(
                    "Done: the page never touched the session, yet its response set your "
                    "cookie, with Vary: Cookie. The cache did not store it, and the next "
                    "visitor got no cookie."
                ),
            )
    return Verdict(
        False,
        problem
        or _(
            "Not yet: with SESSION_SAVE_EVERY_REQUEST on, Set a key, then ask for the cached "
            "page that ignores the session."
        ),
    )
