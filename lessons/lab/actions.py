"""What a learner can do to `request.session` in a lab request.

Each action is one real use of Django's session API, run by a view inside
Django's own SessionMiddleware, and shows the line of Python it ran.
"""

import datetime
import json
from io import StringIO
from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.core.management import call_command
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from lessons.lab.action_types import ActionInput, ActionInputError, ActionOutcome, LabAction
from lessons.lab.async_view import in_async_view
from lessons.lab.cached_page import cached_page
from lessons.lab.limits import ValueRefused, parse_json_value, session_size_problem
from lessons.lab.login_actions import LOGIN_ACTIONS
from lessons.lab.two_tabs import two_tabs
from lessons.models import DEMO_USERNAMES
from lessons.session_engines.redis_json import SessionStore as RedisJsonSessionStore

# Limits that keep one learner from filling the server (more in limits.py);
# generous for lessons (a signed cookie past the browser's 4096-byte limit still fits).
MAX_KEY_LENGTH = 100
MAX_EXPIRY_SECONDS = 400 * 24 * 60 * 60


def _key_literal(key: str) -> str:
    return json.dumps(key, ensure_ascii=False)


def _python_literal(value: Any) -> str:
    """The value as Python source (True/None, not JSON's true/null)."""
    return repr(value)


def _set_value(session: SessionBase, given: ActionInput) -> ActionOutcome:
    python = f"request.session[{_key_literal(given.key)}] = {_python_literal(given.value)}"
    too_large = session_size_problem({**session._session, given.key: given.value})
    if too_large:
        return ActionOutcome(python, error=too_large)
    session[given.key] = given.value
    return ActionOutcome(python)


def _get_value(session: SessionBase, given: ActionInput) -> ActionOutcome:
    return ActionOutcome(f"request.session.get({_key_literal(given.key)})", session.get(given.key))


def _contains(session: SessionBase, given: ActionInput) -> ActionOutcome:
    return ActionOutcome(f"{_key_literal(given.key)} in request.session", given.key in session)


def _delete(session: SessionBase, given: ActionInput) -> ActionOutcome:
    python = f"del request.session[{_key_literal(given.key)}]"
    try:
        del session[given.key]
    except KeyError:
        return ActionOutcome(python, error=f"KeyError: {given.key!r}")
    return ActionOutcome(python)


def _pop(session: SessionBase, given: ActionInput) -> ActionOutcome:
    return ActionOutcome(
        f"request.session.pop({_key_literal(given.key)}, None)", session.pop(given.key, None)
    )


def _clear(session: SessionBase, given: ActionInput) -> ActionOutcome:
    session.clear()
    return ActionOutcome("request.session.clear()")


def _flush(session: SessionBase, given: ActionInput) -> ActionOutcome:
    session.flush()
    return ActionOutcome("request.session.flush()")


def _cycle_key(session: SessionBase, given: ActionInput) -> ActionOutcome:
    session.cycle_key()
    return ActionOutcome("request.session.cycle_key()")


def _set_expiry_seconds(session: SessionBase, given: ActionInput) -> ActionOutcome:
    session.set_expiry(given.seconds)
    return ActionOutcome(f"request.session.set_expiry({given.seconds})")


def _set_expiry_zero(session: SessionBase, given: ActionInput) -> ActionOutcome:
    session.set_expiry(0)
    return ActionOutcome("request.session.set_expiry(0)")


def _set_expiry_none(session: SessionBase, given: ActionInput) -> ActionOutcome:
    session.set_expiry(None)
    return ActionOutcome("request.session.set_expiry(None)")


def _set_expiry_date(session: SessionBase, given: ActionInput) -> ActionOutcome:
    moment = (timezone.now() + datetime.timedelta(seconds=given.seconds)).replace(microsecond=0)
    session.set_expiry(moment)
    literal = (
        f"datetime.datetime({moment.year}, {moment.month}, {moment.day}, "
        f"{moment.hour}, {moment.minute}, {moment.second}, tzinfo=datetime.UTC)"
    )
    return ActionOutcome(f"request.session.set_expiry({literal})")


