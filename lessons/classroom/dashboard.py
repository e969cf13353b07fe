"""The instructor's dashboard, read from the database: every member against every exercise
of the class's lessons, grouped by lesson, and what changed since a page's last reading."""

import dataclasses
import datetime
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Cell:
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
        cell = _cell(membership.pk, exercise.id, item)
        cells.append(cell)
        if cell.state == "attempted" and item.attempts >= STUCK_AFTER_FAILED_CHECKS:
            stuck = True
            if stuck_item is None or item.updated_at > stuck_item.updated_at:
                stuck_item = item
    done = sum(1 for cell in cells if cell.state == "done")
    return DashboardRow(
        membership,
        cells,
        done,
        stuck,
        stuck_message=stuck_item.last_message if stuck_item else "",
        stuck_since=stuck_item.updated_at if stuck_item else None,
        last_activity=latest or membership.joined_at,
        started=any(cell.state != "none" for cell in cells),
    )


def _cell(membership_id: int, exercise_id: int, item: ExerciseProgress | None) -> Cell:
    if item is not None and item.passed_at is not None:
        return Cell(membership_id, exercise_id, "done", item.attempts)
    if item is not None and item.attempts:
        return Cell(membership_id, exercise_id, "attempted", item.attempts)
    return Cell(membership_id, exercise_id, "none", 0)


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
    """What changed since `since`, in four queries however large the class; the answer
    grows with the changes, not with learners by exercises."""
    read_at = timezone.now()
    exercises = _class_exercises(classroom)
    by_learner = {membership.learner_id: membership for membership in memberships}
    changed = list(
        ExerciseProgress.objects.filter(
            learner_id__in=list(by_learner),
            exercise__in=exercises,
            updated_at__gt=since - CHANGES_OVERLAP,
        ).only("learner_id", "exercise_id", "attempts", "passed_at")
    )
    cells = [_cell(by_learner[item.learner_id].pk, item.exercise_id, item) for item in changed]
    rows = []
    changed_learners = {item.learner_id for item in changed}
    if changed_learners:
        progress = _progress_of(changed_learners, exercises)
        rows = [
            _summary(by_learner[learner_id], exercises, progress)
            for learner_id in sorted(changed_learners)
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
    return DashboardChanges(cells, rows, done_counts, len(memberships), read_at)


def _summary(membership: Membership, exercises: list[Exercise], progress: dict) -> DashboardRow:
    """A row's totals, activity and stuck state, without its cells."""
    return dataclasses.replace(_row(membership, exercises, progress), cells=[])
