from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from lessons.models import Classroom, Lesson


def database_id(raw) -> int | None:
    """A form's id as a whole number a database can hold, else None (a database refuses
    to even compare a number past 64 bits)."""
    text = str(raw or "")
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


class LessonsField(forms.ModelMultipleChoiceField):
    """Lessons by id. An id that is no whole number the database could hold is simply
    not a choice."""

    def _check_values(self, value):
        for pk in value:
            if database_id(pk) is None:
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                )
        return super()._check_values(value)


class ClassroomForm(forms.ModelForm):
    lessons = LessonsField(
        queryset=Lesson.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Lessons"),
        help_text=_("None ticked: every lesson of the course."),
    )

    class Meta:
        model = Classroom
        fields = ["name", "lessons", "show_solutions", "default_language"]


class JoinForm(forms.Form):
    code = forms.CharField(label=_("Join code"), max_length=40)
    name = forms.CharField(label=_("Your name"), max_length=200)
