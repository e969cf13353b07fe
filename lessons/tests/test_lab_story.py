"""What just happened, in words, on every engine; the timeline says which engine and which
settings changed, and can be cleared."""

import re

import pytest

from lessons.engines import ENGINES
from lessons.models import LabExchange

pytestmark = pytest.mark.django_db

NEW_RECORD = {
    "db": "It wrote a new row to django_session.",
    "cached_db": "It wrote a new row to django_session and a copy to the cache.",
    "file": "It wrote a new file in SESSION_FILE_PATH.",
    "cache": "It set a new key in the cache.",
    "redis_json": "It set a new JSON record in Redis.",
    "signed_cookies": "Nothing was written on the server",
}
UPDATED_RECORD = {
    "db": "It updated the row in django_session.",
    "cached_db": "It updated the row in django_session and its copy in the cache.",
    "file": "It rewrote the session file.",
    "cache": "It replaced the value under the key in the cache.",
    "redis_json": "It replaced the JSON record in Redis.",
    "signed_cookies": "Nothing was written on the server",
}


def _story(learner) -> str:
    return " ".join(learner.state()["latest"]["what_happened"])


@pytest.mark.parametrize("engine", list(ENGINES))
def test_what_happened_tells_each_request_on_every_engine(learner, engine):
    learner.configure(engine=engine)
    learner.do("visit")
    assert "The session was not touched" in _story(learner)
    learner.do("set", key="cart", value='["apple"]')
    story = _story(learner)
    assert "Django saved the session because it was modified." in story
    assert NEW_RECORD[engine] in story
    carries = "the data" if engine == "signed_cookies" else "the key"
    assert f"Set-Cookie carries {carries}, with Max-Age 1209600 (2 weeks)." in story
    learner.do("get", key="cart")
    assert "Nothing was sent: the session was read but not modified" in _story(learner)
    learner.do("set", key="cart", value='["pear"]')
    assert UPDATED_RECORD[engine] in _story(learner)
    learner.do("flush")
    assert "Django deleted the cookie" in _story(learner)


def test_a_save_every_request_save_says_so_and_words_follow_the_age(learner):
    learner.configure(save_every_request="on", cookie_age="600")
    learner.do("set", key="cart", value='["apple"]')
    learner.do("get", key="cart")
    story = _story(learner)
    assert "because SESSION_SAVE_EVERY_REQUEST is on." in story
    assert "Max-Age 600 (10 minutes)" in story
    learner.configure(expire_at_browser_close="on")
    learner.do("set", key="cart", value="[1]")
    assert "with no Max-Age: the browser drops it on closing." in _story(learner)


def test_what_happened_is_told_in_uzbek(learner):
    learner.do("set", key="savat", value='["olma"]', language="uz")
    html = learner.do("visit", language="uz").html
    assert 'data-testid="what-happened"' in html
    assert "The session was not touched" not in html


def test_the_timeline_names_the_engine_and_the_settings_changed_before_each_request(learner):
    learner.do("set", key="cart", value="[1]")
    learner.configure(engine="cache", cookie_age="600")
    learner.do("get", key="cart")
    latest, before = learner.state()["timeline"][:2]
    assert (latest["engine"], before["engine"]) == ("cache", "db")
    assert latest["settings_changed"] == [
        {"name": "SESSION_COOKIE_AGE", "before": 1209600, "now": 600},
        {
            "name": "SESSION_ENGINE",
            "before": "django.contrib.sessions.backends.db",
            "now": "django.contrib.sessions.backends.cache",
        },
    ]
    assert before["settings_changed"] == []
    html = learner.client.get("/en/lab/").content.decode()
    assert "Settings changed before this request:" in html


def test_the_timeline_can_be_cleared_and_nothing_else_changes(learner):
    learner.configure(cookie_age="600")
    learner.do("set", key="cart", value="[1]")
    key = learner.cookie()
    response = learner.client.post("/en/lab/timeline/clear/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "Your lab requests will be listed here." in response.content.decode()
    assert not LabExchange.objects.exists()
    assert learner.state()["settings"]["SESSION_COOKIE_AGE"] == 600
    learner.do("get", key="cart")
    assert learner.cookie() == key, "the session itself is untouched"
    assert learner.state()["latest"]["result"]["value"] == [1]


# --- Settings saves are events of the timeline --------------------------------------


def _timeline(learner) -> list[dict]:
    return learner.state()["events"]


def test_a_settings_save_is_an_event_between_requests(learner):
    learner.do("set", key="cart", value='["apple"]')
    learner.configure(engine="file", cookie_httponly=False)
    learner.do("get", key="cart")
    newest, save, oldest = _timeline(learner)
    assert (newest["kind"], save["kind"], oldest["kind"]) == ("request", "settings", "request")
    assert {change["name"]: change["now"] for change in save["changes"]} == {
        "SESSION_ENGINE": "django.contrib.sessions.backends.file",
        "SESSION_COOKIE_HTTPONLY": False,
    }
    assert (newest["number"], oldest["number"]) == (2, 1)
    # The save says old → new; the request after it only names the settings.
    assert newest["after_save"] is True and oldest["after_save"] is False
    assert [change["name"] for change in newest["settings_changed"]] == [
        "SESSION_COOKIE_HTTPONLY",
        "SESSION_ENGINE",
    ]
    html = learner.client.get("/en/lab/").content.decode()
    event = re.search(
        r'<li class="timeline__save" id="timeline-save-[\w-]+" data-testid="timeline-save">.*?</li>',
        html,
        re.S,
    )
    assert event and "Settings saved" in event.group(0)
    assert "<code>SESSION_COOKIE_HTTPONLY</code> True → False" in event.group(0)


def test_a_save_that_changes_nothing_is_no_event_but_a_reset_is(learner):
    learner.configure()  # Django's defaults again
    assert _timeline(learner) == []
    learner.client.post("/en/lab/reset/")
    (reset,) = _timeline(learner)
    assert reset["reset"] is True and reset["changes"] == []
    uz = learner.client.get("/uz/lab/").content.decode()
    assert "Sozlamalar Django standart qiymatlariga qaytarildi" in uz


def test_clearing_the_timeline_forgets_the_saves_too(learner):
    learner.configure(cookie_age="600")
    learner.client.post("/en/lab/timeline/clear/")
    assert _timeline(learner) == []


def test_refused_settings_are_no_event(learner):
    learner.client.post("/en/lab/settings/", {"engine": "db", "cookie_age": "-5"})
    assert _timeline(learner) == []


def test_save_every_request_gives_a_cookie_naming_no_session_a_new_empty_one(learner):
    """A stale key is not "no session": SESSION_SAVE_EVERY_REQUEST saves a new, empty one."""
    learner.configure(engine="cache", save_every_request="on")
    learner.do("set", key="cart", value='["apple"]')
    old_key = learner.cookie()
    # The key leaves the cache inside the request; Django then finds nothing under it.
    answer = learner.do("evict_cache")
    new_key = learner.cookie()
    assert answer.set_cookie is not None and new_key and new_key != old_key
    latest = learner.state()["latest"]
    assert latest["store"]["cache"]["exists"] and latest["store"]["cache"]["decoded"] == {}
    story = _story(learner)
    assert "Your cookie named no live session" in story
    assert "It set a new key in the cache." in story
    # The new key names a live (empty) session: the next visit only slides it.
    learner.do("visit")
    assert learner.cookie() == new_key
    story = _story(learner)
    assert "Your cookie named no live session" not in story
    assert "because SESSION_SAVE_EVERY_REQUEST is on." in story
