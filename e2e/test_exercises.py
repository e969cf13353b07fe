"""A learner works through exercises in Chromium: the check goes from "not yet" to "done"."""

import re

from playwright.sync_api import Page, expect

from e2e.test_lab import open_lab, run, save_settings


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
    expect(box.get_by_test_id("verdict")).to_contain_text("Done:")
    expect(box.get_by_test_id("verdict")).not_to_contain_text("Done.")  # said once
    expect(box.get_by_test_id("exercise-status")).to_contain_text("done")


def test_rotate_the_key_without_losing_the_cart_in_uzbek(page: Page, live_server, live_lessons):
    box = check_exercise(page, live_server.url, "uz", "session-security", "rotate-keep-cart")
    expect(box.get_by_test_id("verdict")).to_contain_text("Hali emas.")

    open_lab(page, live_server.url, "uz")
    run(page, "set", key="cart", value='["olma"]')
    run(page, "cycle_key")

    box = check_exercise(page, live_server.url, "uz", "session-security", "rotate-keep-cart")
    expect(box.get_by_test_id("verdict")).to_contain_text("Bajarildi:")
    expect(box.get_by_test_id("verdict")).not_to_contain_text("Bajarildi.")


def test_a_question_in_english_and_the_progress_it_makes(page: Page, live_server, live_lessons):
    page.goto(f"{live_server.url}/en/lessons/signed-cookie-sessions/")
    box = page.locator('[data-testid="exercise"][data-exercise="nothing-on-the-server"]')
    box.get_by_label("db", exact=True).check()
    box.get_by_role("button", name="Answer").click()
    expect(box.get_by_test_id("verdict")).to_contain_text("Not this one.")
    expect(box.get_by_test_id("explanation")).to_have_count(0)  # it would give the answer away
    box.get_by_label("signed_cookies").check()
    box.get_by_role("button", name="Answer").click()
    expect(box.get_by_test_id("verdict")).to_contain_text("Right.")
    expect(box.get_by_test_id("explanation")).to_be_visible()

    page.goto(f"{live_server.url}/en/")
    expect(page.get_by_test_id("course-progress")).to_contain_text("1 of")


# --- Whole lessons: every exercise of three lessons in each language ----------------

WORDS = {
    "en": {"not_yet": "Not yet.", "done": "Done:", "answer": "Answer"},
    "uz": {"not_yet": "Hali emas.", "done": "Bajarildi:", "answer": "Javob berish"},
}


def exercise_box(page: Page, slug: str):
    return page.locator(f'[data-testid="exercise"][data-exercise="{slug}"]')


def check_lab_exercise(page, base_url, language, lesson, slug, *, expect_done: bool):
    page.goto(f"{base_url}/{language}/lessons/{lesson}/")
    exercise_box(page, slug).get_by_test_id("check").click()
    word = WORDS[language]["done" if expect_done else "not_yet"]
    expect(exercise_box(page, slug).get_by_test_id("verdict")).to_contain_text(word)


def answer_question(page, base_url, language, lesson, slug, wrong: int, right: int):
    page.goto(f"{base_url}/{language}/lessons/{lesson}/")
    for choice, word in ((wrong, "not_yet"), (right, "done")):
        box = exercise_box(page, slug)
        box.locator(f'input[name="choice"][value="{choice}"]').check()
        box.get_by_role("button", name=WORDS[language]["answer"]).click()
        verdict = exercise_box(page, slug).get_by_test_id("verdict")
        expect(verdict).to_be_visible()
        if word == "done":
            expect(exercise_box(page, slug)).to_have_class(re.compile("exercise--done"))
        else:
            expect(exercise_box(page, slug)).not_to_have_class(re.compile("exercise--done"))


def assert_lesson_complete(page, base_url, language, lesson):
    page.goto(f"{base_url}/{language}/")
    card = page.get_by_test_id("lesson-card").filter(
        has=page.locator(f'a[href="/{language}/lessons/{lesson}/"]')
    )
    expect(card).to_have_class(re.compile("lesson-card--done"))


def test_lesson_1_in_english(page: Page, live_server, live_lessons):
    base, lesson = live_server.url, "what-a-session-is"
    check_lab_exercise(page, base, "en", lesson, "read-sends-no-cookie", expect_done=False)
    open_lab(page, base)
    run(page, "set", key="cart", value='["apple"]')
    run(page, "read")
    check_lab_exercise(page, base, "en", lesson, "read-sends-no-cookie", expect_done=True)
    answer_question(page, base, "en", lesson, "what-the-cookie-carries", wrong=0, right=2)
    assert_lesson_complete(page, base, "en", lesson)


def test_lesson_9_in_english(page: Page, live_server, live_lessons):
    base, lesson = live_server.url, "cookie-flags"
    check_lab_exercise(page, base, "en", lesson, "scope-cookie-to-shop", expect_done=False)
    open_lab(page, base)
    run(page, "set", key="cart", value="[1]")
    run(page, "get", key="cart")
    page.wait_for_timeout(300)  # lab.js reports document.cookie
    check_lab_exercise(page, base, "en", lesson, "hide-from-javascript", expect_done=True)
    open_lab(page, base)
    run(page, "flush")
    save_settings(page, cookie_path="/lab/shop/")
    run(page, "set", path="/lab/shop/run/", key="cart", value='["apple"]')
    run(page, "get", path="/lab/shop/run/", key="cart")
    run(page, "get", path="/lab/run/", key="cart")
    check_lab_exercise(page, base, "en", lesson, "scope-cookie-to-shop", expect_done=True)
    assert_lesson_complete(page, base, "en", lesson)


