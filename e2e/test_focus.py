"""Focus is never lost after an htmx swap: a keyboard user stays where they were."""

from playwright.sync_api import Page, expect


def _press(page: Page, locator) -> None:
    locator.focus()
    with page.expect_response(lambda r: r.request.method == "POST"):
        page.keyboard.press("Enter")


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
