"""Serve Session Lab to a classroom from this machine, with production settings.

    make classroom                          # port 8000, 2 x cores + 1 workers
    make classroom PORT=8080 WORKERS=3
    .venv/bin/python scripts/classroom.py --check-deploy

What it does, in order:

1. Settles the production environment: DJANGO_DEBUG=0; DJANGO_SECRET_KEY from
   the environment (or .env), else generated once into var/secret_key (mode
   600) and reused; DJANGO_ALLOWED_HOSTS from the environment, else this
   machine's LAN addresses + 127.0.0.1 + localhost; DJANGO_HTTPS=0 unless set
   (a school network on plain http). DATABASE_URL, REDIS_URL and
   LAB_SESSION_FILE_PATH are used as given.
2. Compiles the translations, migrates the database, loads the lessons,
   clears expired sessions and forgets learners away for 90 days
   (forget_idle_learners), and collects the static files into var/static
   (whitenoise serves them, with hashed names: DEBUG is off).
3. Starts the private Redis and memcached under var/ unless REDIS_URL and
   MEMCACHED_LOCATION name others (tutorial/private_servers.py), then gunicorn
   (tutorial/gunicorn.conf.py) on 0.0.0.0:PORT, which prints the address
   learners open once it is up.
4. Ctrl-C or SIGTERM stops gunicorn (finishing the requests under way), then
   the servers it started.

The LAN address is read from the kernel's tables (`ip`, `hostname -I`):
nothing is sent on the network to find it.
"""

import argparse
import os
import re
import secrets
import socket
import stat
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
SECRET_KEY_FILE = VAR_DIR / "secret_key"
VENV_PYTHON = BASE_DIR / ".venv" / "bin" / "python"
# Interfaces of containers, VMs and VPNs: their addresses are not where learners are.
VIRTUAL_INTERFACES = re.compile(
    r"^(docker|br-|veth|virbr|vnet|lxc|lxd|cni|flannel|podman|vboxnet|vmnet|zt|tailscale|wg|tun|tap)"
)
GUNICORN_CONFIG = BASE_DIR / "tutorial" / "gunicorn.conf.py"


def _in_project_venv() -> bool:
    return Path(sys.prefix).resolve() == (BASE_DIR / ".venv").resolve()


if not _in_project_venv() and VENV_PYTHON.exists() and __name__ == "__main__":
    # `python3 scripts/classroom.py` from the system Python: use the project's venv.
    os.execv(VENV_PYTHON, [str(VENV_PYTHON), __file__, *sys.argv[1:]])

sys.path.insert(0, str(BASE_DIR))

import dj_database_url  # noqa: E402
from dotenv import dotenv_values  # noqa: E402

from tutorial.private_servers import (  # noqa: E402
    RedisUnavailable,
    private_servers,
    run_until_done,
)


def say(message: str = "", *, error: bool = False) -> None:
    print(message, file=sys.stderr if error else sys.stdout, flush=True)


# --- The environment ------------------------------------------------------------


def given_environment() -> dict[str, str]:
    """The variables the site will see: the shell's, then .env for what the shell lacks."""
    env_file = Path(os.environ.get("DJANGO_ENV_FILE") or BASE_DIR / ".env")
    from_file = dotenv_values(env_file) if env_file.is_file() else {}
    return {**{k: v for k, v in from_file.items() if v is not None}, **os.environ}


