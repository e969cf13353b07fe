"""Exercises and how far each learner got with them."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from lessons.models.content import Lesson
from lessons.models.learners import Learner


class Exercise(models.Model):
    """Something a learner does (in the lab) or answers (a question); checked by the server.

    A "lab" exercise names a check function in lessons/exercises/checks/
    that reads the evidence the lab recorded; a "question" has choices and
    an answer. Goal, hints, solution and explanation are translated.
    """

    class Kind(models.TextChoices):
        LAB = "lab", _("lab exercise")
        QUESTION = "question", _("question")

    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="exercises")
    slug = models.SlugField(max_length=60)
    order = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    check_name = models.CharField(max_length=80, blank=True)
    # The lesson's lab preset that sets the lab up for a lab exercise, offered after a failed check.
    preset_slug = models.SlugField(max_length=60, blank=True)
    choices = models.JSONField(default=list, blank=True)
    answer = models.CharField(max_length=200, blank=True)
    goal = models.TextField(_("goal"))
    # One hint per paragraph (separated by a blank line), shown one at a time.
    hints = models.TextField(_("hints"), blank=True)
    solution = models.TextField(_("worked solution"), blank=True)
    explanation = models.TextField(_("explanation"), blank=True)

    class Meta:
        ordering = ["lesson__order", "order"]
        constraints = [
            models.UniqueConstraint(fields=["lesson", "slug"], name="unique_exercise_per_lesson")
        ]
        verbose_name = _("exercise")
        verbose_name_plural = _("exercises")

    def __str__(self) -> str:
        return f"{self.lesson.slug}/{self.slug}"

    def hint_list(self) -> list[str]:
        return [hint.strip() for hint in (self.hints or "").split("\n\n") if hint.strip()]


class ExerciseProgress(models.Model):
    """How far one learner got with one exercise."""

    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="progress")
    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="progress")
    attempts = models.PositiveIntegerField(default=0)
    hints_shown = models.PositiveSmallIntegerField(default=0)
    passed_at = models.DateTimeField(null=True, blank=True)
    # The last verdict, as the learner saw it (in their language then).
    last_message = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "exercise"], name="one_progress_per_exercise"
            )
        ]

    def __str__(self) -> str:
        return f"{self.learner} {self.exercise}: {'done' if self.passed_at else self.attempts}"
