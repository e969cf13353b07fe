"""The lab's own small queries are built once and run with new values: they must find exactly
what the same queryset finds, relations included, and refuse what they cannot run safely."""

import datetime

import pytest
from asgiref.sync import async_to_sync
from django.db import connection
from django.db.models import Count, Value
from django.db.models.functions import Upper
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lessons.learners import RecentExchange, recent_exchanges
from lessons.models import LabConfig, LabExchange, LabPreset, Learner, SiteSession
from lessons.prepared_queries import PreparedInsert, PreparedQuery, PreparedRows
from lessons.session_engines.site_sessions import SITE_SESSION_ROW, SessionStore
from lessons.tests.lab_helpers import recorded_exchange

pytestmark = pytest.mark.django_db


def fields_of(instance) -> dict:
    return {
        field.attname: getattr(instance, field.attname)
        for field in instance._meta.concrete_fields
        if field.attname not in instance.get_deferred_fields()
    }


def test_the_latest_exchanges_are_the_ones_the_orm_finds():
    learner, other = Learner.objects.create(), Learner.objects.create()
    for number in range(1, 16):
        recorded_exchange(learner, number)
        recorded_exchange(other, number)
    found = recent_exchanges(learner, 13)
    expected = list(LabExchange.objects.filter(learner=learner)[:13])
    names = (*RecentExchange.PLAIN, *RecentExchange.DECODED_WHEN_READ)
    assert [[getattr(item, name) for name in names] for item in found] == [
        [getattr(item, name) for name in names] for item in expected
    ]
    assert [item.number for item in found] == list(range(15, 2, -1))
    assert [item.pk for item in found] == [item.pk for item in expected]
    assert isinstance(found[0].created_at, datetime.datetime)  # converted as Django does
    assert found[0].store == {"database": {"session_key": "key15"}}
    assert recent_exchanges(Learner.objects.create(), 13) == []


def test_a_recent_exchange_decodes_its_json_and_time_only_when_read():
    learner = Learner.objects.create()
    recorded_exchange(learner, 1)
    (found,) = recent_exchanges(learner, 13)
    assert "store" not in vars(found) and "created_at" not in vars(found)
    assert found.store == {"database": {"session_key": "key1"}}
    assert found.store is found.store  # decoded once
    assert found.created_at == LabExchange.objects.get(learner=learner).created_at


def exchange_rows(first: str, second: str, raw: str) -> PreparedRows:
    """Two columns of a learner's exchanges, one of them raw."""
    return PreparedRows(
        lambda learner_id: LabExchange.objects.filter(learner_id=learner_id).values_list(
            first, second
        ),
        0,
        raw=(raw,),
    )


def test_prepared_rows_convert_every_column_but_the_raw_ones_as_django_does():
    learner = Learner.objects.create()
    recorded_exchange(learner, 1)
    query = exchange_rows("created_at", "store", raw="store")
    ((created_at, store),) = query(learner.pk)
    expected = LabExchange.objects.get(learner=learner)
    assert created_at == expected.created_at
    assert query.convert("store", store) == expected.store


def test_a_raw_column_without_converters_is_given_as_it_is():
    learner = Learner.objects.create()
    recorded_exchange(learner, 7)
    query = exchange_rows("number", "store", raw="number")
    ((number, store),) = query(learner.pk)
    assert query.convert("number", number) == 7
    assert store == {"database": {"session_key": "key7"}}


def test_prepared_rows_refuse_what_is_not_a_values_list_of_fields():
    with pytest.raises(ValueError):
        PreparedRows(lambda pk: LabExchange.objects.filter(pk=pk), 0)(1)
    with pytest.raises(ValueError):
        PreparedRows(
            lambda pk: LabExchange.objects.filter(pk=pk).values_list("id"), 0, raw=("store",)
        )(1)


def test_a_site_session_row_comes_with_its_learner_and_their_settings(lessons):
    preset = LabPreset.objects.first()
    assert preset is not None
    learner = Learner.objects.create()
    LabConfig.objects.create(learner=learner, engine="cache", preset=preset)
    store = SessionStore()
    store["learner"] = str(learner.public_id)
    store.save()
    (row,) = SITE_SESSION_ROW(store.session_key)
    assert row.learner == learner
    with CaptureQueriesContext(connection) as queries:
        assert row.learner.lab_config.engine == "cache"
        assert row.learner.lab_config.preset == preset
    assert len(queries) == 0  # all of it came with the row


def test_a_learner_without_lab_settings_has_none_rather_than_a_query():
    learner = Learner.objects.create()
    store = SessionStore()
    store["learner"] = str(learner.public_id)
    store.save()
    (row,) = SITE_SESSION_ROW(store.session_key)
    with CaptureQueriesContext(connection) as queries, pytest.raises(LabConfig.DoesNotExist):
        row.learner.lab_config  # noqa: B018
    assert len(queries) == 0


