"""Logging in inside the lab: Django's own login(), logout(), get_user() and password change
on the learner's lab session, on every engine, with the learner's own demo users, and
Browser B, the second browser the server simulates."""

import pytest
from axes.models import AccessLog
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from lessons.models import LabExchange, LabUser
from lessons.tests.lab_helpers import LabLearner
from lessons.tests.test_lab_actions import ENGINES, configure, stored_data

pytestmark = pytest.mark.django_db

AUTH_KEYS = {"_auth_user_id", "_auth_user_backend", "_auth_user_hash"}


def who(learner: LabLearner, browser: str = "a") -> str:
    """Ask request.user from one of the learner's browsers."""
    learner.do("whoami", browser=browser)
    latest = learner.state()["latest"]
    assert latest["browser"] == browser
    return latest["result"]["user"]


def test_login_on_db_rotates_the_key_and_stores_the_user(learner):
    learner.do("set", key="cart", value='["apple"]')
    before = learner.cookie()
    learner.do("login", username="alice")
    after = learner.cookie()
    assert after and after != before, "login() must give the session a new key"
    assert not Session.objects.filter(session_key=before).exists()
    data = stored_data(learner, "db")
    assert data["cart"] == ["apple"], "login() keeps the data of the anonymous session"
    assert set(data) >= AUTH_KEYS
    alice = LabUser.objects.get(username="alice")
    assert data["_auth_user_id"] == str(alice.pk)
    assert data["_auth_user_hash"] == alice.get_session_auth_hash()
    state = learner.state()
    assert state["latest"]["result"]["user"] == "alice"
    assert state["latest"]["result"]["login"] == "cycle_key"
    assert set(state["latest"]["store"]["database"]["decoded"]) >= AUTH_KEYS
    assert who(learner) == "alice"


@pytest.mark.parametrize("engine", ENGINES)
def test_login_whoami_logout_on_every_engine(learner, engine):
    configure(learner, engine)
    learner.do("set", key="cart", value='["apple"]')
    learner.do("login", username="alice")
    assert set(stored_data(learner, engine)) >= AUTH_KEYS
    assert who(learner) == "alice"
    before_logout = learner.cookie()
    out = learner.do("logout")
    assert out.set_cookie is not None and out.set_cookie.is_deletion
    assert learner.cookie() is None
    assert learner.state()["latest"]["result"]["user"] == "AnonymousUser"
    if engine != "signed_cookies":
        learner.client.cookies["sessionid"] = before_logout
        assert stored_data(learner, engine) is None, "logout() deletes the stored record"
        del learner.client.cookies["sessionid"]
    assert who(learner) == "AnonymousUser"


def test_logout_deletes_the_row_and_the_cookie_on_db(learner):
    learner.do("login", username="alice")
    key = learner.cookie()
    assert Session.objects.filter(session_key=key).exists()
    out = learner.do("logout")
    assert out.set_cookie.is_deletion and out.set_cookie.attributes.get("max-age") == "0"
    assert not Session.objects.filter(session_key=key).exists()


def test_switching_user_flushes_the_session(learner):
    learner.do("login", username="alice")
    learner.do("set", key="cart", value='["apple"]')
    alice_key = learner.cookie()
    learner.do("login", username="bob")
    assert learner.state()["latest"]["result"]["login"] == "flush"
    assert learner.cookie() != alice_key
    data = stored_data(learner, "db")
    assert "cart" not in data, "bob must not get alice's data"
    assert data["_auth_user_id"] == str(LabUser.objects.get(username="bob").pk)


def test_logging_in_again_as_the_same_user_keeps_the_key(learner):
    learner.do("login", username="alice")
    key = learner.cookie()
    learner.do("login", username="alice")
    assert learner.state()["latest"]["result"]["login"] == "kept"
    assert learner.cookie() == key


@pytest.mark.parametrize("engine", ["db", "signed_cookies", "cache@memcached"])
def test_a_password_change_logs_out_every_session_unless_the_hash_is_updated(learner, engine):
    configure(learner, engine)
    learner.do("login", username="alice")
    learner.do("copy_to_b")
    assert who(learner, "b") == "alice"

    learner.do("change_password_keep")
    assert learner.state()["latest"]["result"]["user"] == "alice"
    assert who(learner) == "alice", "update_session_auth_hash keeps this browser logged in"
    assert who(learner, "b") == "AnonymousUser", "the other session is logged out"

    learner.do("change_password")
    assert who(learner) == "AnonymousUser", "without update_session_auth_hash, even this one"
    assert LabUser.objects.get(username="alice").password_generation == 3


