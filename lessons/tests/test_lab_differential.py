"""The lab sends what Django itself sends: a differential test against Django's own code.

For every engine, a set of settings profiles and a few sequences of session
operations, the same steps run twice, side by side:

- the reference: a plain view wrapped in `django.contrib.sessions.middleware.
  SessionMiddleware`, called with `RequestFactory` requests under
  `override_settings(SESSION_...)`, exactly as any Django project would run it;
- the lab: a learner's browser (a test `Client`) that saves the same settings
  on /en/lab/settings/ and posts the same actions to /lab/run/.

After each step both sides are observed the same way and must agree: the
Set-Cookie for the session cookie (present or not, deletion or not, every
attribute, `expires` within a couple of seconds), Django's Vary, the status,
what the action read, the shape of the session key and whether it changed,
and what the store holds (database row, file, Redis value and TTL, or the
signed cookie's payload, memcached item, or redis_json record).

Both "browsers" behave alike: they send back the session cookie they were
last given and forget it when told to delete it. Neither applies Path,
Domain or Secure: every profile's Path and Domain cover the requests made,
and a Secure cookie, which a real browser on http://testserver would refuse,
is kept by both, so the two sides stay comparable.

The lab side sends `HX-Request: true`, as the lab page does with JavaScript
on: that is the response learners see most, and it carries `X-Lab-Status`,
Django's real status, which is compared too. Without htmx the view only turns
the same response into a 303; its Set-Cookie and Vary are the same object.
"""

import datetime
import json
import re
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from http.cookies import Morsel, SimpleCookie
from pathlib import Path
from typing import Any

import pytest
import redis
from django.conf import global_settings, settings
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.contrib.sessions.models import Session
from django.core import signing
from django.core.cache import caches
from django.http import HttpResponse
from django.test import Client, RequestFactory, override_settings
from django.utils import timezone
from pymemcache.client.base import Client as MemcachedClient

from lessons.lab.demo_users import LAB_BACKEND, demo_user, users_of
from lessons.models import LabExchange, LabUser, Learner, demo_password
from lessons.session_engines.redis_json import SessionStore as RedisJsonStore
from lessons.tests.lab_helpers import cookie_attributes

pytestmark = pytest.mark.django_db

ENGINE_PATHS = {
    "db": "django.contrib.sessions.backends.db",
    "file": "django.contrib.sessions.backends.file",
    "cache": "django.contrib.sessions.backends.cache",
    "cached_db": "django.contrib.sessions.backends.cached_db",
    "signed_cookies": "django.contrib.sessions.backends.signed_cookies",
    # This project's own engine (lessons/session_engines/redis_json.py).
    "redis_json": "lessons.session_engines.redis_json",
}
# The Redis key prefixes of Django's cache and cached_db engines.
CACHE_PREFIXES = {
    "cache": "django.contrib.sessions.cache",
    "cached_db": "django.contrib.sessions.cached_db",
}
# db, file and cached_db sign their data with a salt made of the class name.
STORED_DATA_SALT = "django.contrib.sessions.SessionStore"
SIGNED_COOKIE_SALT = "django.contrib.sessions.backends.signed_cookies"
SESSION_KEY_SHAPE = re.compile(r"[a-z0-9]{32}")
# Two requests made a few milliseconds apart can fall on either side of a
# second: dates computed from the clock may differ by this much.
CLOCK_SLACK_SECONDS = 3

# The Django test client and RequestFactory both talk to this host.
TEST_HOST = "testserver"

# Settings profiles: what differs from Django's defaults (global_settings).
PROFILES = {
    "defaults": {},
    "age_5": {"SESSION_COOKIE_AGE": 5},
    "expire_at_close": {"SESSION_EXPIRE_AT_BROWSER_CLOSE": True},
    "save_every_request": {"SESSION_SAVE_EVERY_REQUEST": True},
    "secure_samesite_none": {"SESSION_COOKIE_SECURE": True, "SESSION_COOKIE_SAMESITE": "None"},
    "no_httponly_strict": {"SESSION_COOKIE_HTTPONLY": False, "SESSION_COOKIE_SAMESITE": "Strict"},
    "samesite_unset": {"SESSION_COOKIE_SAMESITE": False},
    "name_path_domain": {
        "SESSION_COOKIE_NAME": "labid",
        "SESSION_COOKIE_PATH": "/lab/",
        "SESSION_COOKIE_DOMAIN": TEST_HOST,
    },
    # The cache and cached_db engines on the second cache; the others ignore it.
    "memcached_alias": {"SESSION_CACHE_ALIAS": "memcached"},
}


