"""The glossary and search read well: one row a term, words whole, links to the section."""

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["en", "uz"])
def test_the_glossary_lists_each_term_once_and_renders_its_code(lessons, language):
    html = Client().get(f"/{language}/glossary/").content.decode()
    terms = [re.sub(r"<[^>]+>", "", term).strip().casefold()
             for term in re.findall(r'<th scope="row">(.*?)</th>', html, re.DOTALL)]  # fmt: skip
    assert terms and len(terms) == len(set(terms))
    assert "`" not in re.search(r"<tbody>.*</tbody>", html, re.DOTALL).group(0)
    # A term taught in two lessons links to both.
    assert re.search(r"</a><br><a href=", html)


def test_search_results_link_to_the_section_that_mentions_the_words(lessons):
    html = Client().get("/en/search/", {"q": "clearsessions"}).content.decode()
    links = re.findall(r'<h2><a href="(/en/lessons/[^"#]+)#([^"]+)">', html)
    assert links, "results point into their lessons"
    for path, anchor in links:
        page = Client().get(path).content.decode()
        heading = re.search(rf'<h[23] id="{re.escape(anchor)}">(.*?)</h[23]>', page, re.DOTALL)
        assert heading, f"{path} has no section #{anchor}"
        section = page[heading.start() :]
        section = section[
            : (re.search(r"<h[23] id=", section[5:]) or re.search("$", section)).start() + 5
        ]
        assert "clearsessions" in section, f"#{anchor} of {path} does not mention the word"


@pytest.mark.parametrize("query", ["SESSION_COOKIE_AGE", "Redis", "cookie"])
def test_search_snippets_are_cut_between_words_and_show_no_table_rules(lessons, query):
    from html import unescape

    from django.utils.html import strip_tags

    from lessons.search import _plain, search_lessons

    hits = search_lessons(query, "en")
    assert hits
    for hit in hits:
        text = " ".join([hit.lesson.summary_en, _plain(hit.lesson.body_en)])
        shown = unescape(strip_tags(hit.snippet))
        assert "---" not in shown and "|" not in shown
        inner = shown.removeprefix("… ").removesuffix(" …")
        start = text.find(inner)
        assert start >= 0, shown
        assert start == 0 or text[start - 1] == " ", f"cut mid-word at the start: {shown!r}"
        end = start + len(inner)
        assert end == len(text) or text[end] == " ", f"cut mid-word at the end: {shown!r}"


def test_search_results_are_not_numbered_twice(lessons):
    html = Client().get("/en/search/", {"q": "cookie"}).content.decode()
    assert '<ul class="search-results">' in html and '<ol class="search-results">' not in html


@pytest.mark.parametrize("language", ["en", "uz"])
def test_every_page_says_what_it_is_and_marks_its_place_in_the_navigation(lessons, language):
    client = Client()
    lesson = lessons[2]
    pages = {
        f"/{language}/": "Lessons",
        f"/{language}{lesson.get_absolute_url()[3:]}": "Lessons",
        f"/{language}/lab/": "Lab",
        f"/{language}/glossary/": "Glossary",
        f"/{language}/progress/": "Progress",
        f"/{language}/search/?q=cookie": None,
    }
    for url, current in pages.items():
        html = client.get(url).content.decode()
        description = re.search(r'<meta name="description" content="([^"]+)">', html)
        assert description and len(description.group(1)) > 40, url
        marked = re.findall(r'<a href="[^"]+" aria-current="page">', html)
        assert len(marked) == (1 if current else 0), url
    lesson_page = client.get(lesson.get_absolute_url()).content.decode()
    assert f'content="{lesson.summary}"' in lesson_page.replace("&#x27;", "'")


def test_only_pages_with_highlighted_code_load_its_stylesheet(lessons):
    client = Client()
    assert "pygments.css" in client.get(lessons[0].get_absolute_url()).content.decode()
    assert "pygments.css" in client.get("/en/source/redis_json/").content.decode()
    for url in ("/en/", "/en/lab/", "/en/glossary/", "/en/progress/"):
        assert "pygments.css" not in client.get(url).content.decode(), url


def test_each_exercise_section_is_named_by_its_goal(lessons):
    html = Client().get(lessons[0].get_absolute_url()).content.decode()
    labels = re.findall(r'<section class="exercise[^"]*"[^>]*aria-labelledby="([^"]+)"', html)
    assert len(labels) >= 2
    for label in labels:
        for element_id in label.split():
            assert f'id="{element_id}"' in html
    assert len(set(labels)) == len(labels)


def test_diagrams_keep_their_size_and_open_alone_to_zoom(lessons):
    client = Client()
    found = 0
    for lesson in lessons:
        html = client.get(lesson.get_absolute_url()).content.decode()
        for link, image in re.findall(
            r'<a class="diagram-link" href="([^"]+)">(<img [^>]+>)</a>', html
        ):
            found += 1
            assert re.search(r'src="([^"]+)"', image).group(1) == link
            width = re.search(r'width="([\d.]+)"', image)
            height = re.search(r'height="([\d.]+)"', image)
            assert width and height and float(width.group(1)) > 0 and float(height.group(1)) > 0
        assert "static:" not in html
    assert found >= 5, "the course has diagrams"


def test_the_site_logo_is_drawn_inline_so_the_favicon_is_fetched_once(lessons):
    html = Client().get("/en/").content.decode()
    assert html.count("favicon.svg") == 1  # the <link rel="icon"> alone
    assert '<svg class="site-name__logo"' in html


def test_code_blocks_that_may_scroll_can_take_the_keyboard_focus(lessons):
    client = Client()
    pages = [lesson.get_absolute_url() for lesson in lessons] + ["/en/source/redis_json/"]
    blocks = 0
    for url in pages:
        html = client.get(url).content.decode()
        for pre in re.findall(r"<pre\b[^>]*>", html):
            blocks += 1
            assert 'tabindex="0"' in pre, f"{url}: {pre}"
    assert blocks > 20
