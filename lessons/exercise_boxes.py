"""An exercise as its box shows it, for every page that shows exercises (a lesson, the lab
under a preset, the box swapped after Check): the learner's progress, whether the worked
solution is shown, and whether a failed lab check offers the exercise's preset, decided
here so no template asks the database."""

from dataclasses import dataclass

from django.conf import settings

from lessons.models import Exercise, ExerciseProgress, LabPreset, Learner, Lesson


def solutions_allowed(learner: Learner | None) -> bool:
    """The site shows worked solutions, and no classroom of this learner's turned them off."""
    if not settings.EXERCISE_SHOW_SOLUTIONS:
        return False
    return (
        learner is None or not learner.memberships.filter(classroom__show_solutions=False).exists()
    )


def solution_earned(progress: ExerciseProgress | None) -> bool:
    """Solved, or tried often enough that the worked solution may help."""
    return progress is not None and (
        progress.passed_at is not None or progress.attempts >= settings.EXERCISE_SOLUTION_AFTER
    )


@dataclass(frozen=True)
class ExerciseBox:
    """An exercise as its box shows it: the learner's progress, and whether the worked
    solution is shown (decided here, so the template asks the database nothing)."""

    exercise: Exercise
    progress: ExerciseProgress | None
    solution_shown: bool
    # After a failed check: offer to set the lab up with the exercise's preset.
    offer_preset: bool = False


def preset_offered(
    exercise: Exercise, progress: ExerciseProgress | None, open_preset: LabPreset | None
) -> bool:
    """A lab exercise not yet done, with a preset of its own that the lab does not have open."""
    return bool(
        exercise.preset_slug
        and (progress is None or progress.passed_at is None)
        and not (
            open_preset is not None
            and open_preset.lesson_id == exercise.lesson_id
            and open_preset.slug == exercise.preset_slug
        )
    )


def exercise_box(
    learner: Learner,
    exercise: Exercise,
    progress: ExerciseProgress,
    open_preset: LabPreset | None = None,
) -> ExerciseBox:
    shown = solution_earned(progress) and solutions_allowed(learner)
    return ExerciseBox(exercise, progress, shown, preset_offered(exercise, progress, open_preset))


def exercises_with_progress(
    learner: Learner | None, lesson: Lesson, open_preset: LabPreset | None = None
) -> list[ExerciseBox]:
    """A lesson's exercises with this learner's progress, in three queries at most.
    `open_preset` is the preset the learner's lab has open, where the caller knows it."""
    exercises = list(lesson.exercises.all())
    progress = {}
    if learner is not None:
        progress = {
            item.exercise_id: item
            for item in ExerciseProgress.objects.filter(learner=learner, exercise__lesson=lesson)
        }
    earned = {exercise.id for exercise in exercises if solution_earned(progress.get(exercise.id))}
    allowed = bool(earned) and solutions_allowed(learner)
    boxes = []
    for exercise in exercises:
        exercise.lesson = lesson  # the box links to its lesson: no query per exercise
        mine = progress.get(exercise.id)
        offer = preset_offered(exercise, mine, open_preset)
        boxes.append(ExerciseBox(exercise, mine, allowed and exercise.id in earned, offer))
    return boxes
