"""Browser tests: Debian's Chromium driven by Playwright against live_server."""

import os
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command

# live_server runs Django in a thread of this process while Playwright's sync
# API runs an event loop in the main thread; Django's async-safety guard would
# otherwise refuse the database calls the test makes.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1", "lab.test"}


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch Debian's Chromium; Playwright cannot download its own here."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        # No calls home: this machine, like a classroom, may have no internet.
        "args": [
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            # A made-up host name for this machine: unlike 127.0.0.1 and
            # localhost, Chromium does not treat it as a secure origin.
            "--host-resolver-rules=MAP lab.test 127.0.0.1",
        ],
    }


def is_local_url(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in {"data", "blob", "about"}:
        return True
    return parts.hostname in LOCAL_HOSTS or f"[{parts.hostname}]" in LOCAL_HOSTS


class ExternalRequestGuard:
    """Blocks and records every request a page makes to another machine."""

    def __init__(self):
        self.blocked: list[str] = []

    def handle(self, route):
        url = route.request.url
        if is_local_url(url):
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()


@pytest.fixture
def external_requests():
    return ExternalRequestGuard()


@pytest.fixture
def context(context, external_requests):
    """Every browser test fails if any request leaves this machine."""
    context.route("**/*", external_requests.handle)
    yield context
    assert not external_requests.blocked, f"requests left 127.0.0.1: {external_requests.blocked}"


@pytest.fixture
def live_lessons(transactional_db):
    """The real lessons, committed so that the live server's thread sees them."""
    from lessons.models import Lesson

    call_command("load_lessons", stdout=StringIO())
    return list(Lesson.objects.order_by("order"))