@dataclass(frozen=True)
class Step:
    """One lab action with its form input; `value` is a Python value sent as JSON."""

    action: str
    key: str = ""
    value: Any = None
    seconds: int | None = None
    username: str = ""

    def form_data(self) -> dict[str, str]:
        data = {"action": self.action, "language": "en"}
        if self.username:
            data["username"] = self.username
        if self.key:
            data["key"] = self.key
        if self.value is not None:
            data["value"] = json.dumps(self.value)
        if self.seconds is not None:
            data["seconds"] = str(self.seconds)
        return data

    def __str__(self) -> str:
        return self.action


SEQUENCES = {
    # Data changes, a change Django cannot see, then a new key and a flush.
    "data": (
        Step("set", "cart", ["apple"]),
        Step("read"),
        Step("append", "cart", "pear"),
        Step("get", "cart"),
        Step("append_modified", "cart", "plum"),
        Step("cycle_key"),
        Step("flush"),
    ),
    # Every way of setting the expiry, then emptying the session.
    "expiry": (
        Step("set", "count", 1),
        Step("expiry_seconds", seconds=300),
        Step("expiry_date", seconds=600),
        Step("expiry_zero"),
        Step("expiry_none"),
        Step("clear"),
        Step("visit"),
    ),
    # Requests that never touch the session, before and after there is one.
    "visits": (
        Step("visit"),
        Step("read"),
        Step("set", "theme", "dark"),
        Step("visit"),
        Step("contains", "theme"),
        Step("pop", "theme"),
        Step("visit"),
    ),
    # Logging in with data, asking who it is, keeping the login over a password
    # change, switching user, logging out.
    "login": (
        Step("set", "cart", ["apple"]),
        Step("login", username="alice"),
        Step("whoami"),
        Step("change_password_keep"),
        Step("whoami"),
        Step("login", username="bob"),
        Step("logout"),
        Step("whoami"),
    ),
    # A password change without update_session_auth_hash: the next request is logged out.
    "password": (
        Step("login", username="alice"),
        Step("login", username="alice"),
        Step("change_password"),
        Step("whoami"),
        Step("set", "cart", ["apple"]),
    ),
}
# Actions whose answer the learner sees; the lab must read what Django reads.
READING_ACTIONS = {"get", "read", "contains", "pop", "whoami", "login", "logout"}
# What django.contrib.auth keeps in the session (django/contrib/auth/__init__.py).
USER_ID, USER_HASH = "_auth_user_id", "_auth_user_hash"


def django_settings_for(engine: str, profile: str) -> dict[str, Any]:
    """The complete SESSION_* settings of one configuration, as a settings.py would say."""
    values = {
        "SESSION_ENGINE": ENGINE_PATHS[engine],
        "SESSION_COOKIE_AGE": global_settings.SESSION_COOKIE_AGE,
        "SESSION_COOKIE_NAME": global_settings.SESSION_COOKIE_NAME,
        "SESSION_COOKIE_PATH": global_settings.SESSION_COOKIE_PATH,
        "SESSION_COOKIE_DOMAIN": global_settings.SESSION_COOKIE_DOMAIN,
        "SESSION_COOKIE_SECURE": global_settings.SESSION_COOKIE_SECURE,
        "SESSION_COOKIE_HTTPONLY": global_settings.SESSION_COOKIE_HTTPONLY,
        "SESSION_COOKIE_SAMESITE": global_settings.SESSION_COOKIE_SAMESITE,
        "SESSION_EXPIRE_AT_BROWSER_CLOSE": global_settings.SESSION_EXPIRE_AT_BROWSER_CLOSE,
        "SESSION_SAVE_EVERY_REQUEST": global_settings.SESSION_SAVE_EVERY_REQUEST,
        # The lab's default alias; Django's is "default", a cache the lab does not offer.
        "SESSION_CACHE_ALIAS": "redis",
    }
    values.update(PROFILES[profile])
    return values


