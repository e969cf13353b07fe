"""Fixtures of the lab and exercise tests."""

import pytest

from lessons.tests.lab_helpers import LabLearner


@pytest.fixture
def learner() -> LabLearner:
    """A browser with a site session (and so a Learner) that has opened the lab."""
    learner = LabLearner()
    learner.client.get("/en/lab/")
    return learner
