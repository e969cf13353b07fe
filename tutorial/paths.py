"""Where a checkout keeps its local data: one definition for the settings and the private
servers of `make run`, `make classroom` and the tests."""

from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
REDIS_SOCKET = VAR_DIR / "redis" / "redis.sock"
MEMCACHED_SOCKET = VAR_DIR / "memcached" / "memcached.sock"
