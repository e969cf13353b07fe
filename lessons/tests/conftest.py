"""Fixtures of the lab and exercise tests."""

import pytest

from lessons.tests.lab_helpers import LabLearner


@pytest.fixture
def learner() -> LabLearner:
    """A browser that has saved Django's default lab settings, and so is a Learner."""
    learner = LabLearner()
    learner.configure()
    return learner