def test_lesson_11_in_english(page: Page, live_server, live_lessons):
    base, lesson = live_server.url, "choosing-an-engine"
    check_lab_exercise(page, base, "en", lesson, "what-travels", expect_done=False)
    open_lab(page, base)
    run(page, "set", key="cart", value='["apple"]')
    run(page, "get", key="cart")
    save_settings(page, engine="signed_cookies")
    run(page, "set", key="cart", value='["apple"]')
    run(page, "get", key="cart")
    check_lab_exercise(page, base, "en", lesson, "what-travels", expect_done=True)
    answer_question(page, base, "en", lesson, "signed-cookies-several-servers", wrong=1, right=2)
    assert_lesson_complete(page, base, "en", lesson)


def test_lesson_2_in_uzbek(page: Page, live_server, live_lessons):
    base, lesson = live_server.url, "the-session-api"
    check_lab_exercise(page, base, "uz", lesson, "save-the-append", expect_done=False)
    open_lab(page, base, "uz")
    run(page, "set", key="cart", value='["olma"]')
    run(page, "append", key="cart", value='"nok"')
    run(page, "append_modified", key="cart", value='"nok"')
    check_lab_exercise(page, base, "uz", lesson, "save-the-append", expect_done=True)
    answer_question(page, base, "uz", lesson, "clear-or-flush", wrong=0, right=1)
    open_lab(page, base, "uz")
    open_drawer(page)
    for action in ("set_test_cookie", "test_cookie_worked", "delete_test_cookie"):
        run(page, action)
    check_lab_exercise(page, base, "uz", lesson, "test-cookie-two-requests", expect_done=True)
    assert_lesson_complete(page, base, "uz", lesson)


def open_drawer(page: Page) -> None:
    """Open the lab's drawer of login and other actions, if it is closed."""
    drawer = page.get_by_test_id("login-actions")
    if drawer.get_attribute("open") is None:
        drawer.locator("summary").click()


def test_lesson_15_in_english(page: Page, live_server, live_lessons):
    base, lesson = live_server.url, "two-requests-at-once"
    check_lab_exercise(page, base, "en", lesson, "lose-an-update", expect_done=False)
    open_lab(page, base)
    run(page, "set", key="cart", value='["apple"]')
    open_drawer(page)
    run(page, "two_tabs", key="coupon", value='"SPRING"')
    expect(page.get_by_test_id("what-happened")).to_contain_text("tab 2's change is lost")
    check_lab_exercise(page, base, "en", lesson, "lose-an-update", expect_done=True)
    answer_question(page, base, "en", lesson, "keep-both-changes", wrong=0, right=2)
    assert_lesson_complete(page, base, "en", lesson)


def test_lesson_16_in_uzbek(page: Page, live_server, live_lessons):
    base, lesson = live_server.url, "sessions-and-http-caches"
    open_lab(page, base, "uz")
    run(page, "set", key="cart", value='["olma", "nok"]')
    open_drawer(page)
    run(page, "cached_personal_page")
    check_lab_exercise(page, base, "uz", lesson, "cached-page-is-yours-alone", expect_done=True)
    open_lab(page, base, "uz")
    save_settings(page, save_every_request=True)
    open_drawer(page)
    run(page, "cached_public_page")
    check_lab_exercise(page, base, "uz", lesson, "save-every-request-not-cached", expect_done=True)
    answer_question(page, base, "uz", lesson, "private-page", wrong=0, right=1)
    assert_lesson_complete(page, base, "uz", lesson)


def test_lesson_10_in_uzbek(page: Page, live_server, live_lessons):
    base, lesson = live_server.url, "session-security"
    check_lab_exercise(page, base, "uz", lesson, "log-out-for-real", expect_done=False)
    open_lab(page, base, "uz")
    run(page, "set", key="cart", value='["olma"]')
    run(page, "cycle_key")
    run(page, "flush")
    check_lab_exercise(page, base, "uz", lesson, "rotate-keep-cart", expect_done=True)
    check_lab_exercise(page, base, "uz", lesson, "log-out-for-real", expect_done=True)
    assert_lesson_complete(page, base, "uz", lesson)


def test_lesson_13_in_uzbek(page: Page, live_server, live_lessons):
    base, lesson = live_server.url, "writing-your-own-engine"
    check_lab_exercise(page, base, "uz", lesson, "ttl-follows-expiry", expect_done=False)
    open_lab(page, base, "uz")
    save_settings(page, engine="cache")
    run(page, "set", key="cart", value="[1]")
    run(page, "expiry_date", seconds=300)
    run(page, "expiry_zero")
    check_lab_exercise(page, base, "uz", lesson, "ttl-follows-expiry", expect_done=True)
    answer_question(page, base, "uz", lesson, "must-create-collision", wrong=0, right=1)
    answer_question(page, base, "uz", lesson, "update-error-answer", wrong=0, right=2)
    assert_lesson_complete(page, base, "uz", lesson)