def test_update_session_auth_hash_gives_a_new_key(learner):
    learner.do("login", username="alice")
    key = learner.cookie()
    learner.do("change_password_keep")
    assert learner.cookie() != key
    assert not Session.objects.filter(session_key=key).exists()


def test_a_password_change_needs_someone_logged_in(learner):
    learner.do("change_password")
    result = learner.state()["latest"]["result"]
    assert result["error"].startswith("NotImplementedError")
    assert result["user"] == "AnonymousUser"


def test_the_hash_check_logs_out_and_says_why(learner):
    learner.do("login", username="alice")
    learner.do("copy_to_b")
    learner.do("change_password")
    learner.do("whoami", browser="b")
    latest = learner.state()["latest"]
    assert latest["result"]["logged_out_by_hash"] is True
    assert any("_auth_user_hash" in sentence for sentence in latest["what_happened"])
    assert not any(note["code"] == "session_not_found" for note in latest["notes"])


# --- The scenarios: fixation and hijacking -------------------------------------------


@pytest.mark.parametrize("engine", ["db", "file", "cache", "cached_db", "redis_json"])
def test_fixation_is_defeated_by_login_and_succeeds_without_cycle_key(engine):
    for action, b_gets_in in (("login", False), ("naive_login", True)):
        learner = LabLearner()
        learner.configure()
        configure(learner, engine)
        learner.do("set", key="theme", value='"dark"', browser="b")  # the attacker's session
        learner.do("plant_from_b")
        planted = learner.state()["latest"]
        assert planted["set_cookie"][0]["value"] == planted["result"]["plant"]
        learner.do(action, username="alice")
        assert who(learner) == "alice"
        assert who(learner, "b") == ("alice" if b_gets_in else "AnonymousUser"), action


@pytest.mark.parametrize(("engine", "b_stays_in"), [("db", False), ("signed_cookies", True)])
def test_a_stolen_cookie_after_logout(engine, b_stays_in):
    learner = LabLearner()
    learner.configure()
    configure(learner, engine)
    learner.do("login", username="alice")
    learner.do("copy_to_b")
    assert who(learner, "b") == "alice", "a copied cookie is the user, to Django"
    learner.do("logout")
    expected = "alice" if b_stays_in else "AnonymousUser"
    assert who(learner, "b") == expected, "signed cookies cannot be revoked by logout()"


def test_log_out_my_other_devices(learner):
    learner.do("login", username="alice", browser="b")  # the phone logs in by itself
    learner.do("login", username="alice")
    assert who(learner, "b") == "alice"
    learner.do("change_password_keep")
    assert who(learner) == "alice"
    assert who(learner, "b") == "AnonymousUser"


# --- Browser B's cookie jar ------------------------------------------------------------


def test_browser_b_keeps_its_own_cookies_and_never_sends_them_to_the_learner(learner):
    out = learner.do("set", key="cart", value='["apple"]', browser="b")
    assert out.set_cookie is None, "B's Set-Cookie must not reach the learner's browser"
    assert learner.cookie() is None
    jar = learner.state()
    b_exchange = LabExchange.objects.filter(browser="b").first()
    assert b_exchange is not None and b_exchange.set_cookie_headers
    assert jar["latest"]["browser"] == "b"
    b_key = b_exchange.session_key
    learner.do("get", key="cart", browser="b")
    b_read = learner.state()["latest"]
    assert b_read["cookie_header"] == f"sessionid={b_key}"
    assert b_read["result"]["value"] == ["apple"]
    learner.do("get", key="cart")
    assert learner.state()["latest"]["result"]["value"] is None, "A has a session of its own"


