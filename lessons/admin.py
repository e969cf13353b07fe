from django.contrib import admin
from modeltranslation.admin import TabbedTranslationAdmin

from lessons.models import Lesson


@admin.register(Lesson)
class LessonAdmin(TabbedTranslationAdmin):
    list_display = ("order", "title", "slug")
    list_display_links = ("title",)
    ordering = ("order",)
    search_fields = ("title_en", "title_uz", "slug")
    prepopulated_fields = {"slug": ("title_en",)}