def lab_form_for(django_values: dict[str, Any]) -> dict[str, str]:
    """The lab settings form filled in as a learner would for these Django settings."""
    engine = next(
        name for name, path in ENGINE_PATHS.items() if path == django_values["SESSION_ENGINE"]
    )
    form = {
        "engine": engine,
        "cookie_age": str(django_values["SESSION_COOKIE_AGE"]),
        "cookie_name": django_values["SESSION_COOKIE_NAME"],
        "cookie_path": django_values["SESSION_COOKIE_PATH"],
        "cookie_domain": django_values["SESSION_COOKIE_DOMAIN"] or "",
        "cookie_samesite": django_values["SESSION_COOKIE_SAMESITE"] or "",
        "cache_alias": django_values["SESSION_CACHE_ALIAS"],
    }
    checkboxes = {
        "cookie_secure": "SESSION_COOKIE_SECURE",
        "cookie_httponly": "SESSION_COOKIE_HTTPONLY",
        "expire_at_browser_close": "SESSION_EXPIRE_AT_BROWSER_CLOSE",
        "save_every_request": "SESSION_SAVE_EVERY_REQUEST",
    }
    for field_name, setting in checkboxes.items():
        if django_values[setting]:
            form[field_name] = "on"
    return form


# --- Observing a response and the store, the same way for both sides ---------


def is_deletion(morsel: Morsel) -> bool:
    return morsel.value == "" and cookie_attributes(morsel).get("max-age") == "0"


def vary_tokens(header: str) -> set[str]:
    return {token.strip().lower() for token in header.split(",") if token.strip()}


def key_shape(engine: str, key: str | None) -> str | None:
    """What kind of value the browser holds: keys are random, their shape is not."""
    if key is None:
        return None
    if engine == "signed_cookies":
        return "signed" if key.count(":") == 2 else f"not signed: {key!r}"
    return "session key" if SESSION_KEY_SHAPE.fullmatch(key) else f"odd key: {key!r}"


def redis_ttl(django_key: str) -> int | None:
    cache = caches["redis"]
    client = cache._cache.get_client(django_key)
    ttl = client.ttl(cache.make_key(django_key))
    return ttl if ttl >= 0 else None


def memcached_ttl(django_key: str) -> int | None:
    """The item's remaining lifetime, asked with memcached's meta command `mg <key> t`."""
    cache = caches["memcached"]
    host, _, port = cache._servers[0].rpartition(":")
    client = MemcachedClient((host, int(port)))
    try:
        reply = client.raw_command(f"mg {cache.make_key(django_key)} t", end_tokens="\r\n")
    finally:
        client.close()
    parts = reply.split()
    return int(parts[1][1:]) if parts[:1] == [b"HD"] else None


def stored_data(
    engine: str, cookie_name: str, key: str | None, cache_alias: str, file_directory: Path
) -> dict[str, Any]:
    """What the engine's store holds for this key, read straight from the store."""
    if key is None:
        return {}
    if engine == "signed_cookies":
        return {"cookie payload": signing.loads(key, salt=SIGNED_COOKIE_SALT)}
    found: dict[str, Any] = {}
    if engine in {"db", "cached_db"}:
        row = Session.objects.filter(session_key=key).first()
        found["row"] = (
            None
            if row is None
            else {
                "data": signing.loads(row.session_data, salt=STORED_DATA_SALT),
                "expire_date": row.expire_date,
            }
        )
    if engine in CACHE_PREFIXES:
        django_key = CACHE_PREFIXES[engine] + key
        found["cache"] = caches[cache_alias].get(django_key)
        found["cache ttl"] = (memcached_ttl if cache_alias == "memcached" else redis_ttl)(
            django_key
        )
    if engine == "redis_json":
        client = redis.Redis.from_url(settings.SESSION_REDIS_URL)
        raw = client.get(settings.SESSION_REDIS_KEY_PREFIX + key)
        ttl = client.ttl(settings.SESSION_REDIS_KEY_PREFIX + key)
        client.close()
        found["redis_json"] = None if raw is None else RedisJsonStore().decode(raw.decode())
        found["redis_json ttl"] = ttl if ttl >= 0 else None
    if engine == "file":
        path = file_directory / f"{cookie_name}{key}"
        found["file"] = (
            signing.loads(path.read_text(), salt=STORED_DATA_SALT) if path.exists() else None
        )
    return found


@dataclass
class Observation:
    """One response and the store after it, as the learner's browser and server see them."""

    status: int
    set_cookie: dict[str, Any] | None
    vary: set[str]
    result: Any
    key_shape: str | None
    key_changed: bool | None
    store: dict[str, Any] = field(default_factory=dict)


