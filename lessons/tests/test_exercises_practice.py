"""Exercises of lessons 9 to 13 (cookie Path, logging out, what travels, cleaning up, the
engine contract): passed with the right actions in the lab, refused on a near miss with a
message that says what was seen, and the questions answered right and wrong."""

import datetime
import time
from contextlib import contextmanager

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import caches

from lessons.models import LabExchange
from lessons.tests.lab_helpers import LabLearner, answer, check, nothing_passed, passed

# Every exercise test needs the course loaded.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("lessons")]


@contextmanager
def browser_withholds_lab_cookie(learner: LabLearner, name: str = "sessionid"):
    """The test client sends every cookie to every path; a browser follows Path and Max-Age."""
    morsel = learner.client.cookies.pop(name, None)
    try:
        yield
    finally:
        if morsel is not None:
            learner.client.cookies[name] = morsel


def latest() -> LabExchange:
    return LabExchange.objects.order_by("-id").first()


def let_redis_expire(redis_key: str) -> None:
    """What the TTL running out does, a few milliseconds from now instead of seconds."""
    cache = caches["redis"]
    client = cache._cache.get_client(redis_key)
    client.pexpire(redis_key, 1)
    for _ in range(200):
        if not client.exists(redis_key):
            return
        time.sleep(0.005)
    raise AssertionError("Redis did not expire the key")


# --- Lesson 9: a cookie for /lab/shop/ only -------------------------------------------


def test_scope_cookie_to_shop_passes_when_the_path_keeps_it_home(learner):
    learner.configure(cookie_path="/lab/shop/")
    response = learner.do("set", path="/lab/shop/run/", key="cart", value='["apple"]')
    assert response.set_cookie.attributes["path"] == "/lab/shop/"
    learner.do("get", path="/lab/shop/run/", key="cart")
    with browser_withholds_lab_cookie(learner):  # Path=/lab/shop/ does not cover /lab/run/
        learner.do("get", path="/lab/run/", key="cart")
    assert latest().notes[0]["reasons"] == ["path_mismatch"]
    html = check(learner, "cookie-flags", "scope-cookie-to-shop")
    assert passed(html), html
    assert "kept it from /lab/run/" in html


def test_scope_cookie_to_shop_near_miss_with_the_default_path(learner):
    learner.do("set", path="/lab/shop/run/", key="cart", value='["apple"]')
    learner.do("get", path="/lab/shop/run/", key="cart")
    learner.do("get", path="/lab/run/", key="cart")  # Path=/ covers it: the cookie goes along
    html = check(learner, "cookie-flags", "scope-cookie-to-shop")
    assert not passed(html)
    assert "set the cookie with Path=/;" in html
    assert "covers /lab/shop/ and not /lab/run/" in html


def test_scope_cookie_to_shop_asks_for_the_request_to_the_rest_of_the_lab(learner):
    learner.configure(cookie_path="/lab/shop/")
    learner.do("set", path="/lab/shop/run/", key="cart", value='["apple"]')
    learner.do("get", path="/lab/shop/run/", key="cart")
    html = check(learner, "cookie-flags", "scope-cookie-to-shop")
    assert not passed(html)
    assert "came back to /lab/shop/run/. Now send a request to /lab/run/" in html


def test_scope_cookie_to_shop_does_not_count_a_cookie_that_had_expired(learner):
    learner.configure(cookie_path="/lab/shop/", cookie_age="5")
    learner.do("set", path="/lab/shop/run/", key="cart", value='["apple"]')
    learner.do("get", path="/lab/shop/run/", key="cart")
    with browser_withholds_lab_cookie(learner):
        learner.do("get", path="/lab/run/", key="cart")
    first = LabExchange.objects.order_by("id").first()
    LabExchange.objects.filter(id=latest().id).update(
        created_at=first.created_at + datetime.timedelta(seconds=30)
    )
    html = check(learner, "cookie-flags", "scope-cookie-to-shop")
    assert not passed(html)
    assert "Now send a request to /lab/run/" in html


# --- Lesson 10: log out for real -------------------------------------------------------


@pytest.mark.parametrize("engine", ["db", "file", "cache", "cached_db"])
def test_log_out_for_real_passes_with_flush(learner, engine):
    learner.configure(engine=engine)
    learner.do("set", key="cart", value='["apple"]')
    key = learner.cookie()
    response = learner.do("flush")
    assert response.set_cookie.is_deletion
    html = check(learner, "session-security", "log-out-for-real")
    assert passed(html), html
    assert f"deleted the record under {key[:8]}…" in html
    assert not Session.objects.filter(session_key=key).exists()


def test_log_out_for_real_near_miss_with_clear(learner):
    learner.do("set", key="cart", value='["apple"]')
    key = learner.cookie()
    learner.do("clear")
    html = check(learner, "session-security", "log-out-for-real")
    assert not passed(html)
    assert f"clear() emptied the session but kept its key {key[:8]}…" in html
    assert Session.objects.filter(session_key=key).exists()


