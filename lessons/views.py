from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET
from django_htmx.middleware import HtmxDetails

from lessons.models import Lesson


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


@require_GET
def lesson_list(request: HtmxHttpRequest) -> HttpResponse:
    """The course: every lesson in order, with its summary."""
    lessons = Lesson.objects.only("slug", "order", "title", "summary")
    return render(request, "lessons/lesson_list.html", {"lessons": lessons})


@require_GET
def lesson_detail(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """One lesson, with its table of contents and links to its neighbours.

    Previous/next links carry real hrefs; with htmx they swap only the
    lesson content (the "lesson" partial) instead of the whole page.
    """
    lesson = get_object_or_404(Lesson, slug=slug)
    context = {
        "lesson": lesson,
        "previous_lesson": Lesson.objects.filter(order__lt=lesson.order).order_by("-order").first(),
        "next_lesson": Lesson.objects.filter(order__gt=lesson.order).order_by("order").first(),
    }
    template_name = "lessons/lesson_detail.html"
    if request.htmx and not request.htmx.boosted:
        template_name += "#lesson-swap"
    return render(request, template_name, context)
