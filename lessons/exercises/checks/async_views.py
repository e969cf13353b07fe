"""Checks for lesson 17, async views: the ordinary API refused in the event loop, the
a-methods answering from the same session."""

from django.utils.translation import gettext as _

from lessons.exercises.checks import Verdict, check
from lessons.exercises.evidence import Evidence, engine_name


@check("async-mistake-then-fix")
def async_mistake_then_fix(evidence: Evidence) -> Verdict:
    """On db: get() in an async view raised SynchronousOnlyOperation, and a later
    await aget() read the same session, sent with the same cookie."""
    refused: dict[str, object] = {}  # cookie sent -> the refused exchange
    problem = None
    for exchange in evidence.chronological:
        result = exchange.result or {}
        sent = evidence.cookie_sent(exchange)
        if exchange.action == "async_sync_get":
            if (result.get("error") or "").startswith("SynchronousOnlyOperation"):
                refused[sent] = exchange
            elif engine_name(exchange) != "db":
                problem = _(
                    "On %(engine)s the plain get() raises nothing: it reads right there, in the "
                    "event loop. Use the db engine."
                ) % {"engine": engine_name(exchange)}
            elif sent is None:
                problem = _(
                    "Your browser sent no session cookie, so there was nothing to load and "
                    "nothing to refuse. Store something first (await aset())."
                )
        elif exchange.action == "async_aget" and sent in refused and not result.get("error"):
            return Verdict(
                True,
                _(
                    "Done: the plain get() had to load your row inside the event loop and "
                    "Django refused with SynchronousOnlyOperation; await aget() read the same "
                    "session in a thread."
                ),
            )
    if refused:
        return Verdict(False, _("Refused, as expected. Now read the same key with await aget()."))
    return Verdict(
        False,
        problem
        or _(
            "Not yet: on the db engine, store something with await aset(), then press get() "
            "in an async view."
        ),
    )
