"""What a check may look at: what the server recorded, and what the page reported.

Checks never take a learner's word for anything the server can see. The
only browser-reported fact is `document.cookie` after a lab request
(LabObservation), and a check uses it only where the server cannot know,
after making sure it agrees with what the server recorded.
"""

from dataclasses import dataclass, field
from functools import cached_property

from django.conf import settings

from lessons.lab.cookies import SetCookie, cookie_pairs, parse_set_cookie
from lessons.lab.store import RECORD_PARTS
from lessons.models import LabConfig, LabExchange, LabObservation, Learner


@dataclass
class Evidence:
    """One learner's lab, newest exchange first."""

    learner: Learner
    config: LabConfig
    exchanges: list[LabExchange] = field(default_factory=list)

    @classmethod
    def gather(cls, learner: Learner, config: LabConfig) -> "Evidence":
        # The timeline keeps about LAB_TIMELINE_LENGTH exchanges; a check needs no more.
        limit = settings.LAB_TIMELINE_LENGTH + 10
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
        name = exchange.settings_snapshot.get("SESSION_COOKIE_NAME")
        for key, _sep, value in cookie_pairs(exchange.cookie_header):
            if key == name:
                return value
        return None

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
