"""Template helpers for lesson pages."""

import markdown
from django import template
from django.utils.safestring import SafeString, mark_safe

from lessons.lesson_body import lesson_body_html

register = template.Library()


@register.filter
def markdown_inline(text: str) -> SafeString:
    """A short trusted Markdown text (preset steps) as inline HTML, without the <p>."""
    html = markdown.markdown(text or "")
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return mark_safe(html)


@register.simple_tag(takes_context=True)
def lesson_body(context, lesson) -> SafeString:
    """The lesson's body for this reader: boxes, links and images filled in."""
    return lesson_body_html(context["request"], lesson)