def test_log_out_for_real_near_miss_with_signed_cookies(learner):
    learner.configure(engine="signed_cookies")
    learner.do("set", key="cart", value='["apple"]')
    learner.do("flush")
    html = check(learner, "session-security", "log-out-for-real")
    assert not passed(html)
    assert "there is no record to delete" in html


def test_log_out_for_real_needs_a_session_to_log_out(learner):
    learner.do("flush")
    html = check(learner, "session-security", "log-out-for-real")
    assert not passed(html)
    assert "carried no session cookie" in html


def test_log_out_for_real_refuses_while_the_old_record_is_still_stored(learner):
    learner.do("set", key="cart", value='["apple"]')
    key = learner.cookie()
    learner.do("flush")
    row = LabExchange.objects.order_by("id").first().store["database"]
    Session.objects.create(  # as if the record were still there
        session_key=key,
        session_data=row["session_data"],
        expire_date=datetime.datetime.fromisoformat(row["expire_date"]),
    )
    html = check(learner, "session-security", "log-out-for-real")
    assert not passed(html)
    assert f"still holds a record under your old key {key[:8]}…" in html


# --- Lesson 11: what travels with every request -----------------------------------------


def test_what_travels_passes_with_the_same_cart_on_db_and_signed_cookies(learner):
    learner.do("set", key="cart", value='["apple"]')
    learner.do("get", key="cart")
    learner.configure(engine="signed_cookies")
    learner.do("set", key="cart", value='["apple"]')
    learner.do("get", key="cart")
    signed_length = len(learner.cookie())
    html = check(learner, "choosing-an-engine", "what-travels")
    assert passed(html), html
    assert f"sent 32 characters with db, a key, and {signed_length} with signed_cookies" in html


def test_what_travels_near_miss_with_one_engine(learner):
    learner.do("set", key="cart", value='["apple"]')
    learner.do("get", key="cart")
    html = check(learner, "choosing-an-engine", "what-travels")
    assert not passed(html)
    assert "With db the browser sent back a 32-character key." in html


def test_what_travels_near_miss_with_different_data(learner):
    learner.do("set", key="cart", value='["apple"]')
    learner.do("get", key="cart")
    learner.configure(engine="signed_cookies")
    learner.do("set", key="cart", value='["pear"]')
    learner.do("get", key="cart")
    html = check(learner, "choosing-an-engine", "what-travels")
    assert not passed(html)
    assert "hold different data" in html


def test_what_travels_waits_for_the_cookie_to_come_back(learner):
    learner.configure(engine="signed_cookies")
    learner.do("set", key="cart", value='["apple"]')
    html = check(learner, "choosing-an-engine", "what-travels")
    assert not passed(html)
    assert "send one more request" in html


def test_signed_cookies_on_several_servers_question(learner):
    wrong = answer(learner, "choosing-an-engine", "signed-cookies-several-servers", "3")
    assert (
        "Not this one." in wrong and "checks the cookie" not in wrong
    )  # shown after the right answer
    right = answer(
        learner, "choosing-an-engine", "signed-cookies-several-servers", "2", language="uz"
    )
    assert passed(right) and "imzosini" in right


# --- Lesson 12: Redis expires the session, clearsessions does not ------------------------


def start_cache_session(learner: LabLearner, **settings_overrides) -> str:
    learner.configure(engine="cache", cookie_age="20", **settings_overrides)
    learner.do("set", key="cart", value='["apple"]')
    return latest().store["cache"]["redis_key"]


def test_cache_expires_itself_passes_when_the_ttl_removes_the_key(learner):
    redis_key = start_cache_session(learner, expire_at_browser_close="on")
    learner.do("clearsessions")
    assert latest().store["cache"]["exists"]
    let_redis_expire(redis_key)
    learner.do("visit")
    html = check(learner, "cleaning-up", "cache-expires-itself")
    assert passed(html), html
    assert "Redis removed it by itself" in html


def test_cache_expires_itself_waits_for_the_ttl(learner):
    start_cache_session(learner, expire_at_browser_close="on")
    learner.do("clearsessions")
    learner.do("visit")
    html = check(learner, "cleaning-up", "cache-expires-itself")
    assert not passed(html)
    assert "your Redis key was still there, with" in html
    assert "seconds to live" in html


def test_cache_expires_itself_near_miss_removing_the_key_by_hand(learner):
    start_cache_session(learner, expire_at_browser_close="on")
    learner.do("clearsessions")
    learner.do("evict_cache")
    learner.do("visit")
    html = check(learner, "cleaning-up", "cache-expires-itself")
    assert not passed(html)
    assert "You removed the session yourself (Remove my session from the cache)" in html


