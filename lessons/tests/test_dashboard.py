"""The instructor's dashboard: grouped by lesson and numbered as the CSV, refreshed with
only what changed, each learner at a glance, and Reset, Remove and Close asked first and
undoable for a minute."""

import csv
import datetime
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lessons.models import Classroom, ExerciseProgress, Membership
from lessons.tests.lab_helpers import LabLearner, answer, check, dashboard_url, join

pytestmark = pytest.mark.django_db
LESSON, EXERCISE = "signed-cookie-sessions", "nothing-on-the-server"


def page_state(html: str) -> dict:
    """What the page sends back with its next refresh."""
    since = re.search(r'name="since" id="dashboard-since" value="([^"]+)"', html).group(1)
    members = re.search(r'name="members" value="([^"]*)"', html).group(1)
    return {"since": since, "members": members}


def refresh(instructor, classroom, state: dict) -> str:
    response = instructor.get(dashboard_url(classroom), state, headers={"HX-Request": "true"})
    assert response.status_code == 200
    return response.content.decode()


def test_columns_are_grouped_by_lesson_and_numbered_as_in_the_csv(classroom, instructor):
    learner = LabLearner()
    join(learner, classroom.join_code, "Aziz")
    html = instructor.get(dashboard_url(classroom)).content.decode()
    header = csv.reader(
        io.StringIO(instructor.get(dashboard_url(classroom) + "progress.csv").content.decode())
    )
    csv_numbers = [title.split(" ")[0] for title in next(header)[2:]]
    page_numbers = re.findall(r'<a id="column-\d+" href="[^"]+">([\d.]+)</a>', html)
    assert page_numbers == csv_numbers
    assert "7. Signed cookie sessions" in html  # the lesson's name over its columns
    assert 'scope="colgroup"' in html
    # Tooltips are the goal as text, not Markdown.
    titles = re.findall(r'<th scope="col" title="([^"]*)">', html)
    assert titles and not any("`" in title or "**" in title for title in titles)


def test_a_refresh_sends_only_the_rows_that_changed(classroom, instructor):
    alice, bob = LabLearner(), LabLearner()
    join(alice, classroom.join_code, "Alice")
    join(bob, classroom.join_code, "Bob")
    state = page_state(instructor.get(dashboard_url(classroom)).content.decode())
    nothing = refresh(instructor, classroom, state)
    assert 'class="cell' not in nothing and 'id="dashboard-grid"' not in nothing
    assert 'id="dashboard-since"' in nothing and 'hx-swap-oob="true"' in nothing

    answer(bob, LESSON, EXERCISE, "4")
    changed = refresh(instructor, classroom, state)
    bob_membership = Membership.objects.get(display_name="Bob")
    alice_membership = Membership.objects.get(display_name="Alice")
    assert f'id="done-{bob_membership.pk}"' in changed
    assert f'id="done-{alice_membership.pk}"' not in changed
    assert "✓" in changed and 'id="dashboard-grid"' not in changed
    assert changed.count('class="cell') == 1  # the one cell that changed, not Bob's row


def row_pieces(html: str, membership: Membership) -> list[str]:
    """A learner's status, done count and last activity as the HTML draws them (without the
    out-of-band attribute a refresh adds), each up to its own closing tag."""
    pieces = []
    for start in re.finditer(rf'<span id="(?:status|done|activity)-{membership.pk}"', html):
        depth, position = 0, start.start()
        for tag in re.finditer(r"<span\b|</span>", html[position:]):
            depth += 1 if tag.group() == "<span" else -1
            if depth == 0:
                pieces.append(html[position : position + tag.end()])
                break
    return [re.sub(r' hx-swap-oob="?true"?', "", piece) for piece in pieces]


