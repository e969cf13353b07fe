"""No learner can read, change or delete another learner's lab session or site session.

Learner A keeps a secret in their lab session on every engine; learner B, with
any settings and any cookie (their own, A's lab key, A's site key), runs every
lab action, clearsessions included. A's lab record and site session stay as
they were, and nothing B sees holds A's secret.
"""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.test import Client

from lessons.engines import ENGINES, engines_sharing_keys
from lessons.lab.actions import ACTIONS
from lessons.lab.browser_b import BETWEEN_BROWSERS
from lessons.models import LabConfig, LabExchange, LabSessionKey, LabUser, Learner, SiteSession
from lessons.session_engines import redis_json
from lessons.tests.lab_helpers import LabLearner

pytestmark = pytest.mark.django_db

SERVER_ENGINES = [name for name, engine in ENGINES.items() if engine.stores_on_server]
SECRET = "a-secret-of-learner-a"
INPUTS = {"key": "cart", "value": '["stolen"]', "seconds": "1", "username": "alice"}


def site_key(learner: LabLearner) -> str:
    return learner.client.cookies[settings.SESSION_COOKIE_NAME].value


def site_learner(key: str) -> str | None:
    """The learner a site session names, read from the site's own table."""
    row = SiteSession.objects.filter(session_key=key).first()
    return row.get_decoded().get("learner") if row else None


def lab_record(engine: str, cookie_name: str, key: str, file_directory: Path) -> dict | None:
    """What the engine's store holds under a lab key, read straight from the store."""
    if engine in {"db", "cached_db"}:
        row = Session.objects.filter(session_key=key).first()
        found = DatabaseSessionStore().decode(row.session_data) if row else None
        if engine == "cached_db":
            cached = caches["redis"].get("django.contrib.sessions.cached_db" + key)
            assert cached in (None, found), "the cache disagrees with the database"
        return found
    if engine == "cache":
        return caches["redis"].get("django.contrib.sessions.cache" + key)
    if engine == "file":
        path = file_directory / f"{cookie_name}{key}"
        return DatabaseSessionStore().decode(path.read_text()) if path.exists() else None
    raw = redis_json.redis_client().get(redis_json.SessionStore().redis_key(key))
    return redis_json.SessionStore().decode(raw.decode()) if raw is not None else None


class Victim:
    """Learner A: a secret in the lab on one engine, and a site session naming them."""

    def __init__(self, engine: str):
        self.engine = engine
        self.browser = LabLearner()
        self.browser.configure(engine=engine)
        self.browser.do("set", key="secret", value=json.dumps(SECRET))
        self.browser.do("login", username="alice")  # their own alice, logged in
        self.alice = LabUser.objects.get(learner__public_id=site_learner(site_key(self.browser)))
        self.alice_password = self.alice.password
        self.lab_key = self.browser.cookie()
        self.site_key = site_key(self.browser)
        self.public_id = site_learner(self.site_key)
        self.file_directory = self.browser.file_directory()
        assert self.untouched()

    def untouched(self) -> bool:
        stored = lab_record(self.engine, "sessionid", self.lab_key, self.file_directory) or {}
        self.alice.refresh_from_db()
        return (
            stored.get("secret") == SECRET
            and stored.get("_auth_user_id") == str(self.alice.pk)
            and self.alice.password == self.alice_password
            and site_learner(self.site_key) == self.public_id
        )


HOSTILE_SETTINGS = [
    {},
    # The shortest life, the victim's cookie name, saved on every request.
    {"cookie_age": "1", "save_every_request": "on", "expire_at_browser_close": "on"},
]


def attack(
    attacker: LabLearner, victim: Victim, engine: str, cookie: str | None, from_b: bool = False
) -> None:
    """Every lab action, with `cookie` as the attacker's lab cookie before each one; with
    `from_b`, that cookie copied into the attacker's Browser B, and every action again
    from B."""
    for browser in ("a", "b") if from_b else ("a",):
        for action in ACTIONS:
            if browser == "b" and action in BETWEEN_BROWSERS:
                continue
            if cookie is not None:
                attacker.client.cookies["sessionid"] = cookie
            response = attacker.do(action, browser=browser, **INPUTS)
            assert response.status in {200, 400}, (engine, action, response.status)
            assert SECRET not in response.html, (engine, action, "the secret reached the panels")
            assert victim.untouched(), (engine, action, cookie, browser)
        if cookie is not None:
            attacker.client.cookies["sessionid"] = cookie
        attacker.do("copy_to_b")
    assert SECRET not in json.dumps(attacker.state())


