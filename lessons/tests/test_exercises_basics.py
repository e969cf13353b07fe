"""Exercises of lessons 1-4: passed with the right lab actions, refused on a near miss."""

import datetime
import os

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from lessons.models import LabExchange
from lessons.tests.lab_helpers import LabLearner, answer, check, passed

# Every exercise test needs the course loaded.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("lessons")]


# --- 01 What a session is: a read sends no cookie ------------------------------------

LESSON_1 = "what-a-session-is"


def test_reading_an_existing_session_passes(learner):
    learner.do("set", key="cart", value='["apple"]')
    read = learner.do("read")
    assert read.set_cookie is None and "Cookie" in read.vary
    page = check(learner, LESSON_1, "read-sends-no-cookie")
    assert passed(page), page
    assert "Reading alone saves nothing" in page


def test_reading_without_a_session_is_a_near_miss(learner):
    learner.do("read")
    page = check(learner, LESSON_1, "read-sends-no-cookie")
    assert not passed(page)
    assert "sent no session cookie" in page


def test_reading_with_save_every_request_is_a_near_miss(learner):
    learner.configure(save_every_request="on")
    learner.do("set", key="cart", value='["apple"]')
    learner.do("read")
    page = check(learner, LESSON_1, "read-sends-no-cookie")
    assert not passed(page)
    assert "SESSION_SAVE_EVERY_REQUEST is on" in page and "Set-Cookie: sessionid=…" in page


def test_a_visit_that_never_reads_is_a_near_miss(learner):
    learner.do("set", key="cart", value='["apple"]')
    learner.do("visit")
    page = check(learner, LESSON_1, "read-sends-no-cookie")
    assert not passed(page)
    assert "never touched the session" in page


def test_what_the_cookie_carries(learner):
    assert passed(answer(learner, LESSON_1, "what-the-cookie-carries", 2))
    wrong = answer(learner, LESSON_1, "what-the-cookie-carries", 0)
    assert not passed(wrong) and "signed, not encrypted" in wrong


# --- 02 The request.session API: the append Django loses -------------------------------

LESSON_2 = "the-session-api"


def test_a_lost_append_then_a_saved_one_passes(learner):
    learner.do("set", key="cart", value='["apple"]')
    learner.do("append", key="cart", value='"pear"')
    learner.do("append_modified", key="cart", value='"kiwi"')
    page = check(learner, LESSON_2, "save-the-append")
    assert passed(page), page
    assert 'the store holds ["apple", "kiwi"]' in page


def test_an_append_without_modified_alone_says_what_was_lost(learner):
    learner.do("set", key="cart", value='["apple"]')
    learner.do("append", key="cart", value='"pear"')
    page = check(learner, LESSON_2, "save-the-append")
    assert not passed(page)
    assert 'the list in memory was ["apple", "pear"]' in page
    assert 'the store still holds ["apple"]' in page


def test_only_the_saved_append_is_a_near_miss(learner):
    learner.do("set", key="cart", value='["apple"]')
    learner.do("append_modified", key="cart", value='"kiwi"')
    page = check(learner, LESSON_2, "save-the-append")
    assert not passed(page)
    assert "Now show the other half" in page


def test_appending_to_a_missing_key_shows_the_error(learner):
    learner.do("append", key="cart", value='"pear"')
    page = check(learner, LESSON_2, "save-the-append")
    assert not passed(page)
    assert "failed with KeyError: 'cart'" in page


def test_clear_or_flush(learner):
    assert passed(answer(learner, LESSON_2, "clear-or-flush", 1))
    wrong = answer(learner, LESSON_2, "clear-or-flush", 0)
    assert not passed(wrong) and "is not a logout" in wrong


def test_the_test_cookie_set_then_confirmed_then_deleted_passes(learner):
    before = learner.do("test_cookie_worked")
    assert before.set_cookie is None
    learner.do("set_test_cookie")
    assert learner.state()["latest"]["store"]["database"]["decoded"] == {"testcookie": "worked"}
    learner.do("test_cookie_worked")
    assert learner.state()["latest"]["result"]["value"] is True
    learner.do("delete_test_cookie")
    page = check(learner, "the-session-api", "test-cookie-two-requests")
    assert passed(page), page


def test_the_test_cookie_deleted_before_it_was_confirmed_is_a_near_miss(learner):
    learner.do("set_test_cookie")
    learner.do("delete_test_cookie")
    page = check(learner, "the-session-api", "test-cookie-two-requests")
    assert not passed(page)
    assert "before a later request confirmed it" in page


def test_deleting_a_test_cookie_that_is_not_there_says_keyerror(learner):
    learner.do("set", key="cart", value="[]")
    learner.do("delete_test_cookie")
    assert learner.state()["latest"]["result"]["error"] == "KeyError: 'testcookie'"
    page = check(learner, "the-session-api", "test-cookie-two-requests", language="uz")
    assert not passed(page)
    assert "KeyError" in page and "test cookie fayli yoʻq edi" in page


# --- 03 Database sessions: the row clearsessions removes ------------------------------

LESSON_3 = "database-sessions"


def expire_row(key: str) -> None:
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - datetime.timedelta(minutes=1)
    )


