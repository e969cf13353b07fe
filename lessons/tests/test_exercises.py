"""Exercises: passed with the right actions in the lab, refused on a near miss, never faked."""

import datetime
import re

import pytest
from django.db import connection

from lessons.exercises.checks import load_all_checks
from lessons.models import Exercise, ExerciseProgress, LabExchange, LabObservation
from lessons.tests.lab_helpers import LabLearner, check, passed
from lessons.tests.lab_helpers import answer as answer_exercise

# Every exercise test needs the course loaded.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("lessons")]


def observe(learner: LabLearner, document_cookie: str, exchange_id: int | None = None) -> None:
    """What lab.js reports after a lab request."""
    exchange_id = exchange_id or learner.state()["latest"]["id"]
    learner.client.post(
        "/en/lab/observe/", {"exchange": exchange_id, "document_cookie": document_cookie}
    )


def visible_cookies(learner: LabLearner) -> str:
    """document.cookie as a browser would give it: every cookie without HttpOnly."""
    return "; ".join(
        f"{name}={morsel.value}"
        for name, morsel in learner.client.cookies.items()
        if morsel.value and not morsel["httponly"]
    )


# --- Cookie flags: HttpOnly ------------------------------------------------------


def test_hide_from_javascript_passes_with_httponly_and_the_pages_report(learner):
    learner.configure(cookie_httponly="on")
    learner.do("set", key="cart", value="[1]")
    observe(learner, visible_cookies(learner))
    learner.do("get", key="cart")
    observe(learner, visible_cookies(learner))
    html = check(learner, "cookie-flags", "hide-from-javascript")
    assert passed(html), html
    assert "could not see it" in html


def test_hide_from_javascript_near_miss_names_the_missing_attribute(learner):
    learner.configure(cookie_httponly=False)
    learner.do("set", key="cart", value="[1]")
    learner.do("get", key="cart")
    observe(learner, visible_cookies(learner))
    html = check(learner, "cookie-flags", "hide-from-javascript")
    assert not passed(html)
    assert "without HttpOnly" in html


def test_hide_from_javascript_waits_for_the_cookie_to_come_back(learner):
    learner.configure(cookie_httponly="on")
    learner.do("set", key="cart", value="[1]")
    html = check(learner, "cookie-flags", "hide-from-javascript")
    assert not passed(html)
    assert "send one more request" in html


def test_a_made_up_observation_cannot_pass_without_httponly(learner):
    learner.configure(cookie_httponly=False)
    learner.do("set", key="cart", value="[1]")
    learner.do("get", key="cart")
    observe(learner, "")  # a lie: the cookie has no HttpOnly, so the page can see it
    html = check(learner, "cookie-flags", "hide-from-javascript")
    assert not passed(html)


def test_a_crafted_check_request_is_refused(learner):
    # No evidence travels with the check: extra fields are ignored.
    response = learner.client.post(
        "/en/exercises/cookie-flags/hide-from-javascript/check/",
        {"passed": "1", "verdict": "pass", "document_cookie": ""},
        headers={"HX-Request": "true"},
    )
    assert not passed(response.content.decode())
    assert not ExerciseProgress.objects.filter(passed_at__isnull=False).exists()


def test_observations_for_someone_elses_exchange_are_ignored(learner):
    other = LabLearner()
    other.client.get("/en/lab/")
    other.do("set", key="cart", value="[1]")
    their_exchange = other.state()["latest"]["id"]
    learner.client.post("/en/lab/observe/", {"exchange": their_exchange, "document_cookie": "x=1"})
    assert not LabObservation.objects.filter(exchange_id=their_exchange).exists()


# --- How long a session lives: the sliding window -----------------------------


def age_timeline(learner: LabLearner, seconds_apart: float) -> None:
    """Spread the learner's recorded exchanges out in time, as if the clicks were slower."""
    exchanges = list(LabExchange.objects.order_by("id"))
    start = exchanges[0].created_at
    for index, exchange in enumerate(exchanges):
        LabExchange.objects.filter(id=exchange.id).update(
            created_at=start + datetime.timedelta(seconds=index * seconds_apart)
        )