@pytest.mark.parametrize("victim_engine", SERVER_ENGINES)
def test_nothing_another_learner_does_reaches_a_lab_or_site_session(victim_engine):
    victim = Victim(victim_engine)
    attacker = LabLearner()
    for engine in engines_sharing_keys(victim_engine):
        for hostile in HOSTILE_SETTINGS:
            attacker.configure(engine=engine, **hostile)
            for cookie in (None, victim.lab_key, victim.site_key):
                # From B too with the victim's own lab key, the one a thief would copy.
                from_b = cookie == victim.lab_key and not hostile
                attack(attacker, victim, engine, cookie, from_b)
    # clearsessions on every engine, with every setting a learner can give it.
    for engine in ENGINES:
        attacker.configure(engine=engine, cookie_age="1", cookie_name="s")
        attacker.do("set", key="x", value="1")
        attacker.do("clearsessions")
        assert victim.untouched(), engine
    # The victim's own lab still works with their session, still logged in.
    victim.browser.do("get", key="secret")
    assert victim.browser.state()["latest"]["result"]["value"] == SECRET
    victim.browser.do("whoami")
    assert victim.browser.state()["latest"]["result"]["user"] == "alice"


def test_clearsessions_on_the_file_engine_leaves_other_learners_files():
    victims = [Victim("file") for _ in range(3)]
    attacker = LabLearner()
    attacker.configure(engine="file", cookie_age="1", cookie_name="s")
    attacker.do("set", key="x", value="1")
    attacker.do("clearsessions")
    assert all(victim.untouched() for victim in victims)
    for victim in victims:
        victim.browser.do("get", key="secret")
        assert victim.browser.state()["latest"]["result"]["value"] == SECRET


def test_each_learner_has_a_file_directory_of_their_own():
    first, second = LabLearner(), LabLearner()
    for learner in (first, second):
        learner.configure(engine="file")
        learner.do("set", key="k", value="1")
    assert first.file_directory() != second.file_directory()
    assert first.file_directory().parent == second.file_directory().parent
    assert [path.name for path in first.file_directory().iterdir()] == [
        f"sessionid{first.cookie()}"
    ]


@pytest.mark.parametrize("engine", list(ENGINES))
def test_a_lab_session_key_is_a_stranger_to_the_site(engine):
    victim = Victim("db")
    attacker = LabLearner()
    attacker.configure(engine=engine)
    # The lab stores whatever a learner asks, the victim's identity included.
    attacker.do("set", key="learner", value=json.dumps(victim.public_id))
    lab_key = attacker.cookie()
    stranger = Client()
    stranger.cookies[settings.SESSION_COOKIE_NAME] = lab_key
    page = stranger.get("/en/progress/").content.decode()
    victim_code = Learner.objects.get(public_id=victim.public_id).resume_code
    assert victim_code is None or victim_code not in page
    stranger.post("/en/lab/settings/", {"engine": "db", "cookie_age": "5", "cookie_name": "zz",
                                        "cookie_path": "/", "cache_alias": "redis"})  # fmt: skip
    # The stranger became a new learner; the victim's settings did not change.
    assert LabConfig.objects.get(learner__public_id=victim.public_id).cookie_name == "sessionid"
    assert victim.untouched()


