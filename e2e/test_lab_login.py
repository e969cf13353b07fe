"""Logging in inside the lab, in a real Chromium: fixation and a stolen cookie, with the
learner's own browser and Browser B, in both languages."""

import re

import pytest
from playwright.sync_api import Page, expect

from e2e.test_lab import LAB_REQUEST, lab_cookie, open_lab, save_settings

ANONYMOUS = "AnonymousUser"


def send(page: Page, action: str, browser: str = "a", username: str | None = None) -> None:
    """Press a button of the login drawer from one of the two browsers."""
    drawer = page.get_by_test_id("login-actions")
    if drawer.get_attribute("open") is None:
        drawer.locator("summary").click()
    page.get_by_test_id(f"browser-{browser}").check()
    if username:
        page.get_by_test_id("username").select_option(username)
    before = page.locator("#lab-panels").get_attribute("data-swap-count") or "0"
    with page.expect_response(lambda r: LAB_REQUEST.search(r.url) is not None):
        page.locator(f"#lab-actions button[value={action}]").click()
    expect(page.locator("#lab-panels")).not_to_have_attribute("data-swap-count", before)


def who_is(page: Page, browser: str) -> str:
    send(page, "whoami", browser)
    if browser == "b":
        expect(page.get_by_test_id("result-browser-b")).to_be_visible()
    else:
        expect(page.get_by_test_id("result-browser-b")).to_have_count(0)
    return page.get_by_test_id("request-user").inner_text()


def b_session_cookie(page: Page) -> str:
    text = page.get_by_test_id("browser-b-cookie").first.inner_text()
    assert text.startswith("sessionid="), text
    return text.removeprefix("sessionid=")


@pytest.mark.parametrize("language", ["en", "uz"])
def test_session_fixation_with_and_without_cycle_key(page: Page, live_server, language):
    open_lab(page, live_server.url, language)
    # The attacker's own session, then its key planted in the learner's real browser.
    send(page, "set", "b")
    expect(page.get_by_test_id("timeline-browser-b")).to_have_count(1)
    attackers_key = b_session_cookie(page)
    assert lab_cookie(page) is None, "Browser B's cookie must not reach this browser"
    send(page, "plant_from_b")
    assert lab_cookie(page)["value"] == attackers_key, "Chromium holds the planted key"

    # The mistake: the login keeps the key, and the attacker rides along.
    send(page, "naive_login", username="alice")
    assert lab_cookie(page)["value"] == attackers_key
    assert who_is(page, "a") == "alice"
    assert who_is(page, "b") == "alice"

    # Django's login() on a freshly planted key: a new key, and B is nobody.
    send(page, "logout")
    send(page, "set", "b")
    attackers_key = b_session_cookie(page)
    send(page, "plant_from_b")
    send(page, "login", username="alice")
    assert lab_cookie(page)["value"] not in (attackers_key, None)
    assert who_is(page, "a") == "alice"
    assert who_is(page, "b") == ANONYMOUS


@pytest.mark.parametrize("language", ["en", "uz"])
@pytest.mark.parametrize(
    ("engine", "b_after_logout"), [("db", ANONYMOUS), ("signed_cookies", "alice")]
)
def test_a_stolen_cookie_then_logout(page: Page, live_server, language, engine, b_after_logout):
    open_lab(page, live_server.url, language)
    save_settings(page, engine=engine)
    send(page, "login", username="alice")
    assert lab_cookie(page) is not None
    send(page, "copy_to_b")
    assert b_session_cookie(page) == lab_cookie(page)["value"]
    assert who_is(page, "b") == "alice", "to Django, a copied cookie is the user"
    send(page, "logout")
    assert lab_cookie(page) is None, "logout() deletes the cookie in this browser"
    assert who_is(page, "b") == b_after_logout


def test_the_login_drawer_opens_by_itself_once_used_and_says_who_is_logged_in(
    page: Page, live_server
):
    open_lab(page, live_server.url)
    expect(page.get_by_test_id("login-actions")).not_to_have_attribute("open", re.compile(".*"))
    send(page, "login", username="bob")
    expect(page.get_by_test_id("store-login-keys")).to_contain_text("_auth_user_hash")
    expect(page.get_by_test_id("request-user")).to_have_text("bob")
    page.reload()
    expect(page.get_by_test_id("login-actions")).to_have_attribute("open", "")
