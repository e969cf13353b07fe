"""Joining classrooms and reading their progress (writes and reads kept out of the views)."""

import logging
import unicodedata
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.http import HttpRequest

from lessons.codes import normalize_code
from lessons.learners import learner_for
from lessons.models import Classroom, Exercise, ExerciseProgress, Learner, Membership
from lessons.throttles import Brake, browser_id, client_address

MAX_NAME_LENGTH = 40
JOIN_ATTEMPTS_ALLOWED = 5
JOIN_ATTEMPT_WINDOW = 60
STUCK_AFTER_FAILED_CHECKS = 3


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
    existing = Membership.objects.filter(classroom=classroom, learner=learner).first()
    if existing is not None:
        return existing  # rejoining from the same browser keeps the name and the progress
    if not classroom.is_open:
        raise JoinRefused("closed")
    return _add_member(classroom, learner, name)


def _add_member(classroom: Classroom, learner: Learner, name: str) -> Membership:
    """A new member; a name already taken in the class gets a number: Aziz, Aziz (2)."""
    for number in range(1, 1000):
        candidate = name if number == 1 else f"{name[: MAX_NAME_LENGTH - 6]} ({number})"
        try:
            with transaction.atomic():
                return Membership.objects.create(
                    classroom=classroom, learner=learner, display_name=candidate
                )
        except IntegrityError:
            continue
    raise JoinRefused("no_name")


def classroom_of(learner: Learner | None) -> Classroom | None:
    """The classroom the learner joined most recently, if any."""
    if learner is None:
        return None
    membership = learner.memberships.select_related("classroom").order_by("-joined_at").first()
    return membership.classroom if membership else None


@dataclass(frozen=True)
class Cell:
    state: str  # "done", "attempted" or "none"
    attempts: int


@dataclass(frozen=True)
class DashboardRow:
    membership: Membership
    cells: list[Cell]
    done: int
    stuck: bool


@dataclass(frozen=True)
class Dashboard:
    exercises: list[Exercise]
    rows: list[DashboardRow]
    done_counts: list[int]

    @property
    def learner_count(self) -> int:
        return len(self.rows)


def dashboard_for(classroom: Classroom) -> Dashboard:
    """Every member against every exercise of the class's lessons, in two queries."""
    exercises = list(
        Exercise.objects.filter(lesson__in=classroom.course_lessons()).select_related("lesson")
    )
    memberships = list(classroom.memberships.select_related("learner"))
    progress = {
        (item.learner_id, item.exercise_id): item
        for item in ExerciseProgress.objects.filter(
            learner__in=[membership.learner for membership in memberships], exercise__in=exercises
        )
    }
    rows = []
    done_counts = [0] * len(exercises)
    for membership in memberships:
        cells, stuck = [], False
        for index, exercise in enumerate(exercises):
            item = progress.get((membership.learner_id, exercise.id))
            if item is not None and item.passed_at is not None:
                cells.append(Cell("done", item.attempts))
                done_counts[index] += 1
            elif item is not None and item.attempts:
                cells.append(Cell("attempted", item.attempts))
                stuck = stuck or item.attempts >= STUCK_AFTER_FAILED_CHECKS
            else:
                cells.append(Cell("none", 0))
        done = sum(1 for cell in cells if cell.state == "done")
        rows.append(DashboardRow(membership, cells, done, stuck))
    return Dashboard(exercises, rows, done_counts)


def reset_member(membership: Membership) -> None:
    """Forget a member's exercise results in this classroom's lessons."""
    ExerciseProgress.objects.filter(
        learner=membership.learner, exercise__lesson__in=membership.classroom.course_lessons()
    ).delete()