@pytest.mark.parametrize("engine", list(ENGINES))
def test_a_site_session_key_is_a_stranger_to_the_lab(engine):
    learner = LabLearner()
    learner.configure(engine=engine)
    own_site_key = site_key(learner)
    # No store of the lab holds anything under it...
    assert not Session.objects.filter(session_key=own_site_key).exists()
    assert DatabaseSessionStore(own_site_key).load() == {}
    learner.client.cookies["sessionid"] = own_site_key
    learner.do("read")
    assert learner.state()["latest"]["result"]["value"] in ({}, None)
    learner.client.cookies["sessionid"] = own_site_key
    learner.do("flush")
    # Still the same learner on the site, with the same lab settings.
    assert site_learner(site_key(learner)) is not None
    assert learner.state()["settings"]["SESSION_ENGINE"] == ENGINES[engine].path


def test_the_site_cannot_load_a_lab_row_even_with_the_same_key():
    """A row in django_session never passes the site engine's signature check."""
    from lessons.session_engines.site_sessions import SessionStore as SiteStore

    lab_row = DatabaseSessionStore()
    lab_row["learner"] = "someone"
    lab_row.save()
    SiteSession.objects.create(
        session_key="x" * 32,
        session_data=Session.objects.get(pk=lab_row.session_key).session_data,
        expire_date=Session.objects.get(pk=lab_row.session_key).expire_date,
    )
    assert SiteStore(lab_row.session_key).load() == {}
    assert SiteStore("x" * 32).load() == {}


@pytest.mark.parametrize("cookie_name", ["..", ".", "sessionid"])
@pytest.mark.parametrize("action", ["visit", "read", "clearsessions"])
def test_a_cookie_value_never_names_a_file_outside_the_learners_directory(
    cookie_name, action, tmp_path
):
    secret = Path(settings.LAB_SESSION_FILE_PATH).parent / "not-for-learners"
    secret.write_text("SECRET FILE CONTENT")
    learner = LabLearner()
    learner.configure(engine="file", cookie_name=cookie_name)
    depth = len(learner.file_directory().relative_to(secret.parent).parts)
    for value in (f"/{'../' * depth}not-for-learners", f"{'../' * depth}not-for-learners"):
        learner.client.cookies[cookie_name] = value
        response = learner.client.post(
            "/lab/run/", {"action": action, "language": "en"}, headers={"HX-Request": "true"}
        )
        assert response.status_code == 200
        assert "SECRET FILE CONTENT" not in response.content.decode()
        assert (
            "SECRET FILE CONTENT" not in learner.client.get("/en/lab/state.json").content.decode()
        )
    assert secret.read_text() == "SECRET FILE CONTENT"


# --- Faithful where it is safe: a key that names nothing goes to Django untouched ------


def test_a_made_up_key_on_a_read_gets_djangos_deleting_cookie():
    learner = LabLearner()
    learner.configure()
    learner.client.cookies["sessionid"] = "madeupkey" + "0" * 23
    response = learner.do("read")
    assert response.set_cookie is not None and response.set_cookie.is_deletion
    assert "someone else" not in response.html


def test_a_made_up_key_with_save_every_request_gets_a_new_session():
    learner = LabLearner()
    learner.configure(save_every_request="on")
    made_up = "madeupkey" + "1" * 23
    learner.client.cookies["sessionid"] = made_up
    response = learner.do("visit")
    assert response.set_cookie is not None and not response.set_cookie.is_deletion
    assert response.set_cookie.value != made_up


def test_after_switching_engines_a_read_deletes_the_old_cookie_as_django_would():
    learner = LabLearner()
    learner.configure(engine="db")
    learner.do("set", key="cart", value="[1]")
    learner.configure(engine="cache")
    response = learner.do("read")
    assert response.set_cookie is not None and response.set_cookie.is_deletion


def test_another_learners_key_is_hidden_and_the_panel_says_so():
    victim = Victim("cache")
    learner = LabLearner()
    learner.configure(engine="cache")
    learner.client.cookies["sessionid"] = victim.lab_key
    response = learner.do("read")
    assert "stored for someone else" in response.html
    assert response.set_cookie is None  # Django saw no cookie, so it deleted none
    assert victim.untouched()


# --- Reading creates nothing -----------------------------------------------------


READ_ONLY_PAGES = [
    "/en/",
    "/uz/",
    "/en/lab/",
    "/uz/lab/",
    "/en/lab/state.json",
    "/en/progress/",
    "/en/glossary/",
    "/en/search/?q=cookie",
    "/en/join/",
    "/en/lessons/what-a-session-is/",
]


