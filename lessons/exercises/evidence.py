"""What a check may look at: what the server recorded, and what the page reported.

Checks never take a learner's word for anything the server can see. The
only browser-reported fact is `document.cookie` after a lab request
(LabObservation), and a check uses it only where the server cannot know,
after making sure it agrees with what the server recorded.
"""

from dataclasses import dataclass, field
from functools import cached_property

from django.conf import settings
from django.urls import reverse

from lessons.engines import engine_name_of
from lessons.lab.actions import ACTIONS
from lessons.lab.cookies import SetCookie, cookie_pairs, parse_set_cookie
from lessons.lab.record import TRIM_EVERY
from lessons.lab.store import RECORD_PARTS
from lessons.models import LabConfig, LabExchange, LabObservation, Learner

# --- What one exchange shows: the toolkit of the checks -------------------------------


def engine_name(exchange: LabExchange) -> str:
    """The lab's short name of the engine an exchange ran with ("db", "cache", ...)."""
    return engine_name_of(exchange.settings_snapshot)


def notes_of(exchange: LabExchange, code: str, **details) -> list[dict]:
    """The exchange's notes with this code (and these details)."""
    return [
        note
        for note in exchange.notes or []
        if isinstance(note, dict)
        and note.get("code") == code
        and all(note.get(name) == value for name, value in details.items())
    ]


def note_codes(exchange: LabExchange) -> set[str]:
    return {note.get("code") for note in exchange.notes or [] if isinstance(note, dict)}


def store_part(exchange: LabExchange, part: str) -> dict:
    """One part of the store snapshot ("database", "cache", "file", ...), empty if absent."""
    return (exchange.store or {}).get(part) or {}


def cookie_values_sent(exchange: LabExchange) -> list[str]:
    """Every value of the lab cookie in the request's Cookie header.

    A browser holding two cookies of one name (say Path=/ and Path=/lab/shop/)
    sends both; the one with the longer Path comes first.
    """
    name = exchange.settings_snapshot.get("SESSION_COOKIE_NAME")
    return [value for key, _sep, value in cookie_pairs(exchange.cookie_header) if key == name]


def action_label(action: str) -> str:
    known = ACTIONS.get(action)
    return str(known.label) if known else action


def shorten(value: str, length: int = 24) -> str:
    return value if len(value) <= length else value[:length] + "…"


def lab_request_path(*, shop: bool = False) -> str:
    """Where the lab sends its requests: /lab/run/, or /lab/shop/run/ for the Path lesson."""
    return reverse("lab_action_shop" if shop else "lab_action")


# --- Everything a check may look at -----------------------------------------------------


@dataclass
class Evidence:
    """One learner's lab, newest exchange first."""

    learner: Learner
    config: LabConfig
    exchanges: list[LabExchange] = field(default_factory=list)

    @classmethod
    def gather(cls, learner: Learner, config: LabConfig) -> "Evidence":
        # The timeline keeps LAB_TIMELINE_LENGTH exchanges, and a few more until its next trim.
        limit = settings.LAB_TIMELINE_LENGTH + TRIM_EVERY
        exchanges = list(learner.lab_exchanges.select_related("observation")[:limit])
        return cls(learner=learner, config=config, exchanges=exchanges)

    @cached_property
    def chronological(self) -> list[LabExchange]:
        return list(reversed(self.exchanges))

    @property
    def latest(self) -> LabExchange | None:
        return self.exchanges[0] if self.exchanges else None

    def set_cookie(self, exchange: LabExchange) -> SetCookie | None:
        """The lab cookie this exchange's response set (None when it set none)."""
        name = exchange.settings_snapshot.get("SESSION_COOKIE_NAME")
        for raw in exchange.set_cookie_headers:
            cookie = parse_set_cookie(raw)
            if cookie.name == name:
                return cookie
        return None

    def cookie_sent(self, exchange: LabExchange) -> str | None:
        """The lab cookie's value as the browser sent it with this request (None: not sent)."""
        return next(iter(cookie_values_sent(exchange)), None)

    def observation(self, exchange: LabExchange) -> LabObservation | None:
        try:
            return exchange.observation
        except LabObservation.DoesNotExist:
            return None

    def stored_data(self, exchange: LabExchange) -> dict | None:
        """The session data the store held after this exchange (None: nothing stored)."""
        store = exchange.store or {}
        for part in RECORD_PARTS:
            if store.get(part, {}).get("exists"):
                return store[part].get("decoded")
        cookie = store.get("cookie")
        if cookie and cookie.get("valid"):
            return cookie.get("payload")
        return None
