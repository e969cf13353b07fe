"""Steering a class: a preset sent to every learner's lab, and a pause that makes the labs
read-only, followed by each lab at its next refresh."""

import pytest

from lessons.models import LabConfig, LabPreset
from lessons.tests.lab_helpers import LabLearner, dashboard_url, join

pytestmark = pytest.mark.django_db


def poll(learner: LabLearner, paused: str = "0"):
    return learner.client.get("/en/lab/class/", {"paused": paused}, headers={"HX-Request": "true"})


def class_of_two(classroom) -> list[LabLearner]:
    learners = [LabLearner(), LabLearner()]
    for number, learner in enumerate(learners):
        join(learner, classroom.join_code, f"Learner {number}")
        learner.configure()
        assert learner.client.get("/en/lab/").status_code == 200
    return learners


def test_a_sent_preset_reaches_every_learners_lab_at_its_next_refresh(classroom, instructor):
    learners = class_of_two(classroom)
    samesite = LabPreset.objects.get(lesson__slug="cookie-flags", slug="samesite-strict")
    for learner in learners:
        assert poll(learner).status_code == 204  # nothing sent yet
    page = instructor.post(
        f"{dashboard_url(classroom)}send/", {"preset": samesite.pk}, follow=True
    ).content.decode()
    assert "Sent to every learner" in page
    for learner in learners:
        answer = poll(learner)
        assert answer.headers.get("HX-Refresh") == "true"
        assert learner.state()["settings"]["SESSION_COOKIE_SAMESITE"] == "Strict"
        assert poll(learner).status_code == 204  # once
        assert 'data-testid="class-sent"' in learner.client.get("/en/lab/").content.decode()


def test_a_learner_who_joins_later_is_not_sent_the_earlier_preset(classroom, instructor):
    preset = LabPreset.objects.filter(lesson__slug="cookie-flags").first()
    instructor.post(f"{dashboard_url(classroom)}send/", {"preset": preset.pk})
    late = LabLearner()
    join(late, classroom.join_code, "Late")
    late.configure()
    assert poll(late).status_code == 204
    assert 'data-testid="class-sent"' not in late.client.get("/en/lab/").content.decode()
    assert not LabConfig.objects.filter(preset=preset, learner__memberships__display_name="Late")


def test_only_a_preset_of_the_class_can_be_sent(classroom, instructor):
    for bad in ("", "x", "99999999999999999999", "-1"):
        page = instructor.post(
            f"{dashboard_url(classroom)}send/", {"preset": bad}, follow=True
        ).content.decode()
        assert "Choose one of the presets" in page
    classroom.refresh_from_db()
    assert classroom.sent_version == 0


def test_a_paused_class_has_read_only_labs_until_it_resumes(classroom, instructor):
    learner = class_of_two(classroom)[0]
    instructor.post(f"{dashboard_url(classroom)}pause/")
    assert poll(learner, paused="0").headers.get("HX-Refresh") == "true"
    assert poll(learner, paused="1").status_code == 204
    assert 'data-testid="class-paused"' in learner.client.get("/en/lab/").content.decode()
    refused = learner.do("set", key="cart", value="[1]", language="uz")
    assert "Oʻqituvchingiz sinfni pauza qildi" in refused.html
    assert learner.cookie() is None  # nothing ran
    instructor.post(f"{dashboard_url(classroom)}pause/")
    assert learner.do("set", key="cart", value="[1]").set_cookie is not None


def test_a_learner_in_no_class_is_never_steered(learner):
    assert poll(learner).status_code == 204
    assert learner.do("set", key="cart", value="[1]").set_cookie is not None