def test_reading_pages_without_a_cookie_creates_nothing(lessons):
    for _ in range(5):
        for path in READ_ONLY_PAGES:
            response = Client().get(path)
            assert response.status_code == 200, path
            assert settings.SESSION_COOKIE_NAME not in response.cookies, path
    assert not Learner.objects.exists()
    assert not LabConfig.objects.exists()
    assert not LabExchange.objects.exists()
    assert not SiteSession.objects.exists()
    assert not Session.objects.exists()


def test_a_first_write_makes_the_learner():
    browser = Client()
    browser.get("/en/lab/")
    assert not Learner.objects.exists()
    browser.post(
        "/lab/run/", {"action": "set", "key": "a", "value": "1"}, headers={"HX-Request": "true"}
    )
    assert Learner.objects.count() == 1
    assert browser.get("/en/lab/state.json").json()["latest"]["action"] == "set"


# --- Forgetting learners who never come back ----------------------------------------


def test_forget_idle_learners_removes_them_from_every_store():
    from io import StringIO

    from django.core.management import CommandError, call_command
    from django.utils import timezone

    from lessons.models import Classroom, Membership

    gone, staying, member = LabLearner(), LabLearner(), LabLearner()
    stored = {}
    for learner in (gone, staying, member):
        for engine in SERVER_ENGINES:
            learner.configure(engine=engine)
            learner.do("set", key="k", value="1")
            stored[(id(learner), engine)] = (learner.cookie(), learner.file_directory())
    long_ago = timezone.now() - timezone.timedelta(days=100)
    for learner in (gone, member):
        Learner.objects.filter(public_id=site_learner(site_key(learner))).update(
            last_seen_at=long_ago
        )
    classroom = Classroom.objects.create(name="Class")
    Membership.objects.create(
        classroom=classroom,
        learner=Learner.objects.get(public_id=site_learner(site_key(member))),
        display_name="Member",
    )
    out = StringIO()
    call_command("forget_idle_learners", "--days", "90", "--dry-run", stdout=out)
    assert "Would forget 1 learners" in out.getvalue()
    assert Learner.objects.count() == 3

    with pytest.raises(CommandError):
        call_command("forget_idle_learners", "--days", "0", stdout=out)
    call_command("forget_idle_learners", "--days", "90", stdout=out)
    assert Learner.objects.count() == 2
    for learner, expected in ((gone, None), (staying, {"k": 1}), (member, {"k": 1})):
        for engine in SERVER_ENGINES:
            key, directory = stored[(id(learner), engine)]
            assert lab_record(engine, "sessionid", key, directory) == expected, engine
    assert not stored[(id(gone), "file")][1].exists()
    assert stored[(id(staying), "file")][1].exists()


@pytest.mark.parametrize("plant_engine", ["db", "cached_db"])
def test_a_cookie_planted_from_browser_b_never_opens_another_learners_session(plant_engine):
    """B may hold any value (copied on an engine that stores nothing on the server); planting
    it in the learner's browser must not make another learner's session theirs."""
    victim = Victim("db")
    attacker = LabLearner()
    attacker.configure(engine="signed_cookies")
    attacker.client.cookies["sessionid"] = victim.lab_key
    attacker.do("copy_to_b")
    assert attacker.state()["browser_b"][0]["value"] == victim.lab_key
    attacker.configure(engine=plant_engine)
    del attacker.client.cookies["sessionid"]
    planted = attacker.do("plant_from_b")
    assert planted.set_cookie is None, "the lab does not plant a key that is not the learner's"
    assert "not yours" in attacker.state()["latest"]["result"]["error"]
    assert not LabSessionKey.objects.filter(
        learner__public_id=site_learner(site_key(attacker)), session_key=victim.lab_key
    ).exists()
    attacker.client.cookies["sessionid"] = victim.lab_key
    for action in ("read", "flush", "whoami"):
        response = attacker.do(action)
        assert SECRET not in response.html
    assert victim.untouched()
