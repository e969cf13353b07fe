import hashlib
import secrets
import uuid
from pathlib import Path

from django.conf import global_settings, settings
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from lessons.markdown_rendering import RenderedMarkdown, render_lesson_markdown


class Lesson(models.Model):
    """One lesson of the course.

    Title, summary and body are translated fields (see translation.py): the
    database holds `title_en`, `title_uz` and so on, and `lesson.title` gives
    the one of the active language. The body is Markdown; it is rendered when
    shown, so an edit in the admin is live at once.
    """

    slug = models.SlugField(_("slug"), unique=True, max_length=80)
    order = models.PositiveSmallIntegerField(_("order"), db_index=True)
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"))
    body = models.TextField(_("body (Markdown)"))
    # A fingerprint of the English text the Uzbek text was last written or
    # reviewed against: when the English changes, the Uzbek is flagged.
    uz_reviewed_against = models.CharField(
        _("Uzbek reviewed against"), max_length=64, blank=True, editable=False
    )

    class Meta:
        ordering = ["order", "slug"]
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")

    def __str__(self) -> str:
        return f"{self.order}. {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("lessons:lesson_detail", kwargs={"slug": self.slug})

    @cached_property
    def rendered_body(self) -> RenderedMarkdown:
        return render_lesson_markdown(self.body)

    def english_fingerprint(self) -> str:
        """A hash of the English title, summary and body."""
        text = "\x00".join([self.title_en or "", self.summary_en or "", self.body_en or ""])
        return hashlib.sha256(text.encode()).hexdigest()

    @property
    def uzbek_may_be_outdated(self) -> bool:
        """True when the English text changed after the Uzbek text was last reviewed."""
        return self.uz_reviewed_against != self.english_fingerprint()

    def mark_uzbek_reviewed(self) -> None:
        self.uz_reviewed_against = self.english_fingerprint()


class SiteSession(AbstractBaseSession):
    """A session of the site itself, kept apart from the lab's (see session_engines/site_sessions.py)."""

    class Meta(AbstractBaseSession.Meta):
        verbose_name = _("site session")
        verbose_name_plural = _("site sessions")

    @classmethod
    def get_session_store_class(cls):
        from lessons.session_engines.site_sessions import SessionStore

        return SessionStore


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

    class Meta:
        verbose_name = _("lab settings")
        verbose_name_plural = _("lab settings")

    def __str__(self) -> str:
        return f"{self.engine} / {self.cookie_name}"

    def session_settings(self) -> dict[str, object]:
        """These settings under their Django names, as the session code reads them."""
        from lessons.lab.engines import ENGINES

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

    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="lab_exchanges")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    action = models.CharField(max_length=40)
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

    def __str__(self) -> str:
        return f"{self.created_at:%H:%M:%S} {self.action}"


class LabPreset(models.Model):
    """A "Try it in the lab" starting point of a lesson.

    `settings` holds LabConfig field values (the rest are Django's defaults);
    `inputs` pre-fills the lab's request form. Title, steps and what to watch
    are translated (see translation.py).
    """

    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="presets")
    slug = models.SlugField(max_length=60)
    order = models.PositiveSmallIntegerField(default=0)
    settings = models.JSONField(default=dict)
    inputs = models.JSONField(default=dict)
    title = models.CharField(_("title"), max_length=200)
    steps = models.TextField(_("what to do"))
    watch = models.TextField(_("what to watch for"))

    class Meta:
        ordering = ["lesson__order", "order"]
        constraints = [
            models.UniqueConstraint(fields=["lesson", "slug"], name="unique_preset_per_lesson")
        ]
        verbose_name = _("lab preset")
        verbose_name_plural = _("lab presets")

    def __str__(self) -> str:
        return f"{self.lesson.slug}/{self.slug}"


class GlossaryTerm(models.Model):
    """A term of the course in both languages, and the lesson that teaches it."""

    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="glossary_terms")
    term = models.CharField(_("term"), max_length=120)
    definition = models.TextField(_("definition"))

    class Meta:
        ordering = ["term_en"]
        verbose_name = _("glossary term")
        verbose_name_plural = _("glossary terms")

    def __str__(self) -> str:
        return self.term