@dataclass
class Browser:
    """A cookie jar that acts as a browser: keeps the last cookie, forgets a deleted one."""

    jar: SimpleCookie
    cookie_name: str
    cache_alias: str
    file_directory: Path  # SESSION_FILE_PATH of this side's file engine
    last_key: str | None = None

    @property
    def key(self) -> str | None:
        morsel = self.jar.get(self.cookie_name)
        return morsel.value if morsel is not None else None

    def receive(self, response: HttpResponse) -> dict[str, Any] | None:
        """Take the response's session cookie into the jar; return it taken apart."""
        morsel = response.cookies.get(self.cookie_name)
        if morsel is None:
            return None
        if is_deletion(morsel):
            self.jar.pop(self.cookie_name, None)
        else:
            self.jar[self.cookie_name] = morsel.value
        return {
            "name": morsel.key,
            "deletion": is_deletion(morsel),
            "attributes": cookie_attributes(morsel),
        }

    def observe(
        self,
        engine: str,
        before: str | None,
        response: HttpResponse,
        status: int,
        vary: str,
        result: Any,
    ) -> Observation:
        """`before`: the key the browser sent with the request."""
        set_cookie = self.receive(response)
        after = self.key
        if after is not None:
            self.last_key = after
        # After a deletion the browser holds no key, but the store may still
        # hold what was under the last one (clear() leaves the row behind).
        store_key = after if after is not None else (None if before is None else self.last_key)
        return Observation(
            status=status,
            set_cookie=set_cookie,
            vary=vary_tokens(vary),
            result=result,
            key_shape=key_shape(engine, after),
            # A signed cookie is re-signed with the time to the second, so
            # whether its value changed says nothing; its payload is compared.
            key_changed=None if engine == "signed_cookies" else before != after,
            store=stored_data(
                engine, self.cookie_name, store_key, self.cache_alias, self.file_directory
            ),
        )


# --- The two sides ----------------------------------------------------------


def reference_login_operation(request, step: Step) -> Any:
    """Logging in and out as a Django project's views do, with django.contrib.auth."""
    match step.action:
        case "login":
            login(request, demo_user(step.username), backend=LAB_BACKEND)
        case "logout":
            logout(request)
        case "change_password" | "change_password_keep":
            user = request.user
            user.set_password(demo_password(user.username, user.password_generation + 1))
            user.password_generation += 1
            user.save()
            if step.action == "change_password_keep":
                update_session_auth_hash(request, user)
        case "whoami":
            pass
        case _:
            return reference_operation(request.session, step)
    return str(request.user)


def reference_operation(session, step: Step) -> Any:
    """The same session operation, written as a Django developer writes it in a view."""
    match step.action:
        case "set":
            session[step.key] = step.value
        case "get":
            return session.get(step.key)
        case "contains":
            return step.key in session
        case "read":
            return dict(session.items())
        case "pop":
            return session.pop(step.key, None)
        case "delete":
            del session[step.key]
        case "append":
            session[step.key].append(step.value)
        case "append_modified":
            session[step.key].append(step.value)
            session.modified = True
        case "clear":
            session.clear()
        case "flush":
            session.flush()
        case "cycle_key":
            session.cycle_key()
        case "expiry_seconds":
            session.set_expiry(step.seconds)
        case "expiry_date":
            moment = timezone.now() + datetime.timedelta(seconds=step.seconds)
            session.set_expiry(moment.replace(microsecond=0))
        case "expiry_zero":
            session.set_expiry(0)
        case "expiry_none":
            session.set_expiry(None)
        case "visit":
            pass
        case _:
            raise AssertionError(f"no reference for {step.action}")
    return None


