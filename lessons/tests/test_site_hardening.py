"""The site's own pages against odd requests: charsets, methods, headers and caching."""

import html

import pytest
from django.conf import settings
from django.test import Client

from lessons.tests.lab_helpers import LabLearner

pytestmark = pytest.mark.django_db

FORM_PATHS = ["/lab/run/", "/en/join/", "/i18n/setlang/", "/en/instructor/login/"]


def browser_with_csrf_cookie(language: str = "en") -> Client:
    """A client that checks CSRF as a browser's requests are checked, holding the site's token."""
    client = Client(enforce_csrf_checks=True)
    client.get(f"/{language}/join/")
    return client


@pytest.mark.parametrize("path", FORM_PATHS)
@pytest.mark.parametrize("charset", ["iso-8859-1", "utf-16", "utf-7"])
def test_a_form_in_another_charset_gets_the_sites_400_page(lessons, path, charset):
    client = browser_with_csrf_cookie()
    response = client.post(
        path,
        data="name=%E9t%E9&code=ABC".encode("latin-1"),
        content_type=f"application/x-www-form-urlencoded; charset={charset}",
    )
    assert response.status_code == 400
    assert "Bad request" in response.content.decode()


def test_the_400_page_speaks_the_learners_language(lessons):
    client = browser_with_csrf_cookie("uz")
    client.cookies["sessionlab_language"] = "uz"
    response = client.post(
        "/lab/run/",
        data=b"action=set",
        content_type="application/x-www-form-urlencoded; charset=latin-1",
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert '<html lang="uz">' in page
    assert "Bad request" not in page


@pytest.mark.parametrize("path", ["/en/join/", "/i18n/setlang/", "/en/lab/", "/lab/run/"])
@pytest.mark.parametrize("method", ["PUT", "DELETE", "PROPFIND", "PATCH"])
def test_methods_an_address_does_not_take_get_a_405_page(lessons, path, method):
    response = Client().generic(method, path)
    assert response.status_code == 405
    assert "Method not allowed" in response.content.decode()
    assert response["Allow"]


def test_the_405_page_is_in_uzbek_under_uz(lessons):
    response = Client().generic("DELETE", "/uz/join/")
    assert response.status_code == 405
    assert '<html lang="uz">' in response.content.decode()
    assert "Method not allowed" not in response.content.decode()


# --- Headers --------------------------------------------------------------------------

PAGES = ["/en/", "/uz/lab/", "/en/glossary/", "/en/search/?q=cookie", "/en/join/", "/en/progress/"]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_has_a_strict_content_security_policy(lessons, path):
    response = Client().get(path)
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in policy
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]


def test_the_lab_page_may_post_only_to_itself_and_its_cross_site_origin(lessons):
    response = Client().get("/en/lab/", headers={"Host": "localhost:8000"})
    assert "form-action 'self' http://127.0.0.1:8000" in response["Content-Security-Policy"]


@pytest.mark.parametrize("path", ["/en/progress/", "/en/lab/", "/en/lab/state.json"])
def test_pages_with_private_data_are_never_stored_by_caches(lessons, path):
    learner = LabLearner()
    learner.configure()
    cache_control = learner.client.get(path)["Cache-Control"]
    assert "no-store" in cache_control and "private" in cache_control


def test_the_dashboard_and_its_csv_are_never_stored(instructor_client, lessons):
    client, classroom = instructor_client
    for path in (
        "/en/instructor/",
        f"/en/instructor/classrooms/{classroom.pk}/",
        f"/en/instructor/classrooms/{classroom.pk}/progress.csv",
    ):
        response = client.get(path)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]


# --- The site's own session ------------------------------------------------------------

PASSWORD = "a-long-enough-instructor-password"


@pytest.fixture
def instructor_client(db):
    from django.contrib.auth import get_user_model

    from lessons.models import Classroom

    user = get_user_model().objects.create_user("teacher", password=PASSWORD, is_staff=True)
    classroom = Classroom.objects.create(name="Group")
    classroom.instructors.add(user)
    client = Client()
    response = client.post("/en/instructor/login/", {"username": "teacher", "password": PASSWORD})
    assert response.status_code == 302
    return client, classroom


def test_an_instructor_session_has_an_idle_expiry(instructor_client, settings):
    client, _classroom = instructor_client
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert int(cookie["max-age"]) == settings.INSTRUCTOR_SESSION_IDLE


