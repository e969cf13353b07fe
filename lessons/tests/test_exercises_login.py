"""Exercises of lesson 14, Sessions and login: each scenario passes when its whole story is
in the timeline, and a near miss is refused with a message that says what is missing."""

import pytest

from lessons.tests.lab_helpers import LabLearner, answer, check, passed
from lessons.tests.test_lab_actions import configure

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("lessons")]

LESSON = "sessions-and-login"


def checked(learner: LabLearner, exercise: str) -> str:
    return check(learner, LESSON, exercise)


def test_fixation_without_cycle_key_passes_when_b_rides_the_planted_key(learner):
    learner.do("set", key="theme", value='"dark"', browser="b")
    learner.do("plant_from_b")
    assert not passed(checked(learner, "fixation-without-cycle-key"))
    learner.do("naive_login", username="alice")
    html = checked(learner, "fixation-without-cycle-key")
    assert not passed(html) and "Browser B" in html
    learner.do("whoami", browser="b")
    html = checked(learner, "fixation-without-cycle-key")
    assert passed(html), html
    assert "is alice" in html


def test_fixation_without_cycle_key_is_not_passed_by_a_real_login(learner):
    learner.do("set", key="theme", value='"dark"', browser="b")
    learner.do("plant_from_b")
    learner.do("login", username="alice")
    learner.do("whoami", browser="b")
    assert not passed(checked(learner, "fixation-without-cycle-key"))


def test_fixation_defeated_passes_when_login_leaves_b_outside(learner):
    learner.do("set", key="theme", value='"dark"', browser="b")
    learner.do("plant_from_b")
    learner.do("login", username="alice")
    learner.do("whoami", browser="b")
    html = checked(learner, "fixation-defeated")
    assert passed(html), html


def test_fixation_defeated_needs_the_planted_key(learner):
    learner.do("login", username="alice")
    learner.do("copy_to_b")
    learner.do("whoami", browser="b")
    html = checked(learner, "fixation-defeated")
    assert not passed(html) and "Plant" in html


def test_a_stolen_cookie_on_db_is_ended_by_logout(learner):
    learner.do("login", username="alice")
    learner.do("copy_to_b")
    learner.do("whoami", browser="b")
    html = checked(learner, "stolen-cookie-logout-db")
    assert not passed(html) and "Now log out" in html
    learner.do("logout")
    learner.do("whoami", browser="b")
    assert passed(checked(learner, "stolen-cookie-logout-db"))
    assert not passed(checked(learner, "stolen-cookie-logout-signed"))


def test_a_stolen_signed_cookie_outlives_logout(learner):
    configure(learner, "signed_cookies")
    learner.do("login", username="alice")
    learner.do("copy_to_b")
    learner.do("whoami", browser="b")
    learner.do("logout")
    learner.do("whoami", browser="b")
    html = checked(learner, "stolen-cookie-logout-signed")
    assert passed(html), html
    assert not passed(checked(learner, "stolen-cookie-logout-db"))


def test_a_password_change_logs_out_the_browser_that_made_it(learner):
    learner.do("login", username="alice")
    learner.do("change_password")
    assert not passed(checked(learner, "password-change-logs-out"))
    learner.do("whoami")
    assert passed(checked(learner, "password-change-logs-out"))


def test_update_session_auth_hash_is_not_the_password_change_that_logs_out(learner):
    learner.do("login", username="alice")
    learner.do("change_password_keep")
    learner.do("whoami")
    assert not passed(checked(learner, "password-change-logs-out"))


def test_other_devices_are_logged_out_while_this_one_stays(learner):
    learner.do("login", username="alice", browser="b")
    learner.do("login", username="alice")
    learner.do("change_password_keep")
    learner.do("whoami")
    learner.do("whoami", browser="b")
    html = checked(learner, "other-devices-logged-out")
    assert passed(html), html


def test_other_devices_needs_the_other_device_logged_in_first(learner):
    learner.do("login", username="alice")
    learner.do("change_password_keep")
    learner.do("whoami")
    learner.do("whoami", browser="b")
    html = checked(learner, "other-devices-logged-out")
    assert not passed(html) and "Browser B" in html


def test_switching_user_passes_when_bobs_session_starts_empty(learner):
    learner.do("login", username="alice")
    learner.do("set", key="cart", value='["apple"]')
    learner.do("login", username="bob")
    html = checked(learner, "switching-user-flushes")
    assert passed(html), html
    assert "cart" in html


def test_switching_user_needs_something_in_alices_session(learner):
    learner.do("login", username="alice")
    learner.do("login", username="bob")
    assert not passed(checked(learner, "switching-user-flushes"))


@pytest.mark.parametrize(
    ("exercise", "right"), [("clear-is-not-logout", 2), ("csrf-after-login", 1)]
)
def test_the_questions(learner, exercise, right):
    wrong = 0 if right else 1
    assert not passed(answer(learner, LESSON, exercise, str(wrong)))
    assert passed(answer(learner, LESSON, exercise, str(right)))


def test_a_logout_is_not_the_password_change_that_logs_out(learner):
    learner.do("login", username="alice")
    learner.do("change_password")
    learner.do("logout")
    learner.do("whoami")
    assert not passed(checked(learner, "password-change-logs-out"))


def test_a_second_attempt_passes_after_a_first_that_fell_short(learner):
    learner.do("login", username="alice")
    learner.do("change_password")
    learner.do("login", username="alice")
    learner.do("change_password")
    learner.do("whoami")
    assert passed(checked(learner, "password-change-logs-out"))


def test_fixation_without_cycle_key_does_not_count_b_logging_itself_in(learner):
    learner.do("login", username="alice", browser="b")
    learner.do("plant_from_b")
    learner.do("naive_login", username="alice")
    learner.do("whoami", browser="b")
    html = checked(learner, "fixation-without-cycle-key")
    assert not passed(html) and "logged in by itself" in html
