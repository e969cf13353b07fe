"""Give Django's session code one learner's settings for one lab request.

The lab must send exactly what Django's own `SessionMiddleware` and session
backends would send with a learner's settings, so it runs that code itself
rather than an imitation. That code reads `django.conf.settings` directly
(`settings.SESSION_COOKIE_NAME`, `settings.SESSION_COOKIE_AGE`, ...), and
learners use the site at the same time with different settings, so the global
settings must never change while requests are served.

At start-up, `install()` gives the modules of `django.contrib.sessions` and
`django.contrib.auth` itself (its `login()`, `get_user()`: for the lab's own
`AUTHENTICATION_BACKENDS`, lab/demo_users.py) a stand-in for `settings`. The
stand-in answers from the settings of the lab request running in the current
thread or task, set with `lab_session_settings(...)` through a context
variable, and from the real settings otherwise. Outside a lab request (the site's own session, every
other module) nothing changes.
"""

import pkgutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from importlib import import_module
from pathlib import Path
from typing import Any

import django.contrib.sessions
from django.conf import settings as django_settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

# Every module of django.contrib.sessions that reads `settings` at run time.
# The system check lessons.E001 (`manage.py check`) fails if Django grows another.
SESSION_MODULES = (
    "django.contrib.sessions.middleware",
    "django.contrib.sessions.backends.base",
    "django.contrib.sessions.backends.cache",
    "django.contrib.sessions.backends.cached_db",
    "django.contrib.sessions.backends.file",
    "django.contrib.sessions.management.commands.clearsessions",
)
# django.contrib.auth reads AUTHENTICATION_BACKENDS in get_user(): in a lab request,
# only the lab's backend, which knows only the learner's demo users.
AUTH_MODULES = ("django.contrib.auth",)

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
        "AUTHENTICATION_BACKENDS",
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
    """Point the session modules at the stand-in. Idempotent; called from AppConfig.ready.

    Refuses to start when a module's `settings` is anything but Django's own
    (or already the stand-in): something else replaced it, and the lab would
    quietly run with settings nobody chose.
    """
    for module_name in (*SESSION_MODULES, *AUTH_MODULES):
        module = import_module(module_name)
        current = getattr(module, "settings", None)
        if current is SESSION_SETTINGS_VIEW:
            continue
        if current is not django_settings:
            raise ImproperlyConfigured(
                f"{module_name}.settings is {current!r}, not django.conf.settings: "
                "the lab cannot give it the learner's session settings."
            )
        module.settings = SESSION_SETTINGS_VIEW
    # Django's file engine reads SESSION_FILE_PATH once and keeps it on the class
    # (`_get_storage_path` sets `cls._storage_path`); the lab needs it read per request.
    from django.contrib.sessions.backends.file import SessionStore as FileSessionStore

    if not callable(getattr(FileSessionStore, "_get_storage_path", None)):
        raise ImproperlyConfigured(
            "django.contrib.sessions.backends.file no longer caches its path in "
            "SessionStore._get_storage_path: check FileStoragePathFromSettings."
        )
    FileSessionStore._storage_path = FileStoragePathFromSettings()


def modules_reading_settings() -> set[str]:
    """Every module of django.contrib.sessions that holds Django's settings object."""
    package_dir = Path(django.contrib.sessions.__file__).parent
    found = set()
    for info in pkgutil.walk_packages([str(package_dir)], "django.contrib.sessions."):
        if info.ispkg or ".migrations" in info.name:
            continue
        held = getattr(import_module(info.name), "settings", None)
        if held is django_settings or held is SESSION_SETTINGS_VIEW:
            found.add(info.name)
    return found


def check_session_modules(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """System check: every session module that reads settings sees the lab's view.

    A Django upgrade that adds a module reading settings would otherwise make
    the lab apply the site's settings there without a word.
    """
    errors = []
    for name in sorted(modules_reading_settings()):
        if getattr(import_module(name), "settings", None) is not SESSION_SETTINGS_VIEW:
            errors.append(
                checks.Error(
                    f"{name} reads django.conf.settings, but the lab does not give it the "
                    "learner's session settings.",
                    hint="Add it to SESSION_MODULES in lessons/lab/session_settings.py.",
                    id="lessons.E001",
                )
            )
    return errors


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


def active_lab_settings() -> dict[str, Any]:
    """The session settings of the lab request running in this thread or task ({} outside)."""
    return dict(_active_lab_settings.get() or {})
