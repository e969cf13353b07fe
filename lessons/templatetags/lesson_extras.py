"""Template helpers for lesson pages."""

from django import template
from django.utils.safestring import SafeString

from lessons.lesson_body import lesson_body_html
from lessons.markdown_rendering import markdown_inline as markdown_inline_html

register = template.Library()


@register.filter
def markdown_inline(text: str) -> SafeString:
    """A short trusted Markdown text (preset steps) as inline HTML, without the <p>."""
    return markdown_inline_html(text)


@register.simple_tag(takes_context=True)
def lesson_body(context, lesson) -> SafeString:
    """The lesson's body for this reader: boxes, links and images filled in."""
    return lesson_body_html(context["request"], lesson)
