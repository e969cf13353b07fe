"""The session engines a learner can pick in the lab."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Engine:
    """A session engine a learner can pick, as the lab presents it.

    `uses_cache` engines go through SESSION_CACHE_ALIAS (Redis or memcached);
    `uses_redis` is for an engine that talks to Redis itself, with its own
    connection (this project's redis_json).
    """

    name: str
    path: str
    description: Promise
    uses_database: bool
    uses_cache: bool
    uses_files: bool
    uses_redis: bool = False

    @property
    def stores_on_server(self) -> bool:
        return self.uses_database or self.uses_cache or self.uses_files or self.uses_redis

    @property
    def key_space(self) -> str | None:
        """Where a session key is looked up: db and cached_db both read django_session rows,
        so a key of one is a key of the other; cache and file keys mean nothing elsewhere."""
        if self.uses_database:
            return "database"
        if self.uses_cache:
            return "cache"
        if self.uses_files:
            return "file"
        if self.uses_redis:
            return "redis"
        return None


def engines_sharing_keys(engine_name: str) -> list[str]:
    """The engines whose session keys this engine can load (itself included)."""
    space = ENGINES[engine_name].key_space
    return [name for name, engine in ENGINES.items() if space and engine.key_space == space]


ENGINES = {
    engine.name: engine
    for engine in (
        Engine(
            "db",
            "django.contrib.sessions.backends.db",
            _("A row in the django_session table of the database."),
            uses_database=True,
            uses_cache=False,
            uses_files=False,
        ),
        Engine(
            "file",
            "django.contrib.sessions.backends.file",
            _("A file in SESSION_FILE_PATH on the server's disk."),
            uses_database=False,
            uses_cache=False,
            uses_files=True,
        ),
        Engine(
            "cache",
            "django.contrib.sessions.backends.cache",
            _("A key in the cache (SESSION_CACHE_ALIAS: Redis or memcached) and nowhere else."),
            uses_database=False,
            uses_cache=True,
            uses_files=False,
        ),
        Engine(
            "cached_db",
            "django.contrib.sessions.backends.cached_db",
            _("A database row, with a copy in the cache for fast reads."),
            uses_database=True,
            uses_cache=True,
            uses_files=False,
        ),
        Engine(
            "signed_cookies",
            "django.contrib.sessions.backends.signed_cookies",
            _("Nothing on the server: the data travels in the signed cookie itself."),
            uses_database=False,
            uses_cache=False,
            uses_files=False,
        ),
        Engine(
            "redis_json",
            "lessons.session_engines.redis_json",
            _(
                "This site's own engine: signed JSON under a Redis key, readable in redis-cli, "
                "with a TTL."
            ),
            uses_database=False,
            uses_cache=False,
            uses_files=False,
            uses_redis=True,
        ),
    )
}
ENGINE_BY_PATH = {engine.path: engine for engine in ENGINES.values()}


def engine_name_of(snapshot: dict) -> str:
    """The short name ("db", "cache", ...) of the engine a settings snapshot names, or ""."""
    engine = ENGINE_BY_PATH.get(snapshot.get("SESSION_ENGINE", ""))
    return engine.name if engine else ""
