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
from lessons.prepared_queries import PreparedQuery, PreparedRows

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


# Every lab page's poll (every few seconds, from every learner of a class) and every lab
# request of a class member ask these: their SQL is built once.
LATEST_MEMBERSHIP = PreparedQuery(
    lambda learner_id: (
        Membership.objects.filter(learner_id=learner_id)
        .select_related("classroom")
        .order_by("-joined_at")[:1]
    ),
    0,
)
PAUSED_CLASSROOM = PreparedRows(
    lambda classroom_id: Classroom.objects.filter(pk=classroom_id, paused=True).values_list("pk"),
    0,
)


def latest_membership(learner: Learner | None) -> Membership | None:
    """The learner's latest membership with its classroom (the preset it sent, only if
    asked for: a poll needs the version numbers alone)."""
    if learner is None:
        return None
    found = LATEST_MEMBERSHIP(learner.pk)
    if not found:
        return None
    found[0].learner = learner
    return found[0]


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
    if type(classroom_id) is not int:
        return False
    return bool(PAUSED_CLASSROOM(classroom_id))


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
