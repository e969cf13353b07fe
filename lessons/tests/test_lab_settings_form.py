"""The lab's settings form: short engine names, the preset's settings marked, every
description it points to present."""

import re

import pytest

from lessons.engines import ENGINES
from lessons.tests.lab_helpers import LabLearner

pytestmark = pytest.mark.django_db


def _lab(learner: LabLearner, language: str = "en") -> str:
    return learner.client.get(f"/{language}/lab/").content.decode()


def test_the_engine_list_uses_short_names_and_shows_the_dotted_path_beside_it(learner):
    learner.configure(engine="cached_db")
    html = _lab(learner)
    select = re.search(r'<select name="engine".*?</select>', html, re.DOTALL).group(0)
    assert re.findall(r'<option value="([^"]+)"[^>]*>([^<]+)</option>', select) == [
        (name, f"{name} — {engine.path}") for name, engine in ENGINES.items()
    ]
    path = re.search(r'data-testid="engine-path"><code class="break">([^<]+)<', html).group(1)
    assert path == "django.contrib.sessions.backends.cached_db"


@pytest.mark.usefixtures("lessons")
def test_the_settings_a_preset_chose_are_marked(learner):
    response = learner.client.post("/en/lab/try/cookie-flags/host-prefix/")
    assert response.status_code == 302, "the preset exists"
    html = _lab(learner)
    from lessons.models import LabPreset

    chosen = set(LabPreset.objects.get(slug="host-prefix").settings)
    marked = set(
        re.findall(
            r'data-preset-setting>\s*(?:<input[^>]*name="(\w+)"|<label for="id_(\w+)")', html
        )
    )
    assert {a or b for a, b in marked} == chosen
    assert "Marked “preset”" in html


@pytest.mark.parametrize("language", ["en", "uz"])
def test_every_aria_describedby_on_the_lab_page_points_to_an_element(learner, language):
    learner.do("set", key="cart", value='["apple"]')
    html = _lab(learner, language)
    ids = set(re.findall(r'\bid="([^"]+)"', html))
    described = {
        name for value in re.findall(r'aria-describedby="([^"]+)"', html) for name in value.split()
    }
    assert described, "the form's fields are described"
    assert described - ids == set()


@pytest.mark.usefixtures("lessons")
def test_back_to_the_lesson_returns_to_the_presets_own_step(learner):
    learner.client.post("/en/lab/try/cookie-flags/path-shop/")
    html = _lab(learner)
    link = re.search(r'<a href="([^"]+)" data-testid="back-to-lesson">', html).group(1)
    assert link == "/en/lessons/cookie-flags/#try-path-shop"
    lesson = learner.client.get(link.split("#")[0]).content.decode()
    assert 'id="try-path-shop"' in lesson
    # The banner can be folded away: a details element, open at first.
    assert re.search(
        r'<details class="preset-banner" id="preset-banner" open data-testid="preset-banner"', html
    )


def test_changed_marks_are_also_said_in_words(learner):
    learner.do("set", key="cart", value='["apple"]')
    learner.configure(cookie_age="600")
    html = learner.do("set", key="cart", value='["pear"]').html
    changed_rows = re.findall(
        r'<(?:tr|div) class="changed"[^>]*>(.*?)</(?:tr|div)>', html, re.DOTALL
    )
    assert changed_rows, "something changed: Max-Age, the stored data"
    for row in changed_rows:
        assert re.search(r'<span class="visually-hidden">\s*\(changed\)</span>', row), row
