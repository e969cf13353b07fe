"""A Redis server of the project's own, for `make run` and for the tests.

The lab shows learners real Redis keys, so it needs a real server, but never
someone else's: this starts `redis-server` with no persistence, listening
only on a unix socket under var/ or on a free loopback port, and stops it
again.

As a command it wraps another command:

    python -m tutorial.private_redis -- python manage.py runserver

When REDIS_URL is already set, that Redis is used and nothing is started.
Otherwise a private Redis is started (or a running one on the same socket is
reused), REDIS_URL is set for the wrapped command, and the Redis this started
is stopped when the command ends.
"""

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import redis

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_SOCKET = BASE_DIR / "var" / "redis" / "redis.sock"
# sun_path holds 108 bytes on Linux; a checkout in a deep folder gets a port.
MAX_SOCKET_PATH = 100


class RedisUnavailable(RuntimeError):
    """redis-server is missing or did not come up; the message says what to do."""


def free_loopback_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def redis_answers(url: str) -> bool:
    """True when a Redis server answers PING at url."""
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except (redis.RedisError, OSError):
        return False


class PrivateRedis:
    """One redis-server process, owned by whoever started it.

    Give it either `unix_socket` (a path) or `port` (a loopback TCP port).
    It keeps nothing on disk: no RDB snapshots, no append-only file.
    """

    def __init__(self, *, workdir: Path, unix_socket: Path | None = None, port: int | None = None):
        if (unix_socket is None) == (port is None):
            raise ValueError("Give exactly one of unix_socket or port.")
        self.workdir = Path(workdir)
        self.unix_socket = unix_socket
        self.port = port
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        if self.unix_socket is not None:
            return f"unix://{self.unix_socket}?db=0"
        return f"redis://127.0.0.1:{self.port}/0"

    def command(self, executable: str) -> list[str]:
        listen = (
            ["--port", "0", "--unixsocket", str(self.unix_socket), "--unixsocketperm", "700"]
            if self.unix_socket is not None
            else ["--port", str(self.port), "--bind", "127.0.0.1"]
        )
        return [
            executable,
            *listen,
            "--save", "",
            "--appendonly", "no",
            "--dir", str(self.workdir),
            "--logfile", str(self.workdir / "redis.log"),
            "--daemonize", "no",
            "--protected-mode", "yes",
        ]  # fmt: skip

    def start(self, timeout: float = 10.0) -> "PrivateRedis":
        executable = shutil.which("redis-server") or shutil.which("redis-server", path="/usr/sbin")
        if executable is None:
            raise RedisUnavailable(
                "redis-server is not installed. Install it with: sudo apt-get install redis-server"
            )
        self.workdir.mkdir(parents=True, exist_ok=True)
        if self.unix_socket is not None:
            self.unix_socket.unlink(missing_ok=True)
        # A session of its own: Ctrl-C in the terminal reaches the wrapped
        # command, which can finish its requests before Redis is stopped.
        self.process = subprocess.Popen(
            self.command(executable),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RedisUnavailable(
                    f"redis-server exited at start (code {self.process.returncode}); "
                    f"see {self.workdir / 'redis.log'}"
                )
            if redis_answers(self.url):
                return self
            time.sleep(0.05)
        self.stop()
        raise RedisUnavailable(f"redis-server did not answer within {timeout:.0f} s.")

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if self.unix_socket is not None:
            self.unix_socket.unlink(missing_ok=True)

    def __enter__(self) -> "PrivateRedis":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


def private_redis_at(unix_socket: Path = DEFAULT_SOCKET) -> PrivateRedis:
    """The Redis `make run` uses: a socket under var/redis/, else a free port."""
    if len(str(unix_socket)) <= MAX_SOCKET_PATH:
        return PrivateRedis(workdir=unix_socket.parent, unix_socket=unix_socket)
    return PrivateRedis(workdir=unix_socket.parent, port=free_loopback_port())


def run_with_redis(command: list[str], unix_socket: Path = DEFAULT_SOCKET) -> int:
    """Run command with REDIS_URL pointing at a Redis; return its exit code."""
    if os.environ.get("REDIS_URL"):
        print(f"Using the Redis at REDIS_URL={os.environ['REDIS_URL']}", flush=True)
        return subprocess.call(command)

    server = private_redis_at(unix_socket)
    owned = not redis_answers(server.url)
    if owned:
        try:
            server.start()
        except RedisUnavailable as error:
            print(f"Cannot start a private Redis: {error}", file=sys.stderr)
            return 1
        print(f"Started a private Redis at {server.url} (stopped when this ends)", flush=True)
    else:
        print(f"Using the private Redis already running at {server.url}", flush=True)

    child = subprocess.Popen(command, env={**os.environ, "REDIS_URL": server.url})

    def forward(signum, _frame):
        child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    try:
        while True:
            try:
                return child.wait()
            except KeyboardInterrupt:
                # The terminal sent SIGINT to the child too; wait for it to end.
                continue
    finally:
        if owned:
            server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--socket",
        type=Path,
        default=DEFAULT_SOCKET,
        help=f"where the private Redis listens (default: {DEFAULT_SOCKET.relative_to(BASE_DIR)})",
    )
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command to run, after --")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command to run after --")
    return run_with_redis(command, unix_socket=args.socket.resolve())


if __name__ == "__main__":
    sys.exit(main())
