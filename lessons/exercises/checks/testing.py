"""Checks for lesson 18, testing code that uses sessions: a response that passes a test."""

from django.utils.translation import gettext as _

from lessons.exercises.checks import Verdict, check
from lessons.exercises.evidence import Evidence
from lessons.models import LabExchange


def _failed_assertion(evidence: Evidence, exchange: LabExchange) -> str | None:
    """The first assertion of the lesson's test this response fails (None: it passes)."""
    cookie = evidence.set_cookie(exchange)
    if cookie is None or cookie.is_deletion:
        return _('This response sets no session cookie: response.cookies["sessionid"] fails.')
    attributes = cookie.attributes
    if "max-age" in attributes or "expires" in attributes:
        return _('Its cookie has Max-Age or expires: cookie["max-age"] == "" fails.')
    if not attributes.get("httponly"):
        return _('Its cookie is not HttpOnly: cookie["httponly"] is True fails.')
    if str(attributes.get("samesite", "")).lower() != "lax":
        return _('Its cookie\'s SameSite is not Lax: cookie["samesite"] == "Lax" fails.')
    if "cookie" not in exchange.vary.lower():
        return _("The response does not vary on Cookie.")
    return None


@check("pass-the-cookie-test")
def pass_the_cookie_test(evidence: Evidence) -> Verdict:
    """A response from the learner's browser that passes every assertion of the test."""
    problem = None
    for exchange in evidence.exchanges:  # newest first
        if exchange.browser != LabExchange.Browser.A:
            continue
        failed = _failed_assertion(evidence, exchange)
        if failed is None:
            return Verdict(
                True,
                _(
                    "Done: a browser-session cookie (no Max-Age, no expires), HttpOnly, "
                    "SameSite=Lax, and Vary: Cookie. The test passes."
                ),
            )
        problem = problem or failed
    return Verdict(False, problem or _("No response yet: press Set a key."))
