"""What the lab's panels show, computed once for the HTML partials and the JSON view.

`lab_panels_for(learner, config)` returns plain data: the latest exchange
with its cookies taken apart, what changed since the exchange before it, the
store, the timeline and messages in the active language.
"""

from typing import Any

from django.utils.translation import gettext as _

from lessons.engines import ENGINES
from lessons.lab.cookies import parse_set_cookie
from lessons.lab.store import RECORD_PARTS
from lessons.models import LabConfig, LabExchange, Learner

# How many recent lab requests the timeline panel lists.
TIMELINE_SHOWN = 12

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
    if code == "cookie_not_returned":
        header = _("The browser did not send back the cookie %(name)s it was given. Why:") % {
            "name": note.get("cookie", "")
        }
        return [header] + [
            REASONS.get(reason, REASONS["unknown"])(note) for reason in note.get("reasons", [])
        ]
    if code == "cookie_rejected":
        return [REASONS.get(note.get("reason"), REASONS["unknown"])(note)]
    messages = {  # built lazily: only the note at hand is translated
        "engine_changed": lambda: (
            _(
                "The engine changed to %(engine)s. A key made by the previous engine means "
                "nothing to this one, so the next change starts a new session."
            )
            % {"engine": note.get("engine", "")}
        ),
        "engine_changed_same_store": lambda: (
            _(
                "The engine changed to %(engine)s. It looks up the same django_session rows as "
                "before, so your session carries over."
            )
            % {"engine": note.get("engine", "")}
        ),
        "foreign_cookie": lambda: (
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
        "session_not_found": lambda: _(
            "The store had no live session under the key in your cookie (expired or removed), so "
            "Django started a new, empty session."
        ),
        "signed_cookie_rejected": lambda: (
            _(
                "The signed cookie failed its check (%(problem)s): Django threw it away and "
                "started a new, empty session."
            )
            % {"problem": note.get("problem") or "?"}
        ),
        "served_from": lambda: (
            _("This request read the session from the cache.")
            if note.get("store") == "cache"
            else _(
                "This request did not find the session in the cache and read it from the database."
            )
        ),
        "redis_unreachable": lambda: _(
            "Redis is not reachable: the engines that keep sessions in it (cache and cached_db "
            "on the redis alias, redis_json) cannot work until it is back. The other engines "
            "and the rest of the site keep working."
        ),
        "memcached_unreachable": lambda: _(
            "memcached is not reachable: with SESSION_CACHE_ALIAS = 'memcached' the cache and "
            "cached_db engines cannot work. Start memcached (make run does), or choose the redis "
            "alias; the other engines and the rest of the site keep working."
        ),
        "cache_alias_changed": lambda: (
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
        "session_interrupted": lambda: _(
            "The session record vanished while this request ran (SessionInterrupted): Django "
            "answers 400 Bad Request and sends no cookie."
        ),
        "engine_error": lambda: (
            _("The session engine raised an error: %(error)s") % {"error": note.get("error", "?")}
        ),
        "cookie_too_large": lambda: (
            _(
                "The cookie is %(size)s bytes (name + value); browsers drop cookies over 4096 "
                "bytes without a word. Keep less data in a signed-cookie session."
            )
            % {"size": note.get("size", "?")}
        ),
    }
    message = messages.get(code)
    return [message() if message else str(code)]


def cookie_attribute_changes(previous: LabExchange | None, current: LabExchange) -> set[str]:
    """Names of Set-Cookie parts that differ from the previous response's cookie."""
    if not current.set_cookie_headers:
        return set()
    now_cookie = parse_set_cookie(current.set_cookie_headers[0])
    before = None
    if previous is not None and previous.set_cookie_headers:
        before = parse_set_cookie(previous.set_cookie_headers[0])
    if before is None:
        return {"value", *now_cookie.attributes}
    changed = {
        name
        for name in now_cookie.attributes
        if now_cookie.attributes[name] != before.attributes.get(name)
    }
    changed |= {name for name in before.attributes if name not in now_cookie.attributes}
    changed.discard("expires")  # it moves with every response; Max-Age tells the story
    if now_cookie.value != before.value:
        changed.add("value")
    return changed


def store_changes(
    previous: dict[str, Any] | None, current: dict[str, Any], elapsed_seconds: float = 0
) -> set[str]:
    """Dotted paths of store values that differ (e.g. "database.decoded", "cache.ttl").

    `elapsed_seconds` is the time between the two snapshots: a TTL that only
    counted down by that much is not a change.
    """
    if not previous:
        return set()
    changed = set()
    for part in (*RECORD_PARTS, "cookie"):
        now_part, before_part = current.get(part) or {}, previous.get(part) or {}
        for name in set(now_part) | set(before_part):
            if now_part.get(name) != before_part.get(name):
                changed.add(f"{part}.{name}")
    for part in ("cache", "memcached", "redis"):
        ttl_now = (current.get(part) or {}).get("ttl")
        ttl_before = (previous.get(part) or {}).get("ttl")
        counted_down_only = (
            ttl_now is not None
            and ttl_before is not None
            and abs((ttl_before - elapsed_seconds) - ttl_now) <= 2
        )
        if counted_down_only:
            changed.discard(f"{part}.ttl")
    if current.get("session_key") != previous.get("session_key"):
        changed.add("session_key")
    return changed


def exchange_data(exchange: LabExchange) -> dict[str, Any]:
    return {
        "id": exchange.id,
        "at": exchange.created_at.isoformat(),
        "action": exchange.action,
        "python": exchange.python,
        "path": exchange.path,
        "method": exchange.method,
        "cross_site": exchange.action.removeprefix("cross_site_")
        if exchange.action.startswith("cross_site_")
        else None,
        "status": exchange.status_code,
        "cookie_header": exchange.cookie_header,
        "set_cookie": [parse_set_cookie(raw).as_dict() for raw in exchange.set_cookie_headers],
        "vary": exchange.vary,
        "session_key": exchange.session_key,
        "result": exchange.result,
        "notes": exchange.notes,
        "messages": [message for note in exchange.notes for message in note_messages(note)],
        "store": exchange.store,
    }


def lab_panels_for(learner: Learner | None, config: LabConfig) -> dict[str, Any]:
    """Everything the cookie, store and timeline panels show, as plain data.

    `learner` is None for a visitor who has not sent a lab request yet.
    """
    recent = list(learner.lab_exchanges.all()[:TIMELINE_SHOWN]) if learner else []
    latest = recent[0] if recent else None
    previous = recent[1] if len(recent) > 1 else None
    return {
        "engine": config.engine,
        "engine_path": ENGINES[config.engine].path,
        "settings": config.session_settings(),
        "latest": exchange_data(latest) if latest else None,
        "changes": {
            "cookie": sorted(cookie_attribute_changes(previous, latest)) if latest else [],
            "store": sorted(
                store_changes(
                    previous.store if previous else None,
                    latest.store,
                    (latest.created_at - previous.created_at).total_seconds() if previous else 0,
                )
            )
            if latest
            else [],
        },
        "timeline": [exchange_data(exchange) for exchange in recent],
    }
