"""Give Django's session code one learner's settings for one lab request.

The lab must send exactly what Django's own `SessionMiddleware` and session
backends would send with a learner's settings, so it runs that code itself
rather than an imitation. That code reads `django.conf.settings` directly
(`settings.SESSION_COOKIE_NAME`, `settings.SESSION_COOKIE_AGE`, ...), and
learners use the site at the same time with different settings, so the global
settings must never change while requests are served.

At start-up, `install()` gives the modules of `django.contrib.sessions` (and
nothing else) a stand-in for `settings`. The stand-in answers from the
settings of the lab request running in the current thread or task, set with
`lab_session_settings(...)` through a context variable, and from the real
settings otherwise. Outside a lab request (the site's own session, every
other module) nothing changes.
"""

import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from importlib import import_module
from typing import Any

from django.conf import settings as django_settings

# Every module of django.contrib.sessions that reads `settings` at run time.
# lessons/tests/test_lab_session_settings.py fails if Django grows another.
SESSION_MODULES = (
    "django.contrib.sessions.middleware",
    "django.contrib.sessions.backends.base",
    "django.contrib.sessions.backends.cache",
    "django.contrib.sessions.backends.cached_db",
    "django.contrib.sessions.backends.file",
    "django.contrib.sessions.management.commands.clearsessions",
)

# The only names a lab request may change; anything else is a programming error.
LAB_SETTING_NAMES = frozenset(
    {
        "SESSION_ENGINE",
        "SESSION_COOKIE_AGE",
        "SESSION_COOKIE_NAME",
        "SESSION_COOKIE_PATH",
        "SESSION_COOKIE_DOMAIN",
        "SESSION_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "SESSION_COOKIE_SAMESITE",
        "SESSION_EXPIRE_AT_BROWSER_CLOSE",
        "SESSION_SAVE_EVERY_REQUEST",
        "SESSION_CACHE_ALIAS",
        "SESSION_FILE_PATH",
    }
)

_active_lab_settings: ContextVar[Mapping[str, Any] | None] = ContextVar(
    "active_lab_settings", default=None
)


class SessionSettingsView:
    """What the session modules see as `settings`: the lab's values first."""

    def __getattr__(self, name: str) -> Any:
        overrides = _active_lab_settings.get()
        if overrides is not None and name in overrides:
            return overrides[name]
        return getattr(django_settings, name)

    def __repr__(self) -> str:
        return f"<SessionSettingsView lab={_active_lab_settings.get() is not None}>"


SESSION_SETTINGS_VIEW = SessionSettingsView()


class FileStoragePathFromSettings:
    """SESSION_FILE_PATH of the running request, for Django's file engine.

    The file engine remembers the first SESSION_FILE_PATH it sees on its
    class (`SessionStore._storage_path`) and uses it for every later store;
    each learner's sessions live in a directory of their own, so the path is
    read at each use instead. Like Django, an unset path means the system's
    temporary directory.
    """

    def __get__(self, instance: Any, owner: type) -> str:
        return SESSION_SETTINGS_VIEW.SESSION_FILE_PATH or tempfile.gettempdir()


def install() -> None:
    """Point the session modules at the stand-in. Idempotent; called from AppConfig.ready."""
    for module_name in SESSION_MODULES:
        module = import_module(module_name)
        if module.settings is not SESSION_SETTINGS_VIEW:
            module.settings = SESSION_SETTINGS_VIEW
    from django.contrib.sessions.backends.file import SessionStore as FileSessionStore

    FileSessionStore._storage_path = FileStoragePathFromSettings()


@contextmanager
def lab_session_settings(values: Mapping[str, Any]) -> Iterator[None]:
    """Run the body with these session settings, in this thread or task only."""
    unknown = set(values) - LAB_SETTING_NAMES
    if unknown:
        raise ValueError(f"not a lab session setting: {sorted(unknown)}")
    token = _active_lab_settings.set(dict(values))
    try:
        yield
    finally:
        _active_lab_settings.reset(token)


def active_lab_settings() -> Mapping[str, Any] | None:
    """The settings of the lab request running here, or None outside one."""
    return _active_lab_settings.get()
