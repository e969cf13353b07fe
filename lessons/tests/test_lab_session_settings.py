"""The per-request view of settings that lets Django's own session code serve the lab."""

import pkgutil
import re
import threading
from importlib import import_module
from pathlib import Path

import django.contrib.sessions
from django.conf import settings

from lessons.lab.session_settings import (
    SESSION_MODULES,
    SESSION_SETTINGS_VIEW,
    lab_session_settings,
)


def test_every_session_module_that_reads_settings_gets_the_lab_view():
    # If a Django upgrade makes another module of django.contrib.sessions read
    # settings, the lab would silently apply the site's settings there.
    package_dir = Path(django.contrib.sessions.__file__).parent
    readers = set()
    for module_info in pkgutil.walk_packages([str(package_dir)], "django.contrib.sessions."):
        if ".migrations" in module_info.name or module_info.ispkg:
            continue
        source = Path(import_module(module_info.name).__file__).read_text()
        if re.search(r"^from django\.conf import settings$", source, re.MULTILINE):
            readers.add(module_info.name)
    assert readers == set(SESSION_MODULES)
    for name in SESSION_MODULES:
        assert import_module(name).settings is SESSION_SETTINGS_VIEW


def test_lab_settings_apply_inside_the_block_only():
    view = import_module("django.contrib.sessions.middleware").settings
    assert view.SESSION_COOKIE_NAME == settings.SESSION_COOKIE_NAME
    with lab_session_settings({"SESSION_COOKIE_NAME": "labid", "SESSION_COOKIE_AGE": 5}):
        assert view.SESSION_COOKIE_NAME == "labid"
        assert view.SESSION_COOKIE_AGE == 5
        assert view.SECRET_KEY == settings.SECRET_KEY  # everything else is the real thing
        # The global settings object never changes.
        assert settings.SESSION_COOKIE_NAME == "sessionlab_session"
    assert view.SESSION_COOKIE_NAME == "sessionlab_session"


def test_lab_settings_of_one_thread_are_invisible_to_another():
    view = import_module("django.contrib.sessions.middleware").settings
    inside, seen_elsewhere = threading.Event(), []
    release = threading.Event()

    def learner():
        with lab_session_settings({"SESSION_COOKIE_NAME": "only_mine"}):
            inside.set()
            release.wait(5)

    thread = threading.Thread(target=learner)
    thread.start()
    inside.wait(5)
    seen_elsewhere.append(view.SESSION_COOKIE_NAME)
    release.set()
    thread.join()
    assert seen_elsewhere == ["sessionlab_session"]


def test_only_session_settings_can_be_overridden():
    try:
        with lab_session_settings({"SECRET_KEY": "nope"}):
            pass
    except ValueError as error:
        assert "SECRET_KEY" in str(error)
    else:
        raise AssertionError("SECRET_KEY must not be overridable from the lab")


def test_the_system_check_names_a_session_module_left_with_the_site_settings(monkeypatch):
    from django.contrib.sessions.backends import db

    from lessons.lab.session_settings import check_session_modules

    assert check_session_modules() == []
    # As if a Django upgrade made the database engine read settings too.
    monkeypatch.setattr(db, "settings", settings, raising=False)
    errors = check_session_modules()
    assert [error.id for error in errors] == ["lessons.E001"]
    assert "django.contrib.sessions.backends.db" in errors[0].msg


def test_install_refuses_a_session_module_whose_settings_someone_replaced(monkeypatch):
    import pytest
    from django.contrib.sessions import middleware
    from django.core.exceptions import ImproperlyConfigured

    from lessons.lab.session_settings import install

    install()  # already installed: nothing to do, nothing refused
    monkeypatch.setattr(middleware, "settings", object())
    with pytest.raises(ImproperlyConfigured, match=r"django\.contrib\.sessions\.middleware"):
        install()
