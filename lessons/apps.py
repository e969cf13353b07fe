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
        from lessons.lab import session_settings

        session_settings.install()
        checks.register(session_settings.check_session_modules)
        user_logged_in.connect(start_limited_session, dispatch_uid="start_limited_session")