@pytest.mark.parametrize(("host", "sent"), [("127.0.0.1", True), ("testserver", False)])
def test_browser_b_sends_a_secure_cookie_over_http_only_to_loopback(learner, host, sent):
    """As Chromium does: http://127.0.0.1 counts as secure, another http host does not."""
    learner.client.defaults["HTTP_HOST"] = host
    learner.configure(cookie_secure="on")
    learner.do("set", key="cart", value='["apple"]', browser="b")
    learner.do("get", key="cart", browser="b")
    latest = learner.state()["latest"]
    assert ("sessionid=" in latest["cookie_header"]) is sent
    assert (latest["result"]["value"] == ["apple"]) is sent


def test_browser_b_drops_a_cookie_django_deletes(learner):
    learner.do("set", key="cart", value='["apple"]', browser="b")
    learner.do("flush", browser="b")
    assert learner.state()["latest"]["set_cookie"][0]["attributes"].get("max-age") == "0"
    learner.do("get", key="cart", browser="b")
    assert learner.state()["latest"]["cookie_header"] == ""
    page = learner.client.get("/en/lab/").content.decode()
    assert 'data-testid="browser-b-empty"' in page


def test_the_timeline_tags_browser_b_and_tells_each_browser_against_its_own_past(learner):
    learner.do("set", key="cart", value='["apple"]')
    learner.do("set", key="cart", value='["apple"]', browser="b")
    page = learner.client.get("/en/lab/").content.decode()
    assert 'data-testid="timeline-browser-b"' in page
    latest = learner.state()["latest"]
    # B's first request started a new session of its own: no "cookie not sent back" note.
    assert latest["notes"] == [] or all(n["code"] != "cookie_not_sent" for n in latest["notes"])


def test_only_the_learners_own_browser_moves_cookies_between_the_browsers(learner):
    response = learner.client.post(
        "/lab/run/", {"action": "copy_to_b", "browser": "b"}, headers={"HX-Request": "true"}
    )
    assert "send it from your own browser" in response.content.decode()
    assert not LabExchange.objects.exists()


def test_planting_needs_a_cookie_in_b_and_copying_needs_one_in_a(learner):
    learner.do("plant_from_b")
    assert "Browser B holds no session cookie" in learner.state()["latest"]["result"]["error"]
    learner.do("copy_to_b")
    assert "nothing to copy" in learner.state()["latest"]["result"]["error"]


# --- Bad input, and whose users these are ----------------------------------------------


