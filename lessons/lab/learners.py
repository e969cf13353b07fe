"""Who is using the lab: a Learner tied to the site's own session."""

from django.core.exceptions import ValidationError
from django.http import HttpRequest

from lessons.classroom.codes import normalize_code, random_code
from lessons.models import LabConfig, Learner

SESSION_LEARNER_KEY = "learner"


def existing_learner(request: HttpRequest) -> Learner | None:
    """The learner of this browser if there is one yet (never creates one)."""
    public_id = request.session.get(SESSION_LEARNER_KEY)
    if not public_id:
        return None
    try:
        return Learner.objects.select_related("lab_config").filter(public_id=public_id).first()
    except ValidationError:
        return None


def learner_for(request: HttpRequest) -> Learner:
    """The learner of this browser, created (with Django's default lab settings) on first use.

    The site's own session only holds the learner's public id; everything else
    is in the database.
    """
    learner = existing_learner(request)
    if learner is None:
        learner = Learner.objects.create()
        request.session[SESSION_LEARNER_KEY] = str(learner.public_id)
    return learner


def lab_config_for(learner: Learner) -> LabConfig:
    """The learner's lab settings; Django's defaults for a learner who has none yet."""
    try:
        return learner.lab_config
    except LabConfig.DoesNotExist:
        config, _created = LabConfig.objects.get_or_create(learner=learner)
        return config


RESUME_CODE_LENGTH = 8


def resume_code_for(learner: Learner) -> str:
    """The learner's code for resuming on another device, made on first use."""
    while not learner.resume_code:
        code = random_code(RESUME_CODE_LENGTH)
        if not Learner.objects.filter(resume_code=code).exists():
            learner.resume_code = code
            learner.save(update_fields=["resume_code"])
    return learner.resume_code


def resume_learner(request: HttpRequest, raw_code: str) -> Learner | None:
    """Continue as the learner with this code, in this browser; None if no one has it."""
    code = normalize_code(raw_code)
    if len(code) != RESUME_CODE_LENGTH:
        return None
    learner = Learner.objects.filter(resume_code=code).first()
    if learner is not None:
        # A new site session key for a new identity, as login() does.
        request.session.cycle_key()
        request.session[SESSION_LEARNER_KEY] = str(learner.public_id)
    return learner
