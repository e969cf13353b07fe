from django.conf import settings
from modeltranslation.translator import TranslationOptions, register

from lessons.models import Exercise, GlossaryTerm, LabPreset, Lesson

# Every text is written in every language of the site.
SITE_LANGUAGES = tuple(code for code, _name in settings.LANGUAGES)


@register(Lesson)
class LessonTranslationOptions(TranslationOptions):
    fields = ("title", "summary", "body")
    required_languages = SITE_LANGUAGES


@register(LabPreset)
class LabPresetTranslationOptions(TranslationOptions):
    fields = ("title", "steps", "watch")
    required_languages = SITE_LANGUAGES


@register(GlossaryTerm)
class GlossaryTermTranslationOptions(TranslationOptions):
    fields = ("term", "definition")
    required_languages = SITE_LANGUAGES


@register(Exercise)
class ExerciseTranslationOptions(TranslationOptions):
    fields = ("goal", "hints", "solution", "explanation")
    required_languages = {code: ("goal",) for code in SITE_LANGUAGES}
