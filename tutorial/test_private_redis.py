"""The private Redis that `make run` and the tests start for themselves."""

import subprocess
import sys

import redis
from django.core.cache import caches

from tutorial.private_redis import PrivateRedis, redis_answers


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


def test_wrapper_gives_the_command_a_redis_and_stops_it_afterwards(tmp_path):
    script = (
        "import os, redis; url = os.environ['REDIS_URL'];"
        "print(url); print(redis.Redis.from_url(url).ping())"
    )
    env_without_redis_url = {"PATH": "/usr/bin:/bin:/usr/sbin"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "tutorial.private_redis",
            "--socket",
            str(tmp_path / "r.sock"),
            "--",
            sys.executable,
            "-c",
            script,
        ],
        env=env_without_redis_url,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    url = lines[-2]
    assert lines[-1] == "True"
    assert "Started a private Redis" in result.stdout
    assert url.startswith(f"unix://{tmp_path}")
    assert not redis_answers(url), "the private Redis outlived the command"


def test_wrapper_uses_redis_url_when_given(redis_server):
    script = "import os; print(os.environ['REDIS_URL'])"
    result = subprocess.run(
        [sys.executable, "-m", "tutorial.private_redis", "--", sys.executable, "-c", script],
        env={"PATH": "/usr/bin:/bin", "REDIS_URL": redis_server.url},
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
        [sys.executable, "-m", "tutorial.private_redis", "--", sys.executable, "-c", script],
        env={"PATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "apt-get install redis-server" in result.stderr
