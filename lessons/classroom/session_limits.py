"""How long an instructor stays logged in: an idle limit and an absolute one.

An instructor's site session opens a dashboard of learners' names and
progress, so it must not live for the four weeks a learner's does:

- idle: INSTRUCTOR_SESSION_IDLE seconds without a request ends it (the
  session's own expiry, set at login and renewed as they use the site);
- absolute: INSTRUCTOR_SESSION_MAX_AGE seconds after logging in, it ends
  however active it was (a dashboard left open and polling, a stolen cookie).

Both apply to every logged-in user (instructors and admins).
"""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

LOGGED_IN_AT = "logged_in_at"
RENEWED_AT = "session_renewed_at"
# Renewing the idle expiry writes the session; once a minute is enough.
RENEW_EVERY = 60


def start_limited_session(sender, request: HttpRequest, user, **kwargs) -> None:
    """On login (a user_logged_in receiver): start both clocks."""
    now = int(time.time())
    request.session[LOGGED_IN_AT] = now
    request.session[RENEWED_AT] = now
    request.session.set_expiry(settings.INSTRUCTOR_SESSION_IDLE)


class InstructorSessionLimitsMiddleware:
    """Log out a session past its absolute age; renew the idle expiry of an active one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            logged_in_at = request.session.get(LOGGED_IN_AT)
            if logged_in_at is None or now - logged_in_at > settings.INSTRUCTOR_SESSION_MAX_AGE:
                logout(request)
            elif now - request.session.get(RENEWED_AT, 0) > RENEW_EVERY:
                request.session[RENEWED_AT] = now  # saved with a fresh idle expiry
        return self.get_response(request)
