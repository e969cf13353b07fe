"""Read lessons from the Markdown files under lessons/content/.

Each lesson is a folder named `<order>-<slug>` holding one file per
language, `en.md` and `uz.md`. A file starts with a small front matter block:

    ---
    title: What a session is
    summary: One or two sentences for the lesson list.
    ---

followed by the Markdown body. Beside them:

- `presets.toml`: the lesson's "Try it in the lab" presets (`[[preset]]`
  tables with `slug`, `settings`, `inputs`, and `[preset.en]` / `[preset.uz]`
  holding `title`, `steps`, `watch`);
- `glossary.toml`: the terms it teaches (`[[term]]` with `en`, `uz`,
  `en_definition`, `uz_definition`);
- `exercises.toml`: its exercises (`[[exercise]]` with `slug`, `kind` "lab"
  and the `check` that decides it (and, optionally, the `preset` that sets
  the lab up for it), or "question" and the index of the right
  `answer`; `[exercise.en]` / `[exercise.uz]` hold `goal`, `hints` (a list),
  `solution`, `explanation`, and for a question its `choices`).
"""

import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

CONTENT_DIR = Path(__file__).resolve().parent / "content"
LESSON_DIR_PATTERN = re.compile(r"^(?P<order>\d+)-(?P<slug>[a-z0-9]+(?:-[a-z0-9]+)*)$")
FRONT_MATTER_KEYS = ("title", "summary")


class ContentError(ValueError):
    """A content file that cannot be loaded; the message names the file."""


PRESET_INPUT_KEYS = ("key", "value", "seconds", "request_path", "username")
PRESET_TEXT_KEYS = ("title", "steps", "watch")


def translated_fields(text: dict[str, dict[str, str]]) -> dict[str, str]:
    """{"en": {"title": "A"}} as model fields: {"title_en": "A"} (modeltranslation's names)."""
    return {
        f"{name}_{language}": value
        for language, texts in text.items()
        for name, value in texts.items()
    }


@dataclass(frozen=True)
class PresetSource:
    slug: str
    order: int
    settings: dict
    inputs: dict
    text: dict[str, dict[str, str]]  # language -> title/steps/watch

    def field_values(self) -> dict[str, object]:
        plain = {"order": self.order, "settings": self.settings, "inputs": self.inputs}
        return {**plain, **translated_fields(self.text)}


@dataclass(frozen=True)
class ExerciseSource:
    slug: str
    order: int
    kind: str
    check_name: str
    choices: dict[str, list[str]]
    answer: str
    text: dict[str, dict[str, str]]  # language -> goal/hints/solution/explanation
    preset: str = ""  # the slug of the lesson's preset that sets the lab up for it

    def field_values(self) -> dict[str, object]:
        plain = {
            "order": self.order,
            "kind": self.kind,
            "check_name": self.check_name,
            "preset_slug": self.preset,
            "choices": self.choices,
            "answer": self.answer,
        }
        return {**plain, **translated_fields(self.text)}


@dataclass(frozen=True)
class TermSource:
    term: dict[str, str]
    definition: dict[str, str]

    def field_values(self) -> dict[str, object]:
        values: dict[str, object] = {}
        for language in self.term:
            values[f"term_{language}"] = self.term[language]
            values[f"definition_{language}"] = self.definition[language]
        return values


@dataclass(frozen=True)
class LessonSource:
    """A lesson as its content files describe it: translated fields by language."""

    slug: str
    order: int
    title: dict[str, str]
    summary: dict[str, str]
    body: dict[str, str]
    presets: tuple[PresetSource, ...] = ()
    terms: tuple[TermSource, ...] = ()
    exercises: tuple[ExerciseSource, ...] = ()

    def field_values(self) -> dict[str, object]:
        """The model field values, e.g. {"order": 1, "title_en": ..., "title_uz": ...}."""
        values: dict[str, object] = {"order": self.order}
        for name in ("title", "summary", "body"):
            for language, text in getattr(self, name).items():
                values[f"{name}_{language}"] = text
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


def _load_toml(path: Path) -> dict:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ContentError(f"{path}: not valid TOML ({error}).") from error


def _entries(path: Path, table: str) -> Iterator[tuple[int, dict, str, str]]:
    """The [[table]] entries of a TOML file, in order, each with a valid slug of its own:
    (order, entry, slug, where), `where` naming the entry in error messages."""
    seen = set()
    for order, raw in enumerate(_load_toml(path).get(table, []), start=1):
        slug = raw.get("slug", "")
        where = f"{path}: {table} {slug or order}"
        if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug or ""):
            raise ContentError(f"{where}: slug must be lowercase letters, digits and dashes.")
        if slug in seen:
            raise ContentError(f"{where}: two {table}s share this slug.")
        seen.add(slug)
        yield order, raw, slug, where


