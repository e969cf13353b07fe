"""The lab's notes: what it tells a learner about one request, in one vocabulary.

A note is recorded as plain data, `{"code": Note.X, ...details}`, so it
survives in the timeline and its JSON; `note_messages(note)` turns it into
sentences in the active language when a panel shows it. To add a note: a
member here, its message in `note_messages`, and the place in `explain.py`
that finds it.
"""

from enum import StrEnum
from typing import Any

from django.utils.translation import gettext as _


class Note(StrEnum):
    # The learner changed a setting since the previous request.
    ENGINE_CHANGED = "engine_changed"
    ENGINE_CHANGED_SAME_STORE = "engine_changed_same_store"
    CACHE_ALIAS_CHANGED = "cache_alias_changed"
    # What the browser sent.
    COOKIE_NOT_RETURNED = "cookie_not_returned"
    FOREIGN_COOKIE = "foreign_cookie"
    # What Django found in the store.
    SESSION_NOT_FOUND = "session_not_found"
    SERVED_FROM = "served_from"
    SIGNED_COOKIE_REJECTED = "signed_cookie_rejected"
    # What the browser will make of the response's cookie.
    COOKIE_TOO_LARGE = "cookie_too_large"
    COOKIE_REJECTED = "cookie_rejected"
    # Failures a project would turn into an error page.
    SESSION_INTERRUPTED = "session_interrupted"
    ENGINE_ERROR = "engine_error"
    # django.contrib.auth could not read the user id a hand-written _auth_user_id holds.
    USER_ID_INVALID = "user_id_invalid"
    REDIS_UNREACHABLE = "redis_unreachable"
    MEMCACHED_UNREACHABLE = "memcached_unreachable"


# Why a signed_cookies value was refused, by the problem codes of cookies.py.
SIGNED_COOKIE_PROBLEMS = {
    "format": lambda: _("it is not three parts separated by colons"),
    "expired": lambda: _("it was signed longer ago than SESSION_COOKIE_AGE"),
    "signature": lambda: _("its signature does not match"),
}


def signed_cookie_problem(code: str | None) -> str:
    """Why a signed_cookies value was refused, in the learner's language."""
    problem = SIGNED_COOKIE_PROBLEMS.get(code or "")
    return problem() if problem is not None else "?"


def new_note(code: Note, **details: Any) -> dict[str, Any]:
    """A note as it is recorded: its code (a plain string in JSON) and its details."""
    return {"code": str(code), **details}


# Why a browser refused a cookie or did not send it back (COOKIE_REJECTED and
# COOKIE_NOT_RETURNED), by the reason codes of cookies.py.
REASONS = {
    "too_large": lambda note: _(
        "It was larger than 4096 bytes (name + value), so the browser dropped it without any error."
    ),
    "secure_on_insecure_origin": lambda note: _(
        "It has Secure, and this page came over plain http from a host that is not "
        "localhost or 127.0.0.1, so the browser refused to store it."
    ),
    "samesite_none_without_secure": lambda note: _(
        "SameSite=None without Secure: Chromium refuses such a cookie."
    ),
    "prefix_needs_secure": lambda note: _(
        "A name starting with __Secure- or __Host- needs the Secure attribute."
    ),
    "host_prefix_rules": lambda note: _("A __Host- cookie needs Path=/ and no Domain."),
    "domain_mismatch": lambda note: _("Its Domain does not cover the host of this request."),
    "host_only": lambda note: _(
        "Without Domain only the exact host that set it gets it back, and this request went "
        "to another host."
    ),
    "path_mismatch": lambda note: _(
        "Its Path does not cover the path of this request, so the browser kept it to itself."
    ),
    "expired": lambda note: _("It expired: its Max-Age had run out, so the browser deleted it."),
    "browser_closed": lambda note: _(
        "It was a browser-session cookie (no Max-Age, no Expires): closing the browser removes it."
    ),
    "samesite_strict": lambda note: _(
        "It has SameSite=Strict and this request was started by another site: Strict cookies "
        "only go with requests that start on this site."
    ),
    "samesite_lax": lambda note: _(
        "It has SameSite=Lax and this request was started by another site without being a "
        "top-level GET navigation (a form POST, a fetch, an image): Lax cookies stay home."
    ),
    "samesite_default_lax": lambda note: _(
        "It has no SameSite attribute, which Chromium treats as Lax, and this request was started "
        "by another site without being a top-level GET navigation."
    ),
    "third_party_blocked": lambda note: _(
        "It has SameSite=None, which allows it here, but this browser blocks third-party "
        "cookies: requests that another site's page makes (fetch, images, frames) go without "
        "it. Private windows, Safari and Firefox block or partition them too."
    ),
    "unknown": lambda note: _(
        "By the browser's rules it should have come back: it was probably deleted by hand or "
        "from another tab."
    ),
}


