"""One lab request flows one way: run, observe, explain, record, render."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

pytestmark = pytest.mark.django_db

# Django's database engine saves inside transaction.atomic(): the savepoint
# (or BEGIN) around its UPDATE is bookkeeping, not a query of its own.
TRANSACTION_BOOKKEEPING = ("SAVEPOINT", "RELEASE SAVEPOINT", "BEGIN", "COMMIT")


def _lab_post(learner, action: str, **fields) -> tuple[str, list[str]]:
    """A lab request as the lab page sends it: saying which exchange it shows."""
    shown = learner.state()["latest"]["id"]
    data = {"action": action, "language": "en", "shown": shown, **fields}
    with CaptureQueriesContext(connection) as queries:
        response = learner.client.post("/lab/run/", data, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "HX-Retarget" not in response  # only what changed
    statements = [
        query["sql"]
        for query in queries.captured_queries
        if not query["sql"].startswith(TRANSACTION_BOOKKEEPING)
    ]
    return response.content.decode(), statements


@pytest.mark.parametrize(
    ("action", "fields"),
    [("set", {"key": "cart", "value": '["apple"]'}), ("get", {"key": "cart"}), ("visit", {})],
)
def test_a_lab_request_on_the_database_engine_runs_at_most_five_queries(learner, action, fields):
    """The site's session, the learner with their timeline, Django's own load and save,
    the exchange recorded: a row Django wrote is not read back for the Store panel."""
    learner.do("set", key="cart", value='["pear"]')  # the browser holds a stored session
    learner.do("visit")
    html, statements = _lab_post(learner, action, **fields)
    assert len(statements) <= 5, "\n".join(statements)
    # The timeline is read once, with the learner.
    assert sum('FROM "lessons_labexchange"' in sql for sql in statements) == 1
    session_reads = [sql for sql in statements if sql.startswith('SELECT "django_session"')]
    if action == "set":
        assert statements[-2].startswith('UPDATE "django_session"')
        assert len(session_reads) == 1  # Django's own load
    else:
        # Nothing written: the store is read after Django is done with it.
        assert statements[-2].startswith('SELECT "django_session"')
    assert statements[-1].startswith('INSERT INTO "lessons_labexchange"')
    # And the panels still show the whole result: the data Django stored.
    assert "apple" in html if action == "set" else "pear" in html


@pytest.mark.parametrize("action", ["set", "cycle_key", "pop", "clear", "expiry_seconds"])
def test_the_row_django_wrote_is_what_the_table_holds(learner, action):
    """The Store panel's row, taken from Django's own save, equals a fresh read."""
    from lessons.lab.store import database_row

    learner.do("set", key="cart", value='["pear"]')
    learner.do(action, key="n", value="1", seconds=90)
    latest = learner.state()["latest"]
    key = latest["session_key"]
    assert key, "the lab cookie names a session"
    assert latest["store"]["database"] == database_row(key)


def test_the_panels_of_a_lab_request_show_what_a_fresh_read_shows(learner):
    """Drawn from what the request already had in hand, not read again."""
    learner.do("set", key="cart", value='["pear"]')
    learner.configure(cookie_age="600")
    html = learner.do("set", key="n", value="1").html
    state = learner.state()  # read afresh from the database
    assert state["settings"]["SESSION_COOKIE_AGE"] == 600
    assert "Max-Age=600" in state["latest"]["set_cookie"][0]["raw"]
    assert "max-age" in state["changes"]["cookie"]
    assert "Max-Age=600" in html  # this response's cookie
    assert "Max-Age=1209600" in html  # and the one before, in the timeline
    for entry in state["timeline"]:
        assert escape(entry["python"]) in html


def test_a_lab_request_records_the_inputs_the_action_used(learner):
    learner.do("set", key="cart", value='["apple", 2]')
    learner.do("expiry_seconds", seconds=90)
    learner.do("flush")
    from lessons.models import LabExchange

    recorded = list(LabExchange.objects.order_by("id").values_list("action", "inputs"))
    assert recorded == [
        ("set", {"key": "cart", "value": ["apple", 2]}),
        ("expiry_seconds", {"seconds": 90}),
        ("flush", {}),
    ]


def test_appends_recorded_before_inputs_existed_get_their_key_back(learner):
    """Exchanges from before LabExchange.inputs: the data migration reads the key once."""
    import importlib

    from django.apps import apps

    from lessons.models import LabExchange

    learner.do("set", key="sevimli mevalar", value='["olma"]')
    learner.do("append", key="sevimli mevalar", value='"nok"')
    learner.do("append_modified", key='a "quoted" key', value="1")
    LabExchange.objects.update(inputs={})  # as an exchange recorded before 0013 was
    migration = importlib.import_module("lessons.migrations.0014_backfill_append_inputs")
    migration.backfill(apps, None)
    recorded = dict(LabExchange.objects.values_list("action", "inputs"))
    assert recorded == {
        "set": {},  # only the appends' check needs its key
        "append": {"key": "sevimli mevalar"},
        "append_modified": {"key": 'a "quoted" key'},
    }


def test_a_huge_set_cookie_is_shown_cut_in_the_live_panels_as_after_a_reload(learner):
    import random
    import string

    learner.configure(engine="signed_cookies")
    noise = "".join(random.Random(12).choices(string.ascii_letters, k=12_000))  # no compressing
    response = learner.do("set", key="big", value=f'"{noise}"')
    sent = response.set_cookie.value  # what Django sent, whole
    assert len(sent) > 10_000
    reloaded = learner.client.get("/en/lab/").content.decode()
    shown = learner.state()["latest"]["set_cookie"][0]["raw"]
    assert len(shown) < 9_000 and "[+" in shown, "the recorded Set-Cookie is cut"
    for page in (reloaded, response.html):  # after a reload, and live
        assert sent[:1_000] in page and sent not in page


@pytest.mark.usefixtures("lessons")
def test_the_presets_checklist_costs_no_query(learner):
    learner.client.post("/en/lab/try/what-a-session-is/no-cookie-until-changed/")
    learner.do("visit")
    html, statements = _lab_post(learner, "read")
    assert 'id="preset-checklist"' in html and html.count('data-done="true"') == 2
    # The preset comes with the learner's row; its steps are ticked from the timeline.
    assert not any('FROM "lessons_labpreset"' in sql for sql in statements), statements
    assert sum('FROM "lessons_labexchange"' in sql for sql in statements) <= 2


# What Django wrote to Redis: the cache engines' Store panel takes it from the write.
CACHE_WRITING_ACTIONS = [
    "set",
    "pop",
    "clear",
    "cycle_key",
    "expiry_seconds",
    "expiry_zero",
    "expiry_none",
    "expiry_date",
    "evict_cache",
    "two_tabs",
    "async_aset",
    "login",
]


@pytest.mark.parametrize("engine", ["cache", "cached_db"])
@pytest.mark.parametrize("action", CACHE_WRITING_ACTIONS)
def test_the_cache_entry_django_wrote_is_what_redis_holds(learner, engine, action):
    """The Store panel's Redis entry, taken from Django's own write, equals a fresh read:
    the value, the size and the TTL Redis gives the key."""
    from lessons.lab.store import cache_entry

    learner.configure(engine=engine)
    learner.do("set", key="cart", value='["pear"]')
    learner.do(action, key="n", value="1", seconds=90, username="alice")
    latest = learner.state()["latest"]
    key = latest["store"]["session_key"]
    assert key, "the panel shows a session"
    assert latest["store"]["cache"] == cache_entry(engine, key)


def _redis_commands(stats_client) -> dict[str, int]:
    """The commands Redis ran since the last CONFIG RESETSTAT, without the asking itself."""
    stats = stats_client.info("commandstats")
    counts = {name.removeprefix("cmdstat_"): entry["calls"] for name, entry in stats.items()}
    counts.pop("config|resetstat", None)
    counts.pop("info", None)
    return counts


@pytest.mark.parametrize(
    ("engine", "django_commands"),
    [("cache", {"get": 2, "set": 1}), ("cached_db", {"get": 1, "set": 1})],
)
def test_a_write_on_the_cache_engines_asks_redis_nothing_more_than_django(
    learner, redis_server, engine, django_commands
):
    """Django's cache engine reads the key to load and again before its SET; cached_db reads
    it to load and sets it after its UPDATE. The lab asks Redis nothing of its own: neither
    whether the key was there before nor what it holds afterwards."""
    import redis

    learner.configure(engine=engine)
    learner.do("set", key="cart", value='["pear"]')
    learner.do("visit")
    stats_client = redis.Redis.from_url(redis_server.url)
    stats_client.config_resetstat()
    learner.do("set", key="cart", value='["apple"]')
    assert _redis_commands(stats_client) == django_commands
    # And the Store panel shows what Django stored.
    assert learner.state()["latest"]["store"]["cache"]["decoded"] == {"cart": ["apple"]}


def test_cached_db_tells_the_cache_from_the_database_by_what_django_found(learner):
    """Whether cached_db found the session in Redis is what its own GET found there."""
    learner.configure(engine="cached_db")
    learner.do("set", key="cart", value='["pear"]')
    assert _served_from(learner) is None  # a new session: nothing was loaded
    learner.do("get", key="cart")
    assert _served_from(learner) == "cache"
    learner.do("evict_cache")
    learner.do("get", key="cart")
    assert _served_from(learner) == "database"
    learner.do("get", key="cart")  # Django put it back in the cache
    assert _served_from(learner) == "cache"
    # clear() and flush() empty the session without reading it: neither store is named.
    learner.do("clear")
    assert _served_from(learner) is None


def _served_from(learner) -> str | None:
    notes = learner.state()["latest"]["notes"]
    return next((n["store"] for n in notes if n["code"] == "served_from"), None)
