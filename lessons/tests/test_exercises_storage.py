"""Exercises of lessons 5 to 8 (cache, cached_db, signed cookies, lifetime): passed with the
right actions in the lab, refused on a near miss with a message that says what was seen."""

import time
from unittest import mock

import pytest
from django.contrib.sessions.models import Session
from django.core import signing

from lessons.models import LabExchange
from lessons.tests.lab_helpers import answer, check, nothing_passed, passed

# Every exercise test needs the course loaded.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("lessons")]


# --- Lesson 5: a Redis key that lives five minutes ------------------------------------


def test_five_minute_redis_key_passes_with_set_expiry(learner):
    learner.configure(engine="cache")
    learner.do("set", key="cart", value='["apple"]')
    response = learner.do("expiry_seconds", seconds=300)
    assert response.set_cookie.max_age == 300
    html = check(learner, "cache-sessions", "five-minute-redis-key")
    assert passed(html), html
    assert "stayed at 1209600" in html


def test_five_minute_redis_key_near_miss_reports_the_ttl(learner):
    learner.configure(engine="cache")
    learner.do("set", key="cart", value='["apple"]')
    learner.do("expiry_zero")  # a browser-session cookie; the TTL is still two weeks
    html = check(learner, "cache-sessions", "five-minute-redis-key")
    assert not passed(html)
    assert "had a TTL of 1209600 seconds" in html and "the goal is 300" in html


def test_five_minute_redis_key_refuses_a_global_cookie_age(learner):
    learner.configure(engine="cache", cookie_age="300")
    learner.do("set", key="cart", value='["apple"]')
    html = check(learner, "cache-sessions", "five-minute-redis-key")
    assert not passed(html)
    assert "Your SESSION_COOKIE_AGE is 300" in html


def test_five_minute_redis_key_needs_the_cache_engine(learner):
    learner.do("set", key="cart", value='["apple"]')
    learner.do("expiry_seconds", seconds=300)
    html = check(learner, "cache-sessions", "five-minute-redis-key")
    assert not passed(html)
    assert "with the cache engine yet" in html


def test_redis_restart_question(learner):
    wrong = answer(learner, "cache-sessions", "redis-restart", "1")
    assert not passed(wrong) and "holds the only copy" not in wrong  # shown after the right answer
    right = answer(learner, "cache-sessions", "redis-restart", "2", language="uz")
    assert passed(right) and "yagona nusxasi" in right


# --- Lesson 6: a cached_db session survives losing its cache copy ---------------------


def test_survive_cache_loss_passes_after_a_read_from_the_database(learner):
    learner.configure(engine="cached_db")
    learner.do("set", key="cart", value='["apple"]')
    learner.do("evict_cache")
    learner.do("get", key="cart")
    assert learner.state()["latest"]["result"]["value"] == ["apple"]
    html = check(learner, "cached-database-sessions", "survive-cache-loss")
    assert passed(html), html
    assert "read it from the database" in html and "apple" in html


def test_survive_cache_loss_waits_for_a_read(learner):
    learner.configure(engine="cached_db")
    learner.do("set", key="cart", value='["apple"]')
    learner.do("evict_cache")
    html = check(learner, "cached-database-sessions", "survive-cache-loss")
    assert not passed(html)
    assert "copy is gone from Redis" in html and "Now send a request that reads" in html

    learner.do("visit")  # never touches the session: nothing is loaded
    html = check(learner, "cached-database-sessions", "survive-cache-loss")
    assert not passed(html)
    assert "Visit without touching the session" in html and "did not read the session" in html


def test_survive_cache_loss_near_miss_on_the_cache_engine(learner):
    learner.configure(engine="cache")
    learner.do("set", key="cart", value='["apple"]')
    learner.do("evict_cache")
    learner.do("get", key="cart")
    html = check(learner, "cached-database-sessions", "survive-cache-loss")
    assert not passed(html)
    assert "lived only in Redis" in html and "Read a key" in html


def test_survive_cache_loss_needs_a_loss(learner):
    learner.configure(engine="cached_db")
    learner.do("set", key="cart", value='["apple"]')
    learner.do("get", key="cart")
    html = check(learner, "cached-database-sessions", "survive-cache-loss")
    assert not passed(html)
    assert "served from the cache" in html


def test_survive_cache_loss_refuses_a_read_that_throws_the_data_away(learner):
    learner.configure(engine="cached_db")
    learner.do("set", key="cart", value='["apple"]')
    learner.do("evict_cache")
    learner.do("pop", key="cart")
    html = check(learner, "cached-database-sessions", "survive-cache-loss")
    assert not passed(html)
    assert "removed cart from it" in html


def test_rows_deleted_cache_warm_question(learner):
    wrong = answer(learner, "cached-database-sessions", "rows-deleted-cache-warm", "0")
    assert not passed(wrong) and "SessionInterrupted" not in wrong  # shown after the right answer
    right = answer(learner, "cached-database-sessions", "rows-deleted-cache-warm", "1")
    assert passed(right)


def test_what_the_question_claims_about_deleted_rows(learner):
    """A read still works from the cache; the next save fails with 400."""
    learner.configure(engine="cached_db")
    learner.do("set", key="cart", value='["apple"]')
    Session.objects.filter(session_key=learner.cookie()).delete()  # the lab row only
    learner.do("get", key="cart")
    assert learner.state()["latest"]["result"]["value"] == ["apple"]
    response = learner.do("set", key="cart", value='["pear"]')
    assert response.status == 400


# --- Lesson 7: a changed signed cookie ------------------------------------------------


