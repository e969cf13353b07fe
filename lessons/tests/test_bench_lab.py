"""`manage.py bench_lab`: its table, its input checks, and that it leaves no trace.

No timing is asserted here: the target is in the benchmark's output, not in tests.
"""

import re
from io import StringIO
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.core.management.base import CommandError

from lessons.engines import ENGINES
from lessons.models import LabConfig, LabExchange, LabSessionKey, Learner

NUMBER = r"\d+\.\d+"
# engine, bare median/p95, lab session median/p95, ratio, verdict, whole request
# median/p95/ratio, bare Django's db median (from db's blocks), and the whole request over it
ROW = re.compile(
    rf"^(?P<engine>\w+)\s+(?P<numbers>{NUMBER}(?:\s+{NUMBER}){{4}})\s+(?P<within>yes|NO)"
    rf"\s+(?P<request>{NUMBER}(?:\s+{NUMBER}){{2}})\s+(?P<bare_db>{NUMBER})\s+(?P<to_db>{NUMBER})$"
)
MARKDOWN_ROW = re.compile(
    rf"^\| (?P<engine>\w+) \| (?P<numbers>{NUMBER}(?: \| {NUMBER}){{4}}) \| (?P<within>yes|NO) "
    rf"\| (?P<request>{NUMBER}(?: \| {NUMBER}){{2}}) \| (?P<bare_db>{NUMBER}) "
    rf"\| (?P<to_db>{NUMBER}) \|$"
)


def bench(*args: str) -> str:
    out = StringIO()
    call_command("bench_lab", "--iterations", "5", "--warmup", "2", *args, stdout=out)
    return out.getvalue()


def table_rows(output: str, pattern: re.Pattern = ROW) -> dict[str, re.Match]:
    return {
        match["engine"]: match for line in output.splitlines() if (match := pattern.match(line))
    }


def assert_consistent_verdicts(output: str, rows: dict[str, re.Match]) -> None:
    """Each engine off target gets its own clear line, and a summary line follows."""
    for engine, row in rows.items():
        ratio = float(row["numbers"].split()[-1].strip("|"))
        assert (row["within"] == "yes") == (ratio <= 1.30)
        session_missed = re.search(rf"^(- )?TARGET MISSED for {engine}:", output, re.M)
        assert bool(session_missed) == (row["within"] == "NO")
    assert re.search(r"(engines miss the target|engines within target)", output)
    # One bare Django on db for all, measured in db's blocks.
    assert len({row["bare_db"] for row in rows.values()}) == 1
    for engine, row in rows.items():
        request_median = float(row["request"].split()[0])
        bare_db = float(row["bare_db"])
        if engine == "db":
            # On db, bare Django is the db engine's own bare side.
            assert bare_db == float(row["numbers"].split()[0])
        to_db = float(row["to_db"])
        # The printed medians are rounded to the microsecond.
        assert to_db == pytest.approx(request_median / bare_db, rel=0.01, abs=0.01)
        missed = f"WHOLE REQUEST TARGET MISSED for {engine}:" in output
        assert missed == (to_db > 3.0)


def developer_data() -> dict:
    """Everything the benchmark could leave behind in the database and the file store."""
    file_store = Path(settings.LAB_SESSION_FILE_PATH)
    return {
        "learners": sorted(Learner.objects.values_list("public_id", flat=True)),
        "configs": LabConfig.objects.count(),
        "exchanges": sorted(LabExchange.objects.values_list("id", flat=True)),
        "lab_session_keys": LabSessionKey.objects.count(),
        "sessions": sorted(Session.objects.values_list("session_key", flat=True)),
        "session_files": sorted(p.name for p in file_store.iterdir())
        if file_store.exists()
        else [],
    }


def redis_keys(url: str) -> set[bytes]:
    client = redis.Redis.from_url(url)
    try:
        return set(client.keys("*"))
    finally:
        client.close()


@pytest.fixture
def someone_using_the_lab():
    """A developer's own learner with a timeline, which the benchmark must leave alone."""
    learner = Learner.objects.create()
    LabConfig.objects.create(learner=learner, engine="cache")
    LabExchange.objects.create(
        learner=learner,
        action="set",
        python="request.session['cart'] = ['apple']",
        path="/lab/run/",
        status_code=200,
        settings_snapshot={},
    )
    return learner


@pytest.mark.django_db(transaction=True)
def test_a_row_per_engine_and_nothing_left_behind(redis_server, someone_using_the_lab):
    before, keys_before = developer_data(), redis_keys(redis_server.url)

    output = bench("--redis-url", redis_server.url)

    rows = table_rows(output)
    assert list(rows) == list(ENGINES), output
    for row in rows.values():
        assert all(float(number) > 0 for number in row["numbers"].split())
    assert_consistent_verdicts(output, rows)
    assert "lab_action view" in output and "SessionMiddleware" in output
    for row in rows.values():
        assert all(float(number) > 0 for number in row["request"].split())

    # Committed for real (transactional test): the rollback, not the test, cleaned up.
    assert developer_data() == before
    assert Learner.objects.get() == someone_using_the_lab
    # Subset, not equal: keys other tests left with a short TTL may expire meanwhile.
    assert redis_keys(redis_server.url) <= keys_before


