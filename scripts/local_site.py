"""The site on a free port of this machine, for the scripts that look at it in a browser."""

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def start_site() -> tuple[subprocess.Popen, str]:
    """The development server with its private Redis and memcached, on a free port."""
    address = f"127.0.0.1:{free_port()}"
    python = sys.executable
    site = [python, "manage.py", "runserver", address, "--noreload"]
    server = subprocess.Popen(
        [python, "-m", "tutorial.private_servers", "--", *site],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://{address}"
    try:
        wait_until_up(f"{url}/en/")
    except BaseException:
        server.terminate()
        server.wait(timeout=30)
        raise
    return server, url


@contextmanager
def site(url: str | None) -> Iterator[str]:
    """The site at `url`, or, without one, the development server started for the while."""
    if url:
        yield url.rstrip("/")
        return
    server, started = start_site()
    try:
        yield started
    finally:
        server.terminate()
        server.wait(timeout=30)
