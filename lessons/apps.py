from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class LessonsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "lessons"
    verbose_name = _("Lessons")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from lessons.classroom.session_limits import start_limited_session
        from lessons.exercises.progress import on_lab_request_recorded
        from lessons.lab import session_settings
        from lessons.lab.signals import lab_request_recorded

        session_settings.install()
        checks.register(session_settings.check_session_modules)
        user_logged_in.connect(start_limited_session, dispatch_uid="start_limited_session")
        lab_request_recorded.connect(on_lab_request_recorded, dispatch_uid="solve_exercises")
