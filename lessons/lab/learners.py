"""Who is using the lab: a Learner tied to the site's own session."""

from django.core.exceptions import ValidationError
from django.http import HttpRequest

from lessons.models import LabConfig, Learner

SESSION_LEARNER_KEY = "learner"


def learner_for(request: HttpRequest) -> Learner:
    """The learner of this browser, created (with Django's default lab settings) on first use.

    The site's own session only holds the learner's public id; everything else
    is in the database.
    """
    public_id = request.session.get(SESSION_LEARNER_KEY)
    learner = None
    if public_id:
        try:
            learner = (
                Learner.objects.select_related("lab_config").filter(public_id=public_id).first()
            )
        except ValidationError:
            learner = None
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
