"""The lab's demo users: each learner's own "alice" and "bob".

They are users of Django's authentication framework (`AbstractBaseUser`:
Django's own `set_password`, `check_password` and `get_session_auth_hash`),
kept in a table of their own rather than in `auth_user`. No authentication
backend of the site ever looks here, so they cannot log into the admin or the
instructor pages; the lab's backend (`lessons.lab.demo_users`) finds only the
current learner's.
"""

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password
from django.db import models
from django.utils.translation import gettext_lazy as _

from lessons.models.learners import Learner

DEMO_USERNAMES = ("alice", "bob")


class DemoPasswordHasher(PBKDF2PasswordHasher):
    """PBKDF2 with few rounds, for the demo users only (listed last in PASSWORD_HASHERS, so
    never the site's default). Their passwords are shown on the lab page anyway, and a
    class of 200 logging in at once must not wait for 200 full-strength hashes."""

    algorithm = "pbkdf2_sha256_lab_demo"
    iterations = 1_000


def demo_password(username: str, generation: int) -> str:
    """The password shown for a demo user: a new one after each change."""
    return f"{username}-pw{generation}"


class LabUser(AbstractBaseUser):
    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="lab_users")
    username = models.CharField(_("username"), max_length=20)
    # How many passwords this user has had: the shown password is demo_password(...).
    password_generation = models.PositiveSmallIntegerField(default=1)

    USERNAME_FIELD = "username"
    objects = models.Manager()

    class Meta:
        verbose_name = _("lab demo user")
        verbose_name_plural = _("lab demo users")
        constraints = [
            models.UniqueConstraint(fields=["learner", "username"], name="unique_lab_username")
        ]

    def __str__(self) -> str:
        return self.username

    def set_password(self, raw_password: str | None) -> None:
        """Django's set_password, with the demo users' cheap hasher."""
        self.password = make_password(raw_password, hasher=DemoPasswordHasher.algorithm)
        self._password = raw_password
