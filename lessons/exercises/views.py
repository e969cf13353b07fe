"""Exercise boxes (check, hint, answer) and the learner's progress page."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from lessons.exercise_boxes import exercise_box
from lessons.exercises.progress import (
    answer_question,
    check_lab_exercise,
    course_progress,
    course_totals,
    progress_for,
    reset_progress,
    reveal_next_hint,
)
from lessons.htmx import HtmxHttpRequest
from lessons.learners import (
    ResumeRefused,
    existing_learner,
    lab_config_for,
    learner_for,
    renew_resume_code,
    resume_code_for,
    resume_learner,
)
from lessons.models import Exercise

EXERCISE_TEMPLATE = "exercises/exercise.html"


def _exercise(lesson_slug: str, exercise_slug: str) -> Exercise:
    return get_object_or_404(
        Exercise.objects.select_related("lesson"), lesson__slug=lesson_slug, slug=exercise_slug
    )


def _answer(request: HtmxHttpRequest, exercise: Exercise, learner, verdict=None) -> HttpResponse:
    """The exercise box for htmx; without JavaScript, back to the lesson at the exercise."""
    if not request.htmx:
        return redirect(f"{exercise.lesson.get_absolute_url()}#exercise-{exercise.slug}")
    open_preset = lab_config_for(learner).preset if exercise.preset_slug else None
    box = exercise_box(learner, exercise, progress_for(learner, exercise), open_preset)
    context = {
        "exercise": exercise,
        "progress": box.progress,
        "solution_shown": box.solution_shown,
        "offer_preset": box.offer_preset,
        "verdict": verdict,
    }
    return render(request, EXERCISE_TEMPLATE, context)


@require_POST
def exercise_check(request: HtmxHttpRequest, lesson_slug: str, exercise_slug: str) -> HttpResponse:
    """Check a lab exercise against what the lab recorded. The request carries no evidence."""
    exercise = _exercise(lesson_slug, exercise_slug)
    learner = learner_for(request)
    if exercise.kind != Exercise.Kind.LAB:
        return _answer(request, exercise, learner)
    verdict = check_lab_exercise(learner, exercise)
    return _answer(request, exercise, learner, verdict)


@require_POST
def exercise_answer(request: HtmxHttpRequest, lesson_slug: str, exercise_slug: str) -> HttpResponse:
    exercise = _exercise(lesson_slug, exercise_slug)
    learner = learner_for(request)
    choice = request.POST.get("choice", "")
    valid = exercise.kind == Exercise.Kind.QUESTION and choice.isdigit()
    verdict = answer_question(learner, exercise, choice) if valid else None
    return _answer(request, exercise, learner, verdict)


@require_POST
def exercise_hint(request: HtmxHttpRequest, lesson_slug: str, exercise_slug: str) -> HttpResponse:
    exercise = _exercise(lesson_slug, exercise_slug)
    learner = learner_for(request)
    reveal_next_hint(learner, exercise)
    return _answer(request, exercise, learner)


def _progress_page(request: HtmxHttpRequest, status: int = 200, **extra) -> HttpResponse:
    learner = existing_learner(request)
    progress = course_progress(learner)
    totals = course_totals(progress)
    context = {
        "lessons": list(progress.values()),
        "done": totals.done,
        "total": totals.total,
        "complete": totals.complete,
        "resume_code": resume_code_for(learner) if learner else None,
        "resume_code_renewed": request.GET.get("code") == "new",
        **extra,
    }
    return render(request, "exercises/progress.html", context, status=status)


@never_cache
@require_GET
def progress_page(request: HtmxHttpRequest) -> HttpResponse:
    """Progress through the course, the resume code, and reset."""
    return _progress_page(request)


@require_POST
def progress_reset(request: HtmxHttpRequest) -> HttpResponse:
    """Forget the learner's exercise results, once they have confirmed it."""
    learner = existing_learner(request)
    if request.POST.get("confirm") != "yes":
        return render(request, "exercises/reset_confirm.html")
    if learner is not None:
        reset_progress(learner)
    return redirect(reverse("lessons:progress"))


@never_cache
@require_POST
def progress_resume(request: HtmxHttpRequest) -> HttpResponse:
    """Continue, in this browser, as the learner whose resume code was typed."""
    typed = request.POST.get("code", "")[:40]
    try:
        resume_learner(request, typed)
    except ResumeRefused as refusal:
        if refusal.reason != "wait":
            return _progress_page(request, 400, resume_refusal=refusal, resume_typed=typed)
        response = _progress_page(request, 429, resume_refusal=refusal, resume_typed=typed)
        response["Retry-After"] = str(refusal.wait_seconds)
        return response
    return redirect(reverse("lessons:progress"))


@require_POST
def progress_new_resume_code(request: HtmxHttpRequest) -> HttpResponse:
    """Replace the learner's resume code: whoever saw the old one can no longer use it."""
    learner = existing_learner(request)
    if learner is not None:
        renew_resume_code(request, learner)
    return redirect(reverse("lessons:progress") + "?code=new")
