from django import forms
from django.utils.translation import gettext_lazy as _

from lessons.models import Classroom, Lesson


class ClassroomForm(forms.ModelForm):
    lessons = forms.ModelMultipleChoiceField(
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
