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
