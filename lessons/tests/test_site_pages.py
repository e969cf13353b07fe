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
