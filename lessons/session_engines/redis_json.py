"""A session engine that keeps each session as readable JSON under a Redis key.

    SESSION_ENGINE = "lessons.session_engines.redis_json"
    SESSION_REDIS_URL = "redis://127.0.0.1:6379/0"   # default: REDIS_URL
    SESSION_REDIS_KEY_PREFIX = "session:"             # the default

Why not Django's `cache` engine on a Redis cache? That one hands the session
dict to the cache, and RedisCache pickles it: `redis-cli GET` shows bytes, and
whoever can write to that Redis can make the site unpickle anything. Here a
session is one Redis string holding a JSON document:

    {"data":{"cart":["apple"]},"signature":"Yx3k..."}

`data` is the session as JSON, so `redis-cli GET session:<key>` shows it as is.
`signature` is an HMAC of that exact text with SECRET_KEY (and
SECRET_KEY_FALLBACKS when reading): a record changed by anyone but the site
loads as an empty session and logs "Session data corrupted", as Django's
database engine does with tampered rows.

The SessionBase contract, and how each part is kept:

- `save(must_create=True)` is one `SET ... NX`: it writes only if the key is
  free, else CreateError. `save()` is one `SET ... XX`: it writes only if the
  record still exists, else UpdateError (SessionMiddleware answers 400, so a
  session deleted by a logout in another tab is never brought back). One
  command checks and writes, so no other request can slip in between.
- Every write sets the key's TTL to `get_expiry_age()`: SESSION_COOKIE_AGE,
  or what `set_expiry()` asked for. Redis removes the key when it runs out,
  so `clear_expired()` has nothing to do and does nothing.
- `create()` loops on fresh random keys until `SET NX` succeeds.
- `load()` of a missing, expired or unreadable record returns `{}` and, for a
  missing one, drops the key, so a key a client made up is never adopted.
- Values must be what JSON can hold (as with Django's default
  SESSION_SERIALIZER): a datetime in the session fails on save. The engine
  always writes JSON; SESSION_SERIALIZER plays no part.

Connections come from one redis-py pool per URL, shared by the threads of the
process. Add `?socket_timeout=...` and friends to the URL to change the
timeouts below.
"""

import json
import logging
import threading

import redis
from django.conf import settings
from django.contrib.sessions.backends.base import CreateError, SessionBase, UpdateError
from django.core import signing
from django.utils.crypto import constant_time_compare

DEFAULT_KEY_PREFIX = "session:"
SIGNING_SALT = "lessons.session_engines.redis_json"
# A session store that hangs takes the whole site with it: fail fast instead.
DEFAULT_POOL_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 2}

security_logger = logging.getLogger("django.security.SuspiciousSession")

# One client per URL: a client is safe to share between threads (each command takes a
# connection from its pool), and making one costs more than a round trip to Redis.
_clients: dict[str, redis.Redis] = {}
_clients_lock = threading.Lock()


def redis_url() -> str:
    return getattr(settings, "SESSION_REDIS_URL", None) or settings.REDIS_URL


def key_prefix() -> str:
    return getattr(settings, "SESSION_REDIS_KEY_PREFIX", DEFAULT_KEY_PREFIX)


def redis_client() -> redis.Redis:
    """The client for the current SESSION_REDIS_URL, with its connection pool (made once
    per URL)."""
    url = redis_url()
    client = _clients.get(url)
    if client is None:
        with _clients_lock:
            client = _clients.get(url)
            if client is None:
                pool = redis.ConnectionPool.from_url(url, **DEFAULT_POOL_OPTIONS)
                client = _clients[url] = redis.Redis(connection_pool=pool)
    return client


RECORD_START = '{"data":'
RECORD_SIGNATURE = ',"signature":'


def _record(data_text: str, signature: str) -> str:
    return RECORD_START + data_text + RECORD_SIGNATURE + json.dumps(signature) + "}"


