"""Search the lessons of the active language: titles, summaries and bodies."""

import re
from dataclasses import dataclass

from django.db.models import Q
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from lessons.markdown_rendering import render_lesson_markdown
from lessons.models import Lesson

MAX_QUERY_LENGTH = 100
SNIPPET_CHARS = 90
# Readers often type Uzbek letters with an ASCII or curly apostrophe: o' g'
# for oʻ gʻ, and ' for the separation sign ʼ (maʼlumot).
UZBEK_TURNED_COMMA = re.compile(r"([oOgG])['‘’`ʼ]")
UZBEK_APOSTROPHE = re.compile(r"(?<=\w)['‘’`](?=\w)")


# A Markdown table's rule row ("| --- | :---: |"): no words in it.
TABLE_RULE = re.compile(r"^\s*\|?(?:\s*:?-{3,}:?\s*\|?)+\s*$", re.MULTILINE)
HEADING = re.compile(r"^#{2,3} ")
FENCE = re.compile(r"^\s*```")


@dataclass(frozen=True)
class SearchHit:
    lesson: Lesson
    snippet: SafeString
    # The id of the section the words first appear in (None: before any heading).
    anchor: str | None = None

    @property
    def url(self) -> str:
        url = self.lesson.get_absolute_url()
        return f"{url}#{self.anchor}" if self.anchor else url


def normalize_query(query: str, language: str) -> str:
    """Trim, shorten, and for Uzbek write apostrophes the way the lessons do."""
    query = " ".join(query.split())[:MAX_QUERY_LENGTH]
    if language == "uz":
        query = UZBEK_TURNED_COMMA.sub(lambda m: m.group(1) + "ʻ", query)
        query = UZBEK_APOSTROPHE.sub("ʼ", query)
    return query


def _plain(markdown_text: str) -> str:
    """Markdown as plain words, good enough for a snippet."""
    text = re.sub(r"```.*?```", " ", markdown_text, flags=re.DOTALL)
    text = TABLE_RULE.sub(" ", text)
    text = re.sub(
        r"[#*`>|\[\]]|!!!|\((?:lesson|source):[^)]*\)|\(https?:[^)]*\)|\(static:[^)]*\)", " ", text
    )
    return " ".join(text.split())


def _snippet(text: str, words: list[str]) -> SafeString:
    """About 220 characters around the first word found, cut between words."""
    lowered = text.lower()
    positions = [lowered.find(word.lower()) for word in words if word.lower() in lowered]
    start = max(0, min(positions) - SNIPPET_CHARS) if positions else 0
    end = min(len(text), start + 2 * SNIPPET_CHARS + 40)
    if start > 0 and text[start - 1] != " ":
        start = text.find(" ", start, min(positions) if positions else end) + 1 or start
    if end < len(text) and text[end] != " ":
        end = text.rfind(" ", start, end) if text.rfind(" ", start, end) > start else end
    excerpt = text[start:end].strip()
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(text) else ""
    return mark_safe(prefix + highlight(excerpt, words) + suffix)


def _sections(markdown_text: str) -> list[str]:
    """The body cut at its ## and ### headings (not those inside code), the part before the
    first heading first: section i + 1 is the i-th entry of the table of contents."""
    sections, current, in_code = [], [], False
    for line in markdown_text.splitlines():
        if FENCE.match(line):
            in_code = not in_code
        if not in_code and HEADING.match(line):
            sections.append("\n".join(current))
            current = []
        current.append(line)
    sections.append("\n".join(current))
    return sections


def _anchors(entries) -> list[str]:
    return [anchor for entry in entries for anchor in (entry.anchor, *_anchors(entry.children))]


def section_anchor(body: str, words: list[str]) -> str | None:
    """The anchor of the first section of the body that mentions one of the words."""
    anchors = _anchors(render_lesson_markdown(body).toc)
    for index, section in enumerate(_sections(body)):
        plain = _plain(section).lower()
        if any(word.lower() in plain for word in words):
            return anchors[index - 1] if 0 < index <= len(anchors) else None
    return None


def highlight(text: str, words: list[str]) -> str:
    """`text` as HTML, each occurrence of a word in <mark>, in one pass over the plain text.

    Marking word after word in the escaped HTML would mark inside earlier
    <mark> tags (a search for "session mark") or inside entities ("amp").
    """
    alternatives = sorted({word for word in words if word}, key=len, reverse=True)
    if not alternatives:
        return escape(text)
    pattern = re.compile("|".join(re.escape(word) for word in alternatives), re.IGNORECASE)
    pieces, position = [], 0
    for match in pattern.finditer(text):
        pieces.append(escape(text[position : match.start()]))
        pieces.append(f"<mark>{escape(match.group(0))}</mark>")
        position = match.end()
    pieces.append(escape(text[position:]))
    return "".join(pieces)


def search_lessons(query: str, language: str) -> list[SearchHit]:
    """Lessons whose text in `language` contains every word of the query."""
    words = query.split()
    if not words:
        return []
    condition = Q()
    for word in words:
        condition &= (
            Q(**{f"title_{language}__icontains": word})
            | Q(**{f"summary_{language}__icontains": word})
            | Q(**{f"body_{language}__icontains": word})
        )
    hits = []
    for lesson in Lesson.objects.filter(condition).order_by("order"):
        summary = getattr(lesson, f"summary_{language}") or ""
        body = getattr(lesson, f"body_{language}") or ""
        text = " ".join([summary, _plain(body)])
        in_summary = any(word.lower() in summary.lower() for word in words)
        anchor = None if in_summary else section_anchor(body, words)
        hits.append(SearchHit(lesson=lesson, snippet=_snippet(text, words), anchor=anchor))
    return hits
