"""The site's own pages against odd requests: charsets, methods, headers and caching."""

import pytest
from django.test import Client

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
