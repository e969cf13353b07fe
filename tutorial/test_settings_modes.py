"""How the site starts: development defaults, production refusals, check --deploy."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpResponse

BASE_DIR = Path(settings.BASE_DIR)
# Only what a test gives: the developer's own .env must not leak in.
CLEAN_ENV = {
    "PATH": os.environ["PATH"],
    "DJANGO_ENV_FILE": os.devnull,
    "DJANGO_SETTINGS_MODULE": "tutorial.settings",
}
PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "test-only-5f2c9e1a7b3d4c6e8f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c",
    "DJANGO_ALLOWED_HOSTS": "lab.example.org",
}


def manage(*args, env_overrides):
    env = {**CLEAN_ENV, **env_overrides}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_without_secret_key_refuses_with_one_line(tmp_path):
    result = manage("runserver", "--noreload", env_overrides={"DJANGO_DEBUG": "0"})
    assert result.returncode != 0
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1, message
    assert "DJANGO_SECRET_KEY" in message
    assert "Traceback" not in message


def test_production_without_allowed_hosts_refuses_with_one_line():
    env = {**PRODUCTION, "DJANGO_ALLOWED_HOSTS": ""}
    result = manage("check", env_overrides=env)
    assert result.returncode != 0
    assert len(result.stderr.strip().splitlines()) == 1
    assert "DJANGO_ALLOWED_HOSTS" in result.stderr


def test_a_short_or_generated_secret_key_is_refused():
    for weak_key in ["short", "ab" * 40, "django-insecure-" + "k3y" * 20]:
        result = manage("check", env_overrides={**PRODUCTION, "DJANGO_SECRET_KEY": weak_key})
        assert result.returncode != 0, weak_key
        assert "DJANGO_SECRET_KEY" in result.stderr


def test_a_mistyped_boolean_is_named():
    result = manage("check", env_overrides={"DJANGO_DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be 1 or 0" in result.stderr


def test_check_deploy_is_clean_in_production(tmp_path):
    result = manage("check", "--deploy", "--fail-level", "WARNING", env_overrides=PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_serves_static_files_with_whitenoise(tmp_path):
    env = {**PRODUCTION, "DJANGO_STATIC_ROOT": str(tmp_path / "static"), "DJANGO_HTTPS": "0"}
    collect = manage("collectstatic", "--noinput", "--verbosity", "0", env_overrides=env)
    assert collect.returncode == 0, collect.stderr
    script = (
        "import django; django.setup();"
        "from django.test import Client;"
        "from django.templatetags.static import static;"
        "url = static('css/site.css');"
        "r = Client().get(url, HTTP_HOST='lab.example.org');"
        "print(url, r.status_code, r.headers.get('Cache-Control'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=BASE_DIR,
        env={**CLEAN_ENV, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    url, status, cache_control = result.stdout.split(maxsplit=2)
    # A hashed, compressed file served by whitenoise with a far-future cache.
    assert url.startswith("/static/css/site.") and url != "/static/css/site.css"
    assert status == "200"
    assert "max-age=315360000" in cache_control


def test_database_url_selects_postgresql():
    script = "from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])"
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=BASE_DIR,
        env={
            **CLEAN_ENV,
            "DJANGO_DEBUG": "1",
            "DATABASE_URL": "postgres://lab:pw@127.0.0.1:5432/lab",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.stdout.strip() == "django.db.backends.postgresql", result.stderr


def test_site_session_cookie_is_its_own_and_well_configured(rf, db):
    # The lab lets learners use "sessionid"; the site's own cookies must differ.
    assert settings.SESSION_COOKIE_NAME not in {"sessionid", "csrftoken"}
    assert settings.CSRF_COOKIE_NAME not in {"sessionid", "csrftoken"}

    def view_that_saves_progress(request):
        request.session["progress"] = 1
        return HttpResponse("ok")

    request = rf.get("/en/")
    response = SessionMiddleware(view_that_saves_progress)(request)
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["max-age"] == 60 * 60 * 24 * 28
    assert cookie["path"] == "/"
    # Stored in the database, so progress survives a Redis restart, in a table of its
    # own, apart from the django_session rows learners make in the lab.
    from django.contrib.sessions.models import Session

    from lessons.models import SiteSession

    assert SiteSession.objects.filter(session_key=cookie.value).exists()
    assert not Session.objects.filter(session_key=cookie.value).exists()


def test_a_new_sqlite_database_is_readable_by_its_owner_only(tmp_path):
    database = tmp_path / "db.sqlite3"
    result = manage(
        "migrate",
        "--verbosity",
        "0",
        env_overrides={"DJANGO_DEBUG": "1", "DATABASE_URL": f"sqlite:///{database}"},
    )
    assert result.returncode == 0, result.stderr
    for path in tmp_path.iterdir():  # the database and its -wal and -shm files
        assert path.stat().st_mode & 0o777 == 0o600, path


SHOW_SQLITE_SYNCHRONOUS = (
    "from django.db import connection; cursor = connection.cursor(); "
    "cursor.execute('PRAGMA synchronous'); print(cursor.fetchone()[0])"
)


def test_sqlite_commits_wait_for_the_disk_only_when_told(tmp_path):
    env = {"DJANGO_DEBUG": "1", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    by_default = manage("shell", "-v", "0", "-c", SHOW_SQLITE_SYNCHRONOUS, env_overrides=env)
    durable = manage(
        "shell",
        "-v",
        "0",
        "-c",
        SHOW_SQLITE_SYNCHRONOUS,
        env_overrides={**env, "DATABASE_DURABLE_COMMITS": "1"},
    )
    # SQLite's numbers: 1 is NORMAL (in WAL mode, a commit does not wait for the disk), 2 FULL.
    assert (by_default.stdout.strip(), durable.stdout.strip()) == ("1", "2"), (
        by_default.stderr + durable.stderr
    )


def test_over_https_the_site_cookies_carry_the_host_prefix():
    check = (
        "from django.conf import settings; "
        "print(settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME, "
        "settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, "
        "settings.SESSION_COOKIE_PATH, settings.SESSION_COOKIE_DOMAIN, "
        "settings.CSRF_COOKIE_PATH, settings.CSRF_COOKIE_DOMAIN)"
    )
    https = manage("shell", "-v", "0", "-c", check, env_overrides=PRODUCTION).stdout.split()
    assert https == [
        "__Host-sessionlab_session", "__Host-sessionlab_csrftoken", "True", "True",
        "/", "None", "/", "None",
    ]  # fmt: skip
    plain = manage(
        "shell", "-v", "0", "-c", check, env_overrides={**PRODUCTION, "DJANGO_HTTPS": "0"}
    )
    assert plain.stdout.split()[:4] == [
        "sessionlab_session",
        "sessionlab_csrftoken",
        "False",
        "False",
    ]
