"""The private Redis and memcached that `make run` and the tests start for themselves."""

import shutil
import subprocess
import sys

import redis
from django.core.cache import caches

from tutorial.private_servers import (
    PrivateMemcached,
    PrivateRedis,
    free_loopback_port,
    memcached_answers,
    redis_answers,
)


def test_tests_use_their_own_throwaway_redis(redis_server):
    # The cache the lab uses is the fixture's server, not a shared one.
    assert redis_server.port not in (None, 6379)
    caches["redis"].set("probe", "from-the-tests", 30)
    client = redis.Redis.from_url(redis_server.url)
    assert any(key.endswith(b":probe") for key in client.keys("*probe"))


def test_private_redis_on_a_socket_starts_and_stops(tmp_path):
    server = PrivateRedis(workdir=tmp_path, unix_socket=tmp_path / "r.sock")
    with server:
        assert redis_answers(server.url)
        client = redis.Redis.from_url(server.url)
        # Nothing is persisted: no snapshots, no append-only file.
        assert client.config_get("save")["save"] == ""
        assert client.config_get("appendonly")["appendonly"] == "no"
        client.close()
    assert not redis_answers(server.url)
    assert not (tmp_path / "r.sock").exists()


def test_tests_use_their_own_throwaway_memcached(memcached_server):
    # The "memcached" alias is the fixture's server on a free port, not a shared one.
    assert caches["memcached"]._servers == [memcached_server.location]
    assert memcached_server.port not in (None, 11211)
    caches["memcached"].set("probe", "from-the-tests", 30)
    assert caches["memcached"].get("probe") == "from-the-tests"


def test_private_memcached_on_a_socket_and_on_a_port_starts_and_stops(tmp_path):
    for server in (
        PrivateMemcached(workdir=tmp_path, unix_socket=tmp_path / "m.sock"),
        PrivateMemcached(workdir=tmp_path, port=free_loopback_port()),
    ):
        with server:
            assert memcached_answers(server.location)
        assert not memcached_answers(server.location)
    assert not (tmp_path / "m.sock").exists()


def run_wrapped(script: str, tmp_path, env: dict) -> subprocess.CompletedProcess:
    """`python -m tutorial.private_servers -- python -c script`, its servers in tmp_path."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "tutorial.private_servers",
            "--socket",
            str(tmp_path / "r.sock"),
            "--memcached-socket",
            str(tmp_path / "m.sock"),
            "--",
            sys.executable,
            "-c",
            script,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_wrapper_gives_the_command_a_redis_and_stops_it_afterwards(tmp_path):
    script = (
        "import os, redis; url = os.environ['REDIS_URL'];"
        "print(os.environ['MEMCACHED_LOCATION']);"
        "print(url); print(redis.Redis.from_url(url).ping())"
    )
    env_without_redis_url = {"PATH": "/usr/bin:/bin:/usr/sbin"}
    result = run_wrapped(script, tmp_path, env=env_without_redis_url)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    memcached_location, url = lines[-3], lines[-2]
    assert lines[-1] == "True"
    assert "Started a private Redis" in result.stdout
    assert "Started a private memcached" in result.stdout
    assert url.startswith(f"unix://{tmp_path}")
    assert memcached_location == f"unix:{tmp_path / 'm.sock'}"
    assert not redis_answers(url), "the private Redis outlived the command"
    assert not memcached_answers(memcached_location), "the private memcached outlived it"


def test_wrapper_runs_the_command_without_memcached_and_says_so(tmp_path):
    """No memcached installed: the site still starts, and the terminal says why the
    memcached alias will not work."""
    only_redis = tmp_path / "bin"
    only_redis.mkdir()
    (only_redis / "redis-server").symlink_to(shutil.which("redis-server"))
    script = "import os; print(os.environ['MEMCACHED_LOCATION'])"
    result = run_wrapped(script, tmp_path, env={"PATH": str(only_redis)})
    assert result.returncode == 0, result.stderr
    assert "memcached is not installed" in result.stderr
    assert "apt-get install memcached" in result.stderr
    assert result.stdout.strip().splitlines()[-1] == f"unix:{tmp_path / 'm.sock'}"


def test_wrapper_uses_redis_url_and_memcached_location_when_given(redis_server, memcached_server):
    script = "import os; print(os.environ['REDIS_URL'])"
    result = subprocess.run(
        [sys.executable, "-m", "tutorial.private_servers", "--", sys.executable, "-c", script],
        env={
            "PATH": "/usr/bin:/bin",
            "REDIS_URL": redis_server.url,
            "MEMCACHED_LOCATION": memcached_server.location,
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.stdout.strip().splitlines()[-1] == redis_server.url
    assert "Started" not in result.stdout
    assert redis_answers(redis_server.url)


def test_missing_redis_server_is_explained(tmp_path):
    script = "print('never runs')"
    result = subprocess.run(
        [sys.executable, "-m", "tutorial.private_servers", "--", sys.executable, "-c", script],
        env={"PATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "apt-get install redis-server" in result.stderr
