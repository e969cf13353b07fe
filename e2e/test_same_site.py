"""SameSite in Chromium: which requests from another site carry the lab's session cookie."""

import re

import pytest
from playwright.sync_api import Page, expect

from e2e.test_lab import open_lab, run, save_settings


def cross_site_requests(page: Page, live_server) -> dict[str, bool]:
    """Use the cross-site page's link, form and fetch; say which arrived with the cookie."""
    open_lab(page, live_server.url)
    run(page, "set", key="cart", value='["apple"]')
    with page.context.expect_page() as opened:
        page.get_by_test_id("open-cross-site").click()
    other = opened.value
    other.wait_for_load_state()
    assert other.url.startswith(live_server.url.replace("localhost", "127.0.0.1"))

    with other.expect_response(re.compile(r"/lab/probe/.*via=fetch")):
        other.get_by_test_id("cross-site-fetch").click()
    expect(other.locator("#fetch-status")).not_to_be_empty()
    other.get_by_test_id("cross-site-form").click()
    expect(other.get_by_role("heading", level=1)).to_have_text("Session lab")
    other.go_back()
    other.get_by_test_id("cross-site-link").click()
    expect(other.get_by_role("heading", level=1)).to_have_text("Session lab")

    timeline = page.context.request.get(f"{live_server.url}/en/lab/state.json").json()["timeline"]
    arrived = {}
    for exchange in timeline:
        if exchange["path"].startswith("/lab/probe/"):
            way = exchange["action"].removeprefix("cross_site_")
            arrived.setdefault(way, "sessionid=" in exchange["cookie_header"])
    return arrived


@pytest.mark.parametrize(
    ("samesite", "secure", "expected"),
    [
        ("Lax", False, {"link": True, "form": False, "fetch": False}),
        ("Strict", False, {"link": False, "form": False, "fetch": False}),
        # SameSite=None allows all three, but a test browser, like a private
        # window, blocks third-party cookies: the fetch goes without it.
        ("None", True, {"link": True, "form": True, "fetch": False}),
    ],
)
def test_which_cross_site_requests_carry_the_cookie(
    page: Page, live_server, samesite, secure, expected
):
    open_lab(page, live_server.url)
    save_settings(page, cookie_samesite=samesite, cookie_secure=secure)
    assert cross_site_requests(page, live_server) == expected


def test_the_lab_explains_a_cookie_samesite_kept_home(page: Page, live_server):
    open_lab(page, live_server.url)
    save_settings(page, cookie_samesite="Strict")
    cross_site_requests(page, live_server)
    page.goto(f"{live_server.url}/en/lab/")
    timeline = page.locator(".lab-timeline")
    expect(timeline).to_contain_text("from another site")
    state = page.context.request.get(f"{live_server.url}/en/lab/state.json").json()
    messages = [m for e in state["timeline"] for m in e["messages"]]
    assert any("SameSite=Strict" in message for message in messages)


def test_samesite_none_with_third_party_cookies_blocked_is_explained(page: Page, live_server):
    open_lab(page, live_server.url)
    save_settings(page, cookie_samesite="None", cookie_secure=True)
    cross_site_requests(page, live_server)
    state = page.context.request.get(f"{live_server.url}/en/lab/state.json").json()
    fetch = next(e for e in state["timeline"] if e["action"] == "cross_site_fetch")
    assert any("blocks third-party cookies" in message for message in fetch["messages"])