def _append_nested(session: SessionBase, given: ActionInput, *, mark_modified: bool):
    python = f"request.session[{_key_literal(given.key)}].append({_python_literal(given.value)})"
    if mark_modified:
        python += "\nrequest.session.modified = True"
    try:
        target = session[given.key]
    except KeyError:
        return ActionOutcome(python, error=f"KeyError: {given.key!r}")
    if not isinstance(target, list):
        type_name = type(target).__name__
        return ActionOutcome(
            python, error=f"AttributeError: '{type_name}' object has no attribute 'append'"
        )
    too_large = session_size_problem({**session._session, given.key: [*target, given.value]})
    if too_large:
        return ActionOutcome(python, error=too_large)
    target.append(given.value)
    if mark_modified:
        session.modified = True
    return ActionOutcome(python, result=target, extra={"modified": session.modified})


def _append_without_modified(session: SessionBase, given: ActionInput) -> ActionOutcome:
    return _append_nested(session, given, mark_modified=False)


def _append_with_modified(session: SessionBase, given: ActionInput) -> ActionOutcome:
    return _append_nested(session, given, mark_modified=True)


def _visit(session: SessionBase, given: ActionInput) -> ActionOutcome:
    return ActionOutcome("pass  # this view never touches request.session")


def _read_only(session: SessionBase, given: ActionInput) -> ActionOutcome:
    return ActionOutcome("dict(request.session.items())", dict(session.items()))


def _evict_from_cache(session: SessionBase, given: ActionInput) -> ActionOutcome:
    """What an eviction or a server restart does to one session, and nothing else.

    Only this learner's key goes: other learners share the servers, so the lab
    never flushes one whole. The session itself is not read, so the request
    looks like any other that ignores the session.
    """
    if isinstance(session, RedisJsonSessionStore):
        python = "redis.delete(request.session.redis_key(request.session.session_key))"

        def remove() -> bool:
            return bool(session._redis.delete(session.redis_key(session.session_key)))

    elif (cache := getattr(session, "_cache", None)) is not None:
        python = "cache.delete(request.session.cache_key)  # as if the cache had evicted it"

        def remove() -> bool:
            return bool(cache.delete(session.cache_key))

    else:
        return ActionOutcome(
            "cache.delete(request.session.cache_key)",
            error=gettext("This engine keeps nothing in the cache."),
        )
    if not session.session_key:
        return ActionOutcome(
            python, error=gettext("Your browser sent no session cookie: nothing to remove.")
        )
    return ActionOutcome(python, result=remove())


def _set_test_cookie(session: SessionBase, given: ActionInput) -> ActionOutcome:
    session.set_test_cookie()
    return ActionOutcome("request.session.set_test_cookie()")


def _test_cookie_worked(session: SessionBase, given: ActionInput) -> ActionOutcome:
    return ActionOutcome("request.session.test_cookie_worked()", session.test_cookie_worked())


def _delete_test_cookie(session: SessionBase, given: ActionInput) -> ActionOutcome:
    python = "request.session.delete_test_cookie()"
    try:
        session.delete_test_cookie()
    except KeyError:
        return ActionOutcome(python, error=f"KeyError: {session.TEST_COOKIE_NAME!r}")
    return ActionOutcome(python)


def _clearsessions(session: SessionBase, given: ActionInput) -> ActionOutcome:
    output = StringIO()
    call_command("clearsessions", stdout=output, stderr=output)
    return ActionOutcome('call_command("clearsessions")', result=output.getvalue().strip() or None)


