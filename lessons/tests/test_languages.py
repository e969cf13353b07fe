"""English and Uzbek: URLs, the switcher, the remembered choice, complete translations."""

import json
import re
import subprocess
from pathlib import Path

from django.conf import settings
from django.utils import translation

PO_FILE = Path(settings.BASE_DIR) / "locale" / "uz" / "LC_MESSAGES" / "django.po"


def test_uzbek_pages_show_uzbek_ui_and_lesson_titles(client, lessons):
    uzbek = client.get("/uz/").content.decode()
    english = client.get("/en/").content.decode()
    # A known UI string, really translated (the .mo was compiled from the .po).
    assert "Django sessiyalarini ishga tushirib oʻrganing" in uzbek
    assert "Learn Django sessions by running them" in english
    assert "Learn Django sessions by running them" not in uzbek
    # A known lesson title, from the lesson's uz.md.
    lesson = lessons[0]
    assert lesson.title_uz != lesson.title_en
    assert lesson.title_uz in uzbek and lesson.title_uz not in english
    assert lesson.title_en in english and lesson.title_en not in uzbek
    assert '<html lang="uz">' in uzbek


def test_root_redirects_to_english_by_default(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/en/"


def test_root_follows_the_browser_language(client, db):
    response = client.get("/", headers={"Accept-Language": "uz,en;q=0.5"})
    assert response["Location"] == "/uz/"


def test_switcher_keeps_the_learner_on_the_same_lesson_and_remembers(client, lessons):
    lesson = lessons[1]
    response = client.post(
        "/i18n/setlang/", {"language": "uz", "next": f"/en/lessons/{lesson.slug}/"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/uz/lessons/{lesson.slug}/"
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "uz"
    assert cookie["samesite"] == "Lax"
    # Remembered: the next visit to the bare address goes to Uzbek.
    assert client.get("/")["Location"] == "/uz/"


def test_switcher_ignores_a_next_pointing_elsewhere(client, db):
    response = client.post("/i18n/setlang/", {"language": "uz", "next": "https://evil.example/"})
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


def test_switcher_with_an_unknown_language_changes_nothing(client, db):
    response = client.post("/i18n/setlang/", {"language": "xx", "next": "/en/"})
    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_garbage_language_cookie_falls_back_to_english(client, db):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "<script>"
    response = client.get("/")
    assert response["Location"] == "/en/"


def test_switcher_form_on_every_page_points_back_to_it(client, lessons):
    for path in ["/en/", f"/en/lessons/{lessons[0].slug}/", "/uz/"]:
        html = client.get(path).content.decode()
        assert f'name="next" value="{path}"' in html
        assert 'name="language" value="uz"' in html and 'name="language" value="en"' in html


def test_po_file_has_no_untranslated_or_fuzzy_entries():
    result = subprocess.run(
        ["msgfmt", "--statistics", "--check", "-o", "/dev/null", str(PO_FILE)],
        capture_output=True,
        text=True,
        env={"LC_ALL": "C", "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr


def test_po_file_uses_uzbek_apostrophes_not_ascii():
    msgstrs = re.findall(r'^msgstr "(.*)"$', PO_FILE.read_text(encoding="utf-8"), re.MULTILINE)
    slips = [text for text in msgstrs if re.search(r"[A-Za-z]['‘’`][A-Za-z]", text)]
    assert not slips


def test_every_ui_string_in_templates_is_translated_to_uzbek():
    # Every msgid of the catalogue, looked up through gettext as a page would.
    po_text = PO_FILE.read_text(encoding="utf-8")
    msgids = [
        json.loads(f'"{m}"')  # the catalogue's escapes (\" and \n) read as the text itself
        for m in re.findall(r'^msgid "(.+)"$', po_text, re.MULTILINE)
        if "%" not in m
    ]
    assert msgids
    # Code and names are never translated: the site's name, "Cookie" (the
    # Uzbek term too), and button labels that are Python calls or attributes.
    same_in_both = {"Session Lab", "Cookie"}
    with translation.override("uz"):
        untranslated = [
            m
            for m in msgids
            if translation.gettext(m) == m
            and m not in same_in_both
            and not re.fullmatch(r"[a-z_]+\([A-Za-z0-9]*\)|[a-z_]+\.[a-z_]+", m)
        ]
    assert not untranslated