class ReferenceSide:
    """A Django project with these settings: SessionMiddleware around a plain view."""

    def __init__(self, engine: str, django_values: dict[str, Any]):
        self.engine = engine
        self.settings = {
            **django_values,
            "SESSION_FILE_PATH": str(settings.LAB_SESSION_FILE_PATH),
        }
        self.factory = RequestFactory()
        # Its own alice and bob, found by the same backend (users_of, below).
        self.learner = Learner.objects.create()
        self.browser = Browser(
            self.factory.cookies,
            django_values["SESSION_COOKIE_NAME"],
            django_values["SESSION_CACHE_ALIAS"],
            Path(settings.LAB_SESSION_FILE_PATH),
        )

    def run(self, step: Step) -> Observation:
        answer: dict[str, Any] = {}

        def view(request):
            answer["result"] = reference_login_operation(request, step)
            return HttpResponse()

        before = self.browser.key
        request = self.factory.post("/lab/run/", step.form_data())
        # Only around Django's own code: the lab's requests in between must
        # run with the site's real settings.
        with (
            override_settings(**self.settings, AUTHENTICATION_BACKENDS=[LAB_BACKEND]),
            users_of(self.learner),
        ):
            response = SessionMiddleware(AuthenticationMiddleware(view))(request)
        return self.browser.observe(
            self.engine,
            before,
            response,
            status=response.status_code,
            vary=response.get("Vary", ""),
            result=answer.get("result"),
        )


class LabSide:
    """A learner's browser using the lab with the same settings."""

    def __init__(self, engine: str, django_values: dict[str, Any]):
        self.engine = engine
        self.client = Client()
        response = self.client.post("/en/lab/settings/", lab_form_for(django_values))
        assert response.status_code == 302, "the lab refused the settings"
        self.learner = Learner.objects.get(public_id=self.client.session["learner"])
        saved = self.learner.lab_config.session_settings()
        for name, value in django_values.items():
            assert saved[name] == value, f"the lab saved {name}={saved[name]!r}, not {value!r}"
        self.browser = Browser(
            self.client.cookies,
            django_values["SESSION_COOKIE_NAME"],
            django_values["SESSION_CACHE_ALIAS"],
            self.learner.lab_file_directory,
        )
        self.wire_vary: set[str] = set()

    def run(self, step: Step) -> Observation:
        # The test client stores the cookies of a response by itself.
        before = self.browser.key
        response = self.client.post("/lab/run/", step.form_data(), headers={"HX-Request": "true"})
        assert response.status_code == 200, response.content[:300]
        exchange = LabExchange.objects.filter(learner=self.learner).first()
        assert exchange is not None and exchange.action == step.action
        assert exchange.result is None or exchange.result["error"] is None, exchange.result
        self.wire_vary = vary_tokens(response.get("Vary", ""))
        return self.browser.observe(
            self.engine,
            before,
            response,
            status=int(response["X-Lab-Status"]),
            # Django's own Vary, as the lab recorded it before the site's
            # middleware (see test_the_vary_of_django_reaches_the_learner).
            vary=exchange.vary,
            result=exchange.result["value"] if exchange.result else None,
        )


# --- Comparing --------------------------------------------------------------


def close_in_time(first: Any, second: Any) -> bool:
    return abs((first - second).total_seconds()) <= CLOCK_SLACK_SECONDS


def with_user_named(data: dict) -> dict:
    """The session data with the logged-in user named, not numbered: each side logs in its
    own alice, whose id and password hash differ. The hash reads "current" when it is the
    user's password's hash now (what get_user() checks)."""
    data = dict(data)
    if USER_ID in data:
        user = LabUser.objects.filter(pk=data[USER_ID]).first()
        data[USER_ID] = user.username if user else f"nobody ({data[USER_ID]})"
        if USER_HASH in data:
            current = user is not None and data[USER_HASH] == user.get_session_auth_hash()
            data[USER_HASH] = "current" if current else "stale"
    return data


def session_data_differences(where: str, lab: dict | None, ref: dict | None) -> list[str]:
    """Session dicts must be equal, except that a date expiry may differ by a second or two."""
    if lab is None or ref is None:
        return [] if lab is ref else [f"{where}: lab {lab!r}, Django {ref!r}"]
    lab, ref = with_user_named(lab), with_user_named(ref)
    lab_expiry, ref_expiry = lab.pop("_session_expiry", None), ref.pop("_session_expiry", None)
    problems = [] if lab == ref else [f"{where}: lab {lab!r}, Django {ref!r}"]
    if isinstance(lab_expiry, str) and isinstance(ref_expiry, str):
        dates = (
            datetime.datetime.fromisoformat(lab_expiry),
            datetime.datetime.fromisoformat(ref_expiry),
        )
        if not close_in_time(*dates):
            problems.append(f"{where} _session_expiry: lab {lab_expiry}, Django {ref_expiry}")
    elif lab_expiry != ref_expiry:
        problems.append(f"{where} _session_expiry: lab {lab_expiry!r}, Django {ref_expiry!r}")
    return problems


