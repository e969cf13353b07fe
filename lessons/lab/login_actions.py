"""Lab actions that log in and out: Django's own auth functions on the lab session.

Each runs inside the lab request's SessionMiddleware and AuthenticationMiddleware
(runner.py), with the learner's session settings and the lab's backend
(demo_users.py), and reports who `request.user` is afterwards.
"""

from typing import Any

from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    _get_user_session_key,
    login,
    logout,
    update_session_auth_hash,
)
from django.http import HttpRequest
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from lessons.lab.action_types import ActionInput, ActionOutcome, LabAction
from lessons.lab.demo_users import LAB_BACKEND, demo_user
from lessons.lab.session_settings import SESSION_SETTINGS_VIEW as lab_settings
from lessons.models import demo_password


def who(request: HttpRequest) -> str:
    """`request.user` as its str(): a username, or "AnonymousUser"."""
    return str(request.user)


def _error(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"


def _how_login_treats(request: HttpRequest, user) -> str:
    """What login() is about to do with the session: the test Django makes, made first."""
    session = request.session
    if SESSION_KEY not in session:
        return "cycle_key"
    same_user = _get_user_session_key(request) == user.pk
    same_hash = constant_time_compare(
        session.get(HASH_SESSION_KEY, ""), user.get_session_auth_hash()
    )
    return "kept" if same_user and same_hash else "flush"


def ask_user(request: HttpRequest) -> tuple[str, dict[str, Any]]:
    """Resolve request.user as AuthenticationMiddleware does; say so when get_user() found a
    password hash that no longer matches and flushed the session."""
    held_user = SESSION_KEY in request.session
    name = who(request)
    extra: dict[str, Any] = {"user": name}
    if held_user and not request.user.is_authenticated and not request.session.keys():
        extra["logged_out_by_hash"] = True
    return name, extra


def _login(request: HttpRequest, given: ActionInput) -> ActionOutcome:
    user = demo_user(given.username)
    python = f"login(request, {given.username})"
    how = _how_login_treats(request, user)
    csrf_before = request.META.get("CSRF_COOKIE")
    login(request, user, backend=LAB_BACKEND)
    rotated = request.META.get("CSRF_COOKIE") != csrf_before
    return ActionOutcome(
        python, who(request), extra={"user": who(request), "login": how, "csrf_rotated": rotated}
    )


def _naive_login(request: HttpRequest, given: ActionInput) -> ActionOutcome:
    """What a hand-written login does wrong: the user id goes in, the key stays."""
    user = demo_user(given.username)
    name = given.username
    python = (
        f"request.session[{SESSION_KEY!r}] = str({name}.pk)  # the mistake: no cycle_key()\n"
        f"request.session[{BACKEND_SESSION_KEY!r}] = {LAB_BACKEND!r}\n"
        f"request.session[{HASH_SESSION_KEY!r}] = {name}.get_session_auth_hash()"
    )
    session = request.session
    session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    session[BACKEND_SESSION_KEY] = LAB_BACKEND
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    return ActionOutcome(python, name, extra={"user": name})


def _logout(request: HttpRequest, given: ActionInput) -> ActionOutcome:
    logout(request)
    return ActionOutcome("logout(request)", who(request), extra={"user": who(request)})


def _whoami(request: HttpRequest, given: ActionInput) -> ActionOutcome:
    """`request.user`, as AuthenticationMiddleware resolves it: get_user(), hash check and all."""
    name, extra = ask_user(request)
    return ActionOutcome("request.user", name, extra=extra)


def _change_password(request: HttpRequest, given: ActionInput, *, keep: bool) -> ActionOutcome:
    _name, asked = ask_user(request)
    user = request.user
    next_password = demo_password(str(user), getattr(user, "password_generation", 0) + 1)
    python = f"request.user.set_password({next_password!r})\nrequest.user.save()"
    if keep:
        python += "\nupdate_session_auth_hash(request, request.user)"
    try:
        user.set_password(next_password)
    except NotImplementedError as error:  # AnonymousUser has no password to change
        return ActionOutcome(python, error=_error(error), extra=asked)
    user.password_generation += 1
    user.save()
    if keep:
        update_session_auth_hash(request, user)
    return ActionOutcome(python, who(request), extra={"user": who(request)})


def _change_password_only(request: HttpRequest, given: ActionInput) -> ActionOutcome:
    return _change_password(request, given, keep=False)


def _change_password_keep(request: HttpRequest, given: ActionInput) -> ActionOutcome:
    return _change_password(request, given, keep=True)


def _cookie_name() -> str:
    """The session cookie's name in the running lab request's settings."""
    return lab_settings.SESSION_COOKIE_NAME


def _copy_to_b(request: HttpRequest, given: ActionInput) -> ActionOutcome:
    """An attacker gets hold of the cookie this request carried (the lab gives it to B)."""
    name = _cookie_name()
    python = f"stolen = request.COOKIES[{name!r}]  # and given to browser B"
    value = request.COOKIES.get(name)
    if not value:
        return ActionOutcome(
            python, error=gettext("Your browser sent no session cookie: there is nothing to copy.")
        )
    return ActionOutcome(python, value, extra={"copy_to_b": value})


def _plant_from_b(request: HttpRequest, given: ActionInput) -> ActionOutcome:
    """A page on a sibling subdomain sets Browser B's key as this browser's session cookie
    (the runner sets it on the response, after Django's SessionMiddleware)."""
    name, path = _cookie_name(), lab_settings.SESSION_COOKIE_PATH
    python = (
        f"response.set_cookie({name!r}, {given.planted or ''!r}, path={path!r})"
        "  # as evil.example.com would, with domain='.example.com'"
    )
    if given.planted_problem or not given.planted:
        return ActionOutcome(python, error=given.planted_problem or "?")
    return ActionOutcome(python, extra={"plant": given.planted})


LOGIN_ACTIONS = (
    LabAction("login", _("login()"), ("username",), _login, takes_request=True),
    LabAction(
        "naive_login",
        _("Log in without cycle_key() (the mistake)"),
        ("username",),
        _naive_login,
        takes_request=True,
    ),
    LabAction("whoami", _("request.user"), (), _whoami, modifies=False, takes_request=True),
    LabAction("logout", _("logout()"), (), _logout, takes_request=True),
    LabAction(
        "change_password",
        _("Change the password"),
        (),
        _change_password_only,
        # The user's row changes, not the session (a stale hash may flush it: ask_user).
        modifies=False,
        takes_request=True,
    ),
    LabAction(
        "change_password_keep",
        _("Change it + update_session_auth_hash()"),
        (),
        _change_password_keep,
        takes_request=True,
    ),
    LabAction(
        "copy_to_b",
        _("Copy my session cookie to B"),
        (),
        _copy_to_b,
        modifies=False,
        takes_request=True,
    ),
    LabAction(
        "plant_from_b",
        _("Plant B's session cookie in my browser"),
        (),
        _plant_from_b,
        modifies=False,
        takes_request=True,
    ),
)
