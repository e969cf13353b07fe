"""Pages that list exercises ask the database a fixed number of questions, however many
exercises they show."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lessons.models import Exercise, ExerciseProgress, Learner, Lesson
from lessons.tests.lab_helpers import LabLearner

pytestmark = pytest.mark.django_db


def _queries(client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries.captured_queries), response.content.decode()


def test_a_lesson_page_asks_the_same_number_of_queries_for_any_number_of_exercises(lessons):
    browser = LabLearner()
    browser.configure()  # a learner now, with a site session
    learner = Learner.objects.get()
    by_count = sorted(Lesson.objects.all(), key=lambda lesson: lesson.exercises.count())
    fewest, most = by_count[0], by_count[-1]
    assert most.exercises.count() > fewest.exercises.count()
    # Attempts on every exercise: each box has progress, and its solution is earned.
    ExerciseProgress.objects.bulk_create(
        ExerciseProgress(learner=learner, exercise=exercise, attempts=3)
        for exercise in Exercise.objects.all()
    )
    few, _html = _queries(browser.client, fewest.get_absolute_url())
    many, html = _queries(browser.client, most.get_absolute_url())
    assert many == few
    # Still the whole result: every worked solution that exists is shown.
    with_solution = most.exercises.exclude(solution="").count()
    assert with_solution and html.count('data-testid="solution"') == with_solution
