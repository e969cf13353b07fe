"""The lab: a learner's settings, the session keys it handed out, and the timeline."""

from pathlib import Path

from django.conf import global_settings, settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lessons.engines import ENGINES
from lessons.models.learners import Learner


class LabConfig(models.Model):
    """One learner's lab settings, named after the Django settings they stand for.

    Defaults are Django's own (django/conf/global_settings.py).
    """

    class SameSite(models.TextChoices):
        LAX = "Lax", "Lax"
        STRICT = "Strict", "Strict"
        NONE = "None", "None"
        UNSET = "", _("unset (no attribute)")

    learner = models.OneToOneField(
        Learner, on_delete=models.CASCADE, primary_key=True, related_name="lab_config"
    )
    engine = models.CharField("SESSION_ENGINE", max_length=20, default="db")
    cookie_age = models.PositiveIntegerField(
        "SESSION_COOKIE_AGE", default=global_settings.SESSION_COOKIE_AGE
    )
    cookie_name = models.CharField(
        "SESSION_COOKIE_NAME", max_length=100, default=global_settings.SESSION_COOKIE_NAME
    )
    cookie_path = models.CharField(
        "SESSION_COOKIE_PATH", max_length=200, default=global_settings.SESSION_COOKIE_PATH
    )
    cookie_domain = models.CharField("SESSION_COOKIE_DOMAIN", max_length=200, blank=True)
    cookie_secure = models.BooleanField(
        "SESSION_COOKIE_SECURE", default=global_settings.SESSION_COOKIE_SECURE
    )
    cookie_httponly = models.BooleanField(
        "SESSION_COOKIE_HTTPONLY", default=global_settings.SESSION_COOKIE_HTTPONLY
    )
    cookie_samesite = models.CharField(
        "SESSION_COOKIE_SAMESITE",
        max_length=6,
        choices=SameSite.choices,
        default=global_settings.SESSION_COOKIE_SAMESITE,
        blank=True,
    )
    expire_at_browser_close = models.BooleanField(
        "SESSION_EXPIRE_AT_BROWSER_CLOSE", default=global_settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    )
    save_every_request = models.BooleanField(
        "SESSION_SAVE_EVERY_REQUEST", default=global_settings.SESSION_SAVE_EVERY_REQUEST
    )
    # Which cache the cache and cached_db engines use. Django's default alias
    # is "default"; the lab's caches are named after their servers.
    cache_alias = models.CharField(
        "SESSION_CACHE_ALIAS",
        max_length=20,
        choices=[("redis", "redis"), ("memcached", "memcached")],
        default="redis",
    )
    # The "Try it in the lab" preset the learner started from, if any: the lab
    # shows its instructions until the learner resets or picks another.
    preset = models.ForeignKey(
        "LabPreset", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    # The learner's recent saves, oldest first, shown among the requests in the
    # timeline: [{"at": ISO time, "reset": bool, "changes": [{name, before, now}]}].
    settings_saves = models.JSONField(default=list, blank=True, editable=False)
    # Browser B's cookie jar (lab/browser_b.py): the cookies the simulated second
    # browser holds, as http.cookiejar keeps them.
    browser_b_cookies = models.JSONField(default=list, blank=True, editable=False)

    class Meta:
        verbose_name = _("lab settings")
        verbose_name_plural = _("lab settings")

    def __str__(self) -> str:
        return f"{self.engine} / {self.cookie_name}"

    def session_settings(self) -> dict[str, object]:
        """These settings under their Django names, as the session code reads them."""
        return {
            "SESSION_ENGINE": ENGINES[self.engine].path,
            "SESSION_COOKIE_AGE": self.cookie_age,
            "SESSION_COOKIE_NAME": self.cookie_name,
            "SESSION_COOKIE_PATH": self.cookie_path,
            "SESSION_COOKIE_DOMAIN": self.cookie_domain or None,
            "SESSION_COOKIE_SECURE": self.cookie_secure,
            "SESSION_COOKIE_HTTPONLY": self.cookie_httponly,
            # Django's "no attribute" value is False, not an empty string.
            "SESSION_COOKIE_SAMESITE": self.cookie_samesite or False,
            "SESSION_EXPIRE_AT_BROWSER_CLOSE": self.expire_at_browser_close,
            "SESSION_SAVE_EVERY_REQUEST": self.save_every_request,
            "SESSION_CACHE_ALIAS": self.cache_alias,
            "SESSION_FILE_PATH": str(
                self.learner.lab_file_directory
                if self.learner_id
                else Path(settings.LAB_SESSION_FILE_PATH)
            ),
        }


class LabSessionKey(models.Model):
    """A session key the lab handed to this learner's browser.

    The lab only loads sessions whose key it gave this learner, so no cookie
    value a learner types can reach another learner's session (or the site's
    own sessions, which share the django_session table).
    """

    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="lab_session_keys")
    engine = models.CharField(max_length=20)
    session_key = models.CharField(max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["engine", "session_key"], name="unique_lab_session_key")
        ]

    def __str__(self) -> str:
        return f"{self.engine}:{self.session_key}"


class LabExchange(models.Model):
    """One lab request and its response, as the timeline shows it."""

    class Browser(models.TextChoices):
        A = "a", _("Your browser")
        B = "b", _("Browser B")

    # Indexed as the first column of labexchange_latest (below), not on its own.
    learner = models.ForeignKey(
        Learner, on_delete=models.CASCADE, related_name="lab_exchanges", db_index=False
    )
    # Which browser sent it: the learner's own, or Browser B, simulated by the server.
    browser = models.CharField(max_length=1, choices=Browser, default=Browser.A)
    # The request's place in the learner's timeline, counted from 1 since it was last
    # cleared; it stays with the request when older ones are trimmed.
    number = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    action = models.CharField(max_length=40)
    # What the learner gave the action ({"key": "cart", "value": [...]}), as parsed.
    inputs = models.JSONField(default=dict, blank=True)
    python = models.TextField()
    method = models.CharField(max_length=10, default="POST")
    path = models.CharField(max_length=200)
    status_code = models.PositiveSmallIntegerField()
    settings_snapshot = models.JSONField()
    cookie_header = models.TextField(blank=True)
    set_cookie_headers = models.JSONField(default=list)
    vary = models.CharField(max_length=200, blank=True)
    session_key = models.CharField(max_length=4096, blank=True)
    result = models.JSONField(null=True)
    notes = models.JSONField(default=list)
    store = models.JSONField(default=dict)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # Every lab request reads a learner's latest exchanges in this order: the
            # database walks this index back and stops at the last one asked for, instead
            # of sorting all of the learner's exchanges.
            models.Index(fields=["learner", "created_at", "id"], name="labexchange_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%H:%M:%S} {self.action}"


class LabObservation(models.Model):
    """What the lab page's JavaScript saw after a lab request (document.cookie).

    Only the browser knows it; checks use it only where nothing else can know,
    and only when it agrees with what the server recorded.
    """

    exchange = models.OneToOneField(
        LabExchange, on_delete=models.CASCADE, related_name="observation"
    )
    document_cookie = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"observation of {self.exchange_id}"

    def visible_cookie_names(self) -> set[str]:
        # document.cookie has the Cookie header's form ("a=1; b=2").
        return {pair.strip().partition("=")[0] for pair in self.document_cookie.split(";")} - {""}
