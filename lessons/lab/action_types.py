"""What a lab action is: its inputs, what it gave back, and the action itself."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.test import RequestFactory
from django.utils.functional import Promise

from lessons.lab.session_settings import SESSION_SETTINGS_VIEW as lab_settings


class ActionInputError(ValueError):
    """Bad input for an action; `field` names the form field, the message says why."""

    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name


@dataclass
class ActionInput:
    key: str = ""
    value: Any = None
    seconds: int | None = None
    # login and naive_login: which demo user (alice or bob).
    username: str = ""
    # plant_from_b: Browser B's session cookie, given by the lab, never by a form, or
    # why the lab does not plant it.
    planted: str | None = None
    planted_problem: str = ""

    def as_record(self, action: "LabAction") -> dict[str, Any]:
        """The inputs the action used, as its exchange keeps them for the exercise checks."""
        return {name: getattr(self, name) for name in action.inputs}


@dataclass
class ActionOutcome:
    """What the action's Python line gave back, for the learner to see."""

    python: str
    result: Any = None
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LabAction:
    name: str
    label: Promise
    inputs: tuple[str, ...]
    # Given `request.session`, or the whole request when `takes_request` (logging in).
    run: Callable[[Any, ActionInput], ActionOutcome]
    # Does it mark the session modified? (A save after one that does not is
    # SESSION_SAVE_EVERY_REQUEST's doing.)
    modifies: bool = True
    takes_request: bool = False


def passed_on(response) -> dict[str, str]:
    """What the lab request passes on from a response an action got in its name (a cached
    page, an async view): the session cookie it set and its Vary, for ActionOutcome.extra."""
    extra = {}
    morsel = response.cookies.get(lab_settings.SESSION_COOKIE_NAME)
    if morsel is not None:
        extra["pass_cookie"] = morsel.OutputString()
    if response.has_header("Vary"):
        extra["pass_vary"] = response["Vary"]
    return extra


def request_as_the_learner(first, method: str, path: str, cookie: str | None):
    """A request an action sends in the learner's name (a second tab, a cached page, an
    async view): the lab request's host (checked against ALLOWED_HOSTS) and scheme, and
    `cookie` as the session cookie in a Cookie header. Give it the cookie the lab request
    gave Django (its COOKIES after the ownership check), never a raw one."""
    headers = {"Cookie": f"{lab_settings.SESSION_COOKIE_NAME}={cookie}"} if cookie else {}
    factory = RequestFactory()
    send = factory.get if method == "GET" else factory.post
    return send(path, headers=headers, HTTP_HOST=first.get_host(), secure=first.is_secure())
