"""Steering a class: the instructor sends a preset to every learner's lab, or pauses the
class (its labs become read-only) and resumes it. Each learner's lab follows at its next
page or refresh (the lab page asks every few seconds)."""

from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from lessons.lab.services import apply_preset, drop_cookie_of
from lessons.learners import existing_learner
from lessons.models import Classroom, LabConfig, LabPreset, Learner, Membership

# In a learner's site session: the classroom they joined, so that a lab request can ask
# whether it is paused without looking the membership up.
SESSION_CLASSROOM_KEY = "classroom"


def send_preset(classroom: Classroom, preset: LabPreset) -> None:
    classroom.sent_preset = preset
    classroom.sent_version = F("sent_version") + 1
    classroom.save(update_fields=["sent_preset", "sent_version"])
    classroom.refresh_from_db(fields=["sent_version"])


def set_paused(classroom: Classroom, paused: bool) -> None:
    classroom.paused = paused
    classroom.save(update_fields=["paused"])


def presets_to_send(classroom: Classroom):
    """The presets of the class's lessons, in course order."""
    return LabPreset.objects.filter(lesson__in=classroom.course_lessons()).select_related("lesson")


def latest_membership(learner: Learner | None) -> Membership | None:
    if learner is None:
        return None
    return (
        learner.memberships.select_related("classroom__sent_preset__lesson")
        .order_by("-joined_at")
        .first()
    )


def follow_the_class(learner: Learner | None) -> tuple[Membership | None, LabConfig | None]:
    """Apply what the learner's classroom sent since their lab last followed it: the
    membership, and the lab settings the preset replaced (None when nothing was applied)."""
    membership = latest_membership(learner)
    if membership is None:
        return None, None
    classroom = membership.classroom
    if classroom.sent_version <= membership.seen_version:
        return membership, None
    replaced = None
    if classroom.sent_preset is not None:
        replaced = apply_preset(learner, classroom.sent_preset)
    Membership.objects.filter(pk=membership.pk).update(seen_version=classroom.sent_version)
    membership.seen_version = classroom.sent_version
    return membership, replaced


def class_is_paused(classroom_id) -> bool:
    """For a lab request: is the classroom in the learner's site session paused?"""
    if not isinstance(classroom_id, int):
        return False
    return Classroom.objects.filter(pk=classroom_id, paused=True).exists()


def on_lab_page_opening(sender, request: HttpRequest, learner: Learner | None, **kwargs) -> dict:
    """The lab page follows the learner's classroom (lab_page_opening's receiver)."""
    membership, replaced = follow_the_class(learner)
    if membership is None:
        return {}
    request.session[SESSION_CLASSROOM_KEY] = membership.classroom_id
    return {"membership": membership, "replaced": replaced}


def on_lab_action_requested(sender, request: HttpRequest, **kwargs) -> str | None:
    """A paused class's labs are read-only (lab_action_requested's receiver)."""
    if class_is_paused(request.session.get(SESSION_CLASSROOM_KEY)):
        return gettext(
            "Your instructor has paused the class: the lab is read-only until they resume it."
        )
    return None


@require_GET
def lab_class(request: HttpRequest) -> HttpResponse:
    """The lab page asks every few seconds whether its classroom sent a preset or was
    paused or resumed; then it reloads (HX-Refresh), else nothing (204)."""
    membership, replaced = follow_the_class(existing_learner(request))
    response = HttpResponse(status=204)
    if membership is None:
        return response
    paused_on_page = request.GET.get("paused") == "1"
    if replaced is not None or membership.classroom.paused != paused_on_page:
        response = HttpResponse()
        response["HX-Refresh"] = "true"
        if replaced is not None:
            drop_cookie_of(response, replaced)
    return response
