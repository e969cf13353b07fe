"""The lab in a real Chromium: what the browser really does with the cookies Django sends."""

import re
import time

import pytest
from playwright.sync_api import Page, expect

LAB_REQUEST = re.compile(r"/lab/(shop/)?run/$")


def open_lab(page: Page, base_url: str, language: str = "en") -> None:
    page.goto(f"{base_url}/{language}/lab/")
    expect(page.locator("#lab-actions")).to_be_visible()
    drawer = page.locator("[data-settings-drawer]")
    if drawer.get_attribute("open") is None:  # a phone: the settings wait in a drawer
        drawer.locator("summary").click()
    expect(page.locator("#lab-settings")).to_be_visible()


def save_settings(page: Page, **fields) -> None:
    """Fill the settings form as a learner would and save it."""
    form = page.locator("#lab-settings")
    for name, value in fields.items():
        control = form.locator(f"[name={name}]")
        if isinstance(value, bool):
            control.set_checked(value)
        elif control.evaluate("e => e.tagName") == "SELECT":
            control.select_option(value)
        else:
            control.fill(str(value))
    with page.expect_response(lambda r: r.url.endswith("/lab/settings/")):
        form.get_by_role("button", name=re.compile("Save settings|Sozlamalarni saqlash")).click()
    expect(form.locator(".notice")).to_be_visible()


def run(page: Page, action: str, path: str = "/lab/run/", **inputs) -> None:
    """Press an action button; wait until htmx has swapped in the new panels."""
    form = page.locator("#lab-actions")
    for name, value in inputs.items():
        form.locator(f"[name={name}]").fill(str(value))
    form.locator(f"input[data-lab-path][value='{path}']").check()
    before = page.locator("#lab-panels").get_attribute("data-swap-count") or "0"
    with page.expect_response(lambda r: LAB_REQUEST.search(r.url) is not None):
        form.locator(f"button[value={action}]").click()
    expect(page.locator("#lab-panels")).not_to_have_attribute("data-swap-count", before)


def lab_cookie(page: Page, name: str = "sessionid") -> dict | None:
    return next((c for c in page.context.cookies() if c["name"] == name), None)


def test_httponly_hides_the_cookie_from_page_javascript(page: Page, live_server):
    open_lab(page, live_server.url)
    run(page, "set", key="cart", value='["apple"]')
    assert lab_cookie(page)["httpOnly"] is True
    assert "sessionid" not in page.evaluate("document.cookie")
    expect(page.get_by_test_id("document-cookie")).not_to_contain_text("sessionid=")
    expect(page.locator("#document-cookie-verdict")).to_have_attribute("data-visible", "false")

    save_settings(page, cookie_httponly=False)
    run(page, "set", key="cart", value='["pear"]')
    assert lab_cookie(page)["httpOnly"] is False
    expect(page.get_by_test_id("document-cookie")).to_contain_text("sessionid=")
    expect(page.locator("#document-cookie-verdict")).to_have_attribute("data-visible", "true")


def test_expire_at_browser_close_gives_a_session_cookie(page: Page, live_server):
    open_lab(page, live_server.url)
    run(page, "set", key="cart", value="[1]")
    assert lab_cookie(page)["expires"] > time.time() + 13 * 24 * 3600

    save_settings(page, expire_at_browser_close=True)
    run(page, "set", key="cart", value="[2]")
    assert lab_cookie(page)["expires"] == -1, "a browser-session cookie has no expiry"
    raw = page.get_by_test_id("set-cookie-raw")
    expect(raw).not_to_contain_text("Max-Age")
    expect(raw).not_to_contain_text("expires")
    # The chips say Max-Age went away, and what it was.
    gone = page.get_by_test_id("set-cookie").locator("[data-attribute=max-age]")
    expect(gone).to_have_class(re.compile("cookie-attributes__removed"))
    expect(gone).to_contain_text("1209600")
    expect(page.get_by_test_id("set-cookie").locator("[data-attribute=expires]")).to_have_count(0)


def test_a_five_second_cookie_stops_coming_back_and_the_panel_says_why(page: Page, live_server):
    open_lab(page, live_server.url)
    save_settings(page, cookie_age=5)
    run(page, "set", key="exam", value='"question 1"')
    expect(page.get_by_test_id("set-cookie")).to_contain_text("Max-Age=5")
    run(page, "get", key="exam")
    expect(page.get_by_test_id("cookie-header")).to_contain_text("sessionid=")

    page.wait_for_timeout(5500)
    run(page, "get", key="exam")
    expect(page.get_by_test_id("cookie-header")).not_to_contain_text("sessionid=")
    expect(page.locator(".lab-result")).to_contain_text("did not send back the cookie sessionid")
    expect(page.locator(".lab-result")).to_contain_text("It expired")


def test_cookie_path_scopes_where_the_cookie_goes(page: Page, live_server):
    open_lab(page, live_server.url)
    save_settings(page, cookie_path="/lab/shop/")
    run(page, "set", path="/lab/shop/run/", key="cart", value='["apple"]')
    run(page, "get", path="/lab/shop/run/", key="cart")
    expect(page.get_by_test_id("cookie-header")).to_contain_text("sessionid=")
    expect(page.locator(".lab-result")).to_contain_text('["apple"]')

    run(page, "get", path="/lab/run/", key="cart")
    expect(page.get_by_test_id("cookie-header")).not_to_contain_text("sessionid=")
    expect(page.locator(".lab-result")).to_contain_text(
        "Its Path does not cover the path of this request"
    )


