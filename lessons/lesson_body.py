"""Serve a lesson body: fill in its "Try it" boxes, engine comparison and links."""

import re
from functools import cache

from django.contrib.staticfiles import finders
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from lessons.lab.measure import ROUNDS as MEASURE_ROUNDS
from lessons.models import Lesson

SLOT = re.compile(r'<div class="lesson-slot" data-slot="([^"]+)"></div>')
# A lesson diagram: an SVG image of the project's own static files.
DIAGRAM = re.compile(r'<img ([^>]*?)src="static:([^"]+\.svg)"([^>]*)>')
VIEW_BOX = re.compile(r'viewBox="[-\d.]+ [-\d.]+ ([\d.]+) ([\d.]+)"')
SPECIAL_URL = re.compile(r'(href|src)="(lesson|lab|static|source):([^"]*)"')


def _special_url(match: re.Match) -> str:
    attribute, scheme, target = match.groups()
    if scheme == "static":
        url = static(target)
    elif scheme == "lab":
        url = reverse("lessons:lab")
    elif scheme == "source":
        try:
            url = reverse("lessons:engine_source", kwargs={"name": target})
        except NoReverseMatch:
            url = "#"
    else:
        try:
            url = reverse("lessons:lesson_detail", kwargs={"slug": target})
        except NoReverseMatch:
            url = "#"
    return f'{attribute}="{escape(url)}"'


@cache
def diagram_size(path: str) -> tuple[str, str] | None:
    """An SVG diagram's width and height, from its viewBox, so the page keeps its place."""
    found = finders.find(path)
    if not found:
        return None
    with open(found, encoding="utf-8") as svg:
        match = VIEW_BOX.search(svg.read(2000))
    return (match.group(1), match.group(2)) if match else None


def _diagram(match: re.Match) -> str:
    """The diagram with its size, inside a link that opens it alone, to zoom."""
    before, path, after = match.groups()
    size = diagram_size(path)
    sized = f' width="{size[0]}" height="{size[1]}"' if size else ""
    return (
        f'<a class="diagram-link" href="static:{path}">'
        f'<img {before}src="static:{path}"{sized}{after}></a>'
    )


def lesson_body_html(request: HttpRequest, lesson: Lesson) -> SafeString:
    """The lesson's HTML for this request's language, with its boxes in place."""
    presets = {preset.slug: preset for preset in lesson.presets.all()}

    def fill_slot(match: re.Match) -> str:
        slot = match.group(1)
        if slot == "measure-engines":
            return render_to_string(
                "lessons/measure_engines.html", {"rounds": MEASURE_ROUNDS}, request=request
            )
        preset = presets.get(slot.removeprefix("try:"))
        if preset is None:
            return ""
        return render_to_string(
            "lessons/try_it.html", {"preset": preset, "lesson": lesson}, request=request
        )

    html = DIAGRAM.sub(_diagram, lesson.rendered_body.html)
    html = SPECIAL_URL.sub(_special_url, html)
    return mark_safe(SLOT.sub(fill_slot, html))
