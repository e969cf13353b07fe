"""Logging in inside the lab: each learner's demo users and the backend that finds them.

A lab request runs Django's own `login()`, `logout()` and `get_user()` on the
learner's lab session. Inside it, `AUTHENTICATION_BACKENDS` is the lab's
backend alone (session_settings.py gives `django.contrib.auth` the lab's
settings), and that backend knows only the running learner's own alice and
bob: whatever `_auth_user_id` or `_auth_user_backend` a learner writes into
their session, `request.user` can only ever be one of their own demo users,
or AnonymousUser. Outside a lab request the backend knows nobody, and it
authenticates nobody anywhere: demo users never log into the site itself.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.contrib.auth.backends import BaseBackend

from lessons.models import DEMO_USERNAMES, LabUser, Learner, demo_password

LAB_BACKEND = "lessons.lab.demo_users.LabUserBackend"

_lab_learner: ContextVar[Learner | None] = ContextVar("lab_learner", default=None)


@contextmanager
def users_of(learner: Learner) -> Iterator[None]:
    """In the body, the lab's backend finds this learner's demo users (and nobody else's),
    and `running_learner()` names the learner."""
    token = _lab_learner.set(learner)
    try:
        yield
    finally:
        _lab_learner.reset(token)


def _running_learner_id() -> int | None:
    learner = _lab_learner.get()
    return learner.pk if learner is not None else None


def running_learner() -> str:
    """The public id of the learner whose lab request is running ("" outside one)."""
    learner = _lab_learner.get()
    return str(learner.public_id) if learner is not None else ""


class LabUserBackend(BaseBackend):
    """The lab's authentication backend: the running learner's demo users, nobody else."""

    def authenticate(self, request, **credentials):
        return None  # demo users are logged in by the lab's actions only

    def get_user(self, user_id):
        learner_id = _running_learner_id()
        if learner_id is None:
            return None
        return LabUser.objects.filter(learner_id=learner_id, pk=user_id).first()


def demo_user(username: str) -> LabUser:
    """The running learner's demo user of that name, made on first use with its password."""
    learner_id = _running_learner_id()
    if learner_id is None:
        raise RuntimeError("demo users exist only inside a lab request")
    user = LabUser.objects.filter(learner_id=learner_id, username=username).first()
    if user is None:
        user = LabUser(learner_id=learner_id, username=username)
        user.set_password(demo_password(username, 1))
        user.save()
    return user


def shown_users(learner: Learner | None) -> list[dict[str, str]]:
    """alice and bob with the passwords they have now, for the lab page."""
    generations = {}
    if learner is not None and learner.pk:
        generations = dict(learner.lab_users.values_list("username", "password_generation"))
    return [
        {"username": name, "password": demo_password(name, generations.get(name, 1))}
        for name in DEMO_USERNAMES
    ]