def test_an_instructor_session_ends_at_its_absolute_age_however_active(instructor_client, settings):
    import time

    from lessons.classroom.session_limits import LOGGED_IN_AT

    client, classroom = instructor_client
    dashboard = f"/en/instructor/classrooms/{classroom.pk}/"
    assert client.get(dashboard).status_code == 200
    session = client.session
    session[LOGGED_IN_AT] = int(time.time()) - settings.INSTRUCTOR_SESSION_MAX_AGE - 1
    session.save()
    response = client.get(dashboard)
    assert response.status_code == 302 and "/instructor/login/" in response["Location"]
    assert client.get(dashboard).status_code == 302, "logged out for good"


def test_wrong_passwords_lock_that_user_name_out_for_a_while(instructor_client):
    guesser = Client()
    for attempt in range(1, 6):
        response = guesser.post("/en/instructor/login/", {"username": "teacher", "password": "x"})
        assert response.status_code == (429 if attempt == 5 else 200), attempt
    # Locked: even the right password waits.
    response = guesser.post("/uz/instructor/login/", {"username": "teacher", "password": PASSWORD})
    assert response.status_code == 429
    assert 'data-testid="locked-out"' in response.content.decode()
    assert '<html lang="uz">' in response.content.decode()
    # Another user name from the same address is not locked out.
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_user("colleague", password=PASSWORD, is_staff=True)
    other = Client().post("/en/instructor/login/", {"username": "colleague", "password": PASSWORD})
    assert other.status_code == 302


# --- Search ------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["session mark", "mark session", "amp", "lt", "cookie <b>"])
def test_search_highlighting_never_nests_or_breaks_markup(lessons, query):
    import re

    html = Client().get("/en/search/", {"q": query}).content.decode()
    results = html.split('class="search-results"')[-1]
    assert "<mark><mark>" not in results
    assert not re.search(r"<mark>[^<]*<mark>", results)
    assert not re.search(r"&[a-z]*<mark>", results)
    assert "<b>" not in results


def test_the_405_page_gives_its_forms_a_working_csrf_cookie(lessons):
    response = Client().generic("DELETE", "/en/join/")
    assert response.status_code == 405
    assert settings.CSRF_COOKIE_NAME in response.cookies


def test_a_browser_from_before_https_keeps_its_learner(lessons, settings):
    """Moving a site to HTTPS renames its cookies (__Host-); browsers keep their learner."""
    learner = LabLearner()
    learner.configure()
    learner.do("set", key="k", value="1")
    plain_key = learner.client.cookies["sessionlab_session"].value
    settings.SESSION_COOKIE_NAME = "__Host-sessionlab_session"
    settings.CSRF_COOKIE_NAME = "__Host-sessionlab_csrftoken"
    browser = Client()
    browser.cookies["sessionlab_session"] = plain_key
    response = browser.get("/en/lab/state.json")
    assert response.json()["latest"]["action"] == "set", "the same learner"
    new = response.cookies["__Host-sessionlab_session"]
    assert new.value == plain_key
    assert response.cookies["sessionlab_session"]["max-age"] == 0
    # From then on the prefixed cookie alone does it.
    browser.cookies.pop("sessionlab_session")
    assert browser.get("/en/lab/state.json").json()["latest"]["action"] == "set"


def test_an_old_site_cookie_name_is_reserved_and_masked_in_the_timeline(lessons):
    assert {"sessionlab_session", "sessionlab_csrftoken"} <= set(settings.LAB_RESERVED_COOKIE_NAMES)


@pytest.mark.parametrize(
    "path",
    [
        "/en/instructor/classrooms/{huge}/",
        "/en/instructor/classrooms/{huge}/progress.csv",
        "/en/instructor/classrooms/{id}/members/{huge}/reset/",
    ],
)
def test_ids_too_large_for_the_database_are_not_found(instructor_client, path):
    client, classroom = instructor_client
    huge = "9" * 30
    url = path.format(huge=huge, id=classroom.pk)
    response = client.post(url) if "/members/" in url else client.get(url)
    assert response.status_code == 404


@pytest.mark.parametrize("lesson_id", ["9223372036854775808", "9" * 40, "-1", "1.5", "x"])
def test_a_classroom_with_an_impossible_lesson_is_refused_beside_the_field(
    instructor_client, lesson_id
):
    client, _classroom = instructor_client
    response = client.post(
        "/en/instructor/", {"name": "Group", "default_language": "en", "lessons": [lesson_id]}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in html.unescape(response.content.decode())