def test_secure_cookie_is_refused_on_a_non_secure_origin(page: Page, live_server, settings):
    # lab.test resolves to 127.0.0.1 (see browser_type_launch_args) but, unlike
    # 127.0.0.1 and localhost, Chromium does not count it as a secure origin.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "lab.test"]
    port = live_server.url.rsplit(":", 1)[1]
    insecure_origin = f"http://lab.test:{port}"
    open_lab(page, insecure_origin)
    save_settings(page, cookie_secure=True)
    run(page, "set", key="cart", value="[1]")
    expect(page.get_by_test_id("set-cookie")).to_contain_text("Secure")
    expect(page.locator(".lab-result")).to_contain_text("refused to store it")
    assert lab_cookie(page) is None, "Chromium kept a Secure cookie from plain http"

    run(page, "get", key="cart")
    expect(page.get_by_test_id("cookie-header")).not_to_contain_text("sessionid=")
    expect(page.locator(".lab-result")).to_contain_text("did not send back the cookie sessionid")

    # The same settings on localhost, a secure origin for Chromium: kept. (Another
    # host is another site for the browser, with its own learner and settings.)
    open_lab(page, live_server.url)
    save_settings(page, cookie_secure=True)
    run(page, "set", key="cart", value="[1]")
    assert lab_cookie(page)["secure"] is True


def test_signed_cookie_is_decoded_in_the_store_panel(page: Page, live_server):
    open_lab(page, live_server.url)
    save_settings(page, engine="signed_cookies")
    run(page, "set", key="cart", value='["apple", "pear"]')
    expect(page.get_by_test_id("store-nothing-on-server")).to_be_visible()
    signed = page.get_by_test_id("store-signed-cookie")
    expect(signed).to_contain_text('{"cart": ["apple", "pear"]}')
    expect(signed).to_contain_text("valid")
    cookie_value = lab_cookie(page)["value"]
    assert cookie_value.count(":") == 2


def test_switching_engine_starts_a_new_session_and_the_panels_say_so(page: Page, live_server):
    open_lab(page, live_server.url)
    run(page, "set", key="cart", value='["apple"]')
    expect(page.get_by_test_id("store-database")).to_contain_text('{"cart": ["apple"]}')
    first_key = lab_cookie(page)["value"]

    save_settings(page, engine="cache")
    expect(page.locator(".lab-store h2")).to_contain_text("backends.cache")
    run(page, "get", key="cart")
    expect(page.locator(".lab-result")).to_contain_text("The engine changed to cache")
    expect(page.locator(".lab-result")).not_to_contain_text("apple")

    run(page, "set", key="cart", value='["pear"]')
    expect(page.get_by_test_id("store-cache")).to_contain_text(":1:django.contrib.sessions.cache")
    assert lab_cookie(page)["value"] != first_key


def test_redis_key_and_ttl_are_shown_for_the_cache_engine(page: Page, live_server):
    open_lab(page, live_server.url)
    save_settings(page, engine="cached_db", cookie_age=120)
    run(page, "set", key="cart", value="[1]")
    cache = page.get_by_test_id("store-cache")
    expect(cache).to_contain_text(":1:django.contrib.sessions.cached_db")
    ttl = int(cache.locator("[data-ttl]").inner_text())
    assert 110 <= ttl <= 120
    expect(page.get_by_test_id("store-database")).to_contain_text('{"cart": [1]}')


def test_bad_settings_are_explained_beside_the_field(page: Page, live_server):
    open_lab(page, live_server.url)
    save_settings(page, cookie_age=-3, cookie_name="sessionlab_session")
    expect(page.locator("#id_cookie_age ~ .field__error")).to_contain_text("at least 1 second")
    expect(page.locator("#id_cookie_name ~ .field__error")).to_contain_text("the site's own cookie")
    expect(page.locator("#id_cookie_name")).to_have_value("sessionlab_session")
    # Refused settings are not in force: a request now is held back, and says why.
    page.locator("#lab-actions button[value=set]").click()
    expect(page.get_by_test_id("actions-blocked")).to_contain_text("was refused")
    save_settings(page, cookie_age=1209600, cookie_name="sessionid")
    run(page, "set", key="cart", value="[1]")
    expect(page.get_by_test_id("set-cookie")).to_contain_text("Max-Age=1209600")


def test_the_lab_works_without_javascript(browser, live_server, external_requests):
    context = browser.new_context(java_script_enabled=False)
    context.route("**/*", external_requests.handle)
    page = context.new_page()
    page.goto(f"{live_server.url}/en/lab/")
    page.locator("#lab-actions button[value=set]").click()
    expect(page.get_by_test_id("set-cookie")).to_contain_text("sessionid=")
    assert any(c["name"] == "sessionid" for c in context.cookies())
    context.close()


