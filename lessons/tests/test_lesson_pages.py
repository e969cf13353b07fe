"""The lesson list and lesson pages, as a reader (or htmx) receives them."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from lessons.models import Lesson


def lesson_url(lesson, language="en"):
    with translation.override(language):
        return lesson.get_absolute_url()


def test_lesson_list_shows_every_lesson_in_course_order(client, lessons):
    html = client.get("/en/").content.decode()
    positions = [html.index(lesson.title_en) for lesson in lessons]
    assert positions == sorted(positions)
    for lesson in lessons:
        assert lesson_url(lesson) in html
        assert lesson.summary_en.split()[0] in html


def test_lesson_list_without_lessons_says_how_to_load_them(client, db):
    response = client.get("/en/")
    assert response.status_code == 200
    assert "manage.py load_lessons" in response.content.decode()


def test_lesson_page_has_table_of_contents_with_working_anchors(client, lessons):
    lesson = lessons[0]
    html = client.get(lesson_url(lesson)).content.decode()
    toc = re.search(r'<nav class="toc".*?</nav>', html, re.DOTALL).group(0)
    anchors = re.findall(r'href="#([^"]+)"', toc)
    assert len(anchors) >= 2
    for anchor in anchors:
        assert f'id="{anchor}"' in html, f"the contents link #{anchor} leads nowhere"


def test_headings_get_visible_anchor_links(client, lessons):
    html = client.get(lesson_url(lessons[0])).content.decode()
    article = re.search(r'<article class="lesson-body.*?</article>', html, re.DOTALL).group(0)
    heading = re.search(r'<h2 id="([^"]+)">(.*?)</h2>', article, re.DOTALL)
    assert heading, "no anchored h2 in the lesson body"
    assert f'class="heading-anchor" href="#{heading.group(1)}"' in heading.group(2)


def test_python_code_is_syntax_highlighted(client, lessons):
    # Pygments marks keywords and names in every lesson that shows Python.
    with_python = [lesson for lesson in lessons if "```python" in lesson.body_en]
    assert with_python
    for lesson in with_python:
        html = client.get(lesson_url(lesson)).content.decode()
        assert re.search(r'<div class="highlight"><pre[ >]', html), lesson.slug
        assert re.search(r'<span class="(k|kn|nb|n)">', html), lesson.slug


def test_uzbek_heading_anchors_keep_uzbek_letters(client, lessons):
    html = client.get(lesson_url(lessons[0], "uz")).content.decode()
    ids = re.findall(r'<h[23] id="([^"]+)"', html)
    assert ids
    assert all("'" not in anchor for anchor in ids)


def test_lesson_page_links_to_its_neighbours(client, lessons):
    first, second = lessons[0], lessons[1]
    first_html = client.get(lesson_url(first)).content.decode()
    second_html = client.get(lesson_url(second)).content.decode()
    assert re.search(rf'rel="next"\s+href="{lesson_url(second)}"', first_html)
    assert 'rel="prev"' not in first_html
    assert re.search(rf'rel="prev"\s+href="{lesson_url(first)}"', second_html)
    last_html = client.get(lesson_url(lessons[-1])).content.decode()
    assert 'rel="next"' not in last_html


def test_htmx_request_gets_only_the_lesson_partial(client, lessons):
    second = lessons[1]
    response = client.get(lesson_url(second), headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "site-header" not in html
    # The new page title first, at the top level, where htmx looks for it.
    assert html.lstrip().startswith(f"<title>{second.title_en} · Session Lab</title>")
    assert '<div id="lesson"' in html
    # The language switcher is swapped out of band so it follows the new page.
    switcher = re.search(r'<form class="language-switcher".*?</form>', html, re.DOTALL).group(0)
    assert 'hx-swap-oob="true"' in switcher
    assert f'name="next" value="{lesson_url(second)}"' in switcher


def test_full_page_request_gets_the_whole_page(client, lessons):
    html = client.get(lesson_url(lessons[1])).content.decode()
    assert "<html" in html and "site-header" in html
    assert 'hx-swap-oob="true"' not in html


def test_every_page_sends_csrf_token_for_htmx(client, lessons):
    response = client.get(lesson_url(lessons[0]))
    token = response.cookies["sessionlab_csrftoken"].value
    assert token
    assert re.search(
        r"""<body hx-headers='\{"X-CSRFToken": "[A-Za-z0-9]+"\}'>""", response.content.decode()
    )


def test_htmx_is_served_from_the_project(client, lessons):
    html = client.get("/en/").content.decode()
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert any("htmx-2" in src for src in scripts)
    assert all(src.startswith("/static/") for src in scripts)


@pytest.mark.parametrize(
    "path",
    [
        "/en/lessons/no-such-lesson/",
        "/uz/lessons/no-such-lesson/",
        "/en/lessons/%00%ff/",
        "/en/lessons/" + "a" * 500 + "/",
        "/en/lessons/../../etc/passwd",
    ],
)
def test_unknown_lesson_gets_a_friendly_not_found_page(client, lessons, path):
    response = client.get(path)
    assert response.status_code == 404
    html = response.content.decode()
    assert reverse("lessons:lesson_list") in html or "/uz/" in html
    assert "Traceback" not in html


def test_not_found_page_speaks_uzbek_on_uzbek_urls(client, lessons):
    html = client.get("/uz/lessons/no-such-lesson/").content.decode()
    with translation.override("uz"):
        expected = translation.gettext("Page not found")
    assert expected != "Page not found"
    assert expected in html


def test_lesson_pages_refuse_post_without_error_page(client, lessons):
    response = client.post(lesson_url(lessons[0]))
    assert response.status_code == 405


def test_lesson_model_requires_both_languages(db):
    from modeltranslation.translator import translator

    options = translator.get_options_for_model(Lesson)
    assert set(options.required_languages) == {"en", "uz"}
