"""Fixtures of the lab and exercise tests."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from lessons.models import Classroom
from lessons.tests.lab_helpers import LabLearner


@pytest.fixture
def learner() -> LabLearner:
    """A browser that has saved Django's default lab settings, and so is a Learner."""
    learner = LabLearner()
    learner.configure()
    return learner


PASSWORD = "a-long-enough-instructor-password"


@pytest.fixture
def instructor(lessons) -> Client:
    get_user_model().objects.create_user("teacher", password=PASSWORD, is_staff=True)
    client = Client()
    response = client.post("/en/instructor/login/", {"username": "teacher", "password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.fixture
def classroom(instructor) -> Classroom:
    response = instructor.post(
        "/en/instructor/", {"name": "Group 11-B", "show_solutions": "on", "default_language": "uz"}
    )
    assert response.status_code == 302
    return Classroom.objects.get()