def test_a_refresh_sums_up_a_changed_row_as_the_page_does(classroom, instructor):
    learner = LabLearner()
    join(learner, classroom.join_code, "Aziz")
    state = page_state(instructor.get(dashboard_url(classroom)).content.decode())
    answer(learner, LESSON, EXERCISE, "4")  # done
    for _attempt in range(3):  # three checks without success: stuck
        check(learner, "cookie-flags", "hide-from-javascript")
    membership = Membership.objects.get()
    changed = refresh(instructor, classroom, state)
    page = instructor.get(dashboard_url(classroom)).content.decode()

    pieces = row_pieces(changed, membership)
    assert len(pieces) == 3
    assert pieces == row_pieces(page, membership)
    assert 'data-stuck="1" data-started="1"' in pieces[0] and "No lab response" in pieces[0]
    assert 'data-done="1">1<' in pieces[1]
    assert changed.count('class="cell') == 2  # the two exercises tried, not the whole row


def test_a_refresh_costs_the_same_for_a_class_of_two_or_of_sixty(classroom, instructor):
    def queries_for_one_change(learner_count: int) -> int:
        Membership.objects.all().delete()
        learners = [LabLearner() for _ in range(learner_count)]
        for number, learner in enumerate(learners):
            join(learner, classroom.join_code, f"Learner {number}")
        state = page_state(instructor.get(dashboard_url(classroom)).content.decode())
        answer(learners[0], LESSON, EXERCISE, "4")
        with CaptureQueriesContext(connection) as queries:
            html = refresh(instructor, classroom, state)
        assert len(re.findall(r'id="done-\d+"', html)) == 1  # one learner's row
        return len(queries)

    assert queries_for_one_change(2) == queries_for_one_change(60)


def test_a_join_redraws_the_grid_and_bad_refresh_input_redraws_too(classroom, instructor):
    first = LabLearner()
    join(first, classroom.join_code, "Aziz")
    state = page_state(instructor.get(dashboard_url(classroom)).content.decode())
    join(LabLearner(), classroom.join_code, "Malika")
    redrawn = refresh(instructor, classroom, state)
    assert redrawn.lstrip().startswith('<div id="dashboard-grid"')
    assert 'hx-swap-oob="true"' in redrawn.split(">", 1)[0] and "Malika" in redrawn
    assert redrawn.count("hx-swap-oob") == 1  # the grid swaps as a whole
    for bad in ({"since": "yesterday", "members": "x"}, {"since": "\x00"}, {}):
        assert refresh(instructor, classroom, bad).lstrip().startswith('<div id="dashboard-grid"')


def test_each_learner_has_totals_and_last_activity(classroom, instructor):
    learner = LabLearner()
    join(learner, classroom.join_code, "Aziz")
    answer(learner, LESSON, EXERCISE, "4")
    membership = Membership.objects.get()
    html = instructor.get(dashboard_url(classroom)).content.decode()
    assert re.search(rf'id="done-{membership.pk}" data-done="1">1<', html)
    assert re.search(
        rf'id="activity-{membership.pk}" data-at="[^"]+" class="small">0.minutes ago', html
    )


def test_reset_asks_first_names_the_learner_and_can_be_undone(classroom, instructor):
    learner = LabLearner()
    join(learner, classroom.join_code, "Aziz")
    answer(learner, LESSON, EXERCISE, "4")
    membership = Membership.objects.get()
    url = f"{dashboard_url(classroom)}members/{membership.pk}/reset/"
    dashboard = instructor.get(dashboard_url(classroom)).content.decode()
    link = re.search(rf'<a class="button" href="{url}"[^>]*>(.*?)</a>', dashboard).group(1)
    assert "Reset" in link and "Aziz" in link  # its accessible name carries the learner's
    question = instructor.get(url).content.decode()
    assert "Reset Aziz" in question and ExerciseProgress.objects.exists()
    instructor.post(url)
    assert not ExerciseProgress.objects.exists()
    after = instructor.get(dashboard_url(classroom)).content.decode()
    assert 'data-testid="undo-notice"' in after and "was reset" in after
    instructor.post(f"{dashboard_url(classroom)}undo/")
    progress = ExerciseProgress.objects.get()
    assert progress.passed_at is not None and progress.learner.memberships.get() == membership


