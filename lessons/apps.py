from django.apps import AppConfig
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


class LessonsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "lessons"
    verbose_name = _("Lessons")

    def ready(self):
        from axes import signals as axes_signals
        from django.contrib.auth import get_user_model
        from django.contrib.auth.signals import user_logged_in, user_logged_out
        from django.contrib.sessions.models import Session
        from django.db.models.signals import post_delete, post_save

        from lessons.classroom.session_limits import start_limited_session
        from lessons.classroom.steering import on_lab_action_requested, on_lab_page_opening
        from lessons.exercises.progress import on_lab_request_recorded
        from lessons.lab import session_settings
        from lessons.lab.signals import lab_action_requested, lab_page_opening, lab_request_recorded
        from lessons.lab.store import note_row_deleted, note_row_saved

        session_settings.install()
        checks.register(session_settings.check_session_modules)
        # The site's own logins only: the lab logs its demo users in and out inside
        # lab requests (lab/demo_users.py), where an instructor's session clocks and
        # django-axes's access log have no place.
        site_user = get_user_model()
        user_logged_in.connect(
            start_limited_session, sender=site_user, dispatch_uid="start_limited_session"
        )
        for signal, receiver in (
            (user_logged_in, axes_signals.handle_user_logged_in),
            (user_logged_out, axes_signals.handle_user_logged_out),
        ):
            if not signal.disconnect(receiver):
                raise ImproperlyConfigured(
                    f"django-axes no longer connects {receiver.__name__} as it did: the lab's "
                    "demo logins would reach its access log."
                )
            signal.connect(receiver, sender=site_user, dispatch_uid=f"axes_{receiver.__name__}")
        lab_request_recorded.connect(on_lab_request_recorded, dispatch_uid="solve_exercises")
        lab_page_opening.connect(on_lab_page_opening, dispatch_uid="follow_the_class")
        lab_action_requested.connect(on_lab_action_requested, dispatch_uid="paused_class")
        # The lab's Store panel shows the django_session row Django wrote without reading
        # it back (lab/store.py, seen_in_run).
        post_save.connect(note_row_saved, sender=Session, dispatch_uid="lab_row_saved")
        post_delete.connect(note_row_deleted, sender=Session, dispatch_uid="lab_row_deleted")
