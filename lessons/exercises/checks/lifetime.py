"""Checks for the lesson on how long a session lives."""

from django.utils.translation import gettext as _

from lessons.exercises.checks import Verdict, check
from lessons.exercises.evidence import Evidence

WINDOW_SECONDS = 20
ALIVE_SECONDS = 60


@check("sliding-window")
def sliding_window(evidence: Evidence) -> Verdict:
    """A 20-second sliding window kept alive for a minute by requests that renew it."""
    chain_start = None
    previous = None
    longest = 0.0
    last_problem = None
    for exchange in evidence.chronological:
        snapshot = exchange.settings_snapshot
        cookie = evidence.set_cookie(exchange)
        renews = (
            snapshot.get("SESSION_COOKIE_AGE") == WINDOW_SECONDS
            and snapshot.get("SESSION_SAVE_EVERY_REQUEST") is True
            and cookie is not None
            and cookie.max_age == WINDOW_SECONDS
        )
        if not renews:
            if cookie is not None and cookie.max_age not in (None, 0):
                last_problem = _(
                    "Your response set Max-Age=%(age)s; the goal needs %(window)s."
                ) % {
                    "age": cookie.max_age,
                    "window": WINDOW_SECONDS,
                }
            chain_start, previous = None, None
            continue
        carried = previous is not None and evidence.cookie_sent(exchange) is not None
        gap = (exchange.created_at - previous.created_at).total_seconds() if previous else 0
        if previous is None or not carried or gap >= WINDOW_SECONDS:
            if previous is not None and gap >= WINDOW_SECONDS:
                last_problem = _(
                    "%(gap)s seconds passed between two requests: longer than the window, so "
                    "the cookie expired and the session started again."
                ) % {"gap": int(gap)}
            chain_start = exchange
        previous = exchange
        longest = max(longest, (exchange.created_at - chain_start.created_at).total_seconds())
        if longest >= ALIVE_SECONDS:
            return Verdict(
                True,
                _(
                    "Done: every response renewed a %(window)s-second cookie and your requests "
                    "kept the session alive for %(alive)s seconds."
                )
                % {"window": WINDOW_SECONDS, "alive": int(longest)},
            )
    if last_problem:
        return Verdict(False, last_problem)
    if longest:
        return Verdict(
            False,
            _(
                "The window slides: the session has stayed alive %(alive)s seconds so far; keep going to %(goal)s."
            )
            % {"alive": int(longest), "goal": ALIVE_SECONDS},
        )
    return Verdict(
        False,
        _(
            "No response has renewed a %(window)s-second cookie yet: set SESSION_COOKIE_AGE to "
            "%(window)s and turn on SESSION_SAVE_EVERY_REQUEST, then start a session."
        )
        % {"window": WINDOW_SECONDS},
    )
