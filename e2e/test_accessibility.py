"""axe-core finds nothing on any kind of page, in English and Uzbek, light and dark.

axe-core runs inside the page (axe-playwright-python ships it, so no network is
needed). Each page is audited in its light and its dark colours; interactive
states (a wrong answer, a hint, the lab after a request on each engine, the
instructor's dashboard with learners) are audited after a learner has made them.
"""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from e2e.test_lab import open_lab, run, save_settings
from e2e.test_lab_login import send
from lessons.engines import ENGINES

# WCAG 2.0, 2.1 and 2.2, levels A and AA, and axe's own best practices.
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}
# The rules whose outcome depends on the colours, run again in dark mode.
COLOUR_RULES = ["color-contrast", "link-in-text-block"]
INSTRUCTOR_PASSWORD = "a-long-enough-instructor-password"
UI = {
    "en": {
        "answer": "Answer",
        "hint": "Hint",
        "check": "Check",
        "join_code": "Join code",
        "your_name": "Your name",
        "join": "Join",
    },
    "uz": {
        "answer": "Javob berish",
        "hint": "Maslahat",
        "check": "Tekshirish",
        "join_code": "Qoʻshilish kodi",
        "your_name": "Ismingiz",
        "join": "Qoʻshilish",
    },
}


class Audit:
    """Runs axe-core on a page in light and dark colours and keeps what it finds."""

    def __init__(self, page: Page):
        self.page = page
        self.axe = Axe()
        self.found: dict[str, list[str]] = {}
        self.audited = 0

    def __call__(self, label: str) -> None:
        self.page.wait_for_load_state("load")
        # Everything once; in dark colours again only what colours decide.
        self._run(label, "light", AXE_OPTIONS)
        self.page.emulate_media(color_scheme="dark")
        self._run(
            label, "dark", {**AXE_OPTIONS, "runOnly": {"type": "rule", "values": COLOUR_RULES}}
        )
        self.page.emulate_media(color_scheme="light")

    def _run(self, label: str, scheme: str, options: dict) -> None:
        if not self.page.evaluate("typeof window.axe !== 'undefined'"):
            self.page.evaluate(self.axe.axe_script)
        results = self.page.evaluate("options => axe.run(document, options)", options)
        self.audited += 1
        for violation in results["violations"]:
            targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]]
            self.found[f"{label} [{scheme}] {violation['id']}"] = targets[:5]

    def report(self) -> str:
        return "\n".join(f"{key}: {targets}" for key, targets in sorted(self.found.items()))


@pytest.fixture
def audit(page: Page):
    return Audit(page)


@pytest.mark.parametrize("language", ["en", "uz"])
def test_reading_pages_have_no_accessibility_violations(
    page: Page, audit, live_server, live_lessons, language
):
    base = f"{live_server.url}/{language}"
    pages = [
        "/",
        "/glossary/",
        "/search/?q=cookie",
        "/search/?q=zzzz-nothing",
        "/source/redis_json/",
        "/source/site_sessions/",
        "/progress/",
        "/no-such-page/",
    ] + [f"/lessons/{lesson.slug}/" for lesson in live_lessons]
    for path in pages:
        page.goto(base + path)
        audit(path)
    assert audit.audited == 2 * len(pages)
    assert audit.found == {}, audit.report()


@pytest.mark.parametrize("language", ["en", "uz"])
def test_exercises_in_every_state_have_no_accessibility_violations(
    page: Page, audit, live_server, live_lessons, language
):
    ui = UI[language]
    page.goto(f"{live_server.url}/{language}/lessons/signed-cookie-sessions/")
    quiz = page.locator('[data-exercise="nothing-on-the-server"]')
    quiz.locator('input[value="1"]').check()
    quiz.get_by_role("button", name=ui["answer"]).click()
    expect(quiz.get_by_test_id("verdict")).to_be_visible()
    hint = (
        page.locator("[data-exercise]")
        .filter(has=page.get_by_role("button", name=ui["hint"]))
        .first
    )
    hint.get_by_role("button", name=ui["hint"]).click()
    expect(hint.get_by_test_id("hints")).to_be_visible()
    lab_exercise = (
        page.locator("[data-exercise]")
        .filter(has=page.get_by_role("button", name=ui["check"], exact=True))
        .first
    )
    lab_exercise.get_by_role("button", name=ui["check"], exact=True).click()
    expect(lab_exercise.get_by_test_id("verdict")).to_be_visible()
    audit("exercises answered, hinted and checked")

    quiz.locator('input[value="4"]').check()
    quiz.get_by_role("button", name=ui["answer"]).click()
    expect(page.locator('[data-exercise="nothing-on-the-server"]')).to_have_class(
        re.compile("exercise--done")
    )
    audit("an exercise solved")
    page.goto(f"{live_server.url}/{language}/progress/")
    audit("progress with a solved exercise")
    page.goto(f"{live_server.url}/{language}/progress/reset/")
    audit("progress reset, asking to confirm")
    assert audit.found == {}, audit.report()


