"""Template helpers for exercise boxes."""

from django import template
from django.conf import settings
from django.utils import translation
from django.utils.safestring import SafeString

from lessons.markdown_rendering import render_lesson_markdown

register = template.Library()


@register.filter
def choices_for_language(exercise) -> list[str]:
    """A question's choices in the reader's language (English if missing)."""
    choices = exercise.choices or {}
    return choices.get(translation.get_language()) or choices.get("en", [])


@register.filter
def markdown_block(text: str) -> SafeString:
    """A worked solution: Markdown with highlighted code, trusted content."""
    return render_lesson_markdown(text or "").html


@register.simple_tag
def solution_policy() -> dict:
    return {"enabled": settings.EXERCISE_SHOW_SOLUTIONS, "after": settings.EXERCISE_SOLUTION_AFTER}
