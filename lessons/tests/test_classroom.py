"""Classrooms: instructors create them, learners join with a code, the dashboard follows."""

import csv
import io
import os
import re
import subprocess
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client

from lessons.codes import CODE_ALPHABET
from lessons.models import Classroom, ExerciseProgress, Membership
from lessons.tests.conftest import PASSWORD
from lessons.tests.lab_helpers import LabLearner, answer, join

pytestmark = pytest.mark.django_db


def test_a_join_code_is_short_unambiguous_and_unguessable(classroom):
    assert len(classroom.join_code) == 6
    assert set(classroom.join_code) <= set(CODE_ALPHABET)
    assert not set("01OIL") & set(CODE_ALPHABET)
    codes = {Classroom.objects.create(name=f"c{i}").join_code for i in range(50)}
    assert len(codes) == 50


def test_a_learner_joins_with_the_code_in_any_case_and_lands_in_the_class_language(classroom):
    learner = LabLearner()
    response = join(
        learner,
        f" {classroom.join_code.lower()[:3]} {classroom.join_code.lower()[3:]} ",
        "  Aziz   Karimov ",
    )
    assert response.status_code == 302 and response["Location"] == "/uz/"
    membership = Membership.objects.get()
    assert membership.display_name == "Aziz Karimov"
    assert "Group 11-B" in learner.client.get("/uz/").content.decode()


def test_the_join_link_fills_in_the_code(classroom):
    html = Client().get(f"/en/join/{classroom.join_code}/").content.decode()
    assert f'value="{classroom.join_code}"' in html


@pytest.mark.parametrize(
    ("code", "name", "message"),
    [
        ("WRONG1", "Aziz", "No classroom has this code"),
        ("", "Aziz", "This field is required"),
        (None, "   ", "This field is required"),
        (None, "\x00 Aziz", "Null characters are not allowed"),
        (None, "\x07\x08", "Give the name your instructor will see"),
    ],
)
def test_bad_join_input_is_explained(classroom, code, name, message):
    learner = LabLearner()
    response = join(learner, classroom.join_code if code is None else code, name)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Membership.objects.exists()


def test_a_closed_classroom_takes_no_new_learners_but_keeps_its_members(classroom, instructor):
    member = LabLearner()
    join(member, classroom.join_code, "Dilnoza")
    instructor.post(f"/en/instructor/classrooms/{classroom.pk}/open/")
    newcomer = LabLearner()
    response = join(newcomer, classroom.join_code, "Late")
    assert "This classroom is closed" in response.content.decode()
    assert join(member, classroom.join_code, "Dilnoza").status_code == 302  # rejoining still works


def test_names_are_unique_in_a_class_and_escaped_everywhere(classroom, instructor):
    first, second, third = LabLearner(), LabLearner(), LabLearner()
    join(first, classroom.join_code, "Aziz")
    join(second, classroom.join_code, "Aziz")
    join(third, classroom.join_code, "<script>alert(1)</script>" + "x" * 100)
    names = sorted(Membership.objects.values_list("display_name", flat=True))
    assert "Aziz" in names and "Aziz (2)" in names
    assert max(len(name) for name in names) <= 40
    html = instructor.get(f"/en/instructor/classrooms/{classroom.pk}/").content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


def test_rejoining_from_the_same_browser_keeps_name_and_progress(classroom):
    learner = LabLearner()
    join(learner, classroom.join_code, "Aziz")
    answer(learner, "signed-cookie-sessions", "nothing-on-the-server", "4")
    join(learner, classroom.join_code, "Another name")
    membership = Membership.objects.get()
    assert membership.display_name == "Aziz"
    assert ExerciseProgress.objects.filter(
        learner=membership.learner, passed_at__isnull=False
    ).exists()


