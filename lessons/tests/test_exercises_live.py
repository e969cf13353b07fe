"""Lab exercises are solved live: the lab request that meets the goal marks it done."""

import re

import pytest

from lessons.models import ExerciseProgress
from lessons.tests.lab_helpers import LabLearner

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("lessons")]

LESSON_1 = "what-a-session-is"
GOAL = "read-sends-no-cookie"


def _with_preset(learner: LabLearner, preset: str = "no-cookie-until-changed") -> None:
    response = learner.client.post(f"/en/lab/try/{LESSON_1}/{preset}/")
    assert response.status_code == 302


def _passed() -> set[str]:
    return set(
        ExerciseProgress.objects.filter(passed_at__isnull=False).values_list(
            "exercise__slug", flat=True
        )
    )


def test_the_request_that_meets_the_goal_says_solved_and_marks_it_done(learner):
    _with_preset(learner)
    first = learner.do("set", key="cart", value='["apple"]')
    assert 'data-testid="solved"' not in first.html and _passed() == set()
    read = learner.do("read")
    assert 'data-testid="solved"' in read.html
    assert "Solved:" in read.html
    # The exercise box in the preset banner is swapped out of band, marked done.
    assert f'id="exercise-{GOAL}" hx-swap-oob="true"' in read.html
    assert _passed() == {GOAL}
    # Solved once: the next request does not announce it again, and no attempt is added.
    again = learner.do("read")
    assert 'data-testid="solved"' not in again.html
    assert ExerciseProgress.objects.get(exercise__slug=GOAL).attempts == 1


def test_a_near_miss_is_not_counted_as_an_attempt(learner):
    _with_preset(learner)
    learner.do("read")  # no session yet: not the goal
    assert _passed() == set()
    assert not ExerciseProgress.objects.exists(), "a failed live check is no attempt"


def test_without_a_preset_nothing_is_checked(learner):
    learner.do("set", key="cart", value='["apple"]')
    assert 'data-testid="solved"' not in learner.do("read").html
    assert _passed() == set()


def test_solved_is_said_in_uzbek_too(learner):
    _with_preset(learner)
    learner.do("set", key="cart", value='["apple"]', language="uz")
    assert "Yechildi:" in learner.do("read", language="uz").html


def test_the_result_is_announced_in_a_live_region_that_stays(learner):
    _with_preset(learner)
    page = learner.client.get("/en/lab/").content.decode()
    region = '<div id="lab-announce" class="visually-hidden" role="status" aria-live="polite"'
    assert page.count(region) == 1
    learner.do("set", key="cart", value='["apple"]')
    read = learner.do("read").html
    # Filled out of band: the element on the page stays, its words change.
    announced = read.split('<div id="lab-announce" hx-swap-oob="innerHTML">', 1)[1].split("</div>")[
        0
    ]
    assert re.match(r"\d\d:\d\d:\d\d\. Solved: ", announced), announced
    assert "Returned: " in announced
    assert "Django did not save the session" in announced or "Nothing was sent" in announced
    assert "aria-live" not in read.split('<div id="lab-announce"', 1)[0]
