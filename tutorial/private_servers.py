"""A Redis and a memcached of the project's own, for `make run` and for the tests.

The lab shows learners real Redis keys and real memcached items, so it needs
real servers, but never someone else's: this starts `redis-server` (no
persistence) and `memcached`, each listening only on a unix socket under var/
or on a free loopback port, and stops them again.

As a command it wraps another command:

    python -m tutorial.private_servers -- python manage.py runserver

When REDIS_URL is already set, that Redis is used and nothing is started;
likewise MEMCACHED_LOCATION for memcached. Otherwise a private server is
started (or a running one on the same socket is reused), the variable is set
for the wrapped command, and what this started is stopped when the command
ends. Redis is required; memcached is not: without it the lab says that the
memcached cache cannot be reached, and everything else works.
"""

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from lessons.probes import memcached_answers, redis_answers
from tutorial.paths import BASE_DIR, MEMCACHED_SOCKET, REDIS_SOCKET

DEFAULT_SOCKET = REDIS_SOCKET
DEFAULT_MEMCACHED_SOCKET = MEMCACHED_SOCKET
# sun_path holds 108 bytes on Linux; a checkout in a deep folder gets a port.
MAX_SOCKET_PATH = 100


class RedisUnavailable(RuntimeError):
    """redis-server is missing or did not come up; the message says what to do."""


class MemcachedUnavailable(RuntimeError):
    """memcached is missing or did not come up; the message says what to do."""


def free_loopback_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateServer:
    """One server process of the project's own, owned by whoever started it.

    Give it either `unix_socket` (a path) or `port` (a loopback TCP port).
    Subclasses say which program to run, with which arguments, and how to
    tell that it answers.
    """

    program = ""
    package = ""  # the Debian package that installs `program`
    unavailable: type[RuntimeError] = RuntimeError

    def __init__(self, *, workdir: Path, unix_socket: Path | None = None, port: int | None = None):
        if (unix_socket is None) == (port is None):
            raise ValueError("Give exactly one of unix_socket or port.")
        self.workdir = Path(workdir)
        self.unix_socket = unix_socket
        self.port = port
        self.process: subprocess.Popen | None = None

    def executable(self) -> str | None:
        return shutil.which(self.program)

    def command(self, executable: str) -> list[str]:
        raise NotImplementedError

    def answers(self) -> bool:
        raise NotImplementedError

    def start(self, timeout: float = 10.0):
        executable = self.executable()
        if executable is None:
            raise self.unavailable(
                f"{self.program} is not installed. "
                f"Install it with: sudo apt-get install {self.package}"
            )
        self.workdir.mkdir(parents=True, exist_ok=True)
        if self.unix_socket is not None:
            self.unix_socket.unlink(missing_ok=True)
        log_path = self.workdir / f"{self.program}.log"
        # A session of its own: Ctrl-C in the terminal reaches the wrapped
        # command, which can finish its requests before the server is stopped.
        with open(log_path, "ab") as log:
            self.process = subprocess.Popen(
                self.command(executable),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise self.unavailable(
                    f"{self.program} exited at start (code {self.process.returncode}); "
                    f"see {log_path}"
                )
            if self.answers():
                return self
            time.sleep(0.05)
        self.stop()
        raise self.unavailable(f"{self.program} did not answer within {timeout:.0f} s.")

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

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


class PrivateRedis(PrivateServer):
    """A redis-server that keeps nothing on disk: no RDB snapshots, no append-only file."""

    program = "redis-server"
    package = "redis-server"
    unavailable = RedisUnavailable

    @property
    def url(self) -> str:
        if self.unix_socket is not None:
            return f"unix://{self.unix_socket}?db=0"
        return f"redis://127.0.0.1:{self.port}/0"

    def executable(self) -> str | None:
        return shutil.which(self.program) or shutil.which(self.program, path="/usr/sbin")

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
            "--daemonize", "no",
            "--protected-mode", "yes",
        ]  # fmt: skip

    def answers(self) -> bool:
        return redis_answers(self.url)


