"""Joining classrooms and reading their progress (writes and reads kept out of the views)."""

import datetime
import logging
import unicodedata
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.http import HttpRequest
from django.utils import timezone

from lessons.codes import normalize_code
from lessons.learners import learner_for
from lessons.models import Classroom, Exercise, ExerciseProgress, Learner, Lesson, Membership
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
class Column:
    """One exercise of the grid, numbered as in the CSV: lesson order . exercise order."""

    exercise: Exercise

    @property
    def number(self) -> str:
        return f"{self.exercise.lesson.order}.{self.exercise.order}"


@dataclass(frozen=True)
class LessonGroup:
    """The columns of one lesson, under the lesson's title."""

    lesson: Lesson
    columns: list[Column]


@dataclass(frozen=True)
class Cell:
    membership_id: int
    exercise_id: int
    state: str  # "done", "attempted" or "none"
    attempts: int

    @property
    def element_id(self) -> str:
        return f"cell-{self.membership_id}-{self.exercise_id}"


@dataclass(frozen=True)
class DashboardRow:
    membership: Membership
    cells: list[Cell]
    done: int
    stuck: bool
    # The last failed check's message when stuck, and when it came.
    stuck_message: str = ""
    stuck_since: datetime.datetime | None = None
    # The learner's latest exercise activity in this class, else when they joined.
    last_activity: datetime.datetime | None = None

    @property
    def started(self) -> bool:
        return any(cell.state != "none" for cell in self.cells)


@dataclass(frozen=True)
class Dashboard:
    groups: list[LessonGroup]
    rows: list[DashboardRow]
    done_counts: list[int]
    # When these facts were read: the next refresh asks for what changed after it.
    read_at: datetime.datetime

    @property
    def exercises(self) -> list[Exercise]:
        return [column.exercise for group in self.groups for column in group.columns]

    @property
    def columns(self) -> list[Column]:
        return [column for group in self.groups for column in group.columns]

    @property
    def column_counts(self) -> list[tuple[Column, int]]:
        return list(zip(self.columns, self.done_counts, strict=True))

    @property
    def learner_count(self) -> int:
        return len(self.rows)

    @property
    def members_signature(self) -> str:
        """Which members the grid shows: a refresh redraws the grid when this changes."""
        return members_signature([row.membership.pk for row in self.rows])


def members_signature(membership_ids) -> str:
    return ",".join(str(pk) for pk in sorted(membership_ids))


def _class_exercises(classroom: Classroom) -> list[Exercise]:
    return list(
        Exercise.objects.filter(lesson__in=classroom.course_lessons())
        .select_related("lesson")
        .order_by("lesson__order", "order")
    )


def _row(membership: Membership, exercises: list[Exercise], progress: dict) -> DashboardRow:
    cells, stuck, stuck_item, latest = [], False, None, None
    for exercise in exercises:
        item = progress.get((membership.learner_id, exercise.id))
        if item is not None:
            latest = max(latest, item.updated_at) if latest else item.updated_at
        if item is not None and item.passed_at is not None:
            cells.append(Cell(membership.pk, exercise.id, "done", item.attempts))
        elif item is not None and item.attempts:
            cells.append(Cell(membership.pk, exercise.id, "attempted", item.attempts))
            if item.attempts >= STUCK_AFTER_FAILED_CHECKS:
                stuck = True
                if stuck_item is None or item.updated_at > stuck_item.updated_at:
                    stuck_item = item
        else:
            cells.append(Cell(membership.pk, exercise.id, "none", 0))
    done = sum(1 for cell in cells if cell.state == "done")
    return DashboardRow(
        membership,
        cells,
        done,
        stuck,
        stuck_message=stuck_item.last_message if stuck_item else "",
        stuck_since=stuck_item.updated_at if stuck_item else None,
        last_activity=latest or membership.joined_at,
    )


def _progress_of(learner_ids, exercises) -> dict:
    return {
        (item.learner_id, item.exercise_id): item
        for item in ExerciseProgress.objects.filter(
            learner_id__in=learner_ids, exercise__in=exercises
        )
    }


def dashboard_for(classroom: Classroom) -> Dashboard:
    """Every member against every exercise of the class's lessons, grouped by lesson."""
    read_at = timezone.now()
    exercises = _class_exercises(classroom)
    memberships = list(classroom.memberships.all())
    progress = _progress_of([membership.learner_id for membership in memberships], exercises)
    rows = [_row(membership, exercises, progress) for membership in memberships]
    done_counts = [
        sum(1 for row in rows if row.cells[index].state == "done")
        for index in range(len(exercises))
    ]
    groups: list[LessonGroup] = []
    for exercise in exercises:
        if not groups or groups[-1].lesson.pk != exercise.lesson_id:
            groups.append(LessonGroup(exercise.lesson, []))
        groups[-1].columns.append(Column(exercise))
    return Dashboard(groups, rows, done_counts, read_at)


# A refresh asks for what changed a little before its last reading too: a check saved
# while that reading ran is sent again rather than missed (sending a cell twice is
# harmless).
CHANGES_OVERLAP = datetime.timedelta(seconds=5)


@dataclass(frozen=True)
class DashboardChanges:
    """What a refresh sends: the rows of learners whose progress changed since `since`,
    and the done counts of every column."""

    rows: list[DashboardRow]
    done_counts: list[tuple[int, int]]  # (exercise id, learners done)
    learner_count: int
    read_at: datetime.datetime


def dashboard_changes(
    classroom: Classroom, memberships: list[Membership], since: datetime.datetime
) -> DashboardChanges:
    """The rows that changed since `since`, in three queries however large the class."""
    read_at = timezone.now()
    exercises = _class_exercises(classroom)
    by_learner = {membership.learner_id: membership for membership in memberships}
    changed_learners = set(
        ExerciseProgress.objects.filter(
            learner_id__in=list(by_learner),
            exercise__in=exercises,
            updated_at__gt=since - CHANGES_OVERLAP,
        ).values_list("learner_id", flat=True)
    )
    rows = []
    if changed_learners:
        progress = _progress_of(changed_learners, exercises)
        rows = [
            _row(by_learner[learner_id], exercises, progress)
            for learner_id in sorted(changed_learners, key=lambda pk: by_learner[pk].display_name)
        ]
    counts = dict(
        ExerciseProgress.objects.filter(
            learner_id__in=list(by_learner), exercise__in=exercises, passed_at__isnull=False
        )
        .values("exercise")
        .annotate(done=Count("id"))
        .values_list("exercise", "done")
    )
    done_counts = [(exercise.id, counts.get(exercise.id, 0)) for exercise in exercises]
    return DashboardChanges(rows, done_counts, len(memberships), read_at)


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
    classroom.is_open = False
    classroom.save(update_fields=["is_open"])
    return _undo("close", classroom, "", {})


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
        classroom.is_open = True
        classroom.save(update_fields=["is_open"])
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
    for number in range(1, 1000):
        candidate = name if number == 1 else f"{name[: MAX_NAME_LENGTH - 6]} ({number})"
        if candidate not in taken:
            return candidate
    return name
