"""What just happened, in a sentence or two: the recorded exchange told in plain words.

Every sentence is derived from what was recorded (the Set-Cookie, Vary, the
settings, what the store held before and after), never from a table of
cases, so it stays true for any engine, action or outcome.
"""

from typing import Any

from django.utils.translation import ngettext

from lessons.engines import engine_name_of
from lessons.html_text import translated as _
from lessons.lab.actions import ACTIONS
from lessons.lab.cookies import cookie_pairs
from lessons.lab.store import RECORD_PARTS

UNITS = ((7 * 24 * 3600, "week"), (24 * 3600, "day"), (3600, "hour"), (60, "minute"))


# Each unit's words, translated only for the unit a duration is told in.
UNIT_WORDS = {
    "week": lambda count: ngettext("%(count)d week", "%(count)d weeks", count),
    "day": lambda count: ngettext("%(count)d day", "%(count)d days", count),
    "hour": lambda count: ngettext("%(count)d hour", "%(count)d hours", count),
    "minute": lambda count: ngettext("%(count)d minute", "%(count)d minutes", count),
}


def duration(seconds: int) -> str:
    """A Max-Age in words when it is a whole number of a unit: 1209600 → "2 weeks"."""
    for size, unit in UNITS:
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return UNIT_WORDS[unit](count) % {"count": count}
    return ngettext("%(count)d second", "%(count)d seconds", seconds) % {"count": seconds}


# Where each engine put the session, as a sentence: in a new record, or in the one it had.
STORED_NEW = {
    "db": lambda: _("It wrote a new row to django_session."),
    "cached_db": lambda: _("It wrote a new row to django_session and a copy to the cache."),
    "file": lambda: _("It wrote a new file in SESSION_FILE_PATH."),
    "cache": lambda: _("It set a new key in the cache."),
    "redis_json": lambda: _("It set a new JSON record in Redis."),
}
STORED_AGAIN = {
    "db": lambda: _("It updated the row in django_session."),
    "cached_db": lambda: _("It updated the row in django_session and its copy in the cache."),
    "file": lambda: _("It rewrote the session file."),
    "cache": lambda: _("It replaced the value under the key in the cache."),
    "redis_json": lambda: _("It replaced the JSON record in Redis."),
}


def _stored(engine_name: str, new_record: bool) -> str:
    """Where the engine put the session, as a sentence."""
    if engine_name == "signed_cookies":
        return _(
            "Nothing was written on the server: the data itself travels in the cookie, signed."
        )
    sentence = (STORED_NEW if new_record else STORED_AGAIN).get(engine_name)
    return sentence() if sentence else ""


def _sent(engine_name: str, max_age: str | None) -> str:
    """What went back to the browser, as a sentence."""
    in_cookie = engine_name == "signed_cookies"
    if max_age is not None and max_age.isdigit():
        values = {"seconds": max_age, "words": duration(int(max_age))}
        if in_cookie:
            return _("Set-Cookie carries the data, with Max-Age %(seconds)s (%(words)s).") % values
        return _("Set-Cookie carries the key, with Max-Age %(seconds)s (%(words)s).") % values
    if in_cookie:
        return _("Set-Cookie carries the data, with no Max-Age: the browser drops it on closing.")
    return _("Set-Cookie carries the key, with no Max-Age: the browser drops it on closing.")


def _stored_before(previous: dict[str, Any] | None, key: str) -> bool:
    """Did the previous exchange leave a record under this key?"""
    if not previous or previous.get("session_key") != key:
        return False
    store = previous.get("store") or {}
    return any((store.get(part) or {}).get("exists") for part in RECORD_PARTS)


def _cookie_came_in(exchange: dict[str, Any]) -> bool:
    """Did the request carry the lab's session cookie?"""
    return _key_sent(exchange) is not None


def _key_sent(exchange: dict[str, Any]) -> str | None:
    """The value of the lab's session cookie the request carried, if it carried one."""
    name = (exchange.get("settings") or {}).get("SESSION_COOKIE_NAME", "")
    sent = cookie_pairs(exchange.get("cookie_header") or "")
    return next((value for key, equals, value in sent if equals and key == name), None)


