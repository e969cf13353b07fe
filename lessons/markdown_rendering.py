"""Turn a lesson's Markdown into HTML and a table of contents.

Besides standard Markdown, lesson texts use:

- `[[try:<preset>]]` alone on a line: a "Try it in the lab" box for that preset;
- `[[measure-engines]]` alone on a line: the live engine comparison;
- links `lesson:<slug>`, `lab:` and `source:<engine>` (this project's engine
  code, lessons/session_engines/), and images `static:<path>`.

The HTML rendered here is the same for every reader and cached; the boxes and
links that depend on the reader's language are filled in by
lessons/lesson_body.py when the page is served.
"""

import re
from dataclasses import dataclass
from functools import lru_cache

import markdown
from django.utils.safestring import SafeString, mark_safe
from markdown.extensions.toc import slugify_unicode

# Lesson text comes from the repository's content files or from staff in the
# admin, both trusted, so raw HTML in it is allowed through.
MARKDOWN_EXTENSIONS = ["fenced_code", "codehilite", "toc", "tables", "admonition", "attr_list"]
MARKDOWN_EXTENSION_CONFIGS = {
    # Pygments marks up the code; static/css/pygments.css colours it.
    "codehilite": {"css_class": "highlight", "guess_lang": False},
    # slugify_unicode keeps Uzbek letters (oʻ, gʻ) in anchors instead of
    # dropping them; the ¶ link after each heading makes the anchor visible.
    "toc": {
        "slugify": slugify_unicode,
        "permalink": "#",
        "permalink_class": "heading-anchor",
        "permalink_title": "",
        "toc_depth": "2-3",
    },
}


# A slot marker renders as a paragraph of its own.
SLOT_PARAGRAPH = re.compile(r"<p>\[\[((?:try:[a-z0-9]+(?:-[a-z0-9]+)*)|measure-engines)\]\]</p>")


@dataclass(frozen=True)
class TocEntry:
    anchor: str
    title: str
    children: tuple["TocEntry", ...]


@dataclass(frozen=True)
class RenderedMarkdown:
    html: SafeString
    toc: tuple[TocEntry, ...]


def _toc_entries(tokens: list[dict]) -> tuple[TocEntry, ...]:
    return tuple(
        TocEntry(anchor=token["id"], title=token["name"], children=_toc_entries(token["children"]))
        for token in tokens
    )


PRE_WITHOUT_TABINDEX = re.compile(r"<pre(?![^>]*\btabindex=)(?=[\s>])")


def focusable_code(html: str) -> str:
    """Code blocks scroll sideways when their lines are long: a keyboard can reach them."""
    return PRE_WITHOUT_TABINDEX.sub('<pre tabindex="0"', html)


@lru_cache(maxsize=256)
def render_lesson_markdown(text: str) -> RenderedMarkdown:
    """Render lesson Markdown with highlighted code and anchored headings.

    Cached on the text itself: the same body renders to the same HTML, and an
    edited body is simply a new cache entry.
    """
    converter = markdown.Markdown(
        extensions=MARKDOWN_EXTENSIONS, extension_configs=MARKDOWN_EXTENSION_CONFIGS
    )
    html = SLOT_PARAGRAPH.sub(
        r'<div class="lesson-slot" data-slot="\1"></div>', converter.convert(text)
    )
    html = focusable_code(html)
    return RenderedMarkdown(html=mark_safe(html), toc=_toc_entries(converter.toc_tokens))


@lru_cache(maxsize=1024)
def markdown_inline(text: str) -> SafeString:
    """A short trusted Markdown text (an exercise's goal, a preset step) as inline HTML,
    without the <p>. Cached on the text, as render_lesson_markdown is: the dashboard's
    column headings render the same goals on every redraw."""
    html = markdown.markdown(text or "")
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return mark_safe(html)