def store_differences(lab: dict[str, Any], ref: dict[str, Any]) -> list[str]:
    problems = []
    if set(lab) != set(ref):
        return [f"store parts: lab {sorted(lab)}, Django {sorted(ref)}"]
    if "row" in lab:
        lab_row, ref_row = lab["row"], ref["row"]
        if (lab_row is None) != (ref_row is None):
            problems.append(f"database row: lab {lab_row!r}, Django {ref_row!r}")
        elif lab_row is not None:
            problems += session_data_differences("row data", lab_row["data"], ref_row["data"])
            if not close_in_time(lab_row["expire_date"], ref_row["expire_date"]):
                problems.append(
                    f"expire_date: lab {lab_row['expire_date']}, Django {ref_row['expire_date']}"
                )
    for part in ("cache", "redis_json"):
        if part not in lab:
            continue
        problems += session_data_differences(f"{part} value", lab[part], ref[part])
        lab_ttl, ref_ttl = lab[f"{part} ttl"], ref[f"{part} ttl"]
        if (lab_ttl is None) != (ref_ttl is None) or (
            lab_ttl is not None and abs(lab_ttl - ref_ttl) > CLOCK_SLACK_SECONDS
        ):
            problems.append(f"{part} ttl: lab {lab_ttl}, Django {ref_ttl}")
    if "file" in lab:
        problems += session_data_differences("file data", lab["file"], ref["file"])
    if "cookie payload" in lab:
        problems += session_data_differences(
            "signed cookie payload", lab["cookie payload"], ref["cookie payload"]
        )
    return problems


def cookie_differences(
    lab: dict[str, Any] | None, ref: dict[str, Any] | None, max_age_slack: int
) -> list[str]:
    if lab is None or ref is None:
        return [] if lab is ref else [f"Set-Cookie: lab {lab!r}, Django {ref!r}"]
    problems = []
    for part in ("name", "deletion"):
        if lab[part] != ref[part]:
            problems.append(f"cookie {part}: lab {lab[part]!r}, Django {ref[part]!r}")
    lab_attributes, ref_attributes = lab["attributes"], ref["attributes"]
    for name in sorted(set(lab_attributes) | set(ref_attributes)):
        lab_value, ref_value = lab_attributes.get(name), ref_attributes.get(name)
        if lab_value is None or ref_value is None:
            if lab_value is not ref_value:
                problems.append(f"attribute {name}: lab {lab_value!r}, Django {ref_value!r}")
        elif name == "expires":
            if not close_in_time(
                parsedate_to_datetime(lab_value), parsedate_to_datetime(ref_value)
            ):
                problems.append(f"expires: lab {lab_value}, Django {ref_value}")
        elif name == "max-age":
            if abs(int(lab_value) - int(ref_value)) > max_age_slack:
                problems.append(f"max-age: lab {lab_value}, Django {ref_value}")
        elif lab_value != ref_value:
            problems.append(f"attribute {name}: lab {lab_value!r}, Django {ref_value!r}")
    return problems


def differences(step: Step, lab: Observation, ref: Observation, date_expiry: bool) -> list[str]:
    """Everything a learner could notice that differs between the lab and Django."""
    # A date expiry gives Max-Age = the date minus now, taken a moment apart.
    problems = cookie_differences(
        lab.set_cookie, ref.set_cookie, max_age_slack=CLOCK_SLACK_SECONDS if date_expiry else 0
    )
    for part in ("status", "vary", "key_shape", "key_changed"):
        if getattr(lab, part) != getattr(ref, part):
            problems.append(f"{part}: lab {getattr(lab, part)!r}, Django {getattr(ref, part)!r}")
    if step.action in READING_ACTIONS and lab.result != ref.result:
        problems.append(f"result: lab {lab.result!r}, Django {ref.result!r}")
    problems += store_differences(lab.store, ref.store)
    return [f"after {step}: {problem}" for problem in problems]


def run_side_by_side(
    engine: str, lab_values: dict[str, Any], ref_values: dict[str, Any], steps: tuple[Step, ...]
) -> list[str]:
    """Run the steps on both sides, one step each in turn, and list every difference."""
    lab, ref = LabSide(engine, lab_values), ReferenceSide(engine, ref_values)
    problems = []
    date_expiry = False
    for step in steps:
        if step.action.startswith("expiry_") or step.action == "flush":
            date_expiry = step.action == "expiry_date"
        ref_seen = ref.run(step)
        lab_seen = lab.run(step)
        problems += differences(step, lab_seen, ref_seen, date_expiry)
        # Django's own Vary must reach the browser, whatever the site adds.
        if not ref_seen.vary <= lab.wire_vary:
            problems.append(f"after {step}: wire Vary {lab.wire_vary} lacks {ref_seen.vary}")
    return problems