@pytest.mark.parametrize("language", ["uz"])
def test_the_lab_speaks_uzbek(page: Page, live_server, language):
    open_lab(page, live_server.url, language)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sessiya laboratoriyasi")
    expect(page.get_by_role("button", name="Sozlamalarni saqlash")).to_be_visible()
    run(page, "set", key="savat", value='["olma"]')
    expect(page.locator(".lab-cookie h2")).to_have_text("Cookie")
    expect(page.get_by_test_id("store-database")).to_contain_text('{"savat": ["olma"]}')
    expect(page.locator(".lab-timeline h2")).to_have_text("Soʻrovlar tarixi")


def test_the_lab_fits_a_phone_screen(browser, live_server, external_requests):
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True)
    context.route("**/*", external_requests.handle)
    page = context.new_page()
    open_lab(page, live_server.url, "uz")
    save_settings(page, engine="cached_db")
    run(page, "set", key="savat", value='["olma", "nok"]')
    run(page, "cycle_key")
    overflowing = page.evaluate(
        """[...document.querySelectorAll('.lab-card')]
            .filter(card => card.scrollWidth > card.clientWidth + 1)
            .map(card => card.querySelector('h2').textContent.trim())"""
    )
    assert overflowing == [], f"content sticks out of these panels on a phone: {overflowing}"
    page_overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert page_overflow <= 0
    context.close()
    assert not external_requests.blocked


def test_memcached_alias_shows_the_memcached_item_in_the_store_panel(page: Page, live_server):
    """SESSION_CACHE_ALIAS = "memcached": the session goes to the memcached server, not Redis."""
    open_lab(page, live_server.url)
    expect(page.get_by_test_id("memcached-status")).to_contain_text("memcached answers at")
    save_settings(page, engine="cache", cache_alias="memcached", cookie_age=300)
    run(page, "set", key="cart", value='["apple"]')
    key = lab_cookie(page)["value"]
    item = page.get_by_test_id("store-memcached")
    expect(item).to_contain_text(f":1:django.contrib.sessions.cache{key}")
    expect(item).to_contain_text('{"cart": ["apple"]}')
    ttl = int(item.locator("[data-ttl]").get_attribute("data-ttl"))
    assert 290 <= ttl <= 300
    expect(page.get_by_test_id("store-cache")).to_have_count(0)

    # Back on the redis alias the same cookie finds nothing: the session lived in memcached.
    save_settings(page, cache_alias="redis")
    run(page, "get", key="cart")
    expect(page.get_by_test_id("store-memcached")).to_have_count(0)
    expect(page.locator("#lab-panels")).to_contain_text("SESSION_CACHE_ALIAS changed to redis")


def test_redis_json_engine_shows_readable_json_in_the_store_panel(page: Page, live_server):
    open_lab(page, live_server.url)
    save_settings(page, engine="redis_json", cookie_age=600)
    run(page, "set", key="cart", value='["apple"]')
    key = lab_cookie(page)["value"]
    record = page.get_by_test_id("store-redis-json")
    expect(record).to_contain_text(f"session:{key}")
    expect(record).to_contain_text('{"data":{"cart":["apple"]},"signature":"')
    run(page, "expiry_seconds", seconds=60)
    ttl = int(record.locator("[data-ttl]").get_attribute("data-ttl"))
    assert 55 <= ttl <= 60


def test_the_timeline_grows_one_entry_at_a_time_and_keeps_the_newest_twelve(
    page: Page, live_server
):
    """After the first request each answer brings one new entry (not the whole panels);
    the page then shows exactly what a fresh load of the lab shows."""
    open_lab(page, live_server.url)
    form = page.locator("#lab-actions")
    form.locator("[name=key]").fill("cart")
    answers = []
    for _ in range(14):
        with page.expect_response(lambda r: LAB_REQUEST.search(r.url) is not None) as answer:
            form.locator("button[value=get]").click()
        answers.append(answer.value)
        expect(form.locator("button[value=get]")).to_be_enabled()
    assert answers[0].headers.get("hx-retarget") == "#lab-panels"  # nothing shown before
    assert all("hx-retarget" not in answer.headers for answer in answers[1:])
    entries = page.locator("#timeline-list > li")
    expect(entries).to_have_count(12)
    assert entries.evaluate_all("items => items.map(item => item.value)") == list(range(14, 2, -1))
    last = answers[-1].headers["x-lab-exchange"]
    expect(page.locator("#lab-result")).to_have_attribute("data-exchange-id", last)
    swapped = page.locator("#lab-timeline").inner_text()
    page.reload()
    assert page.locator("#lab-timeline").inner_text() == swapped


def test_the_focus_stays_on_the_action_pressed_with_the_keyboard(page: Page, live_server):
    open_lab(page, live_server.url)
    button = page.locator("#lab-actions button[value=get]")
    for count in (1, 2):  # the first answer redraws all the panels, the second only the cards
        button.focus()
        with page.expect_response(lambda r: LAB_REQUEST.search(r.url) is not None):
            page.keyboard.press("Enter")
        expect(page.locator("#timeline-list > li")).to_have_count(count)
        expect(button).to_be_focused()