def test_an_expired_row_removed_by_clearsessions_passes(learner):
    learner.configure(engine="db", cookie_age="60", expire_at_browser_close="on")
    learner.do("set", key="cart", value='["apple"]')
    key = learner.cookie()
    expire_row(key)
    learner.do("visit")
    assert learner.state()["latest"]["store"]["database"]["expired"] is True
    learner.do("clearsessions")
    assert not Session.objects.filter(session_key=key).exists()
    page = check(learner, LESSON_3, "clearsessions-removes-row")
    assert passed(page), page
    assert key in page


def test_clearsessions_after_the_expiry_date_passes_without_looking_first(learner):
    learner.configure(engine="db", cookie_age="60", expire_at_browser_close="on")
    learner.do("set", key="cart", value='["apple"]')
    expire_row(learner.cookie())
    learner.do("clearsessions")
    # As if the learner had waited the minute before running clearsessions.
    latest = LabExchange.objects.order_by("-id").first()
    LabExchange.objects.filter(id=latest.id).update(
        created_at=latest.created_at + datetime.timedelta(seconds=90)
    )
    page = check(learner, LESSON_3, "clearsessions-removes-row")
    assert passed(page), page


def test_clearsessions_on_a_live_row_is_a_near_miss(learner):
    learner.configure(engine="db", cookie_age="60")
    learner.do("set", key="cart", value='["apple"]')
    learner.do("clearsessions")
    assert Session.objects.filter(session_key=learner.cookie()).exists()
    page = check(learner, LESSON_3, "clearsessions-removes-row")
    assert not passed(page)
    assert "had not passed yet" in page


def test_reading_the_expired_session_first_loses_the_cookie(learner):
    learner.configure(engine="db", cookie_age="60", expire_at_browser_close="on")
    learner.do("set", key="cart", value='["apple"]')
    expire_row(learner.cookie())
    learner.do("get", key="cart")  # an expired row counts as none: the cookie is deleted
    learner.do("clearsessions")
    page = check(learner, LESSON_3, "clearsessions-removes-row")
    assert not passed(page)
    assert "browser sent no session cookie" in page


def test_who_can_read_session_data(learner):
    assert passed(answer(learner, LESSON_3, "who-can-read-session-data", 1))
    wrong = answer(learner, LESSON_3, "who-can-read-session-data", 0)
    assert not passed(wrong) and "It hides nothing" in wrong


# --- 04 File sessions: an expired file gives a new key --------------------------------

LESSON_4 = "file-sessions"


def age_file(learner: LabLearner, seconds: int) -> None:
    """Set the session file's mtime back, as if it had been saved `seconds` ago."""
    path = learner.state()["latest"]["store"]["file"]["path"]
    moment = timezone.now().timestamp() - seconds
    os.utime(path, (moment, moment))


def test_a_read_of_an_expired_file_gets_a_new_key_and_passes(learner):
    learner.configure(engine="file", cookie_age="60", expire_at_browser_close="on")
    learner.do("set", key="cart", value='["apple"]')
    old_key = learner.cookie()
    age_file(learner, 120)
    read = learner.do("get", key="cart")
    assert read.set_cookie is not None and read.set_cookie.value != old_key
    page = check(learner, LESSON_4, "expired-file-new-key")
    assert passed(page), page


def test_a_read_of_a_live_file_says_how_old_it_is(learner):
    learner.configure(engine="file", cookie_age="60", expire_at_browser_close="on")
    learner.do("set", key="cart", value='["apple"]')
    age_file(learner, 30)
    learner.do("read")
    page = check(learner, LESSON_4, "expired-file-new-key")
    assert not passed(page)
    assert "last saved 30 seconds before" in page and "SESSION_COOKIE_AGE is 60" in page


def test_an_expired_row_on_the_db_engine_is_not_the_file_engine(learner):
    learner.configure(engine="db", cookie_age="60", expire_at_browser_close="on")
    learner.do("set", key="cart", value='["apple"]')
    expire_row(learner.cookie())
    learner.do("read")
    page = check(learner, LESSON_4, "expired-file-new-key")
    assert not passed(page)
    assert "did not use the file engine" in page


def test_renamed_cookie_orphans_files(learner):
    assert passed(answer(learner, LESSON_4, "renamed-cookie-orphans-files", 1))
    wrong = answer(learner, LESSON_4, "renamed-cookie-orphans-files", 2)
    assert not passed(wrong) and "the old files stay" in wrong


def test_reading_a_signed_cookie_session_also_passes(learner):
    learner.configure(engine="signed_cookies")
    learner.do("set", key="cart", value='["apple"]')
    learner.do("get", key="cart")
    assert passed(check(learner, LESSON_1, "read-sends-no-cookie"))


def test_an_append_saved_by_save_every_request_is_a_near_miss(learner):
    learner.configure(save_every_request="on")
    learner.do("set", key="cart", value='["apple"]')
    learner.do("append", key="cart", value='"pear"')
    learner.do("append_modified", key="cart", value='"kiwi"')
    page = check(learner, LESSON_2, "save-the-append")
    assert not passed(page)
    assert "Now show the other half" in page
    learner.do("append", key="cart", value='"plum"')
    page = check(learner, LESSON_2, "save-the-append")
    assert "saved only because SESSION_SAVE_EVERY_REQUEST is on" in page


def test_clearsessions_on_the_cache_engine_is_a_near_miss(learner):
    learner.configure(engine="cache", expire_at_browser_close="on")
    learner.do("set", key="cart", value='["apple"]')
    learner.do("clearsessions")
    page = check(learner, LESSON_3, "clearsessions-removes-row")
    assert not passed(page)
    assert "keeps no database row" in page