@pytest.mark.django_db
def test_engines_limits_the_table_to_those_engines(redis_server):
    output = bench("--engines", "db", "--redis-url", redis_server.url)

    assert list(table_rows(output)) == ["db"]
    assert "Redis: not used" in output
    assert_consistent_verdicts(output, table_rows(output))


@pytest.mark.django_db
def test_without_db_in_engines_the_whole_request_is_still_compared_with_bare_db():
    """db's blocks take turns with any engine's: its bare median is the denominator."""
    output = bench("--engines", "signed_cookies")

    rows = table_rows(output)
    assert list(rows) == ["signed_cookies"]
    assert float(rows["signed_cookies"]["bare_db"]) > 0
    assert_consistent_verdicts(output, rows)


@pytest.mark.django_db
def test_profile_names_where_the_whole_request_spends_its_time():
    output = bench("--engines", "db", "--profile", "15")

    assert "Profile of the whole lab request, by own time:" in output
    cumulative = output.split("by cumulative time:")[1]
    assert re.search(r"views\.py:\d+\(lab_action\)", cumulative)
    assert "ncalls" in cumulative


@pytest.mark.django_db
def test_markdown_table_for_the_readme():
    output = bench("--engines", "signed_cookies,db", "--format", "markdown")

    lines = output.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("| engine |"))
    assert lines[header + 1].startswith("|---|")
    assert list(table_rows(output, MARKDOWN_ROW)) == ["signed_cookies", "db"]


@pytest.mark.django_db
def test_another_action(redis_server):
    output = bench(
        "--engines", "cached_db", "--action", "get", "--redis-url", redis_server.url,
    )  # fmt: skip

    assert list(table_rows(output)) == ["cached_db"]
    assert "action 'get'" in output


@pytest.mark.django_db(transaction=True)
def test_without_redis_url_it_uses_a_redis_of_its_own(redis_server):
    """The cache engines never write to a Redis the command was not given."""
    keys_before = redis_keys(redis_server.url)

    output = bench("--engines", "cache,cached_db")

    assert list(table_rows(output)) == ["cache", "cached_db"]
    assert "a private redis-server at redis://127.0.0.1:" in output
    assert redis_server.url not in output
    # Subset, not equal: keys other tests left with a short TTL may expire meanwhile.
    assert redis_keys(redis_server.url) <= keys_before
    assert not Learner.objects.exists() and not Session.objects.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--engines", "nosuch"], r"Unknown engine 'nosuch' in --engines; choose from db, file"),
        (["--engines", "db,nosuch,other"], r"Unknown engines 'nosuch', 'other'"),
        (["--engines", " , "], r"--engines names no engine"),
        (["--iterations", "0"], r"--iterations must be at least 1, not 0"),
        (["--iterations", "-3"], r"--iterations must be at least 1, not -3"),
        (["--iterations", "many"], r"invalid int value: 'many'"),
        (["--warmup", "-1"], r"--warmup must be 0 or more"),
        (["--action", "clearsessions"], r"invalid choice: 'clearsessions'"),
        (["--format", "html"], r"invalid choice: 'html'"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("bench_lab", *args, stdout=StringIO())


@pytest.mark.django_db
def test_a_redis_url_nobody_answers_at_is_refused():
    with pytest.raises(
        CommandError, match=r"No Redis answers at --redis-url redis://127\.0\.0\.1:1/0"
    ):
        bench("--engines", "cache", "--redis-url", "redis://127.0.0.1:1/0")


@pytest.mark.django_db
def test_engines_take_turns_in_blocks_until_every_handler_has_its_samples(
    monkeypatch, settings, tmp_path
):
    from lessons.lab import bench

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, bench.BENCH_HOST]
    settings.LAB_SESSION_FILE_PATH = tmp_path
    made, calls = [], []
    engine_sides = bench.engine_sides

    def remembered(*args, **kwargs):
        made.append(engine_sides(*args, **kwargs))
        return made[-1]

    request_once = bench.Side.request_once

    def logged(side, *args, **kwargs):
        calls.append(side)
        return request_once(side, *args, **kwargs)

    monkeypatch.setattr(bench, "engine_sides", remembered)
    monkeypatch.setattr(bench.Side, "request_once", logged)

    results = bench.measure_engines(["signed_cookies", "file"], "set", 12, 1, {})

    for result in results:
        counts = {len(result.bare_ns), len(result.session_ns), len(result.request_ns)}
        assert counts == {12}
    # db's blocks ran too, for the denominator, without a row of their own.
    assert [result.engine for result in results] == ["signed_cookies", "file"]
    assert [engine.engine for engine in made] == ["signed_cookies", "file", "db"]
    assert len(results[0].bare_db_ns) == 12
    owner = {id(side): engine.engine for engine in made for side in engine.sides}
    turns = [owner[id(side)] for side in calls]
    runs = [name for index, name in enumerate(turns) if index == 0 or turns[index - 1] != name]
    # One warm-up block each, then blocks of 5 counted rounds (and one not counted) that
    # take turns: 12 samples are 5 + 5 + 2.
    assert runs == ["signed_cookies", "file", "db"] * 4
    assert turns.count("file") == 3 * (1 + 6 + 6 + 3)