def test_an_expired_site_session_is_not_loaded():
    store = SessionStore()
    store["learner"] = "someone"
    store.save()
    SiteSession.objects.filter(session_key=store.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    reloaded = SessionStore(store.session_key)
    assert reloaded.load() == {}
    assert reloaded.session_key is None  # as Django's database engine leaves it
    assert SITE_SESSION_ROW("no-such-key") == []


def test_values_of_another_type_are_refused():
    query = PreparedQuery(lambda pk: Learner.objects.filter(pk=pk), 0)
    with pytest.raises(TypeError):
        query("1")


def test_a_stand_in_used_twice_is_refused():
    """A value used twice, or one the database would get changed, cannot be a stand-in."""
    query = PreparedQuery(lambda code: Learner.objects.filter(resume_code=code, pk=1), "x")
    assert query("nobody") == []
    twice = PreparedQuery(
        lambda code: Learner.objects.filter(resume_code=code, cross_site_token=code), "stand-in"
    )
    with pytest.raises(ValueError, match="not one unchanged parameter"):
        twice("somebody")


def test_a_stand_in_also_used_changed_is_refused():
    """`startswith` sends "stand-in%": only the exact parameter would follow the value."""
    query = PreparedQuery(
        lambda code: (
            Learner.objects.filter(resume_code=code)
            | Learner.objects.filter(cross_site_token__startswith=code)
        ),
        "stand-in",
    )
    with pytest.raises(ValueError, match="not one unchanged parameter"):
        query("somebody")


@pytest.mark.parametrize(
    "build",
    [
        lambda pk: Learner.objects.filter(pk=pk).values("pk"),
        lambda pk: Learner.objects.filter(pk=pk).annotate(exchanges=Count("lab_exchanges")),
        lambda pk: Learner.objects.filter(pk=pk).prefetch_related("lab_exchanges"),
    ],
)
def test_what_the_rows_would_lose_is_refused(build):
    with pytest.raises(ValueError, match="only a plain queryset"):
        PreparedQuery(build, 0)(1)


def test_an_async_load_brings_the_learner_too(monkeypatch):
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)  # Django's guard on
    learner = Learner.objects.create()
    store = SessionStore()
    store["learner"] = str(learner.public_id)
    store.save()
    loaded = SessionStore(store.session_key)
    assert async_to_sync(loaded.aload)() == {"learner": str(learner.public_id)}
    assert loaded.learner_named(str(learner.public_id)) == learner


def test_a_store_without_a_key_loads_nothing():
    assert SessionStore().load() == {}


def an_exchange(learner: Learner, **fields) -> LabExchange:
    return LabExchange(
        **{
            "learner": learner,
            "action": "set",
            "python": "request.session['cart'] = ['apple']",
            "path": "/lab/run/",
            "status_code": 200,
            "settings_snapshot": {"SESSION_COOKIE_AGE": 1209600, "_https": False},
            "set_cookie_headers": ["sessionid=abc; HttpOnly; Path=/"],
            "store": {"database": {"session_key": "abc", "decoded": {"cart": ["ü\u2400"]}}},
            "result": {"value": None},
            "notes": [{"code": "new_session"}],
            **fields,
        }
    )


def test_a_prepared_insert_saves_the_row_save_would():
    learner = Learner.objects.create()
    insert = PreparedInsert(LabExchange)
    before = timezone.now()

    inserted = insert(an_exchange(learner, number=7))
    saved = an_exchange(learner, number=7)
    saved.save()

    assert inserted.pk is not None and inserted.pk != saved.pk
    assert not inserted._state.adding and inserted._state.db == "default"
    stored, expected = LabExchange.objects.get(pk=inserted.pk), LabExchange.objects.get(pk=saved.pk)
    different = {"id", "created_at"}
    assert {k: v for k, v in fields_of(stored).items() if k not in different} == {
        k: v for k, v in fields_of(expected).items() if k not in different
    }
    # auto_now_add, as save() fills it in, and the instance holds what was stored.
    assert before <= stored.created_at <= timezone.now()
    assert fields_of(inserted) == fields_of(stored)
    # The SQL was built once: a second insert runs the same one.
    compiled = insert._compiled["default"]
    with CaptureQueriesContext(connection) as queries:
        insert(an_exchange(learner, number=8))
    assert insert._compiled["default"] is compiled
    assert [query["sql"].split(" VALUES")[0] for query in queries] == [
        compiled.sql.split(" VALUES")[0]
    ]
    assert LabExchange.objects.filter(learner=learner).count() == 3


def test_an_expression_is_left_to_save_and_changes_no_later_insert():
    learner = Learner.objects.create()
    insert = PreparedInsert(LabExchange)

    first = insert(an_exchange(learner, number=1, action=Upper(Value("set"))))
    second = insert(an_exchange(learner, number=2, action="lower-case"))

    stored = dict(LabExchange.objects.filter(learner=learner).values_list("number", "action"))
    assert stored == {1: "SET", 2: "lower-case"}
    assert first.pk != second.pk


def test_a_prepared_insert_leaves_to_save_what_it_does_not_do():
    learner = Learner.objects.create()
    heard = []

    def listener(sender, instance, created, **kwargs):
        heard.append((instance.pk, created))

    post_save.connect(listener, sender=LabExchange)
    try:
        exchange = PreparedInsert(LabExchange)(an_exchange(learner))
    finally:
        post_save.disconnect(listener, sender=LabExchange)
    # Saved by save(), so whoever listens hears of it.
    assert heard == [(exchange.pk, True)]

    with pytest.raises(ValueError, match="only a new LabExchange without a key"):
        PreparedInsert(LabExchange)(exchange)
    with pytest.raises(ValueError, match="only a new LabExchange"):
        PreparedInsert(LabExchange)(learner)
