"""The course as learners get it: 18 lessons, complete in both languages, wired to the lab."""

import re

import pytest
from django.utils import translation

from lessons.content_files import read_lesson_sources
from lessons.lab.forms import LabSettingsForm
from lessons.models import LabPreset

EXPECTED_SLUGS = [
    "what-a-session-is",
    "the-session-api",
    "database-sessions",
    "file-sessions",
    "cache-sessions",
    "cached-database-sessions",
    "signed-cookie-sessions",
    "how-long-a-session-lives",
    "cookie-flags",
    "session-security",
    "choosing-an-engine",
    "cleaning-up",
    "writing-your-own-engine",
    "sessions-and-login",
    "two-requests-at-once",
    "sessions-and-http-caches",
    "async-views-and-sessions",
    "testing-code-that-uses-sessions",
]
SOURCES = {source.slug: source for source in read_lesson_sources()}
SETTING_NAME = re.compile(
    r"\bSESSION_[A-Z_]+\b|\b(?:CACHES|SECRET_KEY(?:_FALLBACKS)?|MIDDLEWARE)\b"
)
CODE = re.compile(r"```.*?```|`[^`\n]*`", re.DOTALL)
UZBEK_WORD_WITH_ASCII_APOSTROPHE = re.compile(r"[A-Za-zʻʼ]['‘’`][A-Za-zʻʼ]")


def prose(markdown_text: str) -> str:
    """The text outside code blocks, inline code and link targets."""
    text = CODE.sub(" ", markdown_text)
    return re.sub(r"\]\([^)]*\)", "]", text)


def test_the_course_has_its_eighteen_lessons_in_order():
    assert list(SOURCES) == EXPECTED_SLUGS
    assert [source.order for source in SOURCES.values()] == list(range(1, 19))


@pytest.mark.parametrize("slug", EXPECTED_SLUGS)
def test_each_lesson_is_complete_in_uzbek_and_not_a_copy(slug):
    source = SOURCES[slug]
    for field in ("title", "summary", "body"):
        text = getattr(source, field)
        assert text["uz"].strip(), f"{slug}: no Uzbek {field}"
        assert text["uz"].strip() != text["en"].strip(), f"{slug}: the Uzbek {field} is the English"
    assert len(source.body["uz"]) > 0.6 * len(source.body["en"]), f"{slug}: the Uzbek body is short"


@pytest.mark.parametrize("slug", EXPECTED_SLUGS)
def test_every_setting_name_of_the_english_lesson_is_in_the_uzbek_one(slug):
    source = SOURCES[slug]
    english = set(SETTING_NAME.findall(source.body["en"]))
    uzbek = set(SETTING_NAME.findall(source.body["uz"]))
    assert not english - uzbek, f"{slug}: missing or translated in Uzbek: {sorted(english - uzbek)}"


# A case ending written apart from the code name it belongs to ("`SESSION_COOKIE_AGE` ni"):
# Uzbek attaches it ("`SESSION_COOKIE_AGE`ni") or adds a noun ("... sozlamasini").
DETACHED_ENDING = re.compile(r"`[ \t]+(?:ni|ga|da|dan|ning|dagi|gacha|siz|lar|larni|larga)\b")
FENCED = re.compile(r"```.*?```", re.DOTALL)


@pytest.mark.parametrize("slug", EXPECTED_SLUGS)
def test_uzbek_case_endings_stay_attached_to_code_names(slug):
    source = SOURCES[slug]
    texts = [source.body["uz"], source.summary["uz"]]
    texts += [value for preset in source.presets for value in preset.text["uz"].values()]
    for exercise in source.exercises:
        texts += [str(value) for value in exercise.text["uz"].values()]
    for text in texts:
        detached = DETACHED_ENDING.findall(FENCED.sub(" ", text))
        assert not detached, f"{slug}: {detached[:5]}"