ACTIONS = {
    action.name: action
    for action in (
        LabAction("set", _("Set a key"), ("key", "value"), _set_value),
        LabAction("get", _("Read a key"), ("key",), _get_value, modifies=False),
        LabAction("contains", _("Is the key there?"), ("key",), _contains, modifies=False),
        LabAction("delete", _("Delete a key"), ("key",), _delete),
        LabAction("pop", _("Pop a key"), ("key",), _pop),
        LabAction(
            "append",
            _("Append to a list (no modified)"),
            ("key", "value"),
            _append_without_modified,
            modifies=False,
        ),
        LabAction(
            "append_modified",
            _("Append to a list, then modified = True"),
            ("key", "value"),
            _append_with_modified,
        ),
        LabAction("clear", _("clear()"), (), _clear),
        LabAction("flush", _("flush()"), (), _flush),
        LabAction("cycle_key", _("cycle_key()"), (), _cycle_key),
        LabAction("expiry_seconds", _("set_expiry(seconds)"), ("seconds",), _set_expiry_seconds),
        LabAction("expiry_zero", _("set_expiry(0)"), (), _set_expiry_zero),
        LabAction("expiry_none", _("set_expiry(None)"), (), _set_expiry_none),
        LabAction("expiry_date", _("set_expiry(a date)"), ("seconds",), _set_expiry_date),
        LabAction("visit", _("Visit without touching the session"), (), _visit, modifies=False),
        LabAction("read", _("Visit that only reads"), (), _read_only, modifies=False),
        LabAction("clearsessions", _("Run clearsessions"), (), _clearsessions, modifies=False),
        LabAction(
            "evict_cache",
            _("Remove my session from the cache"),
            (),
            _evict_from_cache,
            modifies=False,
        ),
        LabAction("set_test_cookie", _("set_test_cookie()"), (), _set_test_cookie),
        LabAction(
            "test_cookie_worked",
            _("test_cookie_worked()"),
            (),
            _test_cookie_worked,
            modifies=False,
        ),
        LabAction("delete_test_cookie", _("delete_test_cookie()"), (), _delete_test_cookie),
        LabAction(
            "two_tabs",
            _("Two tabs at once"),
            ("key", "value"),
            two_tabs,
            takes_request=True,
        ),
        LabAction(
            "cached_public_page",
            _("Cached page that ignores the session"),
            (),
            cached_page("public"),
            modifies=False,
            takes_request=True,
        ),
        LabAction(
            "cached_personal_page",
            _("Cached page that reads the session"),
            (),
            cached_page("personal"),
            modifies=False,
            takes_request=True,
        ),
        LabAction(
            "async_aset",
            _("await aset() in an async view"),
            ("key", "value"),
            in_async_view("aset"),
            takes_request=True,
        ),
        LabAction(
            "async_aget",
            _("await aget() in an async view"),
            ("key",),
            in_async_view("aget"),
            modifies=False,
            takes_request=True,
        ),
        LabAction(
            "async_sync_get",
            _("get() in an async view (the mistake)"),
            ("key",),
            in_async_view("sync_get"),
            modifies=False,
            takes_request=True,
        ),
        *LOGIN_ACTIONS,
    )
}


def parse_action_input(action: LabAction, data: dict[str, str]) -> ActionInput:
    """Check the form fields an action needs; raise ActionInputError naming the field."""
    given = ActionInput()
    if "key" in action.inputs:
        key = (data.get("key") or "").strip()
        if not key:
            raise ActionInputError("key", _("Give the key, for example cart."))
        if len(key) > MAX_KEY_LENGTH:
            raise ActionInputError("key", _("Keep the key under 100 characters."))
        given.key = key
    if "value" in action.inputs:
        try:
            given.value = parse_json_value(data.get("value") or "")
        except ValueRefused as refusal:
            raise ActionInputError("value", str(refusal)) from None
    if "username" in action.inputs:
        username = (data.get("username") or "").strip()
        if username not in DEMO_USERNAMES:
            raise ActionInputError("username", _("Choose alice or bob."))
        given.username = username
    if "seconds" in action.inputs:
        raw = (data.get("seconds") or "").strip()
        try:
            seconds = int(raw)
        except ValueError:
            raise ActionInputError("seconds", _("Give a whole number of seconds.")) from None
        if not 1 <= seconds <= MAX_EXPIRY_SECONDS:
            raise ActionInputError(
                "seconds", _("Give between 1 and 34560000 seconds (400 days, the browser limit).")
            )
        given.seconds = seconds
    return given
