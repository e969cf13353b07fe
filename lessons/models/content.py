"""The course: lessons, their "Try it in the lab" presets and their glossary terms."""

import hashlib

from django.db import models
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from lessons.markdown_rendering import RenderedMarkdown, render_lesson_markdown


class Lesson(models.Model):
    """One lesson of the course.

    Title, summary and body are translated fields (see translation.py): the
    database holds `title_en`, `title_uz` and so on, and `lesson.title` gives
    the one of the active language. The body is Markdown; it is rendered when
    shown, so an edit in the admin is live at once.
    """

    slug = models.SlugField(_("slug"), unique=True, max_length=80)
    order = models.PositiveSmallIntegerField(_("order"), db_index=True)
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"))
    body = models.TextField(_("body (Markdown)"))
    # A fingerprint of the English text the Uzbek text was last written or
    # reviewed against: when the English changes, the Uzbek is flagged.
    uz_reviewed_against = models.CharField(
        _("Uzbek reviewed against"), max_length=64, blank=True, editable=False
    )

    class Meta:
        ordering = ["order", "slug"]
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")

    def __str__(self) -> str:
        return f"{self.order}. {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("lessons:lesson_detail", kwargs={"slug": self.slug})

    @cached_property
    def rendered_body(self) -> RenderedMarkdown:
        return render_lesson_markdown(self.body)

    def english_fingerprint(self) -> str:
        """A hash of the English title, summary and body."""
        text = "\x00".join([self.title_en or "", self.summary_en or "", self.body_en or ""])
        return hashlib.sha256(text.encode()).hexdigest()

    @property
    def uzbek_may_be_outdated(self) -> bool:
        """True when the English text changed after the Uzbek text was last reviewed."""
        return self.uz_reviewed_against != self.english_fingerprint()

    def mark_uzbek_reviewed(self) -> None:
        self.uz_reviewed_against = self.english_fingerprint()


class LabPreset(models.Model):
    """A "Try it in the lab" starting point of a lesson.

    `settings` holds LabConfig field values (the rest are Django's defaults);
    `inputs` pre-fills the lab's request form. Title, steps and what to watch
    are translated (see translation.py).
    """

    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="presets")
    slug = models.SlugField(max_length=60)
    order = models.PositiveSmallIntegerField(default=0)
    settings = models.JSONField(default=dict)
    inputs = models.JSONField(default=dict)
    title = models.CharField(_("title"), max_length=200)
    steps = models.TextField(_("what to do"))
    watch = models.TextField(_("what to watch for"))

    class Meta:
        ordering = ["lesson__order", "order"]
        constraints = [
            models.UniqueConstraint(fields=["lesson", "slug"], name="unique_preset_per_lesson")
        ]
        verbose_name = _("lab preset")
        verbose_name_plural = _("lab presets")

    def __str__(self) -> str:
        return f"{self.lesson.slug}/{self.slug}"


class GlossaryTerm(models.Model):
    """A term of the course in both languages, and the lesson that teaches it."""

    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="glossary_terms")
    term = models.CharField(_("term"), max_length=120)
    definition = models.TextField(_("definition"))

    class Meta:
        ordering = ["term_en"]
        verbose_name = _("glossary term")
        verbose_name_plural = _("glossary terms")

    def __str__(self) -> str:
        return self.term
