"""Lessons 15 to 18 in the lab: two tabs at once, a cache in front of a page, an async
view, and a response a test expects, on the engines they teach, with their exercises."""

import pytest

from lessons.engines import ENGINES
from lessons.tests.lab_helpers import check, passed

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("lessons")]


def _result(learner) -> dict:
    return learner.state()["latest"]["result"]


def _story(learner) -> str:
    return " ".join(learner.state()["latest"]["what_happened"])


# --- Two tabs at once: the lost update -------------------------------------------------


@pytest.mark.parametrize("engine", list(ENGINES))
def test_two_tabs_lose_the_change_saved_first_on_every_engine(learner, engine):
    learner.configure(engine=engine)
    learner.do("set", key="cart", value='["apple"]')
    learner.do("two_tabs", key="coupon", value='"SPRING"')
    tabs = _result(learner)["value"]
    assert tabs["tab_1_loaded"] == tabs["tab_2_loaded"] == {"cart": ["apple"]}
    assert tabs["tab_2_saved"] == {"cart": ["apple"], "other_tab": "written by tab 2"}
    # What the browser and the store keep afterwards: tab 1's dictionary, without tab 2's key.
    learner.do("get", key="other_tab")
    assert _result(learner)["value"] is None
    learner.do("get", key="coupon")
    assert _result(learner)["value"] == "SPRING"


def test_two_tabs_tell_what_was_lost(learner):
    learner.do("set", key="cart", value="[]")
    learner.do("two_tabs", key="coupon", value='"SPRING"')
    assert "tab 2's change is lost" in _story(learner)
    assert learner.state()["latest"]["store"]["database"]["decoded"] == {
        "cart": [],
        "coupon": "SPRING",
    }


def test_two_tabs_need_a_session_to_share(learner):
    learner.do("two_tabs", key="coupon", value='"SPRING"')
    assert "set a key first" in _result(learner)["error"]
    assert learner.cookie() is None


def test_the_lost_update_exercise_passes_on_db_and_not_on_signed_cookies(learner):
    learner.configure(engine="signed_cookies")
    learner.do("set", key="cart", value="[]")
    learner.do("two_tabs", key="coupon", value='"SPRING"')
    page = check(learner, "two-requests-at-once", "lose-an-update")
    assert not passed(page) and "signed_cookies" in page
    learner.configure(engine="db")
    learner.do("set", key="cart", value="[]")
    learner.do("two_tabs", key="coupon", value='"SPRING"')
    assert passed(check(learner, "two-requests-at-once", "lose-an-update"))


# --- A cache in front of the page -------------------------------------------------------


def test_a_public_page_is_cached_for_the_next_visitor_without_any_cookie(learner):
    learner.do("cached_public_page")
    pages = _result(learner)["value"]
    assert not pages["you"]["from_cache"] and pages["next_visitor"]["from_cache"]
    assert pages["you"]["set_cookie"] is None and pages["next_visitor"]["set_cookie"] is None
    learner.do("cached_public_page")
    assert _result(learner)["value"]["you"]["from_cache"]


def test_a_page_reading_the_session_is_never_handed_to_the_next_visitor(learner):
    learner.do("set", key="cart", value='["apple", "pear"]')
    learner.do("cached_personal_page")
    pages = _result(learner)["value"]
    assert "Cookie" in pages["you"]["vary"]
    assert "Items in your cart: 2" in pages["you"]["body"]
    assert "Items in your cart: 0" in pages["next_visitor"]["body"]
    assert pages["next_visitor"]["set_cookie"] is None
    assert passed(check(learner, "sessions-and-http-caches", "cached-page-is-yours-alone"))


@pytest.mark.parametrize("engine", ["db", "signed_cookies"])
def test_save_every_request_behind_the_cache_keeps_the_cookie_from_the_next_visitor(
    learner, engine
):
    learner.configure(engine=engine, save_every_request="on")
    learner.do("set", key="cart", value='["apple"]')
    answer = learner.do("cached_public_page")
    pages = _result(learner)["value"]
    assert pages["you"]["set_cookie"] and "Cookie" in pages["you"]["vary"]
    assert pages["you"]["cacheable"] == "not cached: it sets a cookie and varies on Cookie"
    assert pages["next_visitor"]["set_cookie"] is None
    # The browser gets the page's own Set-Cookie, as from the page itself.
    assert answer.set_cookie is not None and answer.set_cookie.value == learner.cookie()
    assert passed(check(learner, "sessions-and-http-caches", "save-every-request-not-cached"))


