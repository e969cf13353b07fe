"""The site's own error pages, in the learner's language, for requests Django refuses early."""

from django.core.exceptions import BadRequest, SuspiciousOperation
from django.http import HttpRequest, HttpResponse, UnreadablePostError
from django.shortcuts import render
from django.utils.deprecation import MiddlewareMixin
from django.views import defaults


class UnreadableFormMiddleware(MiddlewareMixin):
    """Answer a form Django cannot read with the site's 400 page, in the learner's language.

    Django refuses some forms without parsing them (another charset than
    UTF-8, too many fields, too large) and leaves request.POST unset. Every
    error page runs the CSRF check, which would read the form again, fail
    again and turn the page into an empty 500. So the form is read here,
    before CsrfViewMiddleware, and a refused one is marked unreadable, as
    Django marks a broken multipart body.
    """

    def process_request(self, request: HttpRequest) -> None:
        if request.method != "POST":
            return
        try:
            request.POST  # noqa: B018 - reading it is the check
        except (BadRequest, SuspiciousOperation, UnreadablePostError) as error:
            request._mark_post_parse_error()
            request.unreadable_form = error

    def process_view(self, request: HttpRequest, view, args, kwargs) -> HttpResponse | None:
        error = getattr(request, "unreadable_form", None)
        if error is None:
            return None
        return defaults.bad_request(request, error)


class MethodNotAllowedPageMiddleware:
    """405: a page that says which methods the address takes, instead of an empty body."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 405 or response.content:
            return response
        allowed = [method.strip() for method in response.get("Allow", "").split(",") if method]
        page = render(request, "405.html", {"allowed": allowed}, status=405)
        page["Allow"] = response.get("Allow", "")
        return page
