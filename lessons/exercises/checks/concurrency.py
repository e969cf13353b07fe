"""Checks for lesson 15, two requests at once: the lost update, seen in the store."""

from django.utils.translation import gettext as _

from lessons.engines import ENGINES
from lessons.exercises.checks import Verdict, check
from lessons.exercises.evidence import Evidence, engine_name


@check("lose-an-update")
def lose_an_update(evidence: Evidence) -> Verdict:
    """Two tabs at once, on an engine that stores on the server: tab 2 saved its key, and
    the store after the request holds tab 1's dictionary without it."""
    problem = None
    for exchange in evidence.exchanges:  # newest first
        if exchange.action != "two_tabs":
            continue
        result = exchange.result or {}
        if result.get("error"):
            problem = problem or _("The two tabs did not run: %(error)s") % {
                "error": result["error"]
            }
            continue
        tabs = result.get("value") or {}
        lost = result.get("lost_key", "")
        engine = engine_name(exchange)
        if not ENGINES[engine].stores_on_server:
            problem = problem or _(
                "With signed_cookies the race is lost in the browser, not in a store. Run it "
                "on an engine that keeps sessions on the server, such as db."
            )
            continue
        stored = evidence.stored_data(exchange) or {}
        if lost in (tabs.get("tab_2_saved") or {}) and lost not in stored:
            return Verdict(
                True,
                _(
                    "Done: tab 2 saved %(key)s, then your request saved the dictionary it had "
                    "loaded, and the store holds %(keys)s: tab 2's change is lost."
                )
                % {"key": lost, "keys": ", ".join(sorted(stored)) or "{}"},
            )
        problem = problem or _("The store still holds %(key)s: nothing was lost there.") % {
            "key": lost
        }
    return Verdict(
        False,
        problem
        or _("No two tabs yet: give your session some data (Set a key), then Two tabs at once."),
    )
