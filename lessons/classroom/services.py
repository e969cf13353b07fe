"""Joining classrooms, and an instructor's Reset, Remove and Close with their undo (the
dashboard's reading is in dashboard.py)."""

import datetime
import logging
import unicodedata

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from lessons.classroom.steering import SESSION_CLASSROOM_KEY, latest_membership
from lessons.codes import normalize_code
from lessons.learners import learner_for
from lessons.models import Classroom, Exercise, ExerciseProgress, Learner, Membership
from lessons.throttles import Brake, browser_id, client_address

MAX_NAME_LENGTH = 40
JOIN_ATTEMPTS_ALLOWED = 5
JOIN_ATTEMPT_WINDOW = 60


class JoinRefused(Exception):
    """Why a join did not happen: `reason` is one of the codes the join page explains."""

    def __init__(self, reason: str, wait_seconds: int = 0):
        super().__init__(reason)
        self.reason = reason
        self.wait_seconds = wait_seconds


def clean_display_name(raw: str) -> str:
    """A name as others will see it: no control characters, single spaces, 40 characters."""
    visible = "".join(ch for ch in (raw or "") if unicodedata.category(ch)[0] != "C")
    return " ".join(visible.split())[:MAX_NAME_LENGTH].strip()


# A browser may try this many join codes a minute; past that it waits, even with
# the right code. Right codes are given back, so a class joining never waits, and
# a classmate at the next desk (another browser, the same address) is never held.
JOIN_BRAKE = Brake("join", limit=JOIN_ATTEMPTS_ALLOWED, window=JOIN_ATTEMPT_WINDOW)
# Wrong codes from one address: past this many in the window, the security log says
# so (a classroom behind one router shares an address, so this never refuses).
JOIN_NETWORK_WATCH = Brake("join-network", limit=100, window=10 * 60)
security_logger = logging.getLogger("django.security.JoinCodes")


def join_classroom(request: HttpRequest, raw_code: str, raw_name: str) -> Membership:
    """Put this browser's learner in the classroom with that code, or raise JoinRefused."""
    name = clean_display_name(raw_name)
    if not name:
        raise JoinRefused("no_name")
    browser = browser_id(request)
    wait = JOIN_BRAKE.attempt(browser)
    if wait:
        raise JoinRefused("slow_down", wait_seconds=wait)
    code = normalize_code(raw_code)
    classroom = Classroom.objects.filter(join_code=code).first() if code else None
    if classroom is None:
        address = client_address(request)
        if JOIN_NETWORK_WATCH.attempt(address):
            security_logger.warning("Many wrong join codes from %s", address)
        raise JoinRefused("unknown_code")
    JOIN_BRAKE.give_back(browser)
    learner = learner_for(request)
    # Rejoining from the same browser keeps the name and the progress.
    membership = Membership.objects.filter(classroom=classroom, learner=learner).first()
    if membership is None:
        if not classroom.is_open:
            raise JoinRefused("closed")
        membership = _add_member(classroom, learner, name)
    request.session[SESSION_CLASSROOM_KEY] = classroom.pk
    return membership


def _numbered(name: str):
    """The name, then Aziz (2), Aziz (3)...: candidates for a name already taken."""
    yield name
    for number in range(2, 1000):
        yield f"{name[: MAX_NAME_LENGTH - 6]} ({number})"


def _add_member(classroom: Classroom, learner: Learner, name: str) -> Membership:
    """A new member; a name already taken in the class gets a number: Aziz, Aziz (2). A
    preset the class was sent before they joined is not theirs to follow."""
    for candidate in _numbered(name):
        try:
            with transaction.atomic():
                return Membership.objects.create(
                    classroom=classroom,
                    learner=learner,
                    display_name=candidate,
                    seen_version=classroom.sent_version,
                )
        except IntegrityError:
            continue
    raise JoinRefused("no_name")


def classroom_of(learner: Learner | None) -> Classroom | None:
    """The classroom the learner joined most recently, if any."""
    if learner is None:
        return None
    membership = latest_membership(learner)
    return membership.classroom if membership else None