def test_a_browser_that_guesses_waits_but_a_classmate_gets_in(classroom):
    guesser = LabLearner()
    guesser.client.get("/en/join/")  # the join page, and with it the browser's CSRF cookie
    for _ in range(5):
        response = join(guesser, "ZZZZZZ", "Guesser")
        assert "No classroom has this code" in response.content.decode()
    response = join(guesser, "ZZZZZY", "Guesser")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert re.search(r"Wait \d+ seconds", response.content.decode())
    # The guessing browser waits, even with the right code...
    assert join(guesser, classroom.join_code, "Guesser").status_code == 429
    # ...but a classmate behind the same router, with the code from the projector, does not.
    classmate = LabLearner()
    classmate.client.get("/en/join/")
    response = join(classmate, classroom.join_code, "Classmate")
    assert response.status_code == 302
    assert Membership.objects.get().display_name == "Classmate"


def test_right_codes_do_not_use_up_the_brake(classroom):
    learner = LabLearner()
    for _ in range(10):  # rejoining, as a learner on a flaky network might
        assert join(learner, classroom.join_code, "Aziz").status_code == 302


def test_wrong_codes_sent_all_at_once_get_no_more_checks_than_the_limit(classroom):
    from concurrent.futures import ThreadPoolExecutor

    from lessons.classroom.services import JOIN_ATTEMPTS_ALLOWED

    csrf_secret = "a" * 32  # one browser, sending many requests at once

    def guess(number: int) -> int:
        client = Client()
        client.cookies[settings.CSRF_COOKIE_NAME] = csrf_secret
        return client.post("/en/join/", {"code": f"ZZZZ{number:02d}", "name": "G"}).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(guess, range(100)))
    assert statuses.count(400) == JOIN_ATTEMPTS_ALLOWED
    assert statuses.count(429) == 100 - JOIN_ATTEMPTS_ALLOWED


def test_the_dashboard_shows_each_learner_against_each_exercise(classroom, instructor):
    alice, bob = LabLearner(), LabLearner()
    join(alice, classroom.join_code, "Alice")
    join(bob, classroom.join_code, "Bob")
    answer(alice, "signed-cookie-sessions", "nothing-on-the-server", "4")
    for _ in range(3):
        answer(bob, "signed-cookie-sessions", "nothing-on-the-server", "0")
    html = instructor.get(f"/en/instructor/classrooms/{classroom.pk}/").content.decode()
    assert 'hx-trigger="every 4s"' in html
    assert "1/2" in html  # one of two learners did that exercise
    bob_row = re.search(r'<tr data-testid="learner-row" data-name="Bob".*?</tr>', html, re.DOTALL)
    assert bob_row and "3\u00d7" in bob_row.group(0) and "badge--stuck" in bob_row.group(0)
    # Why Bob is stuck: his last check's message, and since when.
    assert 'data-testid="stuck-reason"' in bob_row.group(0)


