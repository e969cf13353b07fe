from modeltranslation.translator import TranslationOptions, register

from lessons.models import Exercise, GlossaryTerm, LabPreset, Lesson


@register(Lesson)
class LessonTranslationOptions(TranslationOptions):
    fields = ("title", "summary", "body")
    required_languages = ("en", "uz")


@register(LabPreset)
class LabPresetTranslationOptions(TranslationOptions):
    fields = ("title", "steps", "watch")
    required_languages = ("en", "uz")


@register(GlossaryTerm)
class GlossaryTermTranslationOptions(TranslationOptions):
    fields = ("term", "definition")
    required_languages = ("en", "uz")


@register(Exercise)
class ExerciseTranslationOptions(TranslationOptions):
    fields = ("goal", "hints", "solution", "explanation")
    required_languages = {"en": ("goal",), "uz": ("goal",)}
