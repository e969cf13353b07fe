"""The lab at a glance: after an action, cause and effect on one screen, on a laptop; on a
phone, the first action on the first screen."""

import re

import pytest
from playwright.sync_api import expect

from e2e.test_lab import LAB_REQUEST


def _inside_viewport(page, locator, height: int) -> bool:
    box = locator.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


@pytest.mark.parametrize("language", ["en", "uz"])
@pytest.mark.parametrize("preset", [None, "what-a-session-is/no-cookie-until-changed"])
@pytest.mark.parametrize(
    "size", [(1280, 800), (1366, 768), (1920, 1080)], ids=lambda s: "x".join(map(str, s))
)
def test_cause_and_effect_are_in_view_after_set_a_key(
    browser, live_server, live_lessons, language, preset, size
):
    width, height = size
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    if preset:
        page.goto(f"{live_server.url}/{language}/lessons/{preset.split('/')[0]}/")
        page.locator(f'[data-preset="{preset.split("/")[1]}"]').get_by_role("button").click()
        expect(page.get_by_test_id("preset-banner")).to_be_visible()
    else:
        page.goto(f"{live_server.url}/{language}/lab/")
    with page.expect_response(lambda r: LAB_REQUEST.search(r.url) is not None):
        page.locator("#lab-actions button[value=set]").click()
    set_cookie = page.get_by_test_id("set-cookie")
    stored = page.get_by_test_id("store-database").locator("div", has_text="cart")
    expect(set_cookie).to_contain_text("sessionid=")
    expect(set_cookie).to_contain_text("Max-Age=1209600")
    expect(stored).to_contain_text('{"cart": ["apple"]}')
    expect(page.get_by_test_id("document-cookie")).to_contain_text("document.cookie")
    assert page.evaluate("scrollY") == 0, "the learner did not scroll"
    in_view = {
        "the Python line": page.locator(".lab-result .python-line"),
        "the Cookie header sent": page.get_by_test_id("cookie-header"),
        "Set-Cookie, attribute by attribute": set_cookie,
        "document.cookie": page.get_by_test_id("document-cookie"),
        "the stored value": stored,
        "what happened": page.get_by_test_id("what-happened"),
    }
    if preset:
        in_view["the preset's steps"] = page.get_by_test_id("checklist")
    outside = {
        name: locator.bounding_box()
        for name, locator in in_view.items()
        if not _inside_viewport(page, locator, height)
    }
    assert outside == {}, f"outside the first screen: {outside}"
    context.close()


def test_changed_values_show_what_they_were(page, live_server):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/en/lab/")
    for action in ("set", "cycle_key"):
        with page.expect_response(lambda r: LAB_REQUEST.search(r.url) is not None):
            page.locator(f"#lab-actions button[value={action}]").click()
    old_key = page.locator(".lab-store .store-key [data-testid=was] code")
    new_key = page.locator(".lab-store .store-key > code").inner_text()
    expect(old_key).to_be_visible()
    assert old_key.inner_text().rstrip("…") != new_key
    assert not new_key.startswith(old_key.inner_text().rstrip("…"))
    # The new cookie value, changed, with the old one beside it.
    value = page.get_by_test_id("set-cookie").locator(".cookie-attributes__value")
    expect(value).to_have_class(re.compile("changed"))
    expect(value).to_contain_text(new_key)


def test_the_presets_steps_tick_themselves_beside_the_lab(page, live_server, live_lessons):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/uz/lessons/what-a-session-is/")
    page.locator('[data-preset="no-cookie-until-changed"]').get_by_role("button").click()
    steps = page.get_by_test_id("checklist").get_by_role("listitem")
    expect(steps).to_have_count(3)
    expect(page.locator("#preset-checklist [data-done=true]")).to_have_count(0)
    for done, action in enumerate(("visit", "read", "set"), start=1):
        with page.expect_response(lambda r: LAB_REQUEST.search(r.url) is not None):
            page.locator(f"#lab-actions button[value={action}]").click()
        expect(page.locator("#preset-checklist [data-done=true]")).to_have_count(done)
    expect(steps.nth(2)).to_contain_text("(bajarildi)")
    # Beside the lab, not above it: the steps and the actions share the first screen.
    banner = page.get_by_test_id("preset-banner").bounding_box()
    actions = page.locator("#lab-actions").bounding_box()
    assert banner["x"] + banner["width"] <= actions["x"], (banner, actions)


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
