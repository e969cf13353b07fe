"""Read lessons from the Markdown files under lessons/content/.

Each lesson is a folder named `<order>-<slug>` holding one file per
language, `en.md` and `uz.md`. A file starts with a small front matter block:

    ---
    title: What a session is
    summary: One or two sentences for the lesson list.
    ---

followed by the Markdown body.
"""

import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

CONTENT_DIR = Path(__file__).resolve().parent / "content"
LESSON_DIR_PATTERN = re.compile(r"^(?P<order>\d+)-(?P<slug>[a-z0-9]+(?:-[a-z0-9]+)*)$")
FRONT_MATTER_KEYS = ("title", "summary")


class ContentError(ValueError):
    """A content file that cannot be loaded; the message names the file."""


@dataclass(frozen=True)
class LessonSource:
    """A lesson as its content files describe it: translated fields by language."""

    slug: str
    order: int
    title: dict[str, str]
    summary: dict[str, str]
    body: dict[str, str]

    def field_values(self) -> dict[str, object]:
        """The model field values, e.g. {"order": 1, "title_en": ..., "title_uz": ...}."""
        values: dict[str, object] = {"order": self.order}
        for field in ("title", "summary", "body"):
            for language, text in getattr(self, field).items():
                values[f"{field}_{language}"] = text
        return values


def parse_lesson_file(path: Path) -> tuple[dict[str, str], str]:
    """Split one content file into its front matter and Markdown body."""
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    match = re.match(r"^---\n(?P<front>.*?)\n---\n(?P<body>.*)$", text, re.DOTALL)
    if not match:
        raise ContentError(f"{path}: must start with a '---' front matter block.")
    front: dict[str, str] = {}
    for line_number, line in enumerate(match["front"].splitlines(), start=2):
        if not line.strip():
            continue
        key, separator, value = line.partition(":")
        key = key.strip()
        if not separator or key not in FRONT_MATTER_KEYS:
            raise ContentError(
                f"{path}:{line_number}: expected 'title: …' or 'summary: …', got {line!r}."
            )
        front[key] = value.strip()
    missing = [key for key in FRONT_MATTER_KEYS if not front.get(key)]
    if missing:
        raise ContentError(f"{path}: front matter lacks {', '.join(missing)}.")
    body = match["body"].strip()
    if not body:
        raise ContentError(f"{path}: the lesson body is empty.")
    return front, body + "\n"


def read_lesson_sources(content_dir: Path = CONTENT_DIR) -> list[LessonSource]:
    """Every lesson under content_dir, in course order; errors name the file."""
    languages = [code for code, _name in settings.LANGUAGES]
    sources: list[LessonSource] = []
    for lesson_dir in sorted(p for p in content_dir.iterdir() if p.is_dir()):
        match = LESSON_DIR_PATTERN.match(lesson_dir.name)
        if not match:
            raise ContentError(
                f"{lesson_dir}: lesson folders are named <order>-<slug>, e.g. 01-what-a-session-is."
            )
        title, summary, body = {}, {}, {}
        for language in languages:
            path = lesson_dir / f"{language}.md"
            if not path.exists():
                raise ContentError(f"{path}: missing; every lesson needs one file per language.")
            front, body[language] = parse_lesson_file(path)
            title[language], summary[language] = front["title"], front["summary"]
        sources.append(
            LessonSource(
                slug=match["slug"],
                order=int(match["order"]),
                title=title,
                summary=summary,
                body=body,
            )
        )
    orders = [source.order for source in sources]
    duplicates = sorted({order for order in orders if orders.count(order) > 1})
    if duplicates:
        raise ContentError(f"{content_dir}: two lessons share the order {duplicates}.")
    return sources
