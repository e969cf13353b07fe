"""The site's own error pages, in the learner's language, for requests Django refuses early."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views import defaults


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """400: Django's page with the site's template, even when the form itself was unreadable.

    Django refuses a form posted in another charset than UTF-8 without
    parsing it; the CSRF check that the 400 page runs would read the form
    again, fail again and turn the 400 into an empty 500. Marking the form as
    unreadable, as Django does for a broken multipart body, lets the page show.
    """
    if request.method == "POST" and not hasattr(request, "_post"):
        request._mark_post_parse_error()
    return defaults.bad_request(request, exception)


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
