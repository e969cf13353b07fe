"""The lab at a glance: after an action, cause and effect on one screen, on a laptop; on a
phone, the first action on the first screen."""

from playwright.sync_api import expect

from e2e.test_lab import LAB_REQUEST


def _inside_viewport(page, locator, height: int) -> bool:
    box = locator.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


def test_set_cookie_and_stored_value_are_in_view_after_set_a_key(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(f"{live_server.url}/en/lab/")
    with page.expect_response(lambda r: LAB_REQUEST.search(r.url) is not None):
        page.locator("#lab-actions button[value=set]").click()
    set_cookie = page.get_by_test_id("set-cookie")
    stored = page.get_by_test_id("store-database").locator("div", has_text="decoded")
    expect(set_cookie).to_contain_text("sessionid=")
    expect(stored).to_contain_text('{"cart": ["apple"]}')
    assert page.evaluate("scrollY") == 0, "the learner did not scroll"
    assert _inside_viewport(page, set_cookie, 800), set_cookie.bounding_box()
    assert _inside_viewport(page, stored, 800), stored.bounding_box()
    assert _inside_viewport(page, page.locator(".lab-result .python-line"), 800)
    context.close()


def test_on_a_phone_the_first_action_is_on_the_first_screen(browser, live_server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/uz/lab/")
    first_action = page.locator("#lab-actions button[value=set]")
    assert _inside_viewport(page, first_action, 844), first_action.bounding_box()
    # The settings wait in a drawer below, one tap away.
    drawer = page.locator("[data-settings-drawer]")
    expect(drawer).not_to_have_attribute("open", "")
    drawer.locator("summary").click()
    expect(page.locator("#lab-settings [name=engine]")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()
