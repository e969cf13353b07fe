"""The site's own sessions: Django's database engine, on a table of their own.

    SESSION_ENGINE = "lessons.session_engines.site_sessions"

Learners run Django's database engine in the lab, on the `django_session`
table, and can put anything they like in those rows. So the site keeps its
own sessions (which learner a browser is, an instructor's login) elsewhere:
in the `lessons_sitesession` table, signed with a salt of their own. A lab
session key names no site session, and a site session key names no lab
session, on any engine; and data copied from one table would not pass the
other's signature check.

This is the documented way to extend Django's sessions: a model built on
`AbstractBaseSession` (`lessons.models.SiteSession`), and a SessionStore
whose `get_model_class()` returns it. Everything else, from keys and expiry
to `clearsessions`, is Django's database engine unchanged.
"""

from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore

SIGNING_SALT = "lessons.session_engines.site_sessions"


class SessionStore(DatabaseSessionStore):
    @classmethod
    def get_model_class(cls):
        # Imported here, as Django's own engine does: engines load before the apps are ready.
        from lessons.models import SiteSession

        return SiteSession

    def _validate_session_key(self, key):
        # Only keys of the shape Django makes reach the database: a cookie with
        # a NUL or other odd characters would make PostgreSQL refuse the query.
        return bool(key) and len(key) == 32 and set(key) <= set(VALID_KEY_CHARS)

    @property
    def key_salt(self) -> str:
        # Django derives the salt from the class name, "SessionStore", which its
        # database engine shares: the lab's rows would carry a valid signature here.
        return SIGNING_SALT