@pytest.mark.parametrize("slug", EXPECTED_SLUGS)
def test_uzbek_words_use_modifier_letters_not_ascii_apostrophes(slug):
    source = SOURCES[slug]
    for field in ("title", "summary", "body"):
        slips = UZBEK_WORD_WITH_ASCII_APOSTROPHE.findall(prose(getattr(source, field)["uz"]))
        assert not slips, f"{slug} {field}: {slips[:5]}"
    for preset in source.presets:
        for text in preset.text["uz"].values():
            assert not UZBEK_WORD_WITH_ASCII_APOSTROPHE.findall(prose(text)), (
                f"{slug}/{preset.slug}"
            )


@pytest.mark.parametrize("slug", EXPECTED_SLUGS)
def test_each_lesson_has_a_production_box_and_documentation_links(slug):
    source = SOURCES[slug]
    assert source.body["en"].count('!!! production "In production"') == 1
    assert source.body["uz"].count('!!! production "Real loyihada"') == 1
    for language in ("en", "uz"):
        assert "https://docs.djangoproject.com/en/5.2/" in source.body[language], (slug, language)


@pytest.mark.parametrize("slug", EXPECTED_SLUGS)
def test_each_lesson_places_each_of_its_presets_once(slug):
    source = SOURCES[slug]
    assert source.presets, f"{slug} has no Try it preset"
    for language in ("en", "uz"):
        placed = re.findall(r"^\[\[try:([a-z0-9-]+)\]\]$", source.body[language], re.MULTILINE)
        assert sorted(placed) == sorted(preset.slug for preset in source.presets), (slug, language)


@pytest.mark.parametrize("slug", EXPECTED_SLUGS)
def test_images_exist_and_have_text_alternatives(slug, settings):
    from django.contrib.staticfiles import finders

    source = SOURCES[slug]
    for language in ("en", "uz"):
        for alt, path in re.findall(r"!\[([^\]]*)\]\(static:([^)]+)\)", source.body[language]):
            assert alt.strip(), f"{slug} {language}: an image without alt text ({path})"
            assert finders.find(path), f"{slug} {language}: {path} is not in static/"
            assert f".{language}." in path, (
                f"{slug} {language}: {path} is another language's picture"
            )


def test_every_preset_is_one_the_lab_accepts():
    for source in SOURCES.values():
        for preset in source.presets:
            # Settings are checked when loading; here the whole lab form accepts them.
            config_fields = LabSettingsForm.Meta.fields
            assert set(preset.settings) <= set(config_fields), f"{source.slug}/{preset.slug}"


@pytest.mark.django_db
def test_lesson_pages_show_their_try_it_boxes_in_both_languages(client, lessons):
    for lesson in lessons:
        for language in ("en", "uz"):
            with translation.override(language):
                url = lesson.get_absolute_url()
            html = client.get(url).content.decode()
            boxes = re.findall(r'data-testid="try-it" data-preset="([a-z0-9-]+)"', html)
            assert sorted(boxes) == sorted(lesson.presets.values_list("slug", flat=True)), url
            assert "[[try:" not in html and "static:" not in html and "lesson:" not in html, url


@pytest.mark.django_db
def test_every_lesson_has_glossary_terms(lessons):
    for lesson in lessons:
        assert lesson.glossary_terms.exists(), lesson.slug
    assert LabPreset.objects.count() >= 13


# The login lesson is a set of scenarios played with two browsers, an exercise each.
SCENARIO_LESSONS = {"sessions-and-login": 9}


@pytest.mark.parametrize("slug", EXPECTED_SLUGS)
def test_each_lesson_has_one_to_three_exercises_in_both_languages(slug):
    exercises = SOURCES[slug].exercises
    assert 1 <= len(exercises) <= SCENARIO_LESSONS.get(slug, 3), slug
    for exercise in exercises:
        assert exercise.text["uz"]["goal"] != exercise.text["en"]["goal"], (slug, exercise.slug)
        if exercise.kind == "lab":
            assert exercise.text["en"]["solution"] and exercise.text["uz"]["solution"]
            assert exercise.text["en"]["hints"] and exercise.text["uz"]["hints"]


@pytest.mark.parametrize("slug", EXPECTED_SLUGS)
def test_every_lesson_has_a_lab_exercise_and_not_too_many(slug):
    exercises = SOURCES[slug].exercises
    assert any(exercise.kind == "lab" for exercise in exercises), slug
    assert len(exercises) <= 9, slug
