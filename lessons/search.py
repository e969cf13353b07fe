"""Search the lessons of the active language: titles, summaries and bodies."""

import re
from dataclasses import dataclass

from django.db.models import Q
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from lessons.models import Lesson

MAX_QUERY_LENGTH = 100
SNIPPET_CHARS = 90
# Readers often type Uzbek letters with an ASCII or curly apostrophe: o' g'
# for oʻ gʻ, and ' for the separation sign ʼ (maʼlumot).
UZBEK_TURNED_COMMA = re.compile(r"([oOgG])['‘’`ʼ]")
UZBEK_APOSTROPHE = re.compile(r"(?<=\w)['‘’`](?=\w)")


@dataclass(frozen=True)
class SearchHit:
    lesson: Lesson
    snippet: SafeString


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
    text = re.sub(
        r"[#*`>|\[\]]|!!!|\((?:lesson|source):[^)]*\)|\(https?:[^)]*\)|\(static:[^)]*\)", " ", text
    )
    return " ".join(text.split())


def _snippet(text: str, words: list[str]) -> SafeString:
    lowered = text.lower()
    positions = [lowered.find(word.lower()) for word in words if word.lower() in lowered]
    start = max(0, min(positions) - SNIPPET_CHARS) if positions else 0
    excerpt = text[start : start + 2 * SNIPPET_CHARS + 40]
    prefix = "… " if start > 0 else ""
    suffix = " …" if start + len(excerpt) < len(text) else ""
    return mark_safe(prefix + highlight(excerpt, words) + suffix)


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
        text = " ".join(
            [
                getattr(lesson, f"summary_{language}") or "",
                _plain(getattr(lesson, f"body_{language}") or ""),
            ]
        )
        hits.append(SearchHit(lesson=lesson, snippet=_snippet(text, words)))
    return hits