def _login_sentences(exchange: dict[str, Any]) -> list[str]:
    """What a login, logout, password change or a move between browsers did, in words."""
    action = exchange.get("action", "")
    result = exchange.get("result") or {}
    if result.get("error"):
        return []
    user = result.get("user") or ""
    in_cookie = exchange.get("engine") == "signed_cookies"
    if action == "login":
        how = result.get("login")
        if how == "cycle_key" and in_cookie:
            sentence = _(
                "login() called cycle_key(): on signed_cookies that re-signs the data into a "
                "new cookie. A copy of the old cookie still loads, as the anonymous session "
                "it was."
            )
        elif how == "cycle_key":
            sentence = _(
                "login() gave the session a new key with cycle_key(), keeping any data it "
                "held: a key anyone knew before the login opens nothing now."
            )
        elif how == "flush":
            sentence = _(
                "login() flushed the session first: it held another user, or a password hash "
                "that no longer matches, so %(user)s starts with a new, empty session."
            ) % {"user": user}
        else:
            sentence = _(
                "%(user)s was logged in with this session already: login() kept the key."
            ) % {"user": user}
        return [
            sentence,
            _(
                "login() also called rotate_token(): in a project, CsrfViewMiddleware sends a "
                "new CSRF cookie with this response, and a form drawn before the login needs "
                "the new token."
            ),
        ]
    if result.get("logged_out_by_hash"):
        return [
            _(
                "The session's _auth_user_hash no longer matches the user's password: "
                "get_user() flushed the session, and request.user is AnonymousUser."
            )
        ]
    if action == "naive_login":
        if in_cookie:
            sentence = _(
                "The user's id went into the session by hand, without cycle_key(). On "
                "signed_cookies the data travels in a new cookie, so a planted old one stays "
                "anonymous; with an engine that keeps sessions on the server the key would "
                "stay, and whoever planted it would be logged in too: the fixation mistake."
            )
        elif _cookie_came_in(exchange):
            sentence = _(
                "The user's id went into the session under the same key: whoever knew that "
                "key before the login is now logged in as %(user)s too. This is the fixation "
                "mistake; login() calls cycle_key() to prevent it."
            ) % {"user": user}
        else:
            sentence = _(
                "The user's id went into a new session by hand, without cycle_key(): nobody "
                "knew this key before, but a key planted earlier would have been kept. This "
                "is the fixation mistake; login() calls cycle_key() to prevent it."
            )
        return [sentence]
    if action == "logout":
        if in_cookie:
            return [
                _(
                    "logout() flushed the session and your browser is told to delete the "
                    "cookie. On signed_cookies nothing is kept on the server: a copy of the "
                    "cookie stays valid until it expires."
                )
            ]
        return [_("logout() flushed the session: the stored record is gone with the data.")]
    story = STORIES.get(action)
    return [story()] if story else []


# What an action that is a step of a login story did, in words.
STORIES = {
    "change_password": lambda: _(
        "The password changed, and with it the hash every session of the user must "
        "carry: the next request that asks for request.user, from any browser, is "
        "logged out, this one included."
    ),
    "change_password_keep": lambda: _(
        "update_session_auth_hash() gave this session a new key and the new hash: this "
        "browser stays logged in; every other session of the user is logged out at its "
        "next request."
    ),
    "copy_to_b": lambda: _(
        "Browser B now holds a copy of your session cookie: to Django, its requests are yours."
    ),
    "plant_from_b": lambda: _(
        "Your browser now holds Browser B's session cookie, as if a page on a sibling "
        "subdomain had set it: this Set-Cookie is not Django's. Log in now and see "
        "whether B is logged in too."
    ),
}


