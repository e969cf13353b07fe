"""Checks for the cookie flags lesson."""

from django.utils.translation import gettext as _

from lessons.exercises.checks import Verdict, check
from lessons.exercises.evidence import Evidence


@check("hide-from-javascript")
def hide_from_javascript(evidence: Evidence) -> Verdict:
    """HttpOnly set by the server, the cookie held by the browser, and unseen by the page."""
    newest_set = None
    for index, exchange in enumerate(evidence.exchanges):
        cookie = evidence.set_cookie(exchange)
        if cookie is not None and not cookie.is_deletion:
            newest_set = (index, exchange, cookie)
            break
    if newest_set is None:
        return Verdict(
            False,
            _(
                "No lab response has set a session cookie yet: change the session first (Set a key)."
            ),
        )
    index, exchange, cookie = newest_set
    if not cookie.attributes.get("httponly"):
        return Verdict(
            False,
            _(
                "Your last response set %(cookie)s without HttpOnly: page JavaScript can still read it."
            )
            % {"cookie": f"{cookie.name}=…"},
        )
    later = evidence.exchanges[:index]
    if not any(evidence.cookie_sent(newer) == cookie.value for newer in later):
        return Verdict(
            False,
            _(
                "HttpOnly is set. Now show that the browser keeps the cookie: send one more "
                "request (for example Read a key) so the server sees it come back."
            ),
        )
    observations = [
        observation
        for observation in (evidence.observation(seen) for seen in [exchange, *later])
        if observation is not None
    ]
    if not observations:
        return Verdict(
            False,
            _(
                "The lab page has not reported what page JavaScript sees yet: keep the lab open "
                "with JavaScript on and send another request."
            ),
        )
    if any(cookie.name in observation.visible_cookie_names() for observation in observations):
        return Verdict(
            False,
            _(
                "Page JavaScript still saw a cookie named %(name)s, perhaps an older one with "
                "another Path. Delete it (flush()) and try again."
            )
            % {"name": cookie.name},
        )
    return Verdict(
        True,
        _(
            "Done: the server set %(name)s with HttpOnly, your browser sent it back, and page "
            "JavaScript could not see it."
        )
        % {"name": cookie.name},
    )
