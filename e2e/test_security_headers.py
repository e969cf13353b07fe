"""The Content-Security-Policy in Chromium: every kind of page carries it, and nothing breaks it.

Chromium reports each blocked script, style, image, frame or connection as a
`securitypolicyviolation` event and a console error; a page that needed
'unsafe-inline' or eval would show up here.
"""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from e2e.test_lab import open_lab, run, save_settings

PASSWORD = "a-long-enough-instructor-password"
# Recorded in the page before any of its own scripts run.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


class PolicyWatch:
    """Every document response's CSP header, and every violation the browser reported."""

    def __init__(self, page: Page):
        self.page = page
        self.missing_header: list[str] = []
        self.console: list[str] = []
        self.violations: list[str] = []
        self.documents = 0
        page.add_init_script(RECORD_VIOLATIONS)
        page.on("response", self._on_response)
        page.on("console", self._on_console)

    def _on_response(self, response) -> None:
        if response.request.resource_type != "document" or 300 <= response.status < 400:
            return  # a redirect's own body is never shown
        self.documents += 1
        policy = response.headers.get("content-security-policy", "")
        if "default-src 'self'" not in policy or "unsafe" in policy:
            self.missing_header.append(f"{response.url}: {policy!r}")

    def _on_console(self, message) -> None:
        if "Content Security Policy" in message.text:
            self.console.append(message.text)

    def visit(self, url: str) -> None:
        self.page.goto(url)
        self.collect()

    def collect(self) -> None:
        self.page.wait_for_load_state("load")
        self.violations += self.page.evaluate("window.__cspViolations || []")
        self.page.evaluate("window.__cspViolations = []")

    def assert_clean(self) -> None:
        self.collect()
        assert self.documents > 0
        assert not self.missing_header, self.missing_header
        assert not self.violations, self.violations
        assert not self.console, self.console


@pytest.fixture
def watch(page: Page) -> PolicyWatch:
    return PolicyWatch(page)


def test_learner_pages_keep_to_the_policy(
    watch: PolicyWatch, page: Page, live_server, live_lessons
):
    base = live_server.url
    for path in (
        "/en/",
        "/uz/",
        "/en/lessons/what-a-session-is/",
        "/uz/lessons/signed-cookie-sessions/",
        "/en/lessons/choosing-an-engine/",
        "/en/glossary/",
        "/uz/search/?q=cookie",
        "/en/search/?q=session+mark",
        "/en/progress/",
        "/en/join/",
        "/en/no-such-page/",
        "/en/source/redis_json/",
    ):
        watch.visit(base + path)
    # An exercise box, swapped in by htmx.
    page.goto(f"{base}/en/lessons/signed-cookie-sessions/")
    box = page.locator('[data-exercise="nothing-on-the-server"]')
    box.locator('input[value="4"]').check()
    box.get_by_role("button", name="Answer").click()
    expect(page.locator('[data-exercise="nothing-on-the-server"]')).to_have_class(
        re.compile("exercise--done")
    )
    watch.collect()
    watch.visit(f"{base}/en/progress/")
    watch.assert_clean()


def test_the_lab_with_every_panel_filled_keeps_to_the_policy(
    watch: PolicyWatch, page: Page, live_server, live_lessons
):
    open_lab(page, live_server.url)
    for engine in ("db", "cache", "file", "redis_json", "signed_cookies", "cached_db"):
        save_settings(page, engine=engine)
        run(page, "set", key="cart", value='["apple"]')
        expect(page.get_by_test_id("set-cookie").first).to_be_visible()
        run(page, "get", key="cart")
        expect(page.locator(".lab-store dl.facts").first).to_be_visible()
        watch.collect()
    # Bad input answered in place, and a language switch.
    run(page, "set", key="cart", value="NaN")
    page.reload()
    watch.collect()
    page.goto(f"{live_server.url}/uz/lab/")
    watch.collect()
    # The cross-site page of the SameSite lesson: another origin, its own policy.
    with page.context.expect_page() as opened:
        page.get_by_test_id("open-cross-site").click()
    other = opened.value
    other_watch = PolicyWatch(other)
    other.reload()
    other.get_by_test_id("cross-site-fetch").click()
    expect(other.locator("#fetch-status")).not_to_be_empty()
    other.get_by_test_id("cross-site-form").click()
    expect(other.locator("#lab-panels")).to_be_visible()
    other_watch.assert_clean()
    watch.assert_clean()


def test_instructor_pages_and_the_admin_keep_to_the_policy(
    watch: PolicyWatch, page: Page, live_server, live_lessons
):
    get_user_model().objects.create_superuser("head", password=PASSWORD)
    base = live_server.url
    page.goto(f"{base}/en/instructor/")
    page.get_by_label("User name").fill("head")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_label("Name").fill("Group 11-B")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_test_id("join-qr")).to_be_visible()
    watch.collect()
    # The dashboard refreshes itself through htmx.
    page.wait_for_timeout(4500)
    watch.collect()
    for path in (
        "/en/instructor/",
        "/en/admin/",
        "/en/admin/lessons/lesson/",
        f"/en/admin/lessons/lesson/{live_lessons[0].pk}/change/",
        "/en/admin/lessons/classroom/",
        "/en/admin/auth/user/add/",
    ):
        watch.visit(base + path)
    watch.assert_clean()
