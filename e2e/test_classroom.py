"""A class in Chromium: the instructor creates it, two learners join, the dashboard follows live."""

import re

from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

PASSWORD = "a-long-enough-instructor-password"


def create_classroom(page: Page, base_url: str, name: str = "Group 11-B") -> str:
    """An instructor logs in (in English) and creates a classroom; its join code."""
    get_user_model().objects.create_user("teacher", password=PASSWORD, is_staff=True)
    page.goto(f"{base_url}/en/instructor/")
    page.get_by_label("User name").fill("teacher")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_label("Name").fill(name)
    page.get_by_role("button", name="Create").click()
    return page.get_by_test_id("join-code").inner_text()


def test_a_class_from_creation_to_a_live_dashboard(page: Page, browser, live_server, live_lessons):
    base = live_server.url
    code = create_classroom(page, base)
    expect(page.get_by_test_id("dashboard-grid")).to_contain_text("No learner has joined yet")

    learners = []
    for name in ("Aziz", "Dilnoza"):
        context = browser.new_context()
        learner = context.new_page()
        learner.goto(f"{base}/uz/join/")
        learner.get_by_label("Qoʻshilish kodi").fill(code.lower())
        learner.get_by_label("Ismingiz").fill(name)
        learner.get_by_role("button", name="Qoʻshilish").click()
        expect(learner.get_by_test_id("classroom-banner")).to_contain_text("Group 11-B")
        learners.append((context, learner))

    # The dashboard fills in by itself: no reload.
    page.evaluate("window.sameDocument = true")
    grid = page.get_by_test_id("dashboard-grid")
    expect(grid).to_contain_text("Dilnoza", timeout=10_000)
    expect(grid).to_contain_text("Aziz")

    _context, aziz = learners[0]
    aziz.goto(f"{base}/uz/lessons/signed-cookie-sessions/")
    box = aziz.locator('[data-exercise="nothing-on-the-server"]')
    box.locator('input[value="4"]').check()
    box.get_by_role("button", name="Javob berish").click()
    expect(aziz.locator('[data-exercise="nothing-on-the-server"]')).to_have_class(
        re.compile("exercise--done")
    )

    aziz_row = page.get_by_test_id("learner-row").filter(has_text="Aziz")
    expect(aziz_row.locator(".cell--done")).to_have_count(1, timeout=10_000)
    expect(page.get_by_test_id("done-count").filter(has_text="1/2")).to_have_count(1)
    assert page.evaluate("window.sameDocument") is True, "the dashboard page was reloaded"

    # A learner cannot open the dashboard.
    dashboard_url = page.url
    _context, dilnoza = learners[1]
    dilnoza.goto(dashboard_url)
    expect(dilnoza).to_have_url(re.compile("/instructor/login/"))
    for context, _learner in learners:
        context.close()


def test_reset_asks_first_and_can_be_undone(page: Page, browser, live_server, live_lessons):
    base = live_server.url
    code = create_classroom(page, base)
    context = browser.new_context()
    learner = context.new_page()
    learner.goto(f"{base}/en/join/{code}/")
    learner.get_by_label("Your name").fill("Aziz")
    learner.get_by_role("button", name="Join").click()
    learner.goto(f"{base}/en/lessons/signed-cookie-sessions/")
    box = learner.locator('[data-exercise="nothing-on-the-server"]')
    box.locator('input[value="4"]').check()
    box.get_by_role("button", name="Answer").click()
    expect(box).to_have_class(re.compile("exercise--done"))
    context.close()

    page.reload()
    grid = page.get_by_test_id("dashboard-grid")
    expect(grid.locator(".cell--done")).to_have_count(1)
    grid.get_by_role("link", name="Reset the progress of Aziz").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reset Aziz's progress?")
    page.get_by_test_id("confirm").click()
    expect(page.get_by_test_id("undo-notice")).to_contain_text(
        "Aziz's progress in this class was reset."
    )
    expect(page.get_by_test_id("dashboard-grid").locator(".cell--done")).to_have_count(0)
    page.get_by_role("button", name="Undo").click()
    expect(page.get_by_test_id("dashboard-message")).to_have_text("Undone.")
    expect(page.get_by_test_id("dashboard-grid").locator(".cell--done")).to_have_count(1)


def test_a_sent_preset_changes_every_learners_lab_within_one_refresh(
    page: Page, browser, live_server, live_lessons
):
    base = live_server.url
    code = create_classroom(page, base)
    learners = []
    for name in ("Aziz", "Dilnoza"):
        context = browser.new_context()
        learner = context.new_page()
        learner.goto(f"{base}/en/join/{code}/")
        learner.get_by_label("Your name").fill(name)
        learner.get_by_role("button", name="Join").click()
        learner.goto(f"{base}/en/lab/")
        expect(learner.get_by_test_id("class-steer")).to_be_attached()
        learners.append((context, learner))

    page.get_by_test_id("steer-preset").select_option(
        label="9. Cookie flags: SameSite=Strict and another site"
    )
    page.get_by_test_id("steer-send").click()
    expect(page.get_by_test_id("dashboard-message")).to_contain_text("Sent to every learner")
    for _context, learner in learners:
        # One refresh is 4 seconds; the page reloads itself with the preset open.
        expect(learner.get_by_test_id("class-sent")).to_be_visible(timeout=6_000)
        expect(learner.get_by_test_id("preset-banner")).to_be_visible()
        expect(learner.locator("#lab-settings [name=cookie_samesite]")).to_have_value("Strict")

    page.get_by_test_id("steer-pause").click()
    for _context, learner in learners:
        expect(learner.get_by_test_id("class-paused")).to_be_visible(timeout=6_000)
    for context, _learner in learners:
        context.close()
