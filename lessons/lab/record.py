"""Record one lab request as a LabExchange: the timeline, the panels and the exercise checks
all read it."""

from typing import Any

from django.conf import settings
from django.db.models import Subquery

from lessons.engines import ENGINES
from lessons.lab.actions import ActionInput, LabAction
from lessons.lab.cookies import BROWSER_COOKIE_LIMIT, SetCookie, parse_set_cookie
from lessons.lab.limits import for_record, safe_text
from lessons.lab.observe import Observation
from lessons.models import LabConfig, LabExchange, LabSessionKey, Learner
from lessons.prepared_queries import PreparedInsert

# A Set-Cookie kept in the timeline: long enough to show it was over the
# browser's 4096-byte limit, short enough that a huge one costs nothing.
RECORDED_HEADER_CHARS = 8_192
# The timeline is trimmed on every TRIM_EVERY-th exchange, not on each one:
# it may hold a few more than LAB_TIMELINE_LENGTH for a while, which nobody sees.
# A trim costs about half a lab request (Django's delete collects the observations
# too); checks read the few more (exercises/evidence.py).
TRIM_EVERY = 25
# Every lab request records one: the INSERT's SQL is built once.
INSERT_EXCHANGE = PreparedInsert(LabExchange)


def record(
    learner: Learner,
    config: LabConfig,
    action: LabAction,
    given: ActionInput,
    observation: Observation,
    notes: list[dict[str, Any]],
    browser: str = LabExchange.Browser.A,
    number: int = 1,
) -> LabExchange:
    """Save the exchange (and a key Django just gave this learner), and return it;
    `number` is its place in the timeline (the request before's, plus one)."""
    current_key = observation.current_key
    if (
        ENGINES[config.engine].stores_on_server
        and current_key
        and current_key != observation.incoming_key
        # Only a key Django itself ended the request with, never one set beside it
        # (Browser B's, planted by the lab: browser_b.py).
        and current_key == observation.key_after_run
    ):
        # A key the browser did not have yet (a new session, cycle_key):
        # from now on it is this learner's.
        LabSessionKey.objects.get_or_create(
            learner=learner, engine=config.engine, session_key=current_key
        )
    request = observation.request
    outcome = observation.outcome
    recorded_cookies = [recorded_set_cookie(cookie) for cookie in observation.set_cookies]
    exchange = LabExchange(
        learner=learner,
        browser=browser,
        number=number,
        action=action.name,
        inputs=for_record(given.as_record(action)),
        python=safe_text(outcome.python) if outcome else "",
        method=request.method,
        path=request.path,
        status_code=observation.status_code,
        settings_snapshot={
            **observation.session_settings,
            "_host": request.host,
            "_https": request.https,
        },
        cookie_header=safe_text(request.cookie_header, RECORDED_HEADER_CHARS),
        set_cookie_headers=[recorded.raw for recorded in recorded_cookies],
        vary=observation.vary[:200],
        # A browser never sends back a cookie longer than this, so nothing is lost
        # for comparing what came back with what was sent.
        session_key=safe_text((current_key or "")[:BROWSER_COOKIE_LIMIT], BROWSER_COOKIE_LIMIT),
        # With what the action reported besides (who request.user is, how login() went).
        result=for_record(
            {"value": outcome.result, "error": outcome.error, **outcome.extra} if outcome else None
        ),
        notes=for_record(notes),
        store=for_record(observation.store),
    )
    INSERT_EXCHANGE(exchange)
    # The panels draw this exchange from what was just parsed, not from the saved text.
    exchange.parsed_set_cookies = recorded_cookies
    # Counted per learner, so nobody keeps more than LAB_TIMELINE_LENGTH + TRIM_EVERY.
    if number % TRIM_EVERY == 0:
        trim_timeline(learner)
    return exchange


def recorded_set_cookie(cookie: SetCookie) -> SetCookie:
    """The Set-Cookie header as the timeline keeps it: a huge value is cut, its attributes kept."""
    if len(cookie.raw) <= RECORDED_HEADER_CHARS:
        return cookie
    name_value = f"{cookie.name}={cookie.value}"
    attributes = cookie.raw[len(name_value) :] if cookie.raw.startswith(name_value) else ""
    return parse_set_cookie(
        f"{cookie.name}={safe_text(cookie.value, RECORDED_HEADER_CHARS)}{attributes}"
    )


def trim_timeline(learner: Learner) -> None:
    """Forget all but the learner's latest LAB_TIMELINE_LENGTH exchanges."""
    cutoff = learner.lab_exchanges.values_list("id", flat=True)[
        settings.LAB_TIMELINE_LENGTH : settings.LAB_TIMELINE_LENGTH + 1
    ]
    # Only their ids are read to delete them (and their observations): not every column.
    LabExchange.objects.filter(learner_id=learner.pk, id__lte=Subquery(cutoff)).only("id").delete()
