"""Every kind of page fits a phone: nothing scrolls sideways at 390 px or 320 px, in either language."""

import pytest

from e2e.test_lab_login import send

PAGES = [
    "/{lang}/",
    "/{lang}/lab/",
    "/{lang}/glossary/",
    "/{lang}/search/?q=session",
    "/{lang}/search/?q=SESSION_COOKIE_AGE",
    "/{lang}/source/redis_json/",
    "/{lang}/source/site_sessions/",
    "/{lang}/progress/",
    "/{lang}/join/",
    "/{lang}/instructor/login/",
]


@pytest.mark.parametrize("language", ["en", "uz"])
# 390 px: a common phone; 320 px: the width WCAG's Reflow criterion names.
@pytest.mark.parametrize("width", [390, 320])
def test_no_page_scrolls_sideways_on_a_phone(browser, live_server, live_lessons, language, width):
    context = browser.new_context(viewport={"width": width, "height": 844}, is_mobile=True)
    page = context.new_page()
    paths = [path.format(lang=language) for path in PAGES]
    paths += [f"/{language}/lessons/{lesson.slug}/" for lesson in live_lessons]
    wide = {}
    for path in paths:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        page_width = page.evaluate("document.documentElement.scrollWidth")
        if page_width > width:
            wide[path] = page_width
    context.close()
    assert wide == {}, f"these pages are wider than the phone: {wide}"


def test_diagram_text_stays_readable_on_a_phone(browser, live_server, live_lessons):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/en/lessons/what-a-session-is/")
    diagram = page.locator(".diagram-link img").first
    diagram.scroll_into_view_if_needed()
    # The diagrams are drawn with 14-unit text on a 760-780-unit-wide canvas.
    drawn_width = diagram.evaluate("img => img.getBoundingClientRect().width")
    canvas_width = int(diagram.get_attribute("width"))  # the viewBox's width
    assert 14 * drawn_width / canvas_width >= 10, (drawn_width, canvas_width)
    # It scrolls inside its own box; the page itself does not.
    box = page.locator(".diagram-link").first
    assert box.evaluate("link => link.scrollWidth > link.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()


@pytest.mark.parametrize("language", ["en", "uz"])
def test_the_lab_with_its_login_drawer_and_browser_b_fits_a_phone(browser, live_server, language):
    context = browser.new_context(viewport={"width": 320, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/{language}/lab/")
    send(page, "login", username="alice")
    send(page, "copy_to_b")
    send(page, "whoami", "b")
    width = page.evaluate("document.documentElement.scrollWidth")
    context.close()
    assert width <= 320
