from modeltranslation.translator import TranslationOptions, register

from lessons.models import Lesson


@register(Lesson)
class LessonTranslationOptions(TranslationOptions):
    fields = ("title", "summary", "body")
    required_languages = ("en", "uz")