def parse_presets(path: Path, languages: list[str]) -> tuple[PresetSource, ...]:
    """The presets of one lesson, checked: known settings with valid values, both languages."""
    # Imported here: the form needs the app's models, which need the apps loaded.
    from lessons.lab.forms import LabSettingsForm, preset_settings_problems

    # A preset may set exactly what a learner can set in the lab's settings form.
    setting_keys = tuple(LabSettingsForm.Meta.fields)

    if not path.exists():
        return ()
    presets = []
    for order, raw, slug, where in _entries(path, "preset"):
        settings_values = raw.get("settings", {})
        unknown = sorted(set(settings_values) - set(setting_keys))
        if unknown:
            raise ContentError(f"{where}: unknown settings {unknown}; use {setting_keys}.")
        problems = preset_settings_problems(settings_values)
        if problems:
            raise ContentError(f"{where}: {problems}")
        inputs = raw.get("inputs", {})
        unknown = sorted(set(inputs) - set(PRESET_INPUT_KEYS))
        if unknown:
            raise ContentError(f"{where}: unknown inputs {unknown}; use {PRESET_INPUT_KEYS}.")
        text = {}
        for language in languages:
            texts = raw.get(language, {})
            missing = [key for key in PRESET_TEXT_KEYS if not str(texts.get(key, "")).strip()]
            if missing:
                raise ContentError(f"{where}: [preset.{language}] lacks {', '.join(missing)}.")
            text[language] = {key: str(texts[key]).strip() for key in PRESET_TEXT_KEYS}
        presets.append(PresetSource(slug, order, settings_values, inputs, text))
    return tuple(presets)


def parse_glossary(path: Path, languages: list[str]) -> tuple[TermSource, ...]:
    if not path.exists():
        return ()
    terms = []
    for number, raw in enumerate(_load_toml(path).get("term", []), start=1):
        term, definition = {}, {}
        for language in languages:
            term[language] = str(raw.get(language, "")).strip()
            definition[language] = str(raw.get(f"{language}_definition", "")).strip()
            if not term[language] or not definition[language]:
                raise ContentError(
                    f"{path}: term {number} needs `{language}` and `{language}_definition`."
                )
        terms.append(TermSource(term, definition))
    return tuple(terms)


def parse_exercises(path: Path, languages: list[str]) -> tuple[ExerciseSource, ...]:
    """The exercises of one lesson, checked: a known check or a valid question, both languages."""
    from lessons.exercises.checks import load_all_checks

    if not path.exists():
        return ()
    checks = load_all_checks()
    exercises = []
    for order, raw, slug, where in _entries(path, "exercise"):
        kind = raw.get("kind")
        if kind not in {"lab", "question"}:
            raise ContentError(f'{where}: kind must be "lab" or "question".')
        check_name = raw.get("check", "") if kind == "lab" else ""
        if kind == "lab" and check_name not in checks:
            raise ContentError(
                f"{where}: no check named {check_name!r} in lessons/exercises/checks/."
            )
        text, choices = {}, {}
        for language in languages:
            texts = raw.get(language, {})
            if not str(texts.get("goal", "")).strip():
                raise ContentError(f"{where}: [exercise.{language}] lacks goal.")
            hints = texts.get("hints", [])
            if not isinstance(hints, list) or not all(isinstance(hint, str) for hint in hints):
                raise ContentError(f"{where}: [exercise.{language}] hints must be a list of texts.")
            text[language] = {
                "goal": str(texts["goal"]).strip(),
                "hints": "\n\n".join(" ".join(hint.split()) for hint in hints),
                "solution": str(texts.get("solution", "")).strip(),
                "explanation": str(texts.get("explanation", "")).strip(),
            }
            if kind == "question":
                choices[language] = [str(choice) for choice in texts.get("choices", [])]
        answer = ""
        if kind == "question":
            lengths = {len(options) for options in choices.values()}
            if len(lengths) != 1 or lengths.pop() < 2:
                raise ContentError(
                    f"{where}: a question needs the same 2+ choices in every language."
                )
            answer = raw.get("answer")
            if not isinstance(answer, int) or not 0 <= answer < len(choices[languages[0]]):
                raise ContentError(
                    f"{where}: answer must be the 0-based index of the right choice."
                )
            answer = str(answer)
            missing = [language for language in languages if not text[language]["explanation"]]
            if missing:
                raise ContentError(f"{where}: a question needs an explanation in {missing}.")
        preset = raw.get("preset", "")
        if preset and kind != "lab":
            raise ContentError(f"{where}: only a lab exercise can name a preset.")
        if not isinstance(preset, str):
            raise ContentError(f"{where}: preset must be the slug of one of the lesson's presets.")
        exercises.append(
            ExerciseSource(slug, order, kind, check_name, choices, answer, text, preset)
        )
    return tuple(exercises)


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
        presets = parse_presets(lesson_dir / "presets.toml", languages)
        exercises = parse_exercises(lesson_dir / "exercises.toml", languages)
        preset_slugs = {preset.slug for preset in presets}
        for exercise in exercises:
            if exercise.preset and exercise.preset not in preset_slugs:
                raise ContentError(
                    f"{lesson_dir / 'exercises.toml'}: exercise {exercise.slug!r} names the preset "
                    f"{exercise.preset!r}, which is not in presets.toml."
                )
        sources.append(
            LessonSource(
                slug=match["slug"],
                order=int(match["order"]),
                title=title,
                summary=summary,
                body=body,
                presets=presets,
                terms=parse_glossary(lesson_dir / "glossary.toml", languages),
                exercises=exercises,
            )
        )
    orders = [source.order for source in sources]
    duplicates = sorted({order for order in orders if orders.count(order) > 1})
    if duplicates:
        raise ContentError(f"{content_dir}: two lessons share the order {duplicates}.")
    return sources
