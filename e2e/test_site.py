"""The site in a real Chromium: languages, navigation, look, and nothing from outside."""

import re

from playwright.sync_api import Page, expect


def test_lesson_list_in_english_and_uzbek(page: Page, live_server, live_lessons):
    first = live_lessons[0]
    page.goto(f"{live_server.url}/en/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Learn Django sessions by running them"
    )
    expect(page.get_by_role("link", name=first.title_en)).to_be_visible()

    page.goto(f"{live_server.url}/uz/")
    expect(page.locator("html")).to_have_attribute("lang", "uz")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Django sessiyalarini ishga tushirib oʻrganing"
    )
    expect(page.get_by_role("link", name=first.title_uz)).to_be_visible()
    expect(page.get_by_role("link", name="Darslar", exact=True)).to_be_visible()


def test_switcher_keeps_the_page_and_the_choice_is_remembered(
    page: Page, live_server, live_lessons
):
    lesson = live_lessons[1]
    page.goto(f"{live_server.url}/en/lessons/{lesson.slug}/#top")
    page.get_by_role("button", name="Oʻzbek tili").click()
    expect(page).to_have_url(f"{live_server.url}/uz/lessons/{lesson.slug}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(lesson.title_uz)

    # The bare address now opens in Uzbek.
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}/uz/")

    page.get_by_role("button", name="English").click()
    expect(page).to_have_url(f"{live_server.url}/en/")


def test_next_and_previous_swap_the_lesson_without_reloading(page: Page, live_server, live_lessons):
    first, second = live_lessons[0], live_lessons[1]
    page.goto(f"{live_server.url}/en/lessons/{first.slug}/")
    page.evaluate("window.sameDocument = true")

    page.get_by_role("link", name=re.compile("Next lesson")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(second.title_en)
    expect(page).to_have_url(f"{live_server.url}/en/lessons/{second.slug}/")
    expect(page).to_have_title(f"{second.title_en} · Session Lab")
    assert page.evaluate("window.sameDocument") is True, "the page was reloaded"

    # The language switcher followed the swap: it keeps the new lesson.
    page.get_by_role("button", name="Oʻzbek tili").click()
    expect(page).to_have_url(f"{live_server.url}/uz/lessons/{second.slug}/")

    page.get_by_role("link", name=re.compile("Oldingi dars")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(first.title_uz)
    page.go_back()
    expect(page.get_by_role("heading", level=1)).to_have_text(second.title_uz)


def test_navigation_works_without_javascript(browser, live_server, live_lessons, external_requests):
    first, second = live_lessons[0], live_lessons[1]
    context = browser.new_context(java_script_enabled=False)
    context.route("**/*", external_requests.handle)
    page = context.new_page()
    page.goto(f"{live_server.url}/en/lessons/{first.slug}/")
    page.get_by_role("link", name=re.compile("Next lesson")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(second.title_en)
    page.get_by_role("button", name="Oʻzbek tili").click()
    expect(page).to_have_url(f"{live_server.url}/uz/lessons/{second.slug}/")
    context.close()
    assert not external_requests.blocked


def test_table_of_contents_jumps_to_its_heading(page: Page, live_server, live_lessons):
    page.goto(f"{live_server.url}/en/lessons/{live_lessons[0].slug}/")
    toc_links = page.locator(".toc a")
    expect(toc_links.first).to_be_visible()
    target = toc_links.nth(1)
    anchor = target.get_attribute("href")
    target.click()
    expect(page).to_have_url(re.compile(re.escape(anchor) + "$"))
    expect(page.locator(anchor)).to_be_in_viewport()


def test_no_page_loads_anything_from_outside(page: Page, live_server, live_lessons, admin_user):
    # The `context` fixture blocks and records any request that leaves the
    # machine; visiting every kind of page must record none.
    loaded = []
    page.on("requestfinished", lambda request: loaded.append(request.url))
    for path in ["/en/", "/uz/", f"/en/lessons/{live_lessons[0].slug}/", "/uz/lessons/nope/"]:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("networkidle")
    assert any("/static/django_htmx/htmx-2" in url for url in loaded)
    assert any("/static/css/site" in url for url in loaded)


def test_external_request_guard_catches_a_request_to_another_machine(
    browser, live_server, external_requests
):
    # The guard that every test relies on must itself work.
    context = browser.new_context()
    context.route("**/*", external_requests.handle)
    page = context.new_page()
    page.goto(f"{live_server.url}/static/css/site.css")
    page.set_content('<img src="http://cdn.example.com/pixel.png">')
    page.wait_for_timeout(300)
    context.close()
    assert external_requests.blocked == ["http://cdn.example.com/pixel.png"]
    external_requests.blocked.clear()


def test_admin_shows_both_languages_as_tabs(page: Page, live_server, live_lessons, admin_user):
    page.goto(f"{live_server.url}/en/admin/login/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Log in").click()
    lesson = live_lessons[0]
    page.goto(f"{live_server.url}/en/admin/lessons/lesson/{lesson.pk}/change/")
    tabs = page.locator(".ui-tabs-nav").first
    expect(tabs).to_be_visible()
    expect(tabs.get_by_role("tab", name="en", exact=True)).to_be_visible()
    expect(tabs.get_by_role("tab", name="uz", exact=True)).to_be_visible()
    expect(page.locator("#id_title_en")).to_have_value(lesson.title_en)
    tabs.get_by_role("tab", name="uz", exact=True).click()
    expect(page.locator("#id_title_uz")).to_be_visible()
    expect(page.locator("#id_title_uz")).to_have_value(lesson.title_uz)


def test_dark_mode_follows_the_system(browser, live_server, live_lessons):
    backgrounds = {}
    for scheme in ("light", "dark"):
        context = browser.new_context(color_scheme=scheme)
        page = context.new_page()
        page.goto(f"{live_server.url}/en/")
        backgrounds[scheme] = page.evaluate("getComputedStyle(document.body).backgroundColor")
        context.close()
    assert backgrounds["light"] == "rgb(251, 250, 247)"
    assert backgrounds["dark"] == "rgb(20, 24, 22)"


def test_keyboard_focus_is_visible(page: Page, live_server, live_lessons):
    page.goto(f"{live_server.url}/en/")
    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Skip to content")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"


def test_pages_fit_a_phone_screen(browser, live_server, live_lessons):
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    page = context.new_page()
    for path in [
        "/uz/",
        f"/uz/lessons/{live_lessons[1].slug}/",
        f"/en/lessons/{live_lessons[0].slug}/",
        "/uz/lab/",
    ]:
        page.goto(f"{live_server.url}{path}")
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px on a phone"
    context.close()


def test_code_examples_have_a_working_copy_button(browser, live_server, live_lessons):
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(f"{live_server.url}/uz/lessons/{live_lessons[0].slug}/")
    block = page.locator(".lesson-body .highlight").first
    button = block.locator(".copy-button")
    expect(button).to_have_text("Nusxa olish")
    button.click()
    expect(button).to_have_text("Nusxa olindi")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.strip() == block.locator("pre").inner_text().strip()
    context.close()


def test_search_box_in_the_header_finds_a_lesson(page: Page, live_server, live_lessons):
    page.goto(f"{live_server.url}/uz/")
    page.get_by_role("searchbox").fill("ma'lumotlar bazasi")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("search-count")).to_contain_text("darsda uchraydi")
    expect(page.locator(".search-results mark").first).to_have_text(
        re.compile("maʼlumotlar", re.IGNORECASE)
    )