def _two_tabs_sentences(exchange: dict[str, Any]) -> list[str]:
    """What two overlapping requests did to one session, in words."""
    result = exchange.get("result") or {}
    if exchange.get("action") != "two_tabs" or result.get("error"):
        return []
    sentence = _(
        "Both tabs loaded the same session. Tab 2 saved %(key)s first; then tab 1 saved the "
        "whole dictionary it had loaded, with its own change and without %(key)s: tab 2's "
        "change is lost."
    )
    if exchange.get("engine") == "signed_cookies":
        sentence = _(
            "Both tabs loaded the same session. Tab 2's response carried a cookie with "
            "%(key)s; tab 1's response came last, with the whole dictionary it had loaded "
            "and without %(key)s. The browser keeps the last cookie: tab 2's change is lost."
        )
    return [sentence % {"key": result.get("lost_key", "")}]


def _cached_page_sentences(exchange: dict[str, Any]) -> list[str]:
    """Where the cached page came from, for you and for the next visitor, in words."""
    result = exchange.get("result") or {}
    if not exchange.get("action", "").startswith("cached_") or result.get("error"):
        return []
    pages = result.get("value") or {}
    you, after = pages.get("you") or {}, pages.get("next_visitor") or {}
    sentences = [
        _("Your page came from the cache: the view did not run.")
        if you.get("from_cache")
        else _("Your page was made by the view; UpdateCacheMiddleware: %(verdict)s.")
        % {"verdict": you.get("cacheable", "")},
        _("The next visitor, with no cookie, got a copy from the cache.")
        if after.get("from_cache")
        else _("The next visitor, with no cookie, got a page made for them by the view."),
    ]
    if after.get("set_cookie"):
        sentences.append(_("The next visitor's page set a session cookie."))
    return sentences


def what_happened(exchange: dict[str, Any], previous: dict[str, Any] | None) -> list[str]:
    """A few plain sentences for an exchange as panels.exchange_data gives it."""
    told = (
        _two_tabs_sentences(exchange)
        + _cached_page_sentences(exchange)
        + _login_sentences(exchange)
    )
    if exchange.get("action") == "plant_from_b":
        return told
    return told + _session_sentences(exchange, previous)


def _session_sentences(exchange: dict[str, Any], previous: dict[str, Any] | None) -> list[str]:
    """What Django's session machinery did with the response."""
    settings = exchange.get("settings") or {}
    engine_name = engine_name_of(settings)
    cookies = exchange.get("set_cookie") or []
    cookie = cookies[0] if cookies else None
    if exchange.get("status", 200) >= 400:
        return [_("Django could not finish with the session: the note below says why.")]
    if cookie is None:
        if "Cookie" in (exchange.get("vary") or ""):
            return [
                _(
                    "Nothing was sent: the session was read but not modified, so the response "
                    "has only Vary: Cookie."
                )
            ]
        return [
            _(
                "The session was not touched: no Set-Cookie and no Vary: Cookie. A view that "
                "never reads request.session costs the session nothing."
            )
        ]
    attributes = cookie.get("attributes") or {}
    if attributes.get("max-age") == "0" or not cookie.get("value"):
        return [
            _(
                "Django deleted the cookie: the session is empty, so it sent the cookie back "
                "empty with Max-Age=0, and the browser drops it."
            )
        ]
    action = ACTIONS.get(exchange.get("action", ""))  # a cross-site visit is none of them
    if settings.get("SESSION_SAVE_EVERY_REQUEST") and not (action and action.modifies):
        reason = _("Django saved the session because SESSION_SAVE_EVERY_REQUEST is on.")
        sent = _key_sent(exchange)
        if engine_name != "signed_cookies" and sent and sent != exchange.get("session_key"):
            # Sending the cookie asks for the expiry, which loads the session: the load
            # finds nothing and drops the key, so the save creates a new, empty session.
            reason = _(
                "Your cookie named no live session, so loading it gave an empty session "
                "and dropped the key; SESSION_SAVE_EVERY_REQUEST then saved that empty "
                "session under a new key and sent a new cookie. Every request with such a "
                "key adds one more empty record."
            )
    else:
        reason = _("Django saved the session because it was modified.")
    new_record = not _stored_before(previous, exchange.get("session_key") or "")
    max_age = attributes.get("max-age")
    sentences = [
        reason,
        _stored(engine_name, new_record),
        _sent(engine_name, max_age if isinstance(max_age, str) else None),
    ]
    return [sentence for sentence in sentences if sentence]
