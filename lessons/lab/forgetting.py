"""Forgetting idle learners, with everything the lab keeps for them in every store."""

import datetime
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from lessons.lab.store import remove_stored_sessions
from lessons.models import Learner


@dataclass
class Forgotten:
    """What forgetting learners removed, and the stores that could not be reached."""

    learners: int = 0
    sessions: int = 0
    directories: int = 0
    unreachable: list[str] = field(default_factory=list)


def idle_learners(days: int):
    """Learners not seen for `days` days who belong to no classroom.

    A classroom's members stay until their instructor removes them: the
    dashboard and its CSV still need them.
    """
    cutoff = timezone.now() - datetime.timedelta(days=days)
    return Learner.objects.filter(last_seen_at__lt=cutoff, memberships__isnull=True)


def forget_learners(learners) -> Forgotten:
    """Delete these learners with everything the lab keeps for them, in every store."""
    forgotten = Forgotten()
    for learner in Learner.objects.filter(pk__in=list(learners.values_list("pk", flat=True))):
        keys = list(learner.lab_session_keys.values_list("engine", "session_key"))
        forgotten.unreachable += remove_stored_sessions(keys)
        forgotten.sessions += len(keys)
        if learner.lab_file_directory.exists():
            shutil.rmtree(learner.lab_file_directory, ignore_errors=True)
            forgotten.directories += 1
        learner.delete()
        forgotten.learners += 1
    forgotten.unreachable = sorted(set(forgotten.unreachable))
    return forgotten


def orphan_file_directories() -> list[Path]:
    """Learners' file directories whose learner no longer exists."""
    root = Path(settings.LAB_SESSION_FILE_PATH)
    if not root.is_dir():
        return []
    kept = {learner.lab_file_directory.name for learner in Learner.objects.only("public_id")}
    return [
        path
        for path in root.iterdir()
        if path.is_dir() and path.name.startswith("learner-") and path.name not in kept
    ]
