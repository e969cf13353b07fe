"""Carry browsers over to the __Host- cookie names when a site moves to HTTPS.

Over HTTPS the site's session and CSRF cookies are called
`__Host-sessionlab_session` and `__Host-sessionlab_csrftoken` (settings). A
browser that visited before still holds them under their plain names, and
without this every learner on such a site would become a stranger, their
progress out of reach. Placed before SessionMiddleware: a request that brings
only the plain name is read as if it had brought the prefixed one, the
response sets the prefixed cookie and deletes the plain one.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.deprecation import MiddlewareMixin

PLAIN_NAMES = {
    "SESSION_COOKIE_NAME": "sessionlab_session",
    "CSRF_COOKIE_NAME": "sessionlab_csrftoken",
}
ADOPTED = "_adopted_plain_cookies"


class HostPrefixMigrationMiddleware(MiddlewareMixin):
    def process_request(self, request: HttpRequest) -> None:
        adopted = []
        for setting, plain in PLAIN_NAMES.items():
            prefixed = getattr(settings, setting)
            if prefixed != plain and plain in request.COOKIES and prefixed not in request.COOKIES:
                request.COOKIES[prefixed] = request.COOKIES[plain]
                adopted.append(plain)
        setattr(request, ADOPTED, adopted)

    def process_view(self, request: HttpRequest, *args) -> None:
        # After SessionMiddleware and CsrfViewMiddleware have read the cookies:
        # make both send theirs again, under the new names.
        adopted = getattr(request, ADOPTED, [])
        if PLAIN_NAMES["SESSION_COOKIE_NAME"] in adopted and not request.session.is_empty():
            request.session.modified = True
        if PLAIN_NAMES["CSRF_COOKIE_NAME"] in adopted and "CSRF_COOKIE" in request.META:
            request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True

    def process_response(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        for plain in getattr(request, ADOPTED, []):
            response.delete_cookie(plain, path="/", samesite="Lax")
        return response