def note_messages(note: dict[str, Any]) -> list[str]:
    """Human sentences, in the active language, for one recorded note."""
    code = note.get("code")
    if code == Note.COOKIE_NOT_RETURNED:
        header = _("The browser did not send back the cookie %(name)s it was given. Why:") % {
            "name": note.get("cookie", "")
        }
        return [header] + [
            REASONS.get(reason, REASONS["unknown"])(note) for reason in note.get("reasons", [])
        ]
    if code == Note.COOKIE_REJECTED:
        return [REASONS.get(note.get("reason"), REASONS["unknown"])(note)]
    messages = {  # built lazily: only the note at hand is translated
        Note.ENGINE_CHANGED: lambda: (
            _(
                "The engine changed to %(engine)s. A key made by the previous engine means "
                "nothing to this one, so the next change starts a new session."
            )
            % {"engine": note.get("engine", "")}
        ),
        Note.ENGINE_CHANGED_SAME_STORE: lambda: (
            _(
                "The engine changed to %(engine)s. It looks up the same django_session rows as "
                "before, so your session carries over."
            )
            % {"engine": note.get("engine", "")}
        ),
        Note.FOREIGN_COOKIE: lambda: (
            (
                _(
                    "The store could not be asked whether the key in the cookie %(name)s is "
                    "yours, so the lab did not show it to Django: Django handled this request as "
                    "if your browser had sent no %(name)s cookie."
                )
                if note.get("reason") == "unchecked"
                else _(
                    "The cookie %(name)s holds the key of a session stored for someone else, so "
                    "the lab did not show it to Django: Django handled this request as if your "
                    "browser had sent no %(name)s cookie. A real project would have loaded that "
                    "session: whoever holds a session key is that session."
                )
            )
            % {"name": note.get("cookie", "")}
        ),
        Note.SESSION_NOT_FOUND: lambda: _(
            "The store had no live session under the key in your cookie (expired or removed), so "
            "Django started a new, empty session."
        ),
        Note.SIGNED_COOKIE_REJECTED: lambda: (
            _(
                "The signed cookie failed its check (%(problem)s): Django threw it away and "
                "started a new, empty session."
            )
            % {"problem": signed_cookie_problem(note.get("problem"))}
        ),
        Note.SERVED_FROM: lambda: (
            _("This request read the session from the cache.")
            if note.get("store") == "cache"
            else _(
                "This request did not find the session in the cache and read it from the database."
            )
        ),
        Note.REDIS_UNREACHABLE: lambda: _(
            "Redis is not reachable: the engines that keep sessions in it (cache and cached_db "
            "on the redis alias, redis_json) cannot work until it is back. The other engines "
            "and the rest of the site keep working."
        ),
        Note.MEMCACHED_UNREACHABLE: lambda: _(
            "memcached is not reachable: with SESSION_CACHE_ALIAS = 'memcached' the cache and "
            "cached_db engines cannot work. Start memcached (make run does), or choose the redis "
            "alias; the other engines and the rest of the site keep working."
        ),
        Note.CACHE_ALIAS_CHANGED: lambda: (
            _(
                "SESSION_CACHE_ALIAS changed to %(alias)s. The other cache keeps your old session "
                "and this one has nothing under your key, so the next change starts a new "
                "session."
            )
            % {"alias": note.get("alias", "")}
            if note.get("engine") == "cache"
            else _(
                "SESSION_CACHE_ALIAS changed to %(alias)s. This cache has no copy of your session "
                "yet; cached_db reads it from the database row and puts it in this cache."
            )
            % {"alias": note.get("alias", "")}
        ),
        Note.SESSION_INTERRUPTED: lambda: _(
            "The session record vanished while this request ran (SessionInterrupted): Django "
            "answers 400 Bad Request and sends no cookie."
        ),
        Note.ENGINE_ERROR: lambda: (
            _("The session engine raised an error: %(error)s") % {"error": note.get("error", "?")}
        ),
        Note.USER_ID_INVALID: lambda: (
            _(
                "Django's authentication could not read the user id in _auth_user_id "
                "(%(error)s): a project answers 500 Server Error. Only code that writes "
                "_auth_user_id by hand can put such a value there; login() never does."
            )
            % {"error": note.get("error", "?")}
        ),
        Note.COOKIE_TOO_LARGE: lambda: (
            _(
                "The cookie is %(size)s bytes (name + value); browsers drop cookies over 4096 "
                "bytes without a word. Keep less data in a signed-cookie session."
            )
            % {"size": note.get("size", "?")}
        ),
    }
    message = messages.get(code)
    return [message() if message else str(code)]