class PrivateMemcached(PrivateServer):
    """A memcached with 64 MB of memory and memcached's default 1 MB item limit,
    unless `max_item_bytes` says otherwise (memcached's -I; 2048 or more)."""

    program = "memcached"
    package = "memcached"
    unavailable = MemcachedUnavailable

    def __init__(self, *, max_item_bytes: int | None = None, **where):
        super().__init__(**where)
        self.max_item_bytes = max_item_bytes

    @property
    def location(self) -> str:
        """The LOCATION of a Django PyMemcacheCache for this server."""
        if self.unix_socket is not None:
            return f"unix:{self.unix_socket}"
        return f"127.0.0.1:{self.port}"

    def command(self, executable: str) -> list[str]:
        listen = (
            ["--unix-socket", str(self.unix_socket)]  # mode 0700 by default
            if self.unix_socket is not None
            else ["--listen", "127.0.0.1", "--port", str(self.port), "--udp-port", "0"]
        )
        item_size = []
        if self.max_item_bytes:
            # Slab chunks may not be larger than the largest item.
            item_size = [
                "--max-item-size", str(self.max_item_bytes),
                "--extended", f"slab_chunk_max={self.max_item_bytes // 2}",
            ]  # fmt: skip
        # memcached refuses to run as root unless told which user to be.
        as_user = ["--user", "root"] if os.geteuid() == 0 else []
        return [executable, *listen, "--memory-limit", "64", *item_size, *as_user]

    def answers(self) -> bool:
        return memcached_answers(self.location)


def on_socket(server_class: type[PrivateServer], unix_socket: Path) -> PrivateServer:
    """The server `make run` uses: on this socket under var/, else (a checkout in too deep
    a folder for a socket path) on a free port."""
    if len(str(unix_socket)) <= MAX_SOCKET_PATH:
        return server_class(workdir=unix_socket.parent, unix_socket=unix_socket)
    return server_class(workdir=unix_socket.parent, port=free_loopback_port())


@dataclass
class Servers:
    """The Redis and memcached in use, and the ones started here (to stop on leaving)."""

    redis_url: str
    memcached_location: str
    started: list[PrivateServer] = field(default_factory=list)

    @property
    def redis(self) -> PrivateRedis | None:
        return next((s for s in self.started if isinstance(s, PrivateRedis)), None)

    @property
    def memcached(self) -> PrivateMemcached | None:
        return next((s for s in self.started if isinstance(s, PrivateMemcached)), None)