def test_sliding_window_passes_when_requests_keep_a_20_second_session_alive(learner):
    learner.configure(cookie_age="20", save_every_request="on")
    learner.do("set", key="exam", value='"started"')
    for _ in range(6):
        learner.do("visit")
    age_timeline(learner, seconds_apart=12)  # 6 gaps of 12 s: 72 s alive
    html = check(learner, "how-long-a-session-lives", "sliding-window")
    assert passed(html), html


def test_sliding_window_near_miss_with_the_default_age(learner):
    learner.configure(save_every_request="on")
    learner.do("set", key="exam", value='"started"')
    html = check(learner, "how-long-a-session-lives", "sliding-window")
    assert not passed(html)
    assert "Max-Age=1209600" in html and "needs 20" in html


def test_sliding_window_near_miss_when_a_gap_lets_it_expire(learner):
    learner.configure(cookie_age="20", save_every_request="on")
    learner.do("set", key="exam", value='"started"')
    for _ in range(3):
        learner.do("visit")
    age_timeline(learner, seconds_apart=25)
    html = check(learner, "how-long-a-session-lives", "sliding-window")
    assert not passed(html)
    assert "longer than the window" in html


def test_sliding_window_not_yet_a_minute(learner):
    learner.configure(cookie_age="20", save_every_request="on")
    learner.do("set", key="exam", value='"started"')
    learner.do("visit")
    age_timeline(learner, seconds_apart=10)
    html = check(learner, "how-long-a-session-lives", "sliding-window")
    assert not passed(html)
    assert re.search(r"alive 10 seconds so far", html)


# --- Session security: rotate without losing the cart ---------------------------


def test_rotating_the_key_keeps_the_cart(learner):
    learner.do("set", key="cart", value='["apple"]')
    learner.do("cycle_key")
    html = check(learner, "session-security", "rotate-keep-cart")
    assert passed(html), html


def test_flushing_is_a_near_miss(learner):
    learner.do("set", key="cart", value='["apple"]')
    learner.do("flush")
    html = check(learner, "session-security", "rotate-keep-cart")
    assert not passed(html)
    assert "throws the cart away" in html


# --- Questions, hints, solutions -------------------------------------------------


def answer(learner: LabLearner, choice: str, language="en") -> str:
    return answer_exercise(
        learner, "signed-cookie-sessions", "nothing-on-the-server", choice, language
    )


def test_a_question_gives_instant_feedback_and_an_explanation(learner):
    wrong = answer(learner, "0")
    # The explanation names the right choice: not shown after a wrong answer.
    assert "Not this one." in wrong and "puts the whole session in the cookie" not in wrong
    right = answer(learner, "4", language="uz")
    assert "verdict--pass" in right and "butun sessiyani" in right


def test_the_explanation_shows_after_the_third_wrong_answer(learner):
    pages = [answer(learner, choice) for choice in ("0", "1", "2")]
    assert ["puts the whole session in the cookie" in page for page in pages] == [
        False,
        False,
        True,
    ]


def test_a_check_judges_the_lab_before_it_takes_the_write_lock(learner, monkeypatch):
    """On SQLite a transaction holds the one write lock from its start: the lab records are
    read and judged outside it, so a check never holds up the class's lab requests."""
    checks = load_all_checks()
    real = checks["hide-from-javascript"]
    outside = len(connection.atomic_blocks)  # the test's own transaction
    depths = []

    def judged(evidence):
        depths.append(len(connection.atomic_blocks))
        return real(evidence)

    monkeypatch.setitem(checks, "hide-from-javascript", judged)
    assert "not" in check(learner, "cookie-flags", "hide-from-javascript").lower()
    assert depths == [outside]
    assert ExerciseProgress.objects.get(exercise__slug="hide-from-javascript").attempts == 1


def test_a_passed_check_says_done_once(learner):
    html = answer(learner, "4")
    assert html.count("Done.") == 1


@pytest.mark.parametrize("choice", ["", "9", "-1", "four", "<script>"])
def test_a_bad_answer_is_not_counted(learner, choice):
    html = answer(learner, choice)
    assert "verdict--pass" not in html
    assert not ExerciseProgress.objects.filter(passed_at__isnull=False).exists()


