"""Focus is never lost after an htmx swap: a keyboard user stays where they were."""

import re

from playwright.sync_api import Page, expect

from e2e.test_classroom import create_classroom


def _press(page: Page, locator) -> None:
    locator.focus()
    with page.expect_response(lambda r: r.request.method == "POST"):
        page.keyboard.press("Enter")
    # htmx has swapped the answer in and set its forms up (the settle step) before
    # the next key: a key pressed within those milliseconds would submit a bare form.
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )


def test_check_answer_and_hint_keep_the_focus(page: Page, live_server, live_lessons):
    page.goto(f"{live_server.url}/en/lessons/what-a-session-is/")
    lab_box = page.locator('[data-exercise="read-sends-no-cookie"]')
    _press(page, lab_box.get_by_test_id("check"))
    expect(page.locator("#exercise-read-sends-no-cookie-check")).to_be_focused()

    hint = page.locator("#exercise-read-sends-no-cookie-hint")
    _press(page, hint)
    expect(page.locator("#exercise-read-sends-no-cookie-hint")).to_be_focused()

    question = page.locator('[data-exercise="what-the-cookie-carries"]')
    question.locator('input[name="choice"]').first.check()
    _press(page, question.get_by_role("button", name="Answer"))
    expect(page.locator("#exercise-what-the-cookie-carries-answer")).to_be_focused()


def test_a_lab_action_keeps_the_focus_on_its_button(page: Page, live_server):
    page.goto(f"{live_server.url}/en/lab/")
    button = page.locator("#lab-actions button[value=set]")
    _press(page, button)
    expect(page.get_by_test_id("set-cookie")).to_be_visible()
    expect(button).to_be_focused()


def test_the_dashboard_refresh_keeps_the_focus_and_the_scroll(
    page: Page, browser, live_server, live_lessons
):
    page.set_viewport_size({"width": 800, "height": 700})
    code = create_classroom(page, live_server.url)

    learner_context = browser.new_context()
    learner = learner_context.new_page()
    learner.goto(f"{live_server.url}/en/join/{code}/")
    learner.get_by_label("Your name").fill("Aziz")
    learner.get_by_role("button", name="Join").click()
    expect(learner.get_by_test_id("classroom-banner")).to_be_visible()

    grid = page.get_by_test_id("dashboard-grid")
    expect(grid).to_contain_text("Aziz", timeout=10_000)
    scroller = page.locator("#dashboard-scroll")
    scroller.evaluate("element => { element.scrollLeft = element.scrollWidth; }")
    scrolled = scroller.evaluate("element => element.scrollLeft")
    assert scrolled > 0, "the grid should be wider than this window"
    # The grid scrolls inside its box; the page itself never scrolls sideways.
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    remove = grid.get_by_role("link", name="Remove Aziz")
    remove.focus()

    # While the instructor waits, the learner passes an exercise: its cell changes.
    learner.goto(f"{live_server.url}/en/lessons/signed-cookie-sessions/")
    box = learner.locator('[data-exercise="nothing-on-the-server"]')
    box.locator('input[value="4"]').check()
    box.get_by_role("button", name="Answer").click()
    expect(learner.locator('[data-exercise="nothing-on-the-server"]')).to_have_class(
        re.compile("exercise--done")
    )
    learner_context.close()

    for _refresh in range(2):
        with page.expect_response(lambda r: r.request.headers.get("hx-request") == "true"):
            pass
        page.wait_for_timeout(200)  # the swap settles after the response arrives
        expect(grid.get_by_role("link", name="Remove Aziz")).to_be_focused()
        assert scroller.evaluate("element => element.scrollLeft") == scrolled
    expect(grid.locator(".cell--done")).to_have_count(1)
