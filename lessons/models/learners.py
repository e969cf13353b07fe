"""Who uses the site: learners, and the site's own sessions that name them."""

import hashlib
import secrets
import uuid
from importlib import import_module
from pathlib import Path

from django.conf import settings
from django.contrib.sessions.base_session import AbstractBaseSession, BaseSessionManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class SiteSessionManager(BaseSessionManager):
    def get_queryset(self):
        # A session is loaded with its learner and their lab settings (not the preset's
        # lesson, whose text is long): most pages need them.
        return super().get_queryset().select_related("learner__lab_config__preset")


class SiteSession(AbstractBaseSession):
    """A session of the site itself, kept apart from the lab's (see session_engines/site_sessions.py).

    `learner` is the learner the session names, written by the engine on each save
    from the session's own data: loading the session brings the learner along.
    """

    learner = models.ForeignKey(
        "Learner", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = SiteSessionManager()

    class Meta(AbstractBaseSession.Meta):
        verbose_name = _("site session")
        verbose_name_plural = _("site sessions")

    @classmethod
    def get_session_store_class(cls):
        # The site's SESSION_ENGINE is the engine of this table (the lab's own
        # settings never reach django.conf.settings); named by setting, as a model
        # does not import the engine built on it.
        return import_module(settings.SESSION_ENGINE).SessionStore


def new_cross_site_token() -> str:
    return secrets.token_urlsafe(16)


class Learner(models.Model):
    """Someone using the site, anonymous by default.

    Tied to the site's own session (not the lab's, which learners break on
    purpose) and kept in the database, so lab settings and history survive a
    reload, a server restart and a Redis restart.
    """

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    # Names the learner in requests from the lab's cross-site page, which by
    # design arrive without the site's own (SameSite=Lax) session cookie.
    cross_site_token = models.CharField(
        max_length=32, unique=True, default=new_cross_site_token, editable=False
    )
    # "Resume on another device": a short code, made when first asked for.
    resume_code = models.CharField(max_length=12, unique=True, null=True, blank=True)
    # Raised with every new resume code: browsers that came in with an older one
    # are no longer this learner.
    resume_generation = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_seen_at = models.DateTimeField(_("last seen"), auto_now=True)

    class Meta:
        verbose_name = _("learner")
        verbose_name_plural = _("learners")

    def __str__(self) -> str:
        return str(self.public_id)

    @property
    def lab_file_directory(self) -> Path:
        """Where the lab's file engine keeps this learner's sessions (SESSION_FILE_PATH).

        A directory of their own: Django's clearsessions reads every file in
        SESSION_FILE_PATH with the running settings' cookie name and age, so
        in a shared directory one learner's run would delete the others' files.
        """
        # Named after the learner's public id (never reused, unlike a row id), hashed.
        name = hashlib.sha256(self.public_id.bytes).hexdigest()[:24]
        return Path(settings.LAB_SESSION_FILE_PATH) / f"learner-{name}"
