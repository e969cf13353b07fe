"""A lab exercise flips to solved by itself, in Chromium, when the lab request meets its goal."""

from playwright.sync_api import Page, expect

from e2e.test_lab import run


def test_the_lab_says_solved_and_the_exercise_box_turns_done(page: Page, live_server, live_lessons):
    page.goto(f"{live_server.url}/en/lessons/what-a-session-is/")
    page.locator('[data-testid="try-it"][data-preset="no-cookie-until-changed"]').get_by_role(
        "button"
    ).click()
    expect(page.get_by_test_id("preset-banner")).to_be_visible()
    box = page.locator("#exercise-read-sends-no-cookie")
    expect(box).not_to_have_class("exercise exercise--done")

    run(page, "set", key="cart", value='["apple"]')
    expect(page.get_by_test_id("solved")).to_have_count(0)
    run(page, "read")

    # Announced in the Result panel (a polite live region), without pressing Check.
    solved = page.locator(".lab-result[aria-live=polite]").get_by_test_id("solved")
    expect(solved).to_contain_text("Solved:")
    # The box in the preset banner was swapped for its done state.
    expect(page.locator("#exercise-read-sends-no-cookie")).to_have_class("exercise exercise--done")
    # The lesson says so too.
    page.goto(f"{live_server.url}/en/lessons/what-a-session-is/")
    expect(page.locator("#exercise-read-sends-no-cookie")).to_have_class("exercise exercise--done")