def test_one_learners_cached_page_never_reaches_another(learner):
    from lessons.tests.lab_helpers import LabLearner

    learner.do("set", key="cart", value='["apple", "pear", "plum"]')
    learner.do("cached_personal_page")
    other = LabLearner()
    other.do("cached_personal_page")
    pages = other.state()["latest"]["result"]["value"]
    assert not pages["you"]["from_cache"]
    assert "Items in your cart: 3" not in pages["you"]["body"] + pages["next_visitor"]["body"]


# --- An async view ----------------------------------------------------------------------


def test_the_ordinary_api_fails_in_an_async_view_only_once_a_db_cookie_comes_back(
    learner, monkeypatch
):
    # Django's guard, as a server runs it (the browser tests' conftest turns it off).
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    learner.do("async_sync_get", key="cart")
    assert _result(learner)["error"] is None  # no cookie: nothing to load
    answer = learner.do("async_aset", key="cart", value='["apple"]')
    assert answer.set_cookie is not None and "Cookie" in answer.vary
    learner.do("async_sync_get", key="cart")
    assert _result(learner)["error"].startswith("SynchronousOnlyOperation")
    learner.do("async_aget", key="cart")
    assert _result(learner)["value"] == ["apple"]
    assert passed(check(learner, "async-views-and-sessions", "async-mistake-then-fix"))


@pytest.mark.parametrize("engine", ["file", "cache", "signed_cookies", "redis_json"])
def test_engines_without_a_database_read_inside_the_event_loop(learner, engine):
    learner.configure(engine=engine)
    learner.do("async_aset", key="cart", value='["apple"]')
    learner.do("async_sync_get", key="cart")
    assert _result(learner)["value"] == ["apple"]
    page = check(learner, "async-views-and-sessions", "async-mistake-then-fix")
    assert not passed(page) and "Use the db engine" in page


def test_an_async_write_is_read_back_by_an_ordinary_view(learner):
    learner.configure(engine="cached_db")
    learner.do("async_aset", key="theme", value='"dark"')
    learner.do("get", key="theme")
    assert _result(learner)["value"] == "dark"


# --- A response a test expects ----------------------------------------------------------


def test_the_default_cookie_fails_the_lessons_test_and_set_expiry_zero_passes_it(learner):
    learner.do("set", key="cart", value='["7"]')
    page = check(learner, "testing-code-that-uses-sessions", "pass-the-cookie-test")
    assert not passed(page) and "Max-Age or expires" in page
    learner.do("expiry_zero")
    answer = learner.do("set", key="cart", value='["7"]')
    assert "max-age" not in answer.set_cookie.attributes
    assert passed(check(learner, "testing-code-that-uses-sessions", "pass-the-cookie-test"))


def test_a_strict_cookie_fails_the_lessons_test_in_uzbek_too(learner):
    learner.configure(expire_at_browser_close="on", cookie_samesite="Strict")
    learner.do("set", key="cart", value='["7"]')
    page = check(learner, "testing-code-that-uses-sessions", "pass-the-cookie-test", "uz")
    assert not passed(page) and "SameSite qiymati Lax emas" in page


@pytest.mark.parametrize("action", ["two_tabs", "cached_personal_page", "async_aget"])
def test_the_requests_an_action_sends_keep_the_hosts_name(action, settings):
    """On a server, "testserver" is not an allowed host: the lab's own requests must use
    the host the learner used, or Django refuses them (DisallowedHost)."""
    from django.test import Client

    from lessons.tests.lab_helpers import LabLearner

    settings.ALLOWED_HOSTS = ["lab.example"]
    learner = LabLearner(client=Client(HTTP_HOST="lab.example"))
    learner.do("set", key="cart", value='["apple"]')
    learner.do(action, key="cart", value='"x"')
    assert _result(learner)["error"] is None
