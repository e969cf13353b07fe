"""Presets, glossary, search, out-of-date translations and the engine measurement."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from lessons.models import GlossaryTerm, LabConfig, LabPreset, Lesson
from lessons.search import normalize_query
from lessons.tests.lab_helpers import LabLearner

pytestmark = pytest.mark.django_db

PRESETS_TOML = """
[[preset]]
slug = "short-life"
settings = { engine = "cache", cookie_age = 5, cookie_httponly = false }
inputs = { key = "exam", value = '"q1"', request_path = "/lab/shop/run/" }

[preset.en]
title = "A five-second session"
steps = "Press **Set a key**."
watch = "Max-Age=5 in the cookie panel."

[preset.uz]
title = "Besh soniyalik sessiya"
steps = "**Kalitga qiymat yozish** tugmasini bosing."
watch = "Cookie panelida Max-Age=5."
"""

GLOSSARY_TOML = """
[[term]]
en = "session key"
uz = "sessiya kaliti"
en_definition = "The random name of a session."
uz_definition = "Sessiyaning tasodifiy nomi."
"""


def write_lesson(
    root: Path, folder="01-first", body_en="Body", body_uz="Matn", presets=PRESETS_TOML
):
    lesson_dir = root / folder
    lesson_dir.mkdir(parents=True, exist_ok=True)
    for language, title, body in (("en", "First", body_en), ("uz", "Birinchi", body_uz)):
        (lesson_dir / f"{language}.md").write_text(
            f"---\ntitle: {title}\nsummary: S {language}\n---\n\n"
            f"## Part\n\n{body}\n\n[[try:short-life]]\n",
            encoding="utf-8",
        )
    (lesson_dir / "presets.toml").write_text(presets, encoding="utf-8")
    (lesson_dir / "glossary.toml").write_text(GLOSSARY_TOML, encoding="utf-8")
    return lesson_dir


def load(content_dir: Path) -> str:
    out = StringIO()
    call_command("load_lessons", "--content-dir", str(content_dir), stdout=out)
    return out.getvalue()


def test_presets_and_terms_are_loaded_with_the_lesson(tmp_path):
    write_lesson(tmp_path)
    output = load(tmp_path)
    assert "created    01 first" in output
    preset = LabPreset.objects.get()
    assert preset.settings == {"engine": "cache", "cookie_age": 5, "cookie_httponly": False}
    assert preset.title_uz == "Besh soniyalik sessiya"
    assert GlossaryTerm.objects.get().term_uz == "sessiya kaliti"
    assert "0 created, 0 updated, 1 unchanged" in load(tmp_path)


@pytest.mark.parametrize(
    ("presets", "message"),
    [
        (PRESETS_TOML.replace("cookie_age = 5", "cookie_age = -5"), "at least 1 second"),
        (PRESETS_TOML.replace('engine = "cache"', 'engine = "memcache"'), "engine"),
        (PRESETS_TOML.replace("cookie_httponly", "http_only"), "unknown settings"),
        (PRESETS_TOML.replace('title = "Besh soniyalik sessiya"', ""), "lacks title"),
        (PRESETS_TOML.replace('slug = "short-life"', 'slug = "Short Life"'), "slug must be"),
        (PRESETS_TOML + "[[preset\n", "not valid TOML"),
    ],
)
def test_a_broken_preset_is_refused_with_the_file_named(tmp_path, presets, message):
    write_lesson(tmp_path, presets=presets)
    with pytest.raises(CommandError, match=message) as error:
        load(tmp_path)
    assert "presets.toml" in str(error.value)
    assert not Lesson.objects.exists()


def test_a_preset_sets_up_the_lab_from_a_clean_slate(tmp_path):
    write_lesson(tmp_path)
    load(tmp_path)
    learner = LabLearner()
    learner.client.get("/en/lab/")
    learner.configure(engine="db", cookie_name="mine", cookie_path="/lab/")
    learner.do("set", key="cart", value="[1]")

    response = learner.client.post("/en/lab/try/first/short-life/")
    assert response.status_code == 302 and response["Location"] == "/en/lab/"
    # The old lab cookie is deleted with the settings it was set with.
    deletion = response.cookies["mine"]
    assert deletion.value == "" and deletion["max-age"] == 0 and deletion["path"] == "/lab/"

    config = LabConfig.objects.get()
    assert (config.engine, config.cookie_age, config.cookie_httponly) == ("cache", 5, False)
    assert config.cookie_name == "sessionid" and config.cookie_path == "/"  # back to defaults
    page = learner.client.get("/uz/lab/").content.decode()
    assert "Besh soniyalik sessiya" in page
    assert 'value="exam"' in page and 'value="/lab/shop/run/" checked' in page
    assert learner.state()["timeline"] == []


def test_an_unknown_preset_is_a_friendly_not_found(tmp_path):
    response = Client().post("/en/lab/try/nope/nothing/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_lesson_links_images_and_boxes_are_filled_in_per_language(tmp_path):
    body = (
        "See [the lab](lab:) and [lesson one](lesson:first). ![A picture](static:img/favicon.svg)"
    )
    write_lesson(tmp_path, body_en=body, body_uz=body.replace("See", "Qarang"))
    load(tmp_path)
    english = Client().get("/en/lessons/first/").content.decode()
    uzbek = Client().get("/uz/lessons/first/").content.decode()
    assert 'href="/en/lab/"' in english and 'href="/en/lessons/first/"' in english
    assert 'href="/uz/lab/"' in uzbek and 'href="/uz/lessons/first/"' in uzbek
    assert 'src="/static/img/favicon.svg"' in english
    assert "A five-second session" in english and "Besh soniyalik sessiya" in uzbek
    assert 'action="/en/lab/try/first/short-life/"' in english


def test_english_changes_flag_the_uzbek_until_it_is_reviewed(tmp_path, admin_client):
    write_lesson(tmp_path)
    load(tmp_path)
    assert not Lesson.objects.get().uzbek_may_be_outdated
    assert (
        'data-testid="outdated-translation"'
        not in Client().get("/uz/lessons/first/").content.decode()
    )

    write_lesson(tmp_path, body_en="Body, rewritten")
    output = load(tmp_path)
    assert "Uzbek may be out of date: first" in output
    lesson = Lesson.objects.get()
    assert lesson.uzbek_may_be_outdated
    assert (
        'data-testid="outdated-translation"' in Client().get("/uz/lessons/first/").content.decode()
    )
    assert (
        'data-testid="outdated-translation"'
        not in Client().get("/en/lessons/first/").content.decode()
    )
    change_page = admin_client.get(f"/en/admin/lessons/lesson/{lesson.pk}/change/").content.decode()
    assert "may be out of date" in change_page

    admin_client.post(
        "/en/admin/lessons/lesson/",
        {"action": "mark_uzbek_reviewed", "_selected_action": [lesson.pk]},
    )
    assert not Lesson.objects.get().uzbek_may_be_outdated

    # English and Uzbek rewritten together: written for each other.
    write_lesson(tmp_path, body_en="Third", body_uz="Uchinchi")
    load(tmp_path)
    assert not Lesson.objects.get().uzbek_may_be_outdated


def test_glossary_lists_terms_in_both_languages_with_their_lesson(tmp_path):
    write_lesson(tmp_path)
    load(tmp_path)
    english = Client().get("/en/glossary/").content.decode()
    uzbek = Client().get("/uz/glossary/").content.decode()
    assert "session key" in english and "sessiya kaliti" in english
    assert "Sessiyaning tasodifiy nomi." in uzbek and "/uz/lessons/first/" in uzbek


@pytest.mark.parametrize(
    ("raw", "language", "expected"),
    [
        ("o'zbek", "uz", "oʻzbek"),
        ("G‘ALABA", "uz", "GʻALABA"),
        ("ma'lumot", "uz", "maʼlumot"),
        ("  cycle_key   ", "en", "cycle_key"),
        ("don't", "en", "don't"),
        ("x" * 500, "en", "x" * 100),
    ],
)
def test_search_queries_are_tidied(raw, language, expected):
    assert normalize_query(raw, language) == expected


def test_search_finds_lessons_in_the_readers_language(lessons):
    english = Client().get("/en/search/", {"q": "cycle_key"}).content.decode()
    assert "cycle_key" in english and "<mark>cycle_key</mark>" in english
    uzbek = Client().get("/uz/search/", {"q": "ma'lumotlar"}).content.decode()
    assert "<mark>maʼlumotlar</mark>" in uzbek.replace(
        "<mark>Maʼlumotlar</mark>", "<mark>maʼlumotlar</mark>"
    )


@pytest.mark.parametrize(
    "query", ["", "   ", "zzzzqqqq", "<script>alert(1)</script>", "%00", "a" * 5000]
)
def test_search_with_odd_input_answers_calmly(lessons, query):
    response = Client().get("/en/search/", {"q": query})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html


def test_measuring_the_engines_gives_a_row_per_engine(client, db):
    response = client.post("/en/lab/measure/", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    for engine in ("db", "file", "cache", "cached_db", "signed_cookies"):
        assert f"<code>{engine}</code>" in html
    assert "Redis is not reachable" not in html
    from django.contrib.sessions.models import Session

    assert not Session.objects.exists(), "the measurement left sessions behind"
