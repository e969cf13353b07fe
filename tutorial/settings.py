"""Settings for Session Lab.

Every value that differs between a laptop and a server is read from the
environment in the block below; `.env.example` lists them. The defaults are
for local development and are safe there: SQLite under `var/`, a private
Redis started by `make run`. With `DJANGO_DEBUG` off the site refuses to start
until it is given a real secret key and the host names it answers to.
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.conf import global_settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from dotenv import load_dotenv

from tutorial.environment import env_bool, env_int, env_list, private_file
from tutorial.paths import BASE_DIR, MEMCACHED_SOCKET, REDIS_SOCKET, VAR_DIR

# A `.env` file beside manage.py (or the file DJANGO_ENV_FILE names) fills in
# variables the shell did not set.
load_dotenv(os.environ.get("DJANGO_ENV_FILE") or BASE_DIR / ".env", override=False)


# --- Environment ------------------------------------------------------------
# Every variable the site reads is read here, and nowhere else in the settings;
# `.env.example` and the README's configuration table list the same ones (a
# test keeps the three in step). DJANGO_ENV_FILE, above, names the .env file.

# Deployment
DEBUG = env_bool("DJANGO_DEBUG", default=False)  # 1 on a laptop (make run sets it), 0 in production
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")  # required when DEBUG is off
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")  # host names; required when DEBUG is off
# Served over HTTPS (default: when DEBUG is off). A plain-http school network sets 0.
HTTPS = env_bool("DJANGO_HTTPS", default=not DEBUG)
# With HTTPS: redirect http to https, and the Strict-Transport-Security header.
SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", default=True)
HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 60 * 60 * 24 * 365)
HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", default=True)
# Behind a proxy that sets X-Forwarded-Proto and appends to X-Forwarded-For.
BEHIND_PROXY = env_bool("DJANGO_BEHIND_PROXY", default=False)
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")  # https://host, comma-separated
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT") or VAR_DIR / "static")  # collectstatic
LOG_LEVEL = os.environ.get("DJANGO_LOG_LEVEL", "INFO")

# Data and servers
DATABASE_URL = os.environ.get("DATABASE_URL", "")  # e.g. postgres://...; default SQLite in var/
DATABASE_CONN_MAX_AGE = env_int("DATABASE_CONN_MAX_AGE", 60)  # seconds a connection is kept
# 1: each commit waits for the disk; 0: a power cut can lose the last moment's commits.
DATABASE_DURABLE_COMMITS = env_bool("DATABASE_DURABLE_COMMITS", default=False)
# The Redis of the lab's cache engines and redis_json; default: make run's private one.
REDIS_URL = os.environ.get("REDIS_URL") or f"unix://{REDIS_SOCKET}"
# The memcached of the lab's "memcached" cache alias; default: make run's private one.
MEMCACHED_LOCATION = os.environ.get("MEMCACHED_LOCATION") or f"unix:{MEMCACHED_SOCKET}"

# The lab and the classroom
# Where the lab's file engine keeps sessions; several servers need one shared directory.
LAB_SESSION_FILE_PATH = Path(os.environ.get("LAB_SESSION_FILE_PATH") or VAR_DIR / "lab-sessions")
# A second origin of this server for the SameSite lesson (see "The lab" below).
LAB_CROSS_SITE_ORIGIN = os.environ.get("LAB_CROSS_SITE_ORIGIN", "")
# Show worked solutions after a few attempts (a classroom may turn them off).
EXERCISE_SHOW_SOLUTIONS = env_bool("EXERCISE_SHOW_SOLUTIONS", default=True)
# An instructor's login: ended after this long, and after this long idle (seconds).
INSTRUCTOR_SESSION_MAX_AGE = env_int("INSTRUCTOR_SESSION_MAX_AGE", 12 * 60 * 60)
INSTRUCTOR_SESSION_IDLE = env_int("INSTRUCTOR_SESSION_IDLE", 2 * 60 * 60)

# --- Deployment checks --------------------------------------------------------
if DEBUG:
    # A fixed key is fine on a developer's machine: nothing signed with it
    # leaves that machine. It is never used with DEBUG off.
    SECRET_KEY = SECRET_KEY or "django-insecure-local-development-key-for-session-lab"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]"]
else:
    # The same test as check --deploy's security.W009.
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure"):
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set to a random string of 50 or more characters "
            "when DJANGO_DEBUG is off (or set DJANGO_DEBUG=1 for local development)."
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "DJANGO_ALLOWED_HOSTS must list the host names this site answers to "
            "when DJANGO_DEBUG is off, e.g. DJANGO_ALLOWED_HOSTS=lab.example.org."
        )

# --- Applications -----------------------------------------------------------
INSTALLED_APPS = [
    # modeltranslation patches the admin, so it comes before it.
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Serve static files through whitenoise in development too, so that
    # development and production behave the same.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "csp",
    "axes",
    "lessons",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Reads a session or CSRF cookie still under its name from before HTTPS.
    "tutorial.legacy_cookies.HostPrefixMigrationMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After sessions (it reads the language cookie and the session), before
    # common (so that redirects to /en/ or /uz/ happen first).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Before CSRF, which would be the first to read a form Django refuses.
    "lessons.error_pages.UnreadableFormMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Inside LocaleMiddleware (the learner's language) and CSRF (the page's token
    # gets its cookie).
    "lessons.error_pages.MethodNotAllowedPageMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "lessons.classroom.session_limits.InstructorSessionLimitsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "tutorial.security_headers.PermissionsPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it answers a locked-out login.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tutorial.urls"
WSGI_APPLICATION = "tutorial.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


# --- Data -------------------------------------------------------------------
if not DATABASE_URL:
    VAR_DIR.mkdir(mode=0o700, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL or f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=DATABASE_CONN_MAX_AGE,
        conn_health_checks=True,
    )
}
# How SQLite and PostgreSQL commit: with durable commits, each waits for the disk.
SYNCHRONOUS = ("FULL", "on") if DATABASE_DURABLE_COMMITS else ("NORMAL", "off")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several learners write at once (lab requests record a timeline): WAL lets
    # readers go on during a write, IMMEDIATE takes the write lock at the start
    # of a transaction instead of failing half-way, and the timeout waits for
    # it rather than answering "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": f"PRAGMA journal_mode=WAL; PRAGMA synchronous={SYNCHRONOUS[0]};",
    }
    # Tests get a database file too: the browser tests' live server answers several requests
    # at once, and an in-memory database fails them with "database table is locked".
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
    if DATABASES["default"]["NAME"] != ":memory:":
        private_file(DATABASES["default"]["NAME"])
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    options = DATABASES["default"].setdefault("OPTIONS", {})  # any from DATABASE_URL kept
    options["options"] = f"{options.get('options', '')} -c synchronous_commit={SYNCHRONOUS[1]}"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# REDIS_URL (above): the private Redis of `make run` unless it says otherwise.
CACHES = {
    # The site's own cache lives in each process; the lab's cache engines
    # use "redis", the real server learners inspect.
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # Django's RedisCache, keeping its redis-py client instead of making one per call.
    "redis": {
        "BACKEND": "tutorial.redis_cache.RedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
    },
}

# The lab's second cache, for SESSION_CACHE_ALIAS = "memcached". make run starts
# a private memcached on this socket; without one the lab says it cannot be
# reached. A dead server is tried again after a few seconds, and every failed
# call raises instead of quietly returning nothing, so the lab can say so.
CACHES["memcached"] = {
    "BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache",
    "LOCATION": MEMCACHED_LOCATION,
    "OPTIONS": {"connect_timeout": 1, "timeout": 2, "retry_attempts": 0, "dead_timeout": 5},
}

# The project's own session engine (lessons/session_engines/redis_json.py),
# which learners can pick in the lab, keeps its records in this Redis.
SESSION_REDIS_URL = REDIS_URL
SESSION_REDIS_KEY_PREFIX = "session:"

# --- The site's own session -------------------------------------------------
# This site teaches session settings, so its own are chosen with care.
# Learners set SESSION_COOKIE_NAME and friends for their lab requests; the
# site's session and CSRF cookies use names of their own so that nothing a
# learner does in the lab can overwrite them.
#   - Django's database engine on a table of its own (SiteSession, built on
#     AbstractBaseSession): progress must survive a Redis restart or eviction,
#     the site must keep working while Redis is down (the lab shows that
#     state), and no session a learner makes in the lab's django_session table
#     can ever pass for the site's own.
#   - HttpOnly: page JavaScript never needs the session cookie.
#   - SameSite=Lax: sent on top-level navigation from other sites (links to
#     the site keep working), withheld from cross-site POSTs and fetches.
#   - Secure whenever the site is served over HTTPS. A classroom on plain
#     http (DJANGO_HTTPS=0) must not set it, or browsers other than on
#     localhost would drop the cookie and nobody could keep their progress.
#   - Over HTTPS, the session and CSRF cookies carry the __Host- prefix: a
#     browser then accepts them only with Secure, Path=/ and no Domain, so no
#     other host of the domain (a subdomain, a plain-http page) can plant or
#     overwrite them.
#   - four weeks of idle time, renewed whenever the session is saved: a
#     course is taken over weeks, and an anonymous learner's progress is tied
#     to this cookie. Instructors' sessions are shorter (see Logins below).
HOST_PREFIX = "__Host-" if HTTPS else ""
SESSION_ENGINE = "lessons.session_engines.site_sessions"
SESSION_COOKIE_NAME = f"{HOST_PREFIX}sessionlab_session"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 28
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = HTTPS
SESSION_EXPIRE_AT_BROWSER_CLOSE = False
SESSION_SAVE_EVERY_REQUEST = False
CSRF_COOKIE_NAME = f"{HOST_PREFIX}sessionlab_csrftoken"
CSRF_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_NAME = "sessionlab_language"
LANGUAGE_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365

# --- HTTPS ------------------------------------------------------------------
if HTTPS:
    SECURE_SSL_REDIRECT = SSL_REDIRECT
    SECURE_HSTS_SECONDS = HSTS_SECONDS
    SECURE_HSTS_INCLUDE_SUBDOMAINS = HSTS_INCLUDE_SUBDOMAINS
    # The header alone puts no site on the browsers' preload list; submitting
    # the domain does. It is on so that check --deploy is clean.
    SECURE_HSTS_PRELOAD = HSTS_PRELOAD
# Behind a proxy (Caddy, nginx) every request comes from the proxy's address:
# the proxy must then set X-Forwarded-Proto itself and append the client's
# address to X-Forwarded-For, whose last entry the brakes on guessing read
# (lessons/throttles.py). Without a proxy both headers are ignored: a client
# could write anything in them.
if BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"

# --- Content-Security-Policy (django-csp) -------------------------------------
# Every script, style, image and font comes from this site's own files: no
# inline script or style, no eval (htmx is told the same in base.html), no
# plugin, no frame around the site. The SameSite pages add the one other
# origin they talk to (lessons/lab/views.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    },
}

# --- The lab -----------------------------------------------------------------
# Where the lab's "file" engine writes (SESSION_FILE_PATH for lab requests);
# several servers sharing a classroom need one shared directory here.
# (LAB_SESSION_FILE_PATH, above.)
# Cookie names the lab refuses, so a learner's lab cookie can never replace
# one the site itself depends on.
LAB_RESERVED_COOKIE_NAMES = tuple(
    dict.fromkeys(
        [
            SESSION_COOKIE_NAME,
            CSRF_COOKIE_NAME,
            LANGUAGE_COOKIE_NAME,
            # The names without the __Host- prefix: browsers may still hold them.
            "sessionlab_session",
            "sessionlab_csrftoken",
        ]
    )
)
# "Another site" for the SameSite lesson: a second host name for this server
# that browsers count as a different site, e.g. http://lab-other.school.local:8000.
# Left empty, localhost and 127.0.0.1 serve as each other's.
# (LAB_CROSS_SITE_ORIGIN, above.)
# Worked solutions of exercises: shown after this many attempts, or never
# when EXERCISE_SHOW_SOLUTIONS is off (a classroom may want that).
# (EXERCISE_SHOW_SOLUTIONS, above.)
EXERCISE_SOLUTION_AFTER = 3
# How many lab requests the timeline keeps per learner.
LAB_TIMELINE_LENGTH = 30

# --- Logins -----------------------------------------------------------------
# Instructors (and the admin) log in with a password; django-axes counts wrong
# ones per user name and address: after 5, that user name waits 10 minutes on
# that network (a 429 page). Keyed by both, so that a lockout holds one name
# on one network, not every instructor; someone on the same network who knows
# an instructor's user name can still keep it locked, 10 minutes at a time.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = datetime.timedelta(minutes=10)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "classroom/locked_out.html"
# The same address as the other brakes (REMOTE_ADDR, or the proxy's report of it).
AXES_CLIENT_IP_CALLABLE = "lessons.throttles.client_address"
AXES_VERBOSE = False
# An instructor's site session: INSTRUCTOR_SESSION_MAX_AGE and _IDLE, in the
# Environment block (lessons/classroom/session_limits.py applies them).

# --- Passwords --------------------------------------------------------------
# Django's hashers, and last (so never the default) the lab's cheap one for its demo
# users, whose passwords are shown on the page (lessons/models/lab_users.py).
PASSWORD_HASHERS = [
    *global_settings.PASSWORD_HASHERS,
    "lessons.models.lab_users.DemoPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Languages --------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("uz", _("Uzbek")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_LANGUAGES = tuple(code for code, _name in LANGUAGES)
# An Uzbek field left empty shows the English text rather than nothing; the
# curriculum tests make sure no lesson relies on that.
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)
# The admin's language tabs need jQuery UI; modeltranslation reads this name
# (without its prefix) and would otherwise load it from a CDN.
JQUERY_UI_URL = "/static/vendor/jquery-ui/jquery-ui.min.js"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    # django-axes tells of every login at INFO; lockouts come at WARNING.
    "loggers": {"axes": {"level": "WARNING"}},
}
