"""A learner works through exercises in Chromium: the check goes from "not yet" to "done"."""

from playwright.sync_api import Page, expect

from e2e.test_lab import open_lab, run


def check_exercise(page: Page, base_url: str, language: str, lesson: str, exercise: str):
    page.goto(f"{base_url}/{language}/lessons/{lesson}/#exercise-{exercise}")
    box = page.locator(f'[data-testid="exercise"][data-exercise="{exercise}"]')
    box.get_by_test_id("check").click()
    return page.locator(f'[data-testid="exercise"][data-exercise="{exercise}"]')


def test_hide_the_cookie_from_javascript_in_english(page: Page, live_server, live_lessons):
    box = check_exercise(page, live_server.url, "en", "cookie-flags", "hide-from-javascript")
    expect(box.get_by_test_id("verdict")).to_contain_text("Not yet.")

    open_lab(page, live_server.url)
    run(page, "set", key="cart", value="[1]")
    run(page, "get", key="cart")
    page.wait_for_timeout(300)  # lab.js reports document.cookie after the swap

    box = check_exercise(page, live_server.url, "en", "cookie-flags", "hide-from-javascript")
    expect(box.get_by_test_id("verdict")).to_contain_text("Done.")
    expect(box.get_by_test_id("exercise-status")).to_contain_text("done")


def test_rotate_the_key_without_losing_the_cart_in_uzbek(page: Page, live_server, live_lessons):
    box = check_exercise(page, live_server.url, "uz", "session-security", "rotate-keep-cart")
    expect(box.get_by_test_id("verdict")).to_contain_text("Hali emas.")

    open_lab(page, live_server.url, "uz")
    run(page, "set", key="cart", value='["olma"]')
    run(page, "cycle_key")

    box = check_exercise(page, live_server.url, "uz", "session-security", "rotate-keep-cart")
    expect(box.get_by_test_id("verdict")).to_contain_text("Bajarildi.")


def test_a_question_in_english_and_the_progress_it_makes(page: Page, live_server, live_lessons):
    page.goto(f"{live_server.url}/en/lessons/signed-cookie-sessions/")
    box = page.locator('[data-testid="exercise"][data-exercise="nothing-on-the-server"]')
    box.get_by_label("db", exact=True).check()
    box.get_by_role("button", name="Answer").click()
    expect(box.get_by_test_id("verdict")).to_contain_text("Not this one.")
    expect(box.get_by_test_id("explanation")).to_be_visible()
    box.get_by_label("signed_cookies").check()
    box.get_by_role("button", name="Answer").click()
    expect(box.get_by_test_id("verdict")).to_contain_text("Right.")

    page.goto(f"{live_server.url}/en/")
    expect(page.get_by_test_id("course-progress")).to_contain_text("1 of")
