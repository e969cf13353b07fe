"""The app's models, one module per domain; imported here so that `lessons.models.X` works
everywhere (migrations included)."""

from lessons.models.classroom import JOIN_CODE_LENGTH, Classroom, Membership, new_join_code
from lessons.models.content import GlossaryTerm, LabPreset, Lesson
from lessons.models.exercises import Exercise, ExerciseProgress
from lessons.models.lab import LabConfig, LabExchange, LabObservation, LabSessionKey
from lessons.models.lab_users import DEMO_USERNAMES, LabUser, demo_password
from lessons.models.learners import Learner, SiteSession, new_cross_site_token

__all__ = [
    "DEMO_USERNAMES",
    "JOIN_CODE_LENGTH",
    "Classroom",
    "Exercise",
    "ExerciseProgress",
    "GlossaryTerm",
    "LabConfig",
    "LabExchange",
    "LabObservation",
    "LabPreset",
    "LabSessionKey",
    "LabUser",
    "Learner",
    "Lesson",
    "Membership",
    "SiteSession",
    "demo_password",
    "new_cross_site_token",
    "new_join_code",
]