# --- The tests --------------------------------------------------------------


# The login sequences run Django's auth on top of the session code the other sequences
# already compare under every profile: these profiles are the ones that change what a
# login or logout sends (the cookie's name, path and domain; saving on every request;
# no Max-Age; the second cache).
LOGIN_PROFILES = ("defaults", "save_every_request", "expire_at_close", "name_path_domain",
                  "memcached_alias")  # fmt: skip
LOGIN_SEQUENCES = ("login", "password")
CASES = [
    (engine, profile, sequence)
    for sequence in SEQUENCES
    for profile in PROFILES
    for engine in ENGINE_PATHS
    if sequence not in LOGIN_SEQUENCES or profile in LOGIN_PROFILES
]


@pytest.mark.parametrize(("engine", "profile", "sequence"), CASES)
def test_lab_sends_and_stores_what_django_would(engine, profile, sequence):
    """Every response and every store state of the lab equals Django's own, step by step."""
    values = django_settings_for(engine, profile)
    assert run_side_by_side(engine, values, values, SEQUENCES[sequence]) == []


@pytest.mark.parametrize(
    ("engine", "lab_profile", "ref_profile", "expected"),
    [
        ("db", "defaults", "age_5", "max-age: lab 1209600, Django 5"),
        ("cache", "defaults", "no_httponly_strict", "attribute httponly: lab True, Django None"),
        ("signed_cookies", "defaults", "expire_at_close", "attribute max-age"),
        ("file", "save_every_request", "defaults", "after visit: Set-Cookie: lab {"),
    ],
    ids=["age", "httponly", "expire-at-close", "save-every-request"],
)
def test_the_comparison_notices_different_settings(engine, lab_profile, ref_profile, expected):
    """With different settings on the two sides, the comparison reports the difference.

    A differential test that could never fail would prove nothing.
    """
    problems = run_side_by_side(
        engine,
        django_settings_for(engine, lab_profile),
        django_settings_for(engine, ref_profile),
        (Step("set", "cart", ["apple"]), Step("visit")),
    )
    assert any(expected in problem for problem in problems), problems


def test_the_comparison_notices_a_different_engine():
    """Data kept in a database row is not data kept in Redis: the stores are compared."""
    lab = LabSide("db", django_settings_for("db", "defaults"))
    ref = ReferenceSide("cached_db", django_settings_for("cached_db", "defaults"))
    step = Step("set", "cart", ["apple"])
    ref_seen, lab_seen = ref.run(step), lab.run(step)
    assert any("store parts" in problem for problem in differences(step, lab_seen, ref_seen, False))


def test_the_vary_of_django_reaches_the_learner():
    """A visit that never touches the session has no Vary of Django's; a read has Vary: Cookie.

    The panel shows Django's own Vary, and Django's Vary: Cookie is on the wire.
    """
    values = django_settings_for("db", "defaults")
    lab, ref = LabSide("db", values), ReferenceSide("db", values)
    visit, read = Step("visit"), Step("read")
    assert ref.run(visit).vary == set()
    assert lab.run(visit).vary == set()
    assert ref.run(read).vary == {"cookie"}
    assert lab.run(read).vary == {"cookie"}
    assert "cookie" in lab.wire_vary
    panels = lab.client.get("/en/lab/state.json").json()
    assert panels["latest"]["vary"] == "Cookie"


def test_the_comparison_notices_a_login_without_cycle_key():
    """A login that kept the key (the fixation mistake) is told apart from Django's login()."""
    values = django_settings_for("db", "defaults")
    lab, ref = LabSide("db", values), ReferenceSide("db", values)
    first = Step("set", "cart", ["apple"])
    assert differences(first, lab.run(first), ref.run(first), date_expiry=False) == []
    naive, proper = Step("naive_login", username="alice"), Step("login", username="alice")
    problems = differences(proper, lab.run(naive), ref.run(proper), date_expiry=False)
    assert any("key_changed: lab False, Django True" in problem for problem in problems)