class Exercise(models.Model):
    """Something a learner does (in the lab) or answers (a question); checked by the server.

    A "lab" exercise names a check function in lessons/exercises/checks/
    that reads the evidence the lab recorded; a "question" has choices and
    an answer. Goal, hints, solution and explanation are translated.
    """

    class Kind(models.TextChoices):
        LAB = "lab", _("lab exercise")
        QUESTION = "question", _("question")

    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="exercises")
    slug = models.SlugField(max_length=60)
    order = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    check_name = models.CharField(max_length=80, blank=True)
    choices = models.JSONField(default=list, blank=True)
    answer = models.CharField(max_length=200, blank=True)
    goal = models.TextField(_("goal"))
    # One hint per paragraph (separated by a blank line), shown one at a time.
    hints = models.TextField(_("hints"), blank=True)
    solution = models.TextField(_("worked solution"), blank=True)
    explanation = models.TextField(_("explanation"), blank=True)

    class Meta:
        ordering = ["lesson__order", "order"]
        constraints = [
            models.UniqueConstraint(fields=["lesson", "slug"], name="unique_exercise_per_lesson")
        ]
        verbose_name = _("exercise")
        verbose_name_plural = _("exercises")

    def __str__(self) -> str:
        return f"{self.lesson.slug}/{self.slug}"

    def hint_list(self) -> list[str]:
        return [hint.strip() for hint in (self.hints or "").split("\n\n") if hint.strip()]


class ExerciseProgress(models.Model):
    """How far one learner got with one exercise."""

    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="progress")
    exercise = models.ForeignKey(Exercise, on_delete=models.CASCADE, related_name="progress")
    attempts = models.PositiveIntegerField(default=0)
    hints_shown = models.PositiveSmallIntegerField(default=0)
    passed_at = models.DateTimeField(null=True, blank=True)
    # The last verdict, as the learner saw it (in their language then).
    last_message = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "exercise"], name="one_progress_per_exercise"
            )
        ]

    def __str__(self) -> str:
        return f"{self.learner} {self.exercise}: {'done' if self.passed_at else self.attempts}"


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
        names = set()
        for pair in self.document_cookie.split(";"):
            name = pair.strip().split("=", 1)[0]
            if name:
                names.add(name)
        return names


def new_join_code() -> str:
    from lessons.classroom.codes import random_code

    return random_code(JOIN_CODE_LENGTH)


# Short enough to read off a projector, from an alphabet without look-alikes.
JOIN_CODE_LENGTH = 6


class Classroom(models.Model):
    """A class an instructor runs: learners join with its code, the dashboard follows them."""

    name = models.CharField(_("name"), max_length=100)
    join_code = models.CharField(
        _("join code"), max_length=12, unique=True, default=new_join_code, editable=False
    )
    instructors = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="classrooms", verbose_name=_("instructors")
    )
    # Empty: every lesson of the course.
    lessons = models.ManyToManyField(Lesson, blank=True, verbose_name=_("lessons"))
    show_solutions = models.BooleanField(_("show worked solutions"), default=True)
    default_language = models.CharField(
        _("default language"), max_length=5, choices=settings.LANGUAGES, default="en"
    )
    is_open = models.BooleanField(_("open for joining"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("classroom")
        verbose_name_plural = _("classrooms")

    def __str__(self) -> str:
        return self.name

    def course_lessons(self):
        chosen = self.lessons.all()
        return chosen if chosen.exists() else Lesson.objects.all()


class Membership(models.Model):
    """A learner in a classroom, under the name they gave."""

    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="memberships")
    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="memberships")
    display_name = models.CharField(_("name"), max_length=40)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["display_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["classroom", "learner"], name="one_membership_per_class"
            ),
            models.UniqueConstraint(
                fields=["classroom", "display_name"], name="unique_name_in_class"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} in {self.classroom}"