@contextmanager
def private_servers(
    env: MutableMapping[str, str] | None = None,
    *,
    workdir: Path | None = None,
    memcached: bool = True,
    redis_socket: Path = DEFAULT_SOCKET,
    memcached_socket: Path = DEFAULT_MEMCACHED_SOCKET,
    report: Callable[[str], None] = print,
    warn: Callable[[str], None] = lambda line: print(line, file=sys.stderr, flush=True),
) -> Iterator[Servers]:
    """A Redis and a memcached for the site, its tests or its benchmark; the one way to get them.

    With `env` (make run, make classroom): the servers its REDIS_URL and
    MEMCACHED_LOCATION name; else the private ones already running on the
    sockets under var/; else private ones started there. `env` gets both
    variables. memcached is optional here: without it the site runs and the
    lab says its memcached cache cannot be reached.

    With `workdir` (the tests, bench_lab): throwaway servers on free loopback
    ports under workdir, never anyone else's; memcached is required unless
    `memcached=False`.

    Whatever was started is stopped on leaving. Raises RedisUnavailable (and,
    with workdir, MemcachedUnavailable) when a server is needed and cannot start.
    """
    with ExitStack() as stack:

        def start(server: PrivateServer) -> PrivateServer:
            stack.callback(server.stop)
            server.start()
            servers.started.append(server)
            return server

        servers = Servers(redis_url="", memcached_location="")
        if workdir is not None:
            redis = PrivateRedis(workdir=workdir / "redis", port=free_loopback_port())
            servers.redis_url = start(redis).url
            if memcached:
                cache = PrivateMemcached(workdir=workdir / "memcached", port=free_loopback_port())
                servers.memcached_location = start(cache).location
            yield servers
            return
        env = os.environ if env is None else env
        servers.redis_url = env.get("REDIS_URL") or ""
        if servers.redis_url:
            report(f"Using the Redis at REDIS_URL={servers.redis_url}")
        else:
            redis = on_socket(PrivateRedis, redis_socket)
            servers.redis_url = env["REDIS_URL"] = redis.url
            if redis_answers(redis.url):
                report(f"Using the private Redis already running at {redis.url}")
            else:
                start(redis)
                report(f"Started a private Redis at {redis.url} (stopped when this ends)")
        servers.memcached_location = env.get("MEMCACHED_LOCATION") or ""
        if servers.memcached_location:
            report(f"Using the memcached at MEMCACHED_LOCATION={servers.memcached_location}")
        elif memcached:
            cache = on_socket(PrivateMemcached, memcached_socket)
            servers.memcached_location = env["MEMCACHED_LOCATION"] = cache.location
            if memcached_answers(cache.location):
                report(f"Using the private memcached already running at {cache.location}")
            else:
                try:
                    start(cache)
                    report(
                        f"Started a private memcached at {cache.location} (stopped when this ends)"
                    )
                except MemcachedUnavailable as error:
                    warn(
                        f"No memcached: {error} The site runs without it; the lab's memcached "
                        "cache alias will say it cannot be reached."
                    )
        yield servers


def run_until_done(
    command: list[str], env: Mapping[str, str], *, cwd: Path | None = None, grace: float = 15
) -> int:
    """Run a server command until it ends; return its exit code.

    Ctrl-C and SIGTERM are passed on to it (a closed terminal's SIGHUP as
    SIGTERM: gunicorn would take it as "reload"); this waits for it to finish.
    """
    child = subprocess.Popen(command, env=dict(env), cwd=cwd)

    def forward(signum, _frame):
        if child.poll() is None:
            child.send_signal(signal.SIGTERM if signum == signal.SIGHUP else signum)

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, forward)
    try:
        return child.wait()
    finally:
        if child.poll() is None:
            child.terminate()
            try:
                child.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def run_with_private_servers(
    command: list[str],
    unix_socket: Path = DEFAULT_SOCKET,
    memcached_socket: Path = DEFAULT_MEMCACHED_SOCKET,
) -> int:
    """Run command with REDIS_URL and MEMCACHED_LOCATION set; return its exit code."""
    env = dict(os.environ)
    try:
        with private_servers(
            env,
            redis_socket=unix_socket,
            memcached_socket=memcached_socket,
            report=lambda line: print(line, flush=True),
        ):
            return run_until_done(command, env)
    except RedisUnavailable as error:
        print(f"Cannot start a private Redis: {error}", file=sys.stderr)
        return 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--socket",
        type=Path,
        default=DEFAULT_SOCKET,
        help=f"where the private Redis listens (default: {DEFAULT_SOCKET.relative_to(BASE_DIR)})",
    )
    parser.add_argument(
        "--memcached-socket",
        type=Path,
        default=DEFAULT_MEMCACHED_SOCKET,
        help="where the private memcached listens "
        f"(default: {DEFAULT_MEMCACHED_SOCKET.relative_to(BASE_DIR)})",
    )
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command to run, after --")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command to run after --")
    return run_with_private_servers(
        command,
        unix_socket=args.socket.resolve(),
        memcached_socket=args.memcached_socket.resolve(),
    )


if __name__ == "__main__":
    sys.exit(main())