@pytest.mark.parametrize("language", ["en", "uz"])
def test_the_lab_on_every_engine_has_no_accessibility_violations(
    page: Page, audit, live_server, live_lessons, language
):
    open_lab(page, live_server.url, language)
    audit("a fresh lab")
    for engine in ENGINES:
        save_settings(page, engine=engine)
        run(page, "set", key="cart", value='["apple"]')
        run(page, "get", key="cart")
        audit(f"the lab on {engine} after set and get")
    run(page, "flush")
    audit("the lab after a flush")
    save_settings(page, engine="db")
    send(page, "login", username="alice")
    send(page, "copy_to_b")
    send(page, "whoami", "b")
    audit("the lab logged in, with Browser B")
    page.locator("#lab-settings [name=cookie_age]").fill("-5")
    page.locator("#lab-settings").get_by_role(
        "button", name=re.compile("Save settings|Sozlamalarni saqlash")
    ).click()
    expect(
        page.locator("#lab-settings .field__error, #lab-settings .notice--error").first
    ).to_be_visible()
    audit("the lab with a refused setting")

    lesson = live_lessons[4]
    page.goto(f"{live_server.url}/{language}/lessons/{lesson.slug}/")
    page.get_by_test_id("try-it").first.get_by_role("button").click()
    expect(page.get_by_test_id("preset-banner")).to_be_visible()
    audit("the lab with a lesson's preset")
    assert audit.found == {}, audit.report()


@pytest.mark.parametrize("language", ["en", "uz"])
def test_classroom_pages_have_no_accessibility_violations(
    page: Page, browser, audit, live_server, live_lessons, language
):
    ui = UI[language]
    base = f"{live_server.url}/{language}"
    page.goto(f"{base}/join/")
    audit("join")
    page.get_by_label(ui["join_code"]).fill("NOPE-NOPE")
    page.get_by_label(ui["your_name"]).fill("Aziz")
    page.get_by_role("button", name=ui["join"]).click()
    expect(page.locator(".field__error, .notice--error").first).to_be_visible()
    audit("join with a wrong code")

    get_user_model().objects.create_user("teacher", password=INSTRUCTOR_PASSWORD, is_staff=True)
    page.goto(f"{base}/instructor/")
    audit("instructor login")
    page.locator("input[name=username]").fill("teacher")
    page.locator("input[name=password]").fill(INSTRUCTOR_PASSWORD)
    page.locator("form.stack-form button[type=submit]").click()
    audit("instructor home")
    page.locator("input[name=name]").fill("Group 11-B")
    page.locator("form.stack-form button[type=submit]").click()
    code = page.get_by_test_id("join-code").inner_text()
    audit("an empty dashboard")

    learner_context = browser.new_context()
    learner = learner_context.new_page()
    learner.goto(f"{base}/join/{code}/")
    learner.get_by_label(ui["your_name"]).fill("Dilnoza")
    learner.get_by_role("button", name=ui["join"]).click()
    expect(learner.get_by_test_id("classroom-banner")).to_be_visible()
    learner_audit = Audit(learner)
    learner_audit("a learner's lessons in a classroom")
    audit.found.update(learner_audit.found)
    learner_context.close()

    expect(page.get_by_test_id("dashboard-grid")).to_contain_text("Dilnoza", timeout=10_000)
    audit("a dashboard with a learner")
    page.locator("[id^=reset-]").first.click()
    audit("asked before a reset")
    page.get_by_test_id("confirm").click()
    expect(page.get_by_test_id("undo-notice")).to_be_visible()
    audit("a dashboard with its undo")
    page.goto(page.url + "projector/")
    expect(page.get_by_test_id("projector-code")).to_have_text(code)
    audit("the projector view")
    assert audit.found == {}, audit.report()
