"""The site's session row names its learner (Django's "extending database-backed session
engines"): loading the session brings the learner along, and the session's own signed data
always decides who the learner is."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lessons.models import LabExchange, Learner, SiteSession

pytestmark = pytest.mark.django_db


def site_row(learner) -> SiteSession:
    return SiteSession.objects.get(session_key=learner.client.session.session_key)


def timeline_learner(learner) -> int:
    return LabExchange.objects.filter(id=learner.state()["latest"]["id"]).get().learner_id


def test_the_first_write_names_the_learner_on_the_session_row(learner):
    learner.do("get", key="cart")
    owner = timeline_learner(learner)
    assert site_row(learner).learner_id == owner


def test_a_page_takes_the_learner_from_the_session_row(learner):
    learner.do("get", key="cart")
    with CaptureQueriesContext(connection) as queries:
        learner.client.get("/en/lab/")
    learner_reads = [q["sql"] for q in queries if q["sql"].startswith("SELECT")]
    assert learner_reads[0].startswith('SELECT "lessons_sitesession"')
    assert '"lessons_learner"' in learner_reads[0]  # joined, not asked apart
    assert not any(sql.split(" FROM ")[1].startswith('"lessons_learner"') for sql in learner_reads)


def test_a_row_that_does_not_name_the_learner_yet_is_given_it(learner):
    learner.do("get", key="cart")
    owner = timeline_learner(learner)
    SiteSession.objects.filter(learner_id=owner).update(learner=None)  # saved before the column
    learner.do("get", key="cart")
    assert timeline_learner(learner) == owner
    assert site_row(learner).learner_id == owner


def test_the_signed_data_decides_who_the_learner_is_not_the_column(learner):
    """A row whose column names someone else (however it came to) opens nobody else's lab."""
    learner.do("set", key="cart", value='["mine"]')
    owner = timeline_learner(learner)
    someone = Learner.objects.create()
    SiteSession.objects.filter(learner_id=owner).update(learner=someone)
    learner.do("get", key="cart")
    assert timeline_learner(learner) == owner
    assert learner.state()["latest"]["result"]["value"] == ["mine"]
    assert not LabExchange.objects.filter(learner=someone).exists()
    assert site_row(learner).learner_id == owner  # and the row says so again


@pytest.mark.django_db(transaction=True)
def test_an_async_save_names_the_learner_too():
    """asave() builds its row in acreate_model_instance(), not create_model_instance()."""
    from asgiref.sync import async_to_sync

    from lessons.session_engines.site_sessions import LEARNER_KEY, SessionStore

    someone = Learner.objects.create()

    async def save_it():
        session = SessionStore()
        await session.aset(LEARNER_KEY, str(someone.public_id))
        await session.asave()
        return session.session_key

    key = async_to_sync(save_it)()
    assert SiteSession.objects.get(session_key=key).learner_id == someone.pk