def _split_record(text: str) -> tuple[str | None, str]:
    """The exact text of `data` and the signature of a record laid out as _record() writes it.

    Returns (None, "") for anything else. The signature is the last field, so
    the last `,"signature":` is the one that starts it, whatever the data holds.
    """
    at = text.rfind(RECORD_SIGNATURE)
    if not text.startswith(RECORD_START) or at < 0:
        return None, ""
    data_text = text[len(RECORD_START) : at]
    try:
        signature = json.loads(text[at + len(RECORD_SIGNATURE) : -1])
    except ValueError:
        return None, ""
    if not isinstance(signature, str) or _record(data_text, signature) != text:
        return None, ""
    return data_text, signature


class SessionStore(SessionBase):
    """Django's session API on one Redis string per session: JSON, signed, with a TTL."""

    def __init__(self, session_key=None):
        super().__init__(session_key)
        self._redis = redis_client()
        self._key_prefix = key_prefix()

    def redis_key(self, session_key: str) -> str:
        """The Redis key of a session: the prefix, then the session key."""
        return self._key_prefix + session_key

    # --- What a record looks like -------------------------------------------

    def _signer(self) -> signing.Signer:
        # A salt of its own: no other signed value of the site can pass for a record.
        return signing.Signer(salt=SIGNING_SALT, algorithm="sha256")

    def encode(self, session_dict) -> str:
        """The record for this data: {"data": <the session as JSON>, "signature": <HMAC>}."""
        data = json.dumps(session_dict, separators=(",", ":"))
        return _record(data, self._signer().signature(data))

    def decode(self, session_data) -> dict:
        """The data of a record, or {} (and a warning) if this site did not write it as it is.

        The signature covers the exact text of `data`, so the record must be
        laid out exactly as encode() writes it: one changed byte, even a space,
        and the record is refused, as a tampered signed cookie is.
        """
        data_text, signature = _split_record(session_data)
        if data_text is not None:
            signer = self._signer()
            for key in (signer.key, *signer.fallback_keys):
                if constant_time_compare(signer.signature(data_text, key=key), signature):
                    data = json.loads(data_text)
                    if isinstance(data, dict):
                        return data
                    break
        security_logger.warning("Session data corrupted")
        return {}

    # --- The SessionBase contract -------------------------------------------

    def load(self):
        if self.session_key is None:
            return {}
        raw = self._redis.get(self.redis_key(self.session_key))
        if raw is None:
            # Missing or expired: never adopt a key the client may have made up.
            self._session_key = None
            return {}
        return self.decode(raw.decode("utf-8", errors="replace"))

    def exists(self, session_key):
        if not session_key:
            return False
        return bool(self._redis.exists(self.redis_key(session_key)))

    def create(self):
        while True:
            self._session_key = self._get_new_session_key()
            try:
                self.save(must_create=True)
            except CreateError:
                # Another request took this key between exists() and SET NX.
                continue
            self.modified = True
            return

    def save(self, must_create=False):
        if self.session_key is None:
            return self.create()
        data = self._get_session(no_load=must_create)
        # Loading may have found the record gone and dropped the key; a fresh
        # key then makes the update below fail, as the db engine's does.
        session_key = self._get_or_create_session_key()
        # Whole seconds, as Django's cache backends pass a timeout to Redis.
        age = int(self.get_expiry_age())
        if age <= 0:
            # set_expiry() with a moment already past: the session is over.
            self._redis.delete(self.redis_key(session_key))
            return
        written = self._redis.set(
            self.redis_key(session_key),
            self.encode(data),
            ex=age,
            nx=must_create,
            xx=not must_create,
        )
        if not written:
            raise CreateError if must_create else UpdateError

    def delete(self, session_key=None):
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        self._redis.delete(self.redis_key(session_key))

    @classmethod
    def clear_expired(cls):
        """Nothing to do: every key carries its TTL and Redis removes it when it runs out."""
