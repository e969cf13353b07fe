"""A lab exercise flips to solved by itself, in Chromium, when the lab request meets its goal."""

import pytest
from playwright.sync_api import Page, expect

from e2e.test_lab import run

SOLVED = {"en": "Solved:", "uz": "Yechildi:"}


@pytest.mark.parametrize("language", ["en", "uz"])
def test_the_lab_says_solved_and_the_exercise_box_turns_done(
    page: Page, live_server, live_lessons, language
):
    page.goto(f"{live_server.url}/{language}/lessons/what-a-session-is/")
    page.locator('[data-testid="try-it"][data-preset="no-cookie-until-changed"]').get_by_role(
        "button"
    ).click()
    expect(page.get_by_test_id("preset-banner")).to_be_visible()
    box = page.locator("#exercise-read-sends-no-cookie")
    expect(box).not_to_have_class("exercise exercise--done")
    # The live region is on the page before any request, and stays the same element.
    page.get_by_test_id("lab-announce").evaluate("region => { region.dataset.first = 'yes'; }")

    run(page, "set", key="cart", value='["apple"]')
    expect(page.get_by_test_id("solved")).to_have_count(0)
    announce = page.get_by_test_id("lab-announce")
    expect(announce).to_contain_text('request.session["cart"]')
    expect(announce).not_to_contain_text(SOLVED[language])
    run(page, "read")

    # Shown in the Result panel and announced, without pressing Check.
    expect(page.get_by_test_id("solved")).to_contain_text(SOLVED[language])
    expect(announce).to_contain_text(SOLVED[language])
    expect(announce).to_have_attribute("data-first", "yes")
    expect(announce).to_have_attribute("aria-live", "polite")
    # The box in the preset banner was swapped for its done state.
    expect(page.locator("#exercise-read-sends-no-cookie")).to_have_class("exercise exercise--done")
    # The lesson says so too.
    page.goto(f"{live_server.url}/{language}/lessons/what-a-session-is/")
    expect(page.locator("#exercise-read-sends-no-cookie")).to_have_class("exercise exercise--done")
