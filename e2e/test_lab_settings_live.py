"""Lab settings are never silently stale: a change not saved yet, or a setting refused,
holds the next request back and says why."""

from playwright.sync_api import Page, expect

from e2e.test_lab import LAB_REQUEST, lab_cookie, open_lab, run, save_settings


def lab_requests_sent(page: Page) -> list[str]:
    """The lab requests the page sends from now on (filled in as they go)."""
    sent: list[str] = []
    page.on("request", lambda request: LAB_REQUEST.search(request.url) and sent.append(request.url))
    return sent


def test_an_unsaved_change_holds_the_request_back_until_it_is_saved(page: Page, live_server):
    open_lab(page, live_server.url)
    form = page.locator("#lab-settings")
    form.locator("[name=engine]").select_option("file")
    form.locator("[name=cookie_httponly]").set_checked(False)
    expect(page.get_by_test_id("settings-unsaved")).to_be_visible()

    sent = lab_requests_sent(page)
    page.locator("#lab-actions button[value=set]").click()
    expect(page.get_by_test_id("actions-blocked")).to_contain_text("unsaved changes")
    page.wait_for_timeout(300)
    assert sent == [], "the request did not run on settings other than those on screen"

    save_settings(page)
    expect(page.get_by_test_id("settings-unsaved")).to_be_hidden()
    expect(page.get_by_test_id("engine-path")).to_have_text("django.contrib.sessions.backends.file")
    run(page, "set", key="cart", value='["apple"]')
    expect(page.get_by_test_id("actions-blocked")).to_be_hidden()
    expect(page.get_by_test_id("store-file")).to_be_visible()
    assert lab_cookie(page)["httpOnly"] is False


def test_a_refused_setting_holds_the_request_back_and_says_why(page: Page, live_server):
    open_lab(page, live_server.url)
    name = page.locator("#lab-settings [name=cookie_name]")
    name.fill("not a name")
    with page.expect_response(lambda r: r.url.endswith("/lab/settings/")):
        name.press("Enter")  # submits the form
    expect(page.locator("#lab-settings .field--error")).to_have_count(1)
    # The form was swapped under the learner's keyboard: focus stayed in the field.
    expect(page.locator("#id_cookie_name")).to_be_focused()
    sent = lab_requests_sent(page)
    page.locator("#lab-actions button[value=set]").click()
    expect(page.get_by_test_id("actions-blocked")).to_contain_text("was refused")
    page.wait_for_timeout(300)
    assert sent == [], "no lab request went out"
    expect(page.get_by_test_id("no-set-cookie")).to_have_count(0)