def test_remove_and_close_are_asked_first_and_undone_too(classroom, instructor):
    learner = LabLearner()
    join(learner, classroom.join_code, "Aziz")
    membership = Membership.objects.get()
    url = f"{dashboard_url(classroom)}members/{membership.pk}/remove/"
    assert "Remove Aziz from the class?" in instructor.get(url).content.decode()
    instructor.post(url)
    assert not Membership.objects.exists()
    instructor.post(f"{dashboard_url(classroom)}undo/")
    assert Membership.objects.get().display_name == "Aziz"

    close = f"{dashboard_url(classroom)}open/"
    assert "Close Group 11-B?" in instructor.get(close).content.decode()
    assert Classroom.objects.get().is_open
    instructor.post(close)
    assert not Classroom.objects.get().is_open
    instructor.post(f"{dashboard_url(classroom)}undo/")
    assert Classroom.objects.get().is_open


def test_an_undo_after_a_minute_is_refused(classroom, instructor):
    learner = LabLearner()
    join(learner, classroom.join_code, "Aziz")
    membership = Membership.objects.get()
    instructor.post(f"{dashboard_url(classroom)}members/{membership.pk}/remove/")
    session = instructor.session
    late = timezone.now() - datetime.timedelta(seconds=61)
    session["classroom_undo"] = {**session["classroom_undo"], "at": late.isoformat()}
    session.save()
    page = instructor.post(f"{dashboard_url(classroom)}undo/", follow=True).content.decode()
    assert "Too late to undo" in page and not Membership.objects.exists()


def test_an_undo_never_reaches_another_classroom(classroom, instructor):
    learner = LabLearner()
    join(learner, classroom.join_code, "Aziz")
    membership = Membership.objects.get()
    instructor.post(f"{dashboard_url(classroom)}members/{membership.pk}/remove/")
    instructor.post("/en/instructor/", {"name": "Other", "default_language": "en"})
    other = Classroom.objects.exclude(pk=classroom.pk).get()
    instructor.post(f"/en/instructor/classrooms/{other.pk}/undo/")
    assert not Membership.objects.exists()


def test_the_join_link_names_this_machine_on_the_network_not_loopback(
    classroom, instructor, settings
):
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "192.168.1.20"]
    html = instructor.get(dashboard_url(classroom), HTTP_HOST="127.0.0.1:8000").content.decode()
    expected = f"http://192.168.1.20:8000/en/join/{classroom.join_code}/"
    assert f'data-testid="join-url">{expected}<' in html
    assert expected in re.search(r'data-testid="join-qr"><svg.*?</svg>', html, re.S).group(0)
    assert 'data-testid="join-only-here"' not in html


def test_a_loopback_only_join_link_is_flagged(classroom, instructor, settings):
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    html = instructor.get(dashboard_url(classroom), HTTP_HOST="localhost:8000").content.decode()
    assert 'data-testid="join-only-here"' in html
    html = instructor.get(dashboard_url(classroom), HTTP_HOST="lab.school.uz").content.decode()
    assert 'data-testid="join-only-here"' not in html  # opened by its network name: fine


def test_the_projector_shows_the_code_large_and_counts_who_joined(classroom, instructor):
    url = f"{dashboard_url(classroom)}projector/"
    page = instructor.get(url).content.decode()
    assert f'data-testid="projector-code">{classroom.join_code}<' in page
    assert "0 learners have joined" in page and "<svg" in page
    join(LabLearner(), classroom.join_code, "Aziz")
    count = instructor.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "1 learner has joined" in count and "<svg" not in count
    assert LabLearner().client.get(url).status_code == 302  # instructors only


def test_the_classroom_list_shows_who_joined_and_what_is_open(classroom, instructor):
    join(LabLearner(), classroom.join_code, "Aziz")
    instructor.post("/en/instructor/", {"name": "Closed one", "default_language": "en"})
    Classroom.objects.filter(name="Closed one").update(is_open=False)
    html = instructor.get("/en/instructor/").content.decode()
    rows = re.findall(r"<tr>\s*<th scope=\"row\">(.*?)</tr>", html, re.S)
    assert any("Group 11-B" in row and ">1<" in row and "open" in row for row in rows)
    assert any("Closed one" in row and "closed" in row for row in rows)
    # The lessons to choose, by their names, in course order.
    labels = re.findall(r'<label for="id_lessons_\d+">([^<]+)</label>', html)
    assert labels[:2] == ["1. What a session is", "2. The request.session API"]
    assert "Log out" in instructor.get(dashboard_url(classroom)).content.decode()
