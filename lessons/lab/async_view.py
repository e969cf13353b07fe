"""Lab actions run in an async view, as an ASGI project runs them.

The action sends the learner's request again, with the same session cookie and
the learner's settings, to an `async def` view behind Django's SessionMiddleware
in its async mode: the middleware loads nothing up front, the view awaits the
session's a-methods (or, for the mistake, calls the ordinary API inside the
event loop), and the middleware's response half saves the session in a thread
(sync_to_async), as it does under ASGI. The learner's browser gets that
response's Set-Cookie.

Database work of the a-methods runs in the lab request's own thread
(sync_to_async is thread-sensitive), on its connection.
"""

from asgiref.sync import async_to_sync
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.exceptions import SynchronousOnlyOperation
from django.http import HttpRequest, HttpResponse

from lessons.lab.action_types import (
    ActionInput,
    ActionOutcome,
    passed_on,
    request_as_the_learner,
)
from lessons.lab.limits import session_size_problem
from lessons.lab.session_settings import SESSION_SETTINGS_VIEW as lab_settings


def _python(kind: str, given: ActionInput) -> str:
    key = repr(given.key)
    line = {
        "aset": f"await request.session.aset({key}, {given.value!r})",
        "aget": f"value = await request.session.aget({key})",
        "sync_get": f"value = request.session.get({key})  # the ordinary API, in the event loop",
    }[kind]
    return f"async def view(request):\n    {line}\n    return HttpResponse()"


def in_async_view(kind: str):
    """A lab action: the `kind` session call inside an async view."""

    def run(request: HttpRequest, given: ActionInput) -> ActionOutcome:
        python = _python(kind, given)
        if kind == "aset":
            too_large = session_size_problem(
                {**request.session._get_session(no_load=False), given.key: given.value}
            )
            if too_large:
                return ActionOutcome(python, error=too_large)
        cookie = request.COOKIES.get(lab_settings.SESSION_COOKIE_NAME)
        box: dict = {}

        async def view(inner: HttpRequest) -> HttpResponse:
            try:
                if kind == "aset":
                    await inner.session.aset(given.key, given.value)
                elif kind == "aget":
                    box["value"] = await inner.session.aget(given.key)
                else:
                    box["value"] = inner.session.get(given.key)
            except SynchronousOnlyOperation as error:
                box["error"] = f"SynchronousOnlyOperation: {error}"
            return HttpResponse()

        try:
            response = async_to_sync(SessionMiddleware(view))(
                request_as_the_learner(request, "POST", request.path, cookie)
            )
        except Exception as error:  # the store failed: a result to show, not an error page
            return ActionOutcome(python, error=f"{type(error).__name__}: {error}")
        extra = passed_on(response)
        if "error" in box:
            return ActionOutcome(python, error=box["error"], extra=extra)
        return ActionOutcome(python, result=box.get("value"), extra=extra)

    return run
