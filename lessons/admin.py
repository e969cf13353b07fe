from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TabbedTranslationAdmin, TranslationTabularInline

from lessons.models import GlossaryTerm, LabPreset, Lesson


class LabPresetInline(TranslationTabularInline):
    model = LabPreset
    extra = 0
    fields = ("slug", "order", "title", "steps", "watch", "settings", "inputs")


class GlossaryTermInline(TranslationTabularInline):
    model = GlossaryTerm
    extra = 0


@admin.register(Lesson)
class LessonAdmin(TabbedTranslationAdmin):
    list_display = ("order", "title", "slug", "uzbek_up_to_date")
    list_display_links = ("title",)
    ordering = ("order",)
    search_fields = ("title_en", "title_uz", "slug")
    prepopulated_fields = {"slug": ("title_en",)}
    inlines = [LabPresetInline, GlossaryTermInline]
    actions = ["mark_uzbek_reviewed"]

    @admin.display(boolean=True, description=_("Uzbek up to date"))
    def uzbek_up_to_date(self, lesson: Lesson) -> bool:
        return not lesson.uzbek_may_be_outdated

    @admin.action(description=_("Mark the Uzbek text as reviewed against the English"))
    def mark_uzbek_reviewed(self, request, queryset):
        for lesson in queryset:
            lesson.mark_uzbek_reviewed()
            lesson.save(update_fields=["uz_reviewed_against"])
        self.message_user(request, _("Marked as reviewed."), messages.SUCCESS)

    def save_model(self, request, lesson, form, change):
        # Uzbek text edited in the same save as (or after) the English: it was
        # written against the English as it is now.
        if not change or any(name.endswith("_uz") for name in form.changed_data):
            lesson.mark_uzbek_reviewed()
        super().save_model(request, lesson, form, change)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        lesson = self.get_object(request, object_id)
        if request.method == "GET" and lesson is not None and lesson.uzbek_may_be_outdated:
            self.message_user(
                request,
                _(
                    "The English text changed after the Uzbek text was last written or reviewed: "
                    "the Uzbek may be out of date. Edit it, or mark it as reviewed."
                ),
                messages.WARNING,
            )
        return super().change_view(request, object_id, form_url, extra_context)