# An instructor's Reset, Remove or Close can be taken back for this long.
UNDO_SECONDS = 60


def reset_member(membership: Membership) -> dict:
    """Forget a member's exercise results in this classroom's lessons; what undo needs."""
    results = ExerciseProgress.objects.filter(
        learner=membership.learner, exercise__lesson__in=membership.classroom.course_lessons()
    )
    kept = list(
        results.values(
            "exercise_id", "attempts", "hints_shown", "passed_at", "last_message", "updated_at"
        )
    )
    results.delete()
    return _undo(
        "reset",
        membership.classroom,
        membership.display_name,
        {
            "learner_id": membership.learner_id,
            "results": [
                {**row, "passed_at": _iso(row["passed_at"]), "updated_at": _iso(row["updated_at"])}
                for row in kept
            ],
        },
    )


def remove_member(membership: Membership) -> dict:
    """Take a learner out of the class (their progress stays theirs); what undo needs."""
    undo = _undo(
        "remove",
        membership.classroom,
        membership.display_name,
        {
            "learner_id": membership.learner_id,
            "joined_at": _iso(membership.joined_at),
        },
    )
    membership.delete()
    return undo


def close_classroom(classroom: Classroom) -> dict:
    """Nobody new can join; what undo needs."""
    _set_open(classroom, False)
    return _undo("close", classroom, "", {})


def open_classroom(classroom: Classroom) -> None:
    _set_open(classroom, True)


def _set_open(classroom: Classroom, is_open: bool) -> None:
    classroom.is_open = is_open
    classroom.save(update_fields=["is_open"])


def _iso(moment: datetime.datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _undo(action: str, classroom: Classroom, name: str, payload: dict) -> dict:
    """What an instructor's session keeps to take the action back (JSON, small)."""
    return {
        "action": action,
        "classroom": classroom.pk,
        "name": name,
        "at": timezone.now().isoformat(),
        **payload,
    }


def undo_still_possible(undo: dict | None, classroom: Classroom) -> bool:
    """Is this the classroom's last action, and is it recent enough to take back?"""
    if not isinstance(undo, dict) or undo.get("classroom") != classroom.pk:
        return False
    try:
        at = datetime.datetime.fromisoformat(undo["at"])
    except (KeyError, TypeError, ValueError):
        return False
    return timezone.now() - at <= datetime.timedelta(seconds=UNDO_SECONDS)


@transaction.atomic
def take_back(undo: dict, classroom: Classroom) -> None:
    """Undo a Reset (the results come back, unless the learner has newer ones), a Remove
    (the learner is back under the same name, if it is still free) or a Close."""
    action = undo.get("action")
    if action == "close":
        open_classroom(classroom)
        return
    learner = Learner.objects.filter(pk=undo.get("learner_id")).first()
    if learner is None:
        return
    if action == "remove":
        Membership.objects.get_or_create(
            classroom=classroom,
            learner=learner,
            defaults={"display_name": _free_name(classroom, undo.get("name") or "?")},
        )
    elif action == "reset":
        exercises = set(
            Exercise.objects.filter(lesson__in=classroom.course_lessons()).values_list(
                "pk", flat=True
            )
        )
        taken = set(
            ExerciseProgress.objects.filter(learner=learner).values_list("exercise_id", flat=True)
        )
        ExerciseProgress.objects.bulk_create(
            ExerciseProgress(
                learner=learner,
                exercise_id=row["exercise_id"],
                attempts=row["attempts"],
                hints_shown=row["hints_shown"],
                passed_at=row["passed_at"],
                last_message=row["last_message"],
            )
            for row in undo.get("results", [])
            if row["exercise_id"] in exercises and row["exercise_id"] not in taken
        )


def _free_name(classroom: Classroom, name: str) -> str:
    """The name again, or a numbered one if someone took it meanwhile."""
    taken = set(classroom.memberships.values_list("display_name", flat=True))
    return next((candidate for candidate in _numbered(name) if candidate not in taken), name)