def change_one_character(value: str, position: int) -> str:
    replacement = "A" if value[position] != "A" else "B"
    return value[:position] + replacement + value[position + 1 :]


def test_tampered_signed_cookie_passes_when_django_refuses_it(learner):
    learner.configure(engine="signed_cookies")
    learner.do("set", key="cart", value='["apple"]')
    learner.client.cookies["sessionid"] = change_one_character(learner.cookie(), 2)
    response = learner.do("get", key="cart")
    assert learner.state()["latest"]["result"]["value"] is None
    assert response.set_cookie.value.startswith("e30:")
    html = check(learner, "signed-cookie-sessions", "tamper-with-the-cookie")
    assert passed(html), html
    assert "failed its check" in html and "e30:" in html


def test_tampered_signature_also_passes(learner):
    learner.configure(engine="signed_cookies")
    learner.do("set", key="cart", value='["apple"]')
    learner.client.cookies["sessionid"] = change_one_character(learner.cookie(), -1)
    learner.do("read")
    assert passed(check(learner, "signed-cookie-sessions", "tamper-with-the-cookie"))


def test_tampered_signed_cookie_waits_for_a_change(learner):
    learner.configure(engine="signed_cookies")
    learner.do("set", key="cart", value='["apple"]')
    learner.do("get", key="cart")
    html = check(learner, "signed-cookie-sessions", "tamper-with-the-cookie")
    assert not passed(html)
    assert "has not sent back a changed cookie" in html


def test_tampered_signed_cookie_near_miss_when_the_view_ignores_the_session(learner):
    learner.configure(engine="signed_cookies")
    learner.do("set", key="cart", value='["apple"]')
    learner.client.cookies["sessionid"] = change_one_character(learner.cookie(), 2)
    learner.do("visit")
    html = check(learner, "signed-cookie-sessions", "tamper-with-the-cookie")
    assert not passed(html)
    assert "never checked the signature" in html


def test_a_typed_cookie_is_not_a_changed_one(learner):
    learner.configure(engine="signed_cookies")
    learner.do("set", key="cart", value='["apple"]')
    learner.client.cookies["sessionid"] = "hello"
    learner.do("get", key="cart")
    html = check(learner, "signed-cookie-sessions", "tamper-with-the-cookie")
    assert not passed(html)
    assert "not a cookie the server signed" in html


def test_an_expired_signed_cookie_is_not_a_changed_one(learner):
    learner.configure(engine="signed_cookies", cookie_age="20")
    a_minute_ago = signing.b62_encode(int(time.time()) - 60)
    with mock.patch.object(signing.TimestampSigner, "timestamp", return_value=a_minute_ago):
        learner.do("set", key="cart", value='["apple"]')
    learner.do("get", key="cart")
    html = check(learner, "signed-cookie-sessions", "tamper-with-the-cookie")
    assert not passed(html)
    assert "(expired), not because it was changed" in html


# --- Lesson 8: gone when the browser closes, kept on the server -----------------------


def test_browser_close_cookie_passes_with_the_setting(learner):
    learner.configure(expire_at_browser_close="on")
    response = learner.do("set", key="lang", value='"uz"')
    assert response.set_cookie.is_session_cookie
    html = check(learner, "how-long-a-session-lives", "gone-when-the-browser-closes")
    assert passed(html), html
    assert "keeps expire_date" in html


def test_browser_close_cookie_passes_with_set_expiry_zero_on_redis(learner):
    learner.configure(engine="cache")
    learner.do("set", key="lang", value='"uz"')
    learner.do("expiry_zero")
    html = check(learner, "how-long-a-session-lives", "gone-when-the-browser-closes")
    assert passed(html), html
    assert "TTL of 1209" in html


def test_browser_close_cookie_near_miss_reports_max_age(learner):
    learner.configure(expire_at_browser_close="on")
    learner.do("set", key="lang", value='"uz"')
    learner.do("expiry_seconds", seconds=300)  # a custom expiry wins over the setting
    html = check(learner, "how-long-a-session-lives", "gone-when-the-browser-closes")
    assert not passed(html)
    assert "Max-Age=300" in html


def test_browser_close_cookie_near_miss_on_signed_cookies(learner):
    learner.configure(engine="signed_cookies", expire_at_browser_close="on")
    learner.do("set", key="lang", value='"uz"')
    html = check(learner, "how-long-a-session-lives", "gone-when-the-browser-closes")
    assert not passed(html)
    assert "nothing is kept on the" in html


def test_reading_is_not_activity_question(learner):
    wrong = answer(learner, "how-long-a-session-lives", "reading-is-not-activity", "0")
    assert (
        not passed(wrong) and "a read does not modify it" not in wrong
    )  # shown after the right answer
    right = answer(learner, "how-long-a-session-lives", "reading-is-not-activity", "1", "uz")
    assert passed(right)


# --- Checks read only what the server recorded ----------------------------------------


def test_nothing_posted_passes_these_checks(learner):
    for lesson, exercise in [
        ("cache-sessions", "five-minute-redis-key"),
        ("cached-database-sessions", "survive-cache-loss"),
        ("signed-cookie-sessions", "tamper-with-the-cookie"),
        ("how-long-a-session-lives", "gone-when-the-browser-closes"),
    ]:
        response = learner.client.post(
            f"/en/exercises/{lesson}/{exercise}/check/",
            {"passed": "1", "notes": "served_from", "document_cookie": ""},
            headers={"HX-Request": "true"},
        )
        assert not passed(response.content.decode())
    assert nothing_passed()
    assert not LabExchange.objects.exists()