def test_hints_come_one_at_a_time_and_the_solution_after_three_attempts(learner, settings):
    url = "/en/exercises/cookie-flags/hide-from-javascript/"
    learner.client.post(url + "hint/", headers={"HX-Request": "true"})
    html = learner.client.post(url + "hint/", headers={"HX-Request": "true"}).content.decode()
    assert len(re.findall(r"<li>", html.split('data-testid="hints"')[1].split("</ol>")[0])) == 2
    assert 'data-testid="solution"' not in html
    for _ in range(3):
        html = check(learner, "cookie-flags", "hide-from-javascript")
    assert 'data-testid="solution"' in html
    settings.EXERCISE_SHOW_SOLUTIONS = False
    assert 'data-testid="solution"' not in check(learner, "cookie-flags", "hide-from-javascript")


def test_unknown_exercises_are_a_friendly_not_found(learner):
    response = learner.client.post("/en/exercises/cookie-flags/nope/check/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


# --- Progress ------------------------------------------------------------------------


def pass_the_question(learner: LabLearner) -> None:
    answer(learner, "4")


def signed_cookie_lesson_line(done: int) -> str:
    total = Exercise.objects.filter(lesson__slug="signed-cookie-sessions").count()
    return f"Exercises: {done} of {total} done"


def test_progress_shows_on_the_lesson_list_and_lesson(learner):
    total = Exercise.objects.count()
    pass_the_question(learner)
    html = learner.client.get("/en/").content.decode()
    assert f'max="{total}" value="1"' in html
    assert signed_cookie_lesson_line(1) in html
    lesson = learner.client.get("/en/lessons/signed-cookie-sessions/").content.decode()
    assert "✓ done" in lesson


def shown_resume_code(page: str) -> str:
    """The resume code as the progress page shows it (ABCD-EFGH)."""
    return re.search(r'data-testid="resume-code">([A-Z0-9-]+)<', page).group(1)


def test_progress_survives_a_new_site_session_through_the_resume_code(learner):
    pass_the_question(learner)
    code = shown_resume_code(learner.client.get("/en/progress/").content.decode())
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}", code)

    other_device = LabLearner()
    other_device.client.post("/en/progress/resume/", {"code": code.lower().replace("-", " ")})
    html = other_device.client.get("/en/").content.decode()
    assert signed_cookie_lesson_line(1) in html


@pytest.mark.parametrize("code", ["", "ABCD", "ABCD-EFG0", "x" * 500, "'; DROP TABLE"])
def test_a_wrong_resume_code_says_so(code, lessons):
    device = LabLearner()
    response = device.client.post("/en/progress/resume/", {"code": code})
    assert response.status_code == 400
    assert 'data-testid="resume-error"' in response.content.decode()


def test_wrong_resume_codes_are_braked_right_ones_too(learner):
    pass_the_question(learner)
    code = shown_resume_code(learner.client.get("/en/progress/").content.decode())
    from lessons.learners import RESUME_BRAKE

    guesser = LabLearner()
    # A right code uses up nothing...
    assert guesser.client.post("/en/progress/resume/", {"code": code}).status_code == 302
    for attempt in range(RESUME_BRAKE.limit):
        guess = f"ABCD{attempt:04d}".replace("0", "2").replace("1", "3")
        assert guesser.client.post("/en/progress/resume/", {"code": guess}).status_code == 400
    # ...but once the wrong ones reach the limit, every code waits.
    response = guesser.client.post("/en/progress/resume/", {"code": code})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert re.search(r"Wait \d+ seconds", response.content.decode())
    assert f'value="{code}"' in response.content.decode(), "the typed code is kept"


def test_a_new_resume_code_replaces_the_old_one(learner):
    pass_the_question(learner)
    page = learner.client.get("/en/progress/").content.decode()
    old = shown_resume_code(page)
    response = learner.client.post("/en/progress/resume-code/", follow=True)
    page = response.content.decode()
    new = shown_resume_code(page)
    assert new != old and 'data-testid="resume-code-renewed"' in page
    other_device = LabLearner()
    assert other_device.client.post("/en/progress/resume/", {"code": old}).status_code == 400
    assert other_device.client.post("/en/progress/resume/", {"code": new}).status_code == 302


