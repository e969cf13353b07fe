"""The instructor's dashboard, read from the database: every member against every exercise
of the class's lessons, grouped by lesson, and what changed since a page's last reading."""

import datetime
from dataclasses import dataclass
from typing import NamedTuple

from django.db.models import Count
from django.utils import timezone

from lessons.models import Classroom, Exercise, ExerciseProgress, Lesson, Membership

# A learner with this many checks of one exercise without success is "stuck".
STUCK_AFTER_FAILED_CHECKS = 3


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


class Cell(NamedTuple):
    """One learner's mark for one exercise (a tuple: a grid makes thousands)."""

    membership_id: int
    exercise_id: int
    state: str  # "done", "attempted" or "none"
    attempts: int

    @property
    def element_id(self) -> str:
        return f"c{self.membership_id}-{self.exercise_id}"


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
    # Has the learner tried any exercise of the class?
    started: bool = False


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


def _class_exercises(classroom: Classroom):
    """The class's exercises, in the course's order (a queryset)."""
    return Exercise.objects.filter(lesson__in=classroom.course_lessons()).order_by(
        "lesson__order", "order"
    )


def _row(membership: Membership, exercise_ids: list[int], progress: dict) -> DashboardRow:
    """A learner's row: a cell for every exercise of the class, with the row's summary."""
    items = []
    cells = []
    for exercise_id in exercise_ids:
        item = progress.get((membership.learner_id, exercise_id))
        if item is not None:
            items.append(item)
        cells.append(_cell(membership.pk, exercise_id, item))
    return _summary(membership, items, cells)


def _summary(
    membership: Membership, items: list[ExerciseProgress], cells: list[Cell] | None = None
) -> DashboardRow:
    """A row's totals, activity and stuck state (with `cells`, or without them for a
    refresh), from the learner's progress on the class's exercises (`items`, in the class's
    exercise order): a row costs what the learner did, not the number of exercises."""
    stuck_items = [
        item
        for item in items
        if item.passed_at is None and item.attempts >= STUCK_AFTER_FAILED_CHECKS
    ]
    # The latest stuck exercise says why (the first in the class's order on a tie).
    stuck_item = max(stuck_items, key=lambda item: item.updated_at, default=None)
    latest = max((item.updated_at for item in items), default=None)
    return DashboardRow(
        membership,
        cells or [],
        sum(1 for item in items if item.passed_at is not None),
        stuck_item is not None,
        stuck_message=stuck_item.last_message if stuck_item else "",
        stuck_since=stuck_item.updated_at if stuck_item else None,
        last_activity=latest or membership.joined_at,
        started=any(item.passed_at is not None or item.attempts for item in items),
    )


def _cell(membership_id: int, exercise_id: int, item: ExerciseProgress | None) -> Cell:
    if item is not None and item.passed_at is not None:
        return Cell(membership_id, exercise_id, "done", item.attempts)
    if item is not None and item.attempts:
        return Cell(membership_id, exercise_id, "attempted", item.attempts)
    return Cell(membership_id, exercise_id, "none", 0)


# What a row needs of each progress item.
ROW_FIELDS = ("learner_id", "exercise_id", "attempts", "passed_at", "updated_at", "last_message")


def _progress_of(learner_ids, exercise_ids) -> dict:
    return {
        (item.learner_id, item.exercise_id): item
        for item in ExerciseProgress.objects.filter(
            learner_id__in=learner_ids, exercise_id__in=exercise_ids
        ).only(*ROW_FIELDS)
    }


def dashboard_for(classroom: Classroom) -> Dashboard:
    """Every member against every exercise of the class's lessons, grouped by lesson."""
    read_at = timezone.now()
    exercises = list(_class_exercises(classroom).select_related("lesson"))
    memberships = list(classroom.memberships.all())
    exercise_ids = [exercise.id for exercise in exercises]
    progress = _progress_of([membership.learner_id for membership in memberships], exercise_ids)
    rows = [_row(membership, exercise_ids, progress) for membership in memberships]
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
    """What a refresh sends: the cells whose progress changed since `since`, the summaries
    of their learners' rows, and the done counts of every column."""

    cells: list[Cell]
    rows: list[DashboardRow]  # summaries only: their `cells` are empty
    done_counts: list[tuple[int, int]]  # (exercise id, learners done)
    learner_count: int
    read_at: datetime.datetime


def dashboard_changes(
    classroom: Classroom, memberships: list[Membership], since: datetime.datetime
) -> DashboardChanges:
    """What changed since `since`, in three queries however large the class; the answer
    grows with the changes, not with learners by exercises."""
    read_at = timezone.now()
    exercise_ids = list(_class_exercises(classroom).values_list("id", flat=True))
    by_learner = {membership.learner_id: membership for membership in memberships}
    members_progress = ExerciseProgress.objects.filter(
        learner__memberships__classroom=classroom, exercise_id__in=exercise_ids
    )
    cutoff = since - CHANGES_OVERLAP
    # All the progress of the learners with a change: the changed cells, and their rows.
    progress = members_progress.filter(
        learner__in=members_progress.filter(updated_at__gt=cutoff).values("learner_id")
    ).only(*ROW_FIELDS)
    position = {exercise_id: index for index, exercise_id in enumerate(exercise_ids)}
    items: dict[int, list[ExerciseProgress]] = {}
    for item in sorted(progress, key=lambda item: (item.learner_id, position[item.exercise_id])):
        # A learner who joined after `memberships` was read comes with the redrawn grid.
        if item.learner_id in by_learner:
            items.setdefault(item.learner_id, []).append(item)
    cells = [
        _cell(by_learner[learner_id].pk, item.exercise_id, item)
        for learner_id, learner_items in items.items()
        for item in learner_items
        if item.updated_at > cutoff
    ]
    rows = [
        _summary(by_learner[learner_id], learner_items)
        for learner_id, learner_items in items.items()
    ]
    counts = dict(
        members_progress.filter(passed_at__isnull=False)
        .values("exercise")
        .annotate(done=Count("id"))
        .values_list("exercise", "done")
    )
    done_counts = [(exercise_id, counts.get(exercise_id, 0)) for exercise_id in exercise_ids]
    return DashboardChanges(cells, rows, done_counts, len(memberships), read_at)