def test_cache_expires_itself_near_miss_when_the_browser_drops_the_cookie(learner):
    redis_key = start_cache_session(learner)  # Max-Age=20 and TTL 20 run out together
    learner.do("clearsessions")
    let_redis_expire(redis_key)
    with browser_withholds_lab_cookie(learner):
        learner.do("visit")
    html = check(learner, "cleaning-up", "cache-expires-itself")
    assert not passed(html)
    assert "Tick SESSION_EXPIRE_AT_BROWSER_CLOSE" in html


def test_cache_expires_itself_near_miss_on_another_engine(learner):
    learner.do("set", key="cart", value='["apple"]')
    learner.do("clearsessions")
    html = check(learner, "cleaning-up", "cache-expires-itself")
    assert not passed(html)
    assert "Your clearsessions ran with the db engine." in html


def test_file_blind_spot_question(learner):
    wrong = answer(learner, "cleaning-up", "file-blind-spot", "2")
    assert (
        "Not this one." in wrong and "stores the integer" not in wrong
    )  # shown after the right answer
    right = answer(learner, "cleaning-up", "file-blind-spot", "3", language="uz")
    assert passed(right) and "butun son" in right


# --- Lesson 13: the TTL follows set_expiry() ---------------------------------------------


def test_ttl_follows_expiry_passes_with_a_date_and_zero(learner):
    learner.configure(engine="cache")
    learner.do("set", key="cart", value='["apple"]')
    learner.do("expiry_date", seconds=300)
    assert 297 <= latest().store["cache"]["ttl"] <= 300
    response = learner.do("expiry_zero")
    assert response.set_cookie.is_session_cookie
    assert latest().store["cache"]["ttl"] >= 1209598
    html = check(learner, "writing-your-own-engine", "ttl-follows-expiry")
    assert passed(html), html
    assert "the full SESSION_COOKIE_AGE (1209600)" in html


def test_ttl_follows_expiry_near_miss_with_zero_only(learner):
    learner.configure(engine="cache")
    learner.do("set", key="cart", value='["apple"]')
    learner.do("expiry_zero")
    html = check(learner, "writing-your-own-engine", "ttl-follows-expiry")
    assert not passed(html)
    assert "not zero. Now try set_expiry(a date)" in html


def test_ttl_follows_expiry_near_miss_on_the_db_engine(learner):
    learner.do("set", key="cart", value='["apple"]')
    learner.do("expiry_date", seconds=300)
    learner.do("expiry_zero")
    html = check(learner, "writing-your-own-engine", "ttl-follows-expiry")
    assert not passed(html)
    assert "ran with the db engine" in html


def test_ttl_follows_expiry_refuses_a_date_as_far_as_the_cookie_age(learner):
    learner.configure(engine="cache", cookie_age="300")
    learner.do("set", key="cart", value='["apple"]')
    learner.do("expiry_date", seconds=300)
    html = check(learner, "writing-your-own-engine", "ttl-follows-expiry")
    assert not passed(html)
    assert "as far away as SESSION_COOKIE_AGE" in html


@pytest.mark.parametrize(
    ("exercise", "right", "wrong", "explained", "explained_uz"),
    [
        ("must-create-collision", "1", "0", "tries another key", "boshqa kalitni sinaydi"),
        ("update-error-answer", "2", "1", "SessionInterrupted", "SessionInterrupted"),
    ],
)
def test_engine_contract_questions(learner, exercise, right, wrong, explained, explained_uz):
    html = answer(learner, "writing-your-own-engine", exercise, wrong)
    assert "Not this one." in html and explained not in html  # it would give the answer
    assert nothing_passed()
    html = answer(learner, "writing-your-own-engine", exercise, right, language="uz")
    assert passed(html) and explained_uz in html


# --- Nothing the learner posts can pass a check ------------------------------------------


@pytest.mark.parametrize(
    ("lesson", "exercise"),
    [
        ("cookie-flags", "scope-cookie-to-shop"),
        ("session-security", "log-out-for-real"),
        ("choosing-an-engine", "what-travels"),
        ("cleaning-up", "cache-expires-itself"),
        ("writing-your-own-engine", "ttl-follows-expiry"),
    ],
)
def test_an_empty_lab_passes_nothing(learner, lesson, exercise):
    response = learner.client.post(
        f"/en/exercises/{lesson}/{exercise}/check/",
        {"passed": "1", "verdict": "pass"},
        headers={"HX-Request": "true"},
    )
    assert not passed(response.content.decode())
    assert nothing_passed()


def test_scope_cookie_to_shop_does_not_count_a_deleted_cookie(learner):
    learner.configure(cookie_path="/lab/shop/")
    learner.do("set", path="/lab/shop/run/", key="cart", value='["apple"]')
    learner.do("get", path="/lab/shop/run/", key="cart")
    learner.do("flush", path="/lab/shop/run/")  # the browser deletes it
    with browser_withholds_lab_cookie(learner):
        learner.do("get", path="/lab/run/", key="cart")
    html = check(learner, "cookie-flags", "scope-cookie-to-shop")
    assert not passed(html)