def test_reset_asks_first_then_forgets_the_progress(learner):
    pass_the_question(learner)
    confirm = learner.client.post("/en/progress/reset/")
    assert 'data-testid="confirm-reset"' in confirm.content.decode()
    assert ExerciseProgress.objects.filter(passed_at__isnull=False).exists()
    learner.client.post("/en/progress/reset/", {"confirm": "yes"})
    assert not ExerciseProgress.objects.exists()
    assert signed_cookie_lesson_line(0) in learner.client.get("/en/").content.decode()


def test_finishing_every_exercise_shows_the_completion_page(learner):
    from django.utils import timezone

    from lessons.models import Learner

    pass_the_question(learner)
    someone = Learner.objects.get()
    for exercise in Exercise.objects.all():
        ExerciseProgress.objects.update_or_create(
            learner=someone, exercise=exercise, defaults={"passed_at": timezone.now()}
        )
    html = learner.client.get("/uz/progress/").content.decode()
    assert 'data-testid="completion"' in html


def test_the_lab_shows_the_presets_lesson_exercises(learner):
    from lessons.models import LabPreset

    preset = LabPreset.objects.filter(lesson__slug="cookie-flags").first()
    learner.client.post(f"/en/lab/try/cookie-flags/{preset.slug}/")
    page = learner.client.get("/en/lab/").content.decode()
    assert 'data-exercise="hide-from-javascript"' in page
    assert 'hx-post="/en/exercises/cookie-flags/hide-from-javascript/check/"' in page


def test_a_new_resume_code_also_ends_the_devices_that_came_in_with_the_old_one(learner):
    pass_the_question(learner)
    page = learner.client.get("/en/progress/").content.decode()
    code = shown_resume_code(page)
    phone, stranger = LabLearner(), LabLearner()
    for device in (phone, stranger):
        assert device.client.post("/en/progress/resume/", {"code": code}).status_code == 302
        assert signed_cookie_lesson_line(1) in device.client.get("/en/").content.decode()
    # The learner's phone makes a new code: it keeps its place, the stranger loses it.
    phone.client.post("/en/progress/resume-code/")
    assert signed_cookie_lesson_line(1) in phone.client.get("/en/").content.decode()
    assert signed_cookie_lesson_line(1) in learner.client.get("/en/").content.decode()
    assert signed_cookie_lesson_line(0) in stranger.client.get("/en/").content.decode()


# --- A failed check offers the lab set up for the exercise ---------------------------


def test_a_failed_lab_check_offers_the_exercises_preset(learner):
    box = check(learner, "cookie-flags", "scope-cookie-to-shop")
    assert "Not yet." in box
    form = re.search(r'<form method="post" class="exercise__preset" action="([^"]+)"', box)
    assert form and form.group(1) == "/en/lab/try/cookie-flags/path-shop/"
    # The offer opens the lab with that preset.
    response = learner.client.post(form.group(1))
    assert response.status_code == 302
    assert learner.state()["settings"]["SESSION_COOKIE_PATH"] == "/lab/shop/"
    # With that very preset open, the exercise does not offer it again: not in the lab,
    # not after Check (in the lab or in the lesson), which would wipe the timeline.
    lab = learner.client.get("/en/lab/").content.decode()
    assert 'id="exercise-scope-cookie-to-shop"' in lab
    assert 'data-testid="exercise-preset"' not in lab
    box = check(learner, "cookie-flags", "scope-cookie-to-shop")
    assert "Not yet." in box and 'data-testid="exercise-preset"' not in box
    lesson = learner.client.get("/en/lessons/cookie-flags/").content.decode()
    assert "Last check:" in lesson and 'data-testid="exercise-preset"' not in lesson
    # Another preset open: the offer is back.
    learner.client.post("/en/lab/try/cookie-flags/httponly-off/")
    assert 'data-testid="exercise-preset"' in check(learner, "cookie-flags", "scope-cookie-to-shop")


def test_every_lab_exercise_but_one_names_its_preset():
    lab_exercises = Exercise.objects.filter(kind=Exercise.Kind.LAB)
    without = sorted(lab_exercises.filter(preset_slug="").values_list("slug", flat=True))
    # Lesson 12 has no cache-engine preset to start from.
    assert without == ["cache-expires-itself"]
    for exercise in lab_exercises.exclude(preset_slug="").select_related("lesson"):
        assert exercise.lesson.presets.filter(slug=exercise.preset_slug).exists(), exercise.slug
