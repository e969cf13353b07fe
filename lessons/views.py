import importlib.util
from functools import cache
from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import translation
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

from lessons.classroom.services import classroom_of
from lessons.engines import ENGINE_BY_PATH
from lessons.exercise_boxes import exercises_with_progress
from lessons.exercises.progress import course_progress, course_totals
from lessons.htmx import HtmxHttpRequest
from lessons.learners import existing_learner, lab_config_for
from lessons.markdown_rendering import focusable_code
from lessons.models import GlossaryTerm, Lesson
from lessons.search import MAX_QUERY_LENGTH, normalize_query, search_lessons
from lessons.session_engines import SHOWN_SOURCES

# The lesson that teaches how to write an engine; the source pages link back to it.
ENGINE_LESSON_SLUG = "writing-your-own-engine"


@require_GET
def lesson_list(request: HtmxHttpRequest) -> HttpResponse:
    """The course: every lesson in order, with its summary."""
    learner = existing_learner(request)
    classroom = classroom_of(learner)
    # A classroom's learners see its lessons.
    lessons = list(classroom.course_lessons() if classroom else Lesson.objects.all())
    progress = course_progress(learner)
    totals = course_totals(progress, lessons)
    context = {
        "lessons": [(lesson, progress.get(lesson.id)) for lesson in lessons],
        "done": totals.done,
        "total": totals.total,
        "classroom": classroom,
    }
    return render(request, "lessons/lesson_list.html", context)


@require_GET
def lesson_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """One lesson, with its table of contents and links to its neighbours.

    Previous/next links carry real hrefs; with htmx they swap only the
    lesson content (the "lesson" partial) instead of the whole page.
    """
    lesson = get_object_or_404(Lesson, slug=slug)
    learner = existing_learner(request)
    context = {
        "lesson": lesson,
        "exercises": exercises_with_progress(learner, lesson, lab_config_for(learner).preset),
        "previous_lesson": Lesson.objects.filter(order__lt=lesson.order).order_by("-order").first(),
        "next_lesson": Lesson.objects.filter(order__gt=lesson.order).order_by("order").first(),
    }
    template_name = "lessons/lesson_detail.html"
    if request.htmx and not request.htmx.boosted:
        template_name += "#lesson-swap"
    return render(request, template_name, context)


@require_GET
def search(request: HtmxHttpRequest) -> HttpResponse:
    """Lessons in the reader's language that contain every word of `q`."""
    language = translation.get_language()
    raw_query = request.GET.get("q", "")
    query = normalize_query(raw_query, language)
    context = {
        "query": query,
        "too_long": len(raw_query.strip()) > MAX_QUERY_LENGTH,
        "hits": search_lessons(query, language),
    }
    return render(request, "lessons/search.html", context)


@require_GET
def glossary(request: HtmxHttpRequest) -> HttpResponse:
    """Every term of the course in both languages, each with the lesson that teaches it."""
    language = translation.get_language()
    other = next(code for code, _name in settings.LANGUAGES if code != language)
    # A term several lessons teach is one row, defined by the first of them.
    rows: dict[str, dict] = {}
    for term in GlossaryTerm.objects.select_related("lesson").order_by("lesson__order", "id"):
        name = getattr(term, f"term_{language}") or ""
        row = rows.setdefault(
            name.casefold(),
            {
                "term": name,
                "other": getattr(term, f"term_{other}"),
                "definition": getattr(term, f"definition_{language}"),
                "lessons": [],
            },
        )
        if term.lesson not in row["lessons"]:
            row["lessons"].append(term.lesson)
    rows = [rows[key] for key in sorted(rows)]
    return render(request, "lessons/glossary.html", {"rows": rows, "other_language": other})


@cache
def highlighted_source(module_name: str) -> tuple[str, str, int]:
    """A module's source as highlighted HTML, its path in the project and its line count."""
    path = Path(importlib.util.find_spec(module_name).origin)
    code = path.read_text(encoding="utf-8")
    html = focusable_code(highlight(code, PythonLexer(), HtmlFormatter(cssclass="highlight")))
    return html, str(path.relative_to(settings.BASE_DIR)), code.count("\n")


@require_GET
def engine_source(request: HtmxHttpRequest, name: str) -> HttpResponse:
    """The source code of one of this project's session engines, as lessons link to it."""
    module_name = SHOWN_SOURCES.get(name)
    if module_name is None:
        raise Http404("No such engine.")
    html, path, lines = highlighted_source(module_name)
    context = {
        "name": name,
        "engine_path": module_name,
        "in_lab": module_name in ENGINE_BY_PATH,
        "path": path,
        "lines": lines,
        "source_html": mark_safe(html),  # Pygments escapes the code itself
        "lesson": Lesson.objects.filter(slug=ENGINE_LESSON_SLUG).first(),
    }
    return render(request, "lessons/engine_source.html", context)
