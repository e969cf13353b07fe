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
whose `get_model_class()` returns it. Its extra column, `learner`, follows
Django's own example of one (an account id): `create_model_instance()` fills
it from the session's data on every save (`acreate_model_instance()` on an
async save), and loading a session brings the
learner and their lab settings along in the same query, so a page asks the
database for the learner only when the session did not name one yet.
Everything else, from keys and expiry to `clearsessions`, is Django's
database engine unchanged.
"""

from asgiref.sync import sync_to_async
from django.contrib.sessions.backends.base import VALID_KEY_CHARS
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.core.exceptions import ValidationError
from django.utils import timezone

from lessons.prepared_queries import PreparedQuery

SIGNING_SALT = "lessons.session_engines.site_sessions"
# The session key naming the learner (lessons.learners uses it as SESSION_LEARNER_KEY).
LEARNER_KEY = "learner"


def _site_session_row(session_key: str):
    from lessons.models import SiteSession

    # The model's manager brings the learner and their lab settings along.
    return SiteSession.objects.filter(session_key=session_key)


# Every page that asks who the learner is runs this one query: its SQL is built once.
SITE_SESSION_ROW = PreparedQuery(_site_session_row, "prepared-session-key")


class SessionStore(DatabaseSessionStore):
    # The row this request loaded, with its learner (None before loading or without one).
    row = None

    @classmethod
    def get_model_class(cls):
        # Imported here, as Django's own engine does: engines load before the apps are ready.
        from lessons.models import SiteSession

        return SiteSession

    def _get_session_from_db(self):
        # Django's own query (session_key = %s AND expire_date > now), with the
        # expiry compared here: the same rows, and SQL that is built only once.
        rows = SITE_SESSION_ROW(self.session_key) if self.session_key else []
        self.row = rows[0] if rows and rows[0].expire_date > timezone.now() else None
        if self.row is None:
            self._session_key = None
        return self.row

    async def _aget_session_from_db(self):
        # The same row, learner and all, for an async load (aload()).
        return await sync_to_async(self._get_session_from_db)()

    def create_model_instance(self, data):
        row = super().create_model_instance(data)
        row.learner_id = self._learner_id(data.get(LEARNER_KEY))
        return row

    async def acreate_model_instance(self, data):
        # asave() builds its row here, not in create_model_instance(): the column too.
        row = await super().acreate_model_instance(data)
        row.learner_id = await sync_to_async(self._learner_id)(data.get(LEARNER_KEY))
        return row

    def _learner_id(self, public_id) -> int | None:
        """The id of the learner the data names: the loaded row's, else asked once."""
        if not public_id:
            return None
        known = self.learner_named(public_id)
        if known is not None:
            return known.pk
        from lessons.models import Learner

        try:
            return Learner.objects.filter(public_id=public_id).values_list("pk", flat=True).first()
        except (ValidationError, ValueError):
            return None

    def learner_named(self, public_id: str):
        """The learner that came with the loaded row, if it is the one `public_id` names."""
        learner = self.row.learner if self.row is not None else None
        if learner is not None and str(learner.public_id) == str(public_id):
            return learner
        return None

    def _validate_session_key(self, key):
        # Only keys of the shape Django makes reach the database: a cookie with
        # a NUL or other odd characters would make PostgreSQL refuse the query.
        return bool(key) and len(key) == 32 and set(key) <= set(VALID_KEY_CHARS)

    @property
    def key_salt(self) -> str:
        # Django derives the salt from the class name, "SessionStore", which its
        # database engine shares: the lab's rows would carry a valid signature here.
        return SIGNING_SALT