def test_csv_export_has_a_row_per_learner(classroom, instructor):
    learner = LabLearner()
    join(learner, classroom.join_code, "=HYPERLINK(evil)")
    answer(learner, "signed-cookie-sessions", "nothing-on-the-server", "4")
    response = instructor.get(f"/en/instructor/classrooms/{classroom.pk}/progress.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:2] == ["Learner", "Done"]
    assert rows[1][0] == "'=HYPERLINK(evil)"  # never a formula in a spreadsheet
    assert rows[1][1] == "1" and "done" in rows[1]


def test_reset_and_remove_a_learner(classroom, instructor):
    learner = LabLearner()
    join(learner, classroom.join_code, "Aziz")
    answer(learner, "signed-cookie-sessions", "nothing-on-the-server", "4")
    membership = Membership.objects.get()
    base = f"/en/instructor/classrooms/{classroom.pk}/members/{membership.pk}"
    instructor.post(f"{base}/reset/")
    assert not ExerciseProgress.objects.exists()
    instructor.post(f"{base}/remove/")
    assert not Membership.objects.exists()


def test_only_the_classrooms_instructors_see_its_dashboard(classroom):
    url = f"/en/instructor/classrooms/{classroom.pk}/"
    learner = LabLearner()
    join(learner, classroom.join_code, "Aziz")
    assert learner.client.get(url).status_code == 302  # to the instructor login
    get_user_model().objects.create_user("other", password=PASSWORD, is_staff=True)
    other = Client()
    other.post("/en/instructor/login/", {"username": "other", "password": PASSWORD})
    assert other.get(url).status_code == 404
    assert other.get(url + "progress.csv").status_code == 404
    get_user_model().objects.create_user("student", password=PASSWORD)
    not_staff = Client()
    not_staff.post("/en/instructor/login/", {"username": "student", "password": PASSWORD})
    assert not_staff.get(url).status_code == 404


def test_a_wrong_password_is_explained_in_uzbek(lessons):
    response = Client().post("/uz/instructor/login/", {"username": "x", "password": "y"})
    assert response.status_code == 200
    assert (
        "Bu foydalanuvchi nomi va parol oʻqituvchi hisobiga mos kelmaydi."
        in response.content.decode()
    )


def test_solutions_can_be_turned_off_for_a_classroom(classroom, instructor):
    classroom.show_solutions = False
    classroom.save()
    learner = LabLearner()
    join(learner, classroom.join_code, "Aziz")
    for _ in range(3):
        html = answer(learner, "signed-cookie-sessions", "nothing-on-the-server", "0")
    assert 'data-testid="solution"' not in html


def test_createinstructor_makes_a_staff_user(db):
    out = StringIO()
    call_command("createinstructor", "rahima", "--password", PASSWORD, stdout=out)
    user = get_user_model().objects.get(username="rahima")
    assert user.is_staff and not user.is_superuser and user.check_password(PASSWORD)
    with pytest.raises(CommandError, match="exists already"):
        call_command("createinstructor", "rahima", "--password", PASSWORD)
    with pytest.raises(CommandError, match=r"too short|too common"):
        call_command("createinstructor", "short", "--password", "abc")


def test_the_dashboard_draws_the_join_qr_code_itself(classroom, instructor):
    html = instructor.get(f"/en/instructor/classrooms/{classroom.pk}/").content.decode()
    qr = re.search(r'<figure class="join-qr" data-testid="join-qr"><svg.*?</svg>', html, re.DOTALL)
    assert qr, "no inline QR code"
    assert f"/en/join/{classroom.join_code}/" in qr.group(0)  # in its title
    assert "http" not in qr.group(0).replace(
        f"http://testserver/en/join/{classroom.join_code}/", ""
    )


def test_the_load_script_refuses_a_server_elsewhere(db):
    with pytest.raises(CommandError, match="stays local"):
        call_command("load_classroom", "--url", "http://example.com:8000", "--seconds", "5")


def test_the_class_counts_a_refused_join_as_an_error(live_server, transactional_db, tmp_path):
    """The locustfile's learners fail their join when the code is wrong (locust, for real)."""
    from lessons.management.commands.load_classroom import LOCUSTFILE, locust_command

    Classroom.objects.create(name="Load")  # its code is not the one given
    finished = subprocess.run(
        [*locust_command(), "--locustfile", str(LOCUSTFILE), "--headless", "--only-summary",
         "--host", live_server.url, "--users", "3", "--spawn-rate", "3", "--run-time", "3s",
         "--csv", str(tmp_path / "class"), "--loglevel", "ERROR", "Learner"],
        env={**os.environ, "SESSIONLAB_JOIN_CODE": "ZZZZZZ"},
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    rows = {row["Name"]: row for row in csv.DictReader((tmp_path / "class_stats.csv").open())}
    assert rows["join"]["Request Count"] == rows["join"]["Failure Count"] == "3", finished.stderr
    assert int(rows["lab action"]["Request Count"]) >= 3  # and they go on with the lab
