"""Checking exercises and keeping learners' progress (writes live here; views stay small)."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lessons.exercise_boxes import ExerciseBox, exercise_box
from lessons.exercises.checks import Verdict, load_all_checks
from lessons.exercises.evidence import Evidence
from lessons.learners import lab_config_for
from lessons.models import Exercise, ExerciseProgress, LabConfig, Learner, Lesson


def progress_for(learner: Learner, exercise: Exercise) -> ExerciseProgress:
    progress, _created = ExerciseProgress.objects.get_or_create(learner=learner, exercise=exercise)
    return progress


def _record(progress: ExerciseProgress, verdict: Verdict) -> Verdict:
    """Count the attempt; a pass is kept even if a later attempt would fail."""
    if progress.passed_at is None:
        progress.attempts += 1
        if verdict.passed:
            progress.passed_at = timezone.now()
        progress.last_message = verdict.message
        progress.save()
    return verdict


def check_lab_exercise(learner: Learner, exercise: Exercise) -> Verdict:
    """Decide a lab exercise from what the lab recorded for this learner.

    The lab's records are read and judged before the transaction that counts the attempt:
    on SQLite a transaction holds the database's one write lock from its start, and every
    learner's lab request waits for it."""
    check = load_all_checks()[exercise.check_name]
    verdict = check(Evidence.gather(learner, lab_config_for(learner)))
    with transaction.atomic():
        return _record(progress_for(learner, exercise), verdict)


@transaction.atomic
def answer_question(learner: Learner, exercise: Exercise, choice: str) -> Verdict:
    """Mark a question's answer; the explanation is shown either way."""
    if choice == exercise.answer:
        verdict = Verdict(True, _("Right."))
    else:
        verdict = Verdict(False, _("Not this one."))
    return _record(progress_for(learner, exercise), verdict)


def reveal_next_hint(learner: Learner, exercise: Exercise) -> ExerciseProgress:
    progress = progress_for(learner, exercise)
    if progress.hints_shown < len(exercise.hint_list()):
        progress.hints_shown += 1
        progress.save(update_fields=["hints_shown", "updated_at"])
    return progress


@dataclass(frozen=True)
class LessonProgress:
    lesson: Lesson
    done: int
    total: int

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.done == self.total


def course_progress(learner: Learner | None) -> dict[int, LessonProgress]:
    """Done and total exercises per lesson id."""
    passed = set()
    if learner is not None:
        passed = set(
            ExerciseProgress.objects.filter(learner=learner, passed_at__isnull=False).values_list(
                "exercise_id", flat=True
            )
        )
    result = {}
    for lesson in Lesson.objects.prefetch_related("exercises"):
        ids = [exercise.id for exercise in lesson.exercises.all()]
        result[lesson.id] = LessonProgress(lesson, sum(1 for i in ids if i in passed), len(ids))
    return result


@dataclass(frozen=True)
class CourseTotals:
    done: int
    total: int

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.done == self.total


def course_totals(
    progress: dict[int, LessonProgress], lessons: list[Lesson] | None = None
) -> CourseTotals:
    """Done and total over these lessons (a classroom's), or the whole course, from
    course_progress()."""
    items = (
        [progress[lesson.id] for lesson in lessons if lesson.id in progress]
        if lessons is not None
        else list(progress.values())
    )
    return CourseTotals(sum(item.done for item in items), sum(item.total for item in items))


def reset_progress(learner: Learner) -> int:
    """Forget every exercise result of this learner; their lab is left alone."""
    deleted, _details = ExerciseProgress.objects.filter(learner=learner).delete()
    return deleted


def solve_preset_exercises(learner: Learner, config: LabConfig) -> list[ExerciseBox]:
    """After a lab request: the lab exercises of the preset's lesson that the lab now passes,
    marked passed (those passed before are not checked again). A check that fails here is
    not counted as an attempt: only a Check the learner presses counts."""
    if config.preset_id is None:
        return []
    # The preset's lesson's lab exercises this learner has not passed, in one query.
    open_exercises = list(
        Exercise.objects.filter(lesson_id=config.preset.lesson_id, kind=Exercise.Kind.LAB).exclude(
            id__in=ExerciseProgress.objects.filter(learner=learner, passed_at__isnull=False).values(
                "exercise_id"
            )
        )
    )
    if not open_exercises:
        return []
    checks, evidence = load_all_checks(), Evidence.gather(learner, config)
    verdicts = [(exercise, checks[exercise.check_name](evidence)) for exercise in open_exercises]
    passing = [(exercise, verdict) for exercise, verdict in verdicts if verdict.passed]
    if not passing:
        return []
    return _mark_passed(learner, config.preset.lesson, passing)


@transaction.atomic
def _mark_passed(
    learner: Learner, lesson: Lesson, passing: list[tuple[Exercise, Verdict]]
) -> list[ExerciseBox]:
    solved = []
    for exercise, verdict in passing:
        progress = progress_for(learner, exercise)
        _record(progress, verdict)
        exercise.lesson = lesson
        solved.append(exercise_box(learner, exercise, progress))
    return solved


def on_lab_request_recorded(sender, learner: Learner, config: LabConfig, **kwargs):
    """Receiver of lab.signals.lab_request_recorded: the exercises this request solved."""
    return solve_preset_exercises(learner, config)