@pytest.mark.parametrize("username", ["mallory", "", "ALICE", "alice\x00", "admin"])
def test_a_user_that_is_not_a_demo_user_is_refused(learner, username):
    response = learner.client.post(
        "/lab/run/",
        {"action": "login", "username": username},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "Choose alice or bob." in response.content.decode()
    assert not LabExchange.objects.exists() and not LabUser.objects.exists()


@pytest.mark.parametrize("browser", ["c", "B", "ab", "\u0430"])
def test_an_unknown_browser_is_refused(learner, browser):
    response = learner.client.post(
        "/lab/run/", {"action": "whoami", "browser": browser}, headers={"HX-Request": "true"}
    )
    assert "from your browser or from Browser B" in response.content.decode()
    assert not LabExchange.objects.exists()


def test_one_learners_password_change_does_not_log_out_another_learners_alice():
    first, second = LabLearner(), LabLearner()
    first.configure()
    second.configure()
    first.do("login", username="alice")
    second.do("login", username="alice")
    second.do("change_password")
    assert who(second) == "AnonymousUser"
    assert who(first) == "alice"
    assert LabUser.objects.filter(username="alice").count() == 2


def test_a_session_naming_another_learners_user_is_nobody(learner):
    other = LabLearner()
    other.configure()
    other.do("login", username="alice")
    stolen = stored_data(other, "db")
    assert stolen["_auth_user_id"] == str(LabUser.objects.get().pk)
    for key, value in stolen.items():
        learner.do("set", key=key, value=f'"{value}"')
    assert who(learner) == "AnonymousUser", "the lab's backend knows only the learner's users"


def test_a_session_naming_a_site_user_and_backend_is_nobody(learner):
    instructor = User.objects.create_user("teacher", password="a long password 123")
    learner.do("set", key="_auth_user_id", value=f'"{instructor.pk}"')
    learner.do("set", key="_auth_user_backend", value='"django.contrib.auth.backends.ModelBackend"')
    learner.do("set", key="_auth_user_hash", value=f'"{instructor.get_session_auth_hash()}"')
    assert who(learner) == "AnonymousUser", "inside the lab only the lab's backend answers"


def test_demo_users_cannot_log_into_the_site(learner):
    learner.do("login", username="alice")
    for path in ("/en/admin/login/", reverse("lessons:instructor_login")):
        client = Client()
        response = client.post(path, {"username": "alice", "password": "alice-pw1"})
        assert response.status_code == 200, path  # the form again, with its error
        assert "_auth_user_id" not in client.session, path


def test_an_instructor_using_the_lab_is_anonymous_there():
    instructor = User.objects.create_user("teacher", password="a long password 123")
    learner = LabLearner()
    learner.client.force_login(instructor)
    learner.configure()
    assert who(learner) == "AnonymousUser"


def test_a_lab_login_leaves_the_site_session_csrf_and_access_log_alone(learner):
    site_session_before = learner.client.cookies["sessionlab_session"].value
    csrf_before = learner.client.cookies.get("sessionlab_csrftoken")
    response = learner.client.post(
        "/lab/run/", {"action": "login", "username": "alice"}, headers={"HX-Request": "true"}
    )
    assert "sessionlab_csrftoken" not in response.cookies, "the site's CSRF token is not rotated"
    assert learner.client.cookies["sessionlab_session"].value == site_session_before
    assert learner.client.cookies.get("sessionlab_csrftoken") == csrf_before
    assert not AccessLog.objects.exists(), "django-axes logs the site's logins only"
    assert learner.state()["latest"]["result"]["csrf_rotated"] is True


@pytest.mark.parametrize("value", ['"abc"', "[1]", '{"a": 1}'])
def test_a_hand_written_user_id_that_is_no_id_is_a_500_with_a_note(learner, value):
    learner.do("set", key="_auth_user_id", value=value)
    learner.do("set", key="_auth_user_backend", value='"lessons.lab.demo_users.LabUserBackend"')
    response = learner.do("whoami")
    assert response.status == 500
    latest = learner.state()["latest"]
    assert [note["code"] for note in latest["notes"]] == ["user_id_invalid"]
    assert "login() never does" in latest["messages"][0]


def test_state_json_lists_browser_bs_cookies(learner):
    learner.do("login", username="alice")
    learner.do("copy_to_b")
    state = learner.state()
    assert [cookie["name"] for cookie in state["browser_b"]] == ["sessionid"]
    assert state["browser_b"][0]["value"] == learner.cookie()


def test_logout_on_signed_cookies_says_a_copy_stays_valid(learner):
    configure(learner, "signed_cookies")
    learner.do("login", username="alice")
    learner.do("logout")
    told = " ".join(learner.state()["latest"]["what_happened"])
    assert "stays valid until it expires" in told
    assert "record is gone" not in told


def test_a_password_change_on_a_stale_session_says_the_hash_logged_it_out(learner):
    learner.do("login", username="alice")
    learner.do("copy_to_b")
    learner.do("change_password")
    learner.do("change_password", browser="b")
    latest = learner.state()["latest"]
    assert latest["result"]["logged_out_by_hash"] is True
    assert latest["result"]["error"].startswith("NotImplementedError")
    assert not any(note["code"] == "session_not_found" for note in latest["notes"])


def test_the_planted_cookie_is_what_the_browser_gets_even_when_django_saves_too(learner):
    learner.configure(save_every_request="on")
    learner.do("set", key="theme", value='"dark"', browser="b")
    learner.do("set", key="cart", value='["apple"]')
    planted = learner.do("plant_from_b")
    b_key = learner.state()["browser_b"][0]["value"]
    assert planted.set_cookie.value == b_key
    assert learner.cookie() == b_key


def test_browser_bs_first_request_with_a_copied_cookie_has_no_missing_cookie_note(learner):
    learner.do("set", key="theme", value='"dark"', browser="b")  # B was given a cookie
    learner.do("login", username="alice")
    learner.do("copy_to_b")  # ... which the copy replaces
    learner.do("whoami", browser="b")
    latest = learner.state()["latest"]
    assert latest["result"]["user"] == "alice"
    assert latest["notes"] == []