def secret_key(given: dict[str, str]) -> tuple[str, str]:
    """The secret key and where it came from. Generated once, kept in var/secret_key."""
    if given.get("DJANGO_SECRET_KEY"):
        return given["DJANGO_SECRET_KEY"], "DJANGO_SECRET_KEY"
    VAR_DIR.mkdir(exist_ok=True)
    if SECRET_KEY_FILE.exists():
        if stat.S_IMODE(SECRET_KEY_FILE.stat().st_mode) & 0o077:
            SECRET_KEY_FILE.chmod(0o600)
        key = SECRET_KEY_FILE.read_text().strip()
        if len(key) >= 50:
            return key, f"{SECRET_KEY_FILE.relative_to(BASE_DIR)} (kept from an earlier start)"
        SECRET_KEY_FILE.unlink()
    key = secrets.token_urlsafe(50)
    # Created with mode 600 from the start: the key is never readable by others.
    descriptor = os.open(SECRET_KEY_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(key + "\n")
    return key, f"{SECRET_KEY_FILE.relative_to(BASE_DIR)} (generated now, mode 600)"


def _run_quietly(command: list[str]) -> str:
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=5, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return ""


def lan_addresses() -> list[str]:
    """This machine's IPv4 addresses on its networks, the default route's first.

    Read from the kernel's routing and address tables with `ip` (or
    `hostname -I`): no packet is sent anywhere.
    """
    default_devices = re.findall(
        r"\bdev (\S+)", _run_quietly(["ip", "-4", "route", "show", "default"])
    )
    found: list[tuple[int, str]] = []
    for line in _run_quietly(["ip", "-4", "-o", "addr", "show", "scope", "global"]).splitlines():
        fields = line.split()
        if len(fields) < 4 or fields[2] != "inet":
            continue
        device, address = fields[1], fields[3].split("/")[0]
        if device in default_devices:
            found.append((0, address))
        elif not VIRTUAL_INTERFACES.match(device):
            found.append((1, address))
    if not found:
        for address in _run_quietly(["hostname", "-I"]).split():
            if re.fullmatch(r"\d+\.\d+\.\d+\.\d+", address) and not address.startswith("127."):
                found.append((1, address))
    addresses: list[str] = []
    for _rank, address in sorted(found, key=lambda item: item[0]):
        if address not in addresses and not address.startswith("169.254."):
            addresses.append(address)
    return addresses


def worker_count() -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    return 2 * cores + 1


def uses_sqlite(env: dict[str, str]) -> bool:
    return not env.get("DATABASE_URL") or env["DATABASE_URL"].startswith("sqlite")


def describe_database(url: str | None) -> str:
    if not url:
        return "SQLite, var/db.sqlite3"
    parts = urlsplit(url)
    if parts.scheme.startswith("sqlite"):
        return f"SQLite, {dj_database_url.parse(url)['NAME']} (DATABASE_URL)"
    where = f"{parts.hostname or 'local socket'}{':' + str(parts.port) if parts.port else ''}"
    return f"{parts.scheme} database {parts.path.lstrip('/')!r} on {where} (DATABASE_URL)"


def site_environment(given: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """The environment for manage.py and gunicorn, and lines saying where each value came from."""
    env = dict(os.environ)
    notes = []
    env["DJANGO_DEBUG"] = "0"
    env["DJANGO_SECRET_KEY"], origin = secret_key(given)
    notes.append(f"secret key: {origin}")
    if given.get("DJANGO_ALLOWED_HOSTS"):
        env["DJANGO_ALLOWED_HOSTS"] = given["DJANGO_ALLOWED_HOSTS"]
        notes.append(f"host names: {given['DJANGO_ALLOWED_HOSTS']} (DJANGO_ALLOWED_HOSTS)")
    else:
        hosts = [*lan_addresses(), "127.0.0.1", "localhost"]
        hostname = socket.gethostname()
        if hostname and hostname not in hosts:
            hosts.append(hostname)
        env["DJANGO_ALLOWED_HOSTS"] = ",".join(hosts)
        notes.append(f"host names: {env['DJANGO_ALLOWED_HOSTS']} (this machine's addresses)")
    env["DJANGO_HTTPS"] = given.get("DJANGO_HTTPS") or "0"
    for name in ("DATABASE_URL", "REDIS_URL", "LAB_SESSION_FILE_PATH", "LAB_CROSS_SITE_ORIGIN"):
        if given.get(name):
            env[name] = given[name]
    notes.append(f"database: {describe_database(env.get('DATABASE_URL'))}")
    notes.append(
        "lab file sessions: "
        + (env.get("LAB_SESSION_FILE_PATH") or "var/lab-sessions")
        + " (shared by all workers)"
    )
    return env, notes


def https_on(env: dict[str, str]) -> bool:
    return env["DJANGO_HTTPS"].strip().lower() in {"1", "true", "yes", "on"}


# --- Preparing the site ------------------------------------------------------------


def manage(env: dict[str, str], *arguments: str, quiet: bool = True) -> str:
    """Run manage.py with the classroom's environment; stop with its output if it fails."""
    result = subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=BASE_DIR,
        env=env,
        capture_output=quiet,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        if quiet:
            say(result.stdout + result.stderr, error=True)
        say(f"manage.py {' '.join(arguments)} failed (exit {result.returncode}).", error=True)
        raise SystemExit(result.returncode)
    return result.stdout or ""


def prepare(env: dict[str, str]) -> None:
    manage(env, "compilemessages", "--ignore=.venv", "--verbosity", "0")
    say("  translations compiled")
    manage(env, "migrate", "--no-input", "--verbosity", "0")
    say("  database migrated")
    loaded = manage(env, "load_lessons").strip().splitlines()
    say(f"  lessons loaded: {loaded[-1] if loaded else 'done'}")
    manage(env, "clearsessions")
    forgotten = manage(env, "forget_idle_learners").strip().splitlines()
    say(f"  expired sessions cleared; {forgotten[0] if forgotten else ''}")
    manage(env, "collectstatic", "--no-input", "--verbosity", "0")
    static_root = env.get("DJANGO_STATIC_ROOT") or "var/static"
    say(f"  static files collected into {static_root} (served by whitenoise)")


# --- Serving -----------------------------------------------------------------------


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def serve(env: dict[str, str], bind: str, port: int, workers: int, threads: int) -> int:
    """gunicorn with the private Redis and memcached (tutorial/gunicorn.conf.py prints where
    learners go once it is up); Ctrl-C or SIGTERM stops it, then the servers it needed."""
    command = [
        sys.executable, "-m", "gunicorn", "--config", str(GUNICORN_CONFIG),
        "--bind", f"{bind}:{port}", "--workers", str(workers), "--threads", str(threads),
    ]  # fmt: skip
    env = dict(env)
    try:
        with private_servers(
            env,
            report=lambda line: say(f"  {line}"),
            warn=lambda line: say(f"  {line}", error=True),
        ):
            return run_until_done(command, env, cwd=BASE_DIR)
    except RedisUnavailable as error:
        say(f"Cannot start a private Redis: {error}", error=True)
        return 1


# --- Main --------------------------------------------------------------------------


def positive_int(raw: str) -> int:
    value = int(raw)
    if value < 1:
        raise argparse.ArgumentTypeError("give 1 or more")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Serve Session Lab to a classroom with production settings (gunicorn)."
    )
    parser.add_argument(
        "--port", type=positive_int, default=int(os.environ.get("PORT") or 8000),
        help="port to listen on (default: PORT or 8000)",
    )  # fmt: skip
    parser.add_argument(
        "--workers", type=positive_int, default=int(os.environ.get("WORKERS") or worker_count()),
        help="gunicorn worker processes (default: WORKERS or 2 x cores + 1)",
    )  # fmt: skip
    parser.add_argument(
        "--threads", type=positive_int, default=int(os.environ.get("THREADS") or 1),
        help="threads per worker (default: THREADS or 1; docs/performance.md says why)",
    )  # fmt: skip
    parser.add_argument(
        "--bind", default=os.environ.get("BIND") or "0.0.0.0",
        help="address to listen on (default: 0.0.0.0, every network of this machine)",
    )  # fmt: skip
    parser.add_argument(
        "--check-deploy", action="store_true",
        help="run `manage.py check --deploy` with the classroom's settings and stop",
    )  # fmt: skip
    parser.add_argument(
        "--no-prepare", action="store_true",
        help="skip migrate, compilemessages, load_lessons and collectstatic",
    )  # fmt: skip
    args = parser.parse_args(argv)

    try:
        import gunicorn  # noqa: F401
    except ImportError:
        say(
            "gunicorn is not installed: run `make classroom` (it installs requirements.txt).",
            error=True,
        )
        return 1

    given = given_environment()
    env, notes = site_environment(given)

    if args.check_deploy:
        result = subprocess.run(
            [sys.executable, "manage.py", "check", "--deploy"], cwd=BASE_DIR, env=env, check=False
        )
        return result.returncode

    say("Session Lab classroom server")
    for note in notes:
        say(f"  {note}")
    if uses_sqlite(env) and args.workers > 1:
        say(
            f"  Note: {args.workers} workers share one SQLite file. That is fine for a class "
            "(writes wait their turn), but PostgreSQL (DATABASE_URL) is better for larger groups."
        )
    if https_on(env):
        say(
            "  Note: DJANGO_HTTPS is on: cookies get Secure and every http request is redirected "
            "to https. Put a TLS proxy in front (and set DJANGO_BEHIND_PROXY=1)."
        )

    if not port_is_free(args.bind, args.port):
        say(
            f"Port {args.port} is in use on {args.bind} (is `make run` or another server "
            f"running?). Choose another: make classroom PORT=8080",
            error=True,
        )
        return 1

    if not args.no_prepare:
        say("Preparing the site (production settings):")
        prepare(env)

    return serve(env, args.bind, args.port, args.workers, args.threads)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        # Ctrl-C while preparing, before gunicorn started.
        sys.exit(130)
