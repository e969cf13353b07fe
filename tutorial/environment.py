"""Reading the environment for the settings: yes/no, whole numbers and lists, each refused
with a clear message when it is something else; and a private SQLite file."""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured


def env_bool(name: str, default: bool) -> bool:
    """Read a yes/no variable; anything but a clear yes or no is an error."""
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be 1 or 0 (true/false), not {raw!r}.")


def env_list(name: str) -> list[str]:
    """Read a comma-separated variable into a list, ignoring blanks."""
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None


def private_file(path: str | Path) -> None:
    """Make sure only this user can read and write a SQLite database (and its -wal
    and -shm files, which SQLite creates with the database's mode): it holds
    every learner's progress and the site's sessions."""
    path = Path(path)
    if path.parent.is_dir() and not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    for existing in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if existing.exists() and existing.stat().st_mode & 0o077:
            existing.chmod(0o600)
