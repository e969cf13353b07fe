"""Classrooms an instructor runs, and the learners who joined them."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lessons.codes import random_code
from lessons.models.content import Lesson
from lessons.models.learners import Learner


def new_join_code() -> str:
    return random_code(JOIN_CODE_LENGTH)


# Short enough to read off a projector, from an alphabet without look-alikes.
JOIN_CODE_LENGTH = 6


class Classroom(models.Model):
    """A class an instructor runs: learners join with its code, the dashboard follows them."""

    name = models.CharField(_("name"), max_length=100)
    join_code = models.CharField(
        _("join code"), max_length=12, unique=True, default=new_join_code, editable=False
    )
    instructors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="classrooms", verbose_name=_("instructors")
    )
    # Empty: every lesson of the course.
    lessons = models.ManyToManyField(Lesson, blank=True, verbose_name=_("lessons"))
    show_solutions = models.BooleanField(_("show worked solutions"), default=True)
    default_language = models.CharField(
        _("default language"), max_length=5, choices=settings.LANGUAGES, default="en"
    )
    is_open = models.BooleanField(_("open for joining"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Steering: the preset the instructor last sent to every learner's lab, counted so that
    # each learner gets each sending once; a paused class's labs are read-only.
    sent_preset = models.ForeignKey(
        "LabPreset", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sent_version = models.PositiveIntegerField(default=0, editable=False)
    paused = models.BooleanField(_("paused"), default=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("classroom")
        verbose_name_plural = _("classrooms")

    def __str__(self) -> str:
        return self.name

    def course_lessons(self):
        chosen = self.lessons.all()
        return chosen if chosen.exists() else Lesson.objects.all()


class Membership(models.Model):
    """A learner in a classroom, under the name they gave."""

    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="memberships")
    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="memberships")
    display_name = models.CharField(_("name"), max_length=40)
    joined_at = models.DateTimeField(auto_now_add=True)
    # The classroom's sent_version this learner's lab has followed.
    seen_version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["display_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["classroom", "learner"], name="one_membership_per_class"
            ),
            models.UniqueConstraint(
                fields=["classroom", "display_name"], name="unique_name_in_class"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} in {self.classroom}"
