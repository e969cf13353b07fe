"""Generated bad input against every form field, URL parameter and cookie the site reads.

Hypothesis builds requests from the site's own endpoints and fills them with
odd text: markup, JSON that breaks parsers, huge and empty values, control
characters, other scripts, numbers in every shape. For each request:

- no response is a server error (5xx);
- no HTML response carries the input's markup unescaped;
- no redirect leads off the site;
- the learner who sent it still has a working lab;

and after the run no file was written outside the lab's directories, and a
bystander's lab and site session are untouched.

`make test` runs FUZZ_EXAMPLES=400 inputs (the default); `make fuzz` runs
10,000 before a release. With FUZZ_URL (and FUZZ_INSTRUCTOR=name:password of
an instructor there) the same run goes over the network to a running server,
`make classroom` for instance: `make fuzz URL=http://127.0.0.1:8000
INSTRUCTOR=name:password`.
"""

import contextlib
import json
import os
import re
import string
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from lessons.engines import ENGINES
from lessons.lab.actions import ACTIONS
from lessons.tests.lab_helpers import DJANGO_DEFAULT_SETTINGS

pytestmark = pytest.mark.django_db(transaction=False)

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "400"))
PASSWORD = "a-long-enough-instructor-password"
# Markup that must never come back as markup: escaped, it is harmless text.
MARKERS = ['<b data-fuzz="1">', "<script>fuzz()</script>", "<img src=x onerror=fuzz()>"]
RAW_MARKERS = ['data-fuzz="1"', "<script>fuzz()", "<img src=x onerror"]

NASTY = [
    "",
    " ",
    "0",
    "-1",
    "1e400",
    "NaN",
    "Infinity",
    "99999999999999999999999999",
    "\uff11\uff12\uff13",  # fullwidth digits
    "²",
    "٣",  # an Arabic-Indic digit
    "null",
    "true",
    "[]",
    "{}",
    '{"a":' * 50,
    "[" * 3000 + "]" * 3000,
    '"\\ud800"',
    '{"\\udfff": NaN}',
    "'; DROP TABLE lessons_learner; --",
    "../../etc/passwd",
    # The file engine's path is SESSION_FILE_PATH + cookie name + key: keys that climb.
    "/../fuzz-sentinel",
    "/../../fuzz-sentinel",
    "../../../fuzz-sentinel",
    "/../../../../fuzz-sentinel",
    "..\\..\\windows",
    "/etc/passwd",
    "%00",
    "\x00",
    "a\x00b",
    "\r\nSet-Cookie: evil=1",
    "line\nbreak",
    "\t",
    "\u202e\u200f",  # right-to-left override, right-to-left mark
    "🍪" * 40,
    "Oʻzbekiston",
    "x" * 5000,
    "sessionid",
    "sessionlab_session",
    "__Host-x",
    "expires",
    "Max-Age",
    "a=b; c=d",
    "javascript:alert(1)",
    "//evil.example/",
    "https://evil.example/",
    "http://testserver.evil.example/",
    *MARKERS,
    '"><b data-fuzz="1">',
]


def text_with_markup(inner: st.SearchStrategy) -> st.SearchStrategy:
    return st.builds(lambda a, m, b: f"{a}{m}{b}", inner, st.sampled_from(MARKERS), inner)


SHORT_TEXT = st.text(max_size=30)
FUZZ_TEXT = st.one_of(
    st.sampled_from(NASTY),
    SHORT_TEXT,
    text_with_markup(st.text(max_size=10)),
    st.text(alphabet=string.printable, max_size=200),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
# Form data travels as UTF-8: text that cannot be encoded (lone surrogates) is not
# something a browser can send, and Django's test client refuses it.
FUZZ_TEXT = FUZZ_TEXT.map(lambda text: text.encode("utf-8", "replace").decode("utf-8"))
# What JSON parsers and session serializers choke on.
JSON_NASTY = st.sampled_from(
    [
        "[" * 600 + "]" * 600,
        "[" * 5000 + "]" * 5000,
        "[" * 21 + "]" * 21,
        '{"a":' * 40 + "1" + "}" * 40,
        "NaN",
        "-Infinity",
        "[1e400]",
        '{"x": 1e999}',
        "9" * 5000,
        "-" + "9" * 200,
        '"\\ud800"',
        '{"\\udfff": 1}',
        '"a\\u0000b"',
        '"' + "x" * 15_990 + '"',
        '"' + "x" * 16_001 + '"',
        '{"__proto__": {"a": 1}}',
        "[" * 5 + "NaN" + "]" * 5,
    ]
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
).map(lambda value: json.dumps(value, allow_nan=True))


def maybe(strategy: st.SearchStrategy, valid: list[str]) -> st.SearchStrategy:
    """A value the site offers, or a hostile one, about as often."""
    return st.one_of(st.sampled_from(valid), strategy)


# Actions that take input come up more often: their fields are where input goes.
ACTIONS_WITH_INPUT = [name for name, action in ACTIONS.items() if action.inputs]


LANGUAGES = maybe(FUZZ_TEXT, ["en", "uz"])
# What django.contrib.auth keeps in a session: a learner may write them by hand.
AUTH_SESSION_KEYS = ["_auth_user_id", "_auth_user_backend", "_auth_user_hash"]
ATTRIBUTE_NAMES = ["expires", "Path", "DOMAIN", "max-age", "Secure", "httponly", "SameSite",
                   "version", "Comment", "partitioned"]  # fmt: skip
ENGINE_NAMES = maybe(FUZZ_TEXT, list(ENGINES))
ACTION_NAMES = st.one_of(
    st.sampled_from(ACTIONS_WITH_INPUT), st.sampled_from(list(ACTIONS)), FUZZ_TEXT
)
LESSON_SLUGS = maybe(FUZZ_TEXT, ["what-a-session-is", "signed-cookie-sessions", "cookie-flags"])


def segment(text: str) -> str:
    """Text as one URL path segment."""
    return quote(text, safe="") or "x"


@dataclass
class FuzzRequest:
    method: str
    path: str
    data: dict = field(default_factory=dict)
    htmx: bool = False
    content_type: str | None = None
    cookies: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    instructor: bool = False

    def describe(self) -> str:
        return (
            f"{self.method} {self.path} {self.data!r} cookies={self.cookies!r} "
            f"headers={self.headers!r}"
        )


def on_off():
    return st.booleans().map(lambda on: "on" if on else "")


COOKIE_NAMES = [
    "sessionid",
    "..",
    ".",
    "labid",
    "s",
    settings.LANGUAGE_COOKIE_NAME,
    settings.CSRF_COOKIE_NAME,
    settings.SESSION_COOKIE_NAME,
]


def vary(draw, valid: dict[str, str], hostile: dict[str, st.SearchStrategy]) -> dict[str, str]:
    """A valid form with one or two fields made hostile, or left out: so that each
    field's own handling is reached, not only the first refusal of a form."""
    data = dict(valid)
    for name in {
        draw(st.sampled_from(sorted(hostile))) for _ in range(draw(st.sampled_from([1, 1, 2])))
    }:
        value = draw(st.one_of(hostile[name], st.none()))
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


@st.composite
def lab_settings(draw):
    hostile = {
        "engine": ENGINE_NAMES,
        "cookie_age": maybe(FUZZ_TEXT, ["1", "5", "1209600", "34560000", "34560001"]),
        "cookie_name": st.one_of(
            FUZZ_TEXT,
            st.sampled_from(ATTRIBUTE_NAMES),
            st.sampled_from(["s", "..", ".", "__Secure-s", "__Host-s", "labid", *COOKIE_NAMES]),
        ),
        "cookie_path": maybe(FUZZ_TEXT, ["/", "/lab/", "/lab/shop/", "/en/"]),
        "cookie_domain": maybe(FUZZ_TEXT, ["", "testserver", ".testserver", "localhost"]),
        "cookie_secure": on_off(),
        "cookie_httponly": on_off(),
        "cookie_samesite": maybe(FUZZ_TEXT, ["Lax", "Strict", "None", ""]),
        "expire_at_browser_close": on_off(),
        "save_every_request": on_off(),
        "cache_alias": maybe(FUZZ_TEXT, ["redis", "memcached"]),
    }
    valid = {**DJANGO_DEFAULT_SETTINGS, "engine": draw(st.sampled_from(list(ENGINES)))}
    data = {name: value for name, value in vary(draw, valid, hostile).items() if value != ""}
    lang = draw(st.sampled_from(["en", "uz"]))
    return FuzzRequest("POST", f"/{lang}/lab/settings/", data, htmx=draw(st.booleans()))


@st.composite
def lab_action(draw):
    action = draw(ACTION_NAMES)
    valid = {"action": action, "key": "cart", "value": '["apple"]', "seconds": "300",
             "language": "en", "request_path": "/lab/run/", "username": "alice",
             "browser": "a"}  # fmt: skip
    hostile = {
        "action": ACTION_NAMES,
        "key": maybe(FUZZ_TEXT, ["cart", "learner", *AUTH_SESSION_KEYS, "_session_expiry"]),
        "username": maybe(FUZZ_TEXT, ["alice", "bob", "admin"]),
        "browser": maybe(FUZZ_TEXT, ["a", "b"]),
        "value": st.one_of(JSON_NASTY, JSON_VALUES, FUZZ_TEXT),
        "seconds": maybe(FUZZ_TEXT, ["1", "300", "34560000", "0"]),
        "language": LANGUAGES,
        "request_path": FUZZ_TEXT,
    }
    path = draw(st.sampled_from(["/lab/run/", "/lab/shop/run/"]))
    return FuzzRequest("POST", path, vary(draw, valid, hostile), htmx=draw(st.booleans()))


@st.composite
def lab_reads(draw):
    kind = draw(st.sampled_from(["page", "state", "observe", "reset", "clear", "measure-free"]))
    lang = draw(st.sampled_from(["en", "uz"]))
    if kind == "page":
        return FuzzRequest("GET", f"/{lang}/lab/?panel={quote(draw(FUZZ_TEXT))}",
                           htmx=draw(st.booleans()))  # fmt: skip
    if kind == "state":
        return FuzzRequest("GET", f"/{lang}/lab/state.json?x={quote(draw(FUZZ_TEXT))}")
    if kind == "observe":
        data = {"exchange": draw(maybe(FUZZ_TEXT, ["1", "2", "9" * 30, "9" * 5000, "²", " 7"])),
                "document_cookie": draw(FUZZ_TEXT)}  # fmt: skip
        return FuzzRequest("POST", f"/{lang}/lab/observe/", data)
    if kind == "reset":
        return FuzzRequest("POST", f"/{lang}/lab/reset/", htmx=draw(st.booleans()))
    if kind == "clear":
        return FuzzRequest("POST", f"/{lang}/lab/timeline/clear/?x={quote(draw(FUZZ_TEXT))}",
                           {"x": draw(FUZZ_TEXT)}, htmx=draw(st.booleans()))  # fmt: skip
    return FuzzRequest("POST", f"/{lang}/lab/cross-site/")


@st.composite
def cross_site(draw):
    token = segment(draw(maybe(FUZZ_TEXT, ["LEARNER_TOKEN"])))
    if draw(st.booleans()):
        query = f"?lab={quote(draw(FUZZ_TEXT))}&lang={quote(draw(LANGUAGES))}"
        return FuzzRequest("GET", f"/lab/cross-site/{token}/{query}")
    data = {"via": draw(maybe(FUZZ_TEXT, ["link", "form", "fetch"])), "lang": draw(LANGUAGES)}
    method = draw(st.sampled_from(["GET", "POST"]))
    if method == "GET":
        return FuzzRequest("GET", f"/lab/probe/{token}/?via={quote(data['via'])}"
                                  f"&lang={quote(data['lang'])}")  # fmt: skip
    return FuzzRequest("POST", f"/lab/probe/{token}/", data)


@st.composite
def pages(draw):
    lang = draw(st.sampled_from(["en", "uz"]))
    kind = draw(st.sampled_from(["lesson", "search", "source", "glossary", "list", "any", "try"]))
    if kind == "lesson":
        return FuzzRequest("GET", f"/{lang}/lessons/{segment(draw(LESSON_SLUGS))}/",
                           htmx=draw(st.booleans()))  # fmt: skip
    if kind == "search":
        return FuzzRequest("GET", f"/{lang}/search/?q={quote(draw(FUZZ_TEXT))}")
    if kind == "source":
        return FuzzRequest(
            "GET", f"/{lang}/source/{segment(draw(maybe(FUZZ_TEXT, ['redis_json'])))}/"
        )
    if kind == "glossary":
        return FuzzRequest("GET", f"/{lang}/glossary/?q={quote(draw(FUZZ_TEXT))}")
    if kind == "list":
        return FuzzRequest("GET", f"/{lang}/", htmx=draw(st.booleans()))
    if kind == "try":
        preset = draw(maybe(FUZZ_TEXT, ["no-cookie-until-changed", "data-in-the-cookie"]))
        return FuzzRequest(
            "POST", f"/{lang}/lab/try/{segment(draw(LESSON_SLUGS))}/{segment(preset)}/"
        )
    return FuzzRequest(
        "GET", "/" + "/".join(segment(part) for part in draw(st.lists(FUZZ_TEXT, max_size=3)))
    )


@st.composite
def progress_and_exercises(draw):
    lang = draw(st.sampled_from(["en", "uz"]))
    kind = draw(st.sampled_from(["resume", "new-code", "reset", "page", "check", "answer", "hint"]))
    if kind == "resume":
        return FuzzRequest("POST", f"/{lang}/progress/resume/", {"code": draw(FUZZ_TEXT)})
    if kind == "new-code":
        return FuzzRequest("POST", f"/{lang}/progress/resume-code/")
    if kind == "reset":
        return FuzzRequest("POST", f"/{lang}/progress/reset/",
                           {"confirm": draw(maybe(FUZZ_TEXT, ["yes", "no"]))})  # fmt: skip
    if kind == "page":
        return FuzzRequest("GET", f"/{lang}/progress/?code={quote(draw(FUZZ_TEXT))}"
                                  f"&resume={quote(draw(FUZZ_TEXT))}")  # fmt: skip
    exercise = draw(maybe(FUZZ_TEXT, ["nothing-on-the-server", "first-cookie", "httponly-hides"]))
    url = f"/{lang}/exercises/{segment(draw(LESSON_SLUGS))}/{segment(exercise)}/{kind}/"
    data = {"choice": draw(maybe(FUZZ_TEXT, ["0", "4", "99"]))} if kind == "answer" else {}
    return FuzzRequest("POST", url, data, htmx=draw(st.booleans()))


@st.composite
def joining(draw):
    lang = draw(st.sampled_from(["en", "uz"]))
    if draw(st.booleans()):
        return FuzzRequest("GET", f"/{lang}/join/{segment(draw(maybe(FUZZ_TEXT, ['JOINCODE'])))}/")
    data = {"code": draw(maybe(FUZZ_TEXT, ["JOINCODE"])), "name": draw(FUZZ_TEXT)}
    return FuzzRequest("POST", f"/{lang}/join/", data)


@st.composite
def language_switch(draw):
    data = {"language": draw(LANGUAGES), "next": draw(maybe(FUZZ_TEXT, ["/en/lab/", "/uz/"]))}
    return FuzzRequest(draw(st.sampled_from(["POST", "GET"])), "/i18n/setlang/", data)


@st.composite
def instructor_pages(draw):
    lang = draw(st.sampled_from(["en", "uz"]))
    kind = draw(
        st.sampled_from(["login", "admin-login", "create", "dashboard", "csv", "toggle", "member"])
    )
    if kind in {"login", "admin-login"}:
        path = f"/{lang}/instructor/login/" if kind == "login" else f"/{lang}/admin/login/"
        data = {"username": draw(maybe(FUZZ_TEXT, ["teacher"])), "password": draw(FUZZ_TEXT),
                "next": draw(maybe(FUZZ_TEXT, ["/en/instructor/", "//evil.example/"]))}  # fmt: skip
        return FuzzRequest("POST", path, data)
    classroom = draw(maybe(st.integers(min_value=0, max_value=10**30).map(str), ["CLASSROOM"]))
    base = f"/{lang}/instructor/classrooms/{classroom}"
    if kind == "create":
        data = {"name": draw(FUZZ_TEXT), "show_solutions": draw(on_off()),
                "default_language": draw(LANGUAGES),
                "lessons": draw(st.lists(maybe(FUZZ_TEXT, ["1", "2", "9" * 20]), max_size=3))}  # fmt: skip
        return FuzzRequest("POST", f"/{lang}/instructor/", data, instructor=True)
    if kind == "dashboard":
        return FuzzRequest("GET", f"{base}/", htmx=draw(st.booleans()), instructor=True)
    if kind == "csv":
        return FuzzRequest("GET", f"{base}/progress.csv", instructor=True)
    if kind == "toggle":
        return FuzzRequest("POST", f"{base}/open/", instructor=True)
    member = draw(st.integers(min_value=0, max_value=10**30))
    action = segment(draw(maybe(FUZZ_TEXT, ["reset", "remove"])))
    return FuzzRequest("POST", f"{base}/members/{member}/{action}/", instructor=True)


# Request headers the site (or htmx, or Django for it) reads.
HEADER_NAMES = [
    "Accept-Language",
    "Sec-Fetch-Site",
    "Sec-Fetch-Mode",
    "HX-Request",
    "HX-Target",
    "HX-Current-URL",
    "Referer",
    "Origin",
    "X-Forwarded-Proto",
    "X-Forwarded-For",
]


@st.composite
def fuzz_requests(draw):
    # The lab's two forms carry most of the input: they come up most often.
    request = draw(st.one_of(
        lab_settings(), lab_settings(), lab_settings(),
        lab_action(), lab_action(), lab_action(), lab_action(),
        lab_reads(), cross_site(), pages(), progress_and_exercises(), joining(),
        language_switch(), instructor_pages(),
    ))  # fmt: skip
    if draw(st.integers(min_value=0, max_value=3)) == 0:
        request.cookies = draw(
            st.dictionaries(st.sampled_from(COOKIE_NAMES), FUZZ_TEXT, max_size=3)
        )
    if draw(st.integers(min_value=0, max_value=3)) == 0:
        request.headers = draw(
            st.dictionaries(st.sampled_from(HEADER_NAMES), FUZZ_TEXT, max_size=3)
        )
    if request.method == "POST" and draw(st.integers(min_value=0, max_value=9)) == 0:
        request.content_type = draw(st.sampled_from([
            "application/x-www-form-urlencoded; charset=iso-8859-1",
            "application/x-www-form-urlencoded; charset=utf-16",
            "application/json",
            "text/plain",
            "multipart/form-data; boundary=nothing",
        ]))  # fmt: skip
    return request


# Cookie values that climb out of a directory, or are no key at all.
ODD_KEYS = st.sampled_from([v for v in NASTY if "sentinel" in v or "/" in v or v in ("", ".")])


@st.composite
def lab_scenario(draw):
    """Settings on any engine with an odd but valid cookie name, then an action whose lab
    cookie is hostile: the pair a learner trying to break the lab would send."""
    name = draw(st.sampled_from(["..", ".", "s", "sessionid", "labid"]))
    settings_request = FuzzRequest(
        "POST",
        "/en/lab/settings/",
        {**DJANGO_DEFAULT_SETTINGS, "engine": draw(st.sampled_from(list(ENGINES))),
         "cookie_name": name, "cache_alias": draw(st.sampled_from(["redis", "memcached"]))},
    )  # fmt: skip
    action = draw(lab_action())
    action.data["action"] = draw(st.sampled_from(["visit", "read", "get", "set", "clearsessions"]))
    # A key that climbs to the file beside the lab's directory from the learner's own.
    climb = st.sampled_from([f"/{'../' * depth}fuzz-sentinel" for depth in range(4)])
    action.cookies = {name: draw(st.one_of(climb, ODD_KEYS, FUZZ_TEXT))}
    return [settings_request, action]


# --- The run -------------------------------------------------------------------------------


# A file a session engine would write: the cookie name then a key Django made (32 lowercase
# letters and digits), or a name carrying the fuzz's own sentinel.
SESSION_FILE_NAME = re.compile(r"[a-z0-9]{32}$|fuzz-sentinel")


def files_outside_lab(lab_root: Path) -> set[Path]:
    """The files of the project's folders, the session-like files of the system's temporary
    directory (top level; other programs on the machine write there too), leaving out the
    lab's own file sessions and Python's caches; and any file under the lab's directory
    that is not in one learner's own directory."""
    project = Path(settings.BASE_DIR)
    found = {
        path
        for path in Path(tempfile.gettempdir()).iterdir()
        if path.is_file() and SESSION_FILE_NAME.search(path.name)
    }
    for name in ("lessons", "templates", "static", "locale", "tutorial", "var", "e2e"):
        for path in (project / name).rglob("*"):
            if lab_root in path.parents or "__pycache__" in path.parts or not path.is_file():
                continue
            found.add(path)
    for path in lab_root.rglob("*"):
        parts = path.relative_to(lab_root).parts
        if path.is_file() and not (len(parts) == 2 and parts[0].startswith("learner-")):
            found.add(path)
    return found


SENTINEL_TEXT = "FUZZ-SENTINEL-NEVER-SHOWN"


def cookie_safe(value: str) -> str:
    """A cookie value as a client can send it: one line, no separators of the header."""
    return (
        value.replace("\r", "")
        .replace("\n", "")
        .replace(";", "")
        .encode("latin-1", "replace")
        .decode("latin-1")
    )


def csrf_headers(client) -> dict[str, str]:
    """What the site's pages send with a POST: the CSRF token of the site's cookie."""
    cookie = client.cookies.get(CSRF_COOKIE_NAME) or client.cookies.get(HTTPS_CSRF_COOKIE_NAME)
    return {"X-CSRFToken": cookie.value} if cookie is not None else {}


CSRF_COOKIE_NAME = "sessionlab_csrftoken"
HTTPS_CSRF_COOKIE_NAME = "__Host-sessionlab_csrftoken"
SITE_SESSION_NAMES = ("sessionlab_session", "__Host-sessionlab_session")


def header_safe(value: str) -> str:
    """A header value as a client can send it: one line of Latin-1."""
    return cookie_safe(value).replace(";", "")


class HttpResponseSeen:
    """A response from a server over the network, read like a Django test response."""

    def __init__(self, status: int, headers, content: bytes):
        self.status_code = status
        self.headers = headers
        self.content = content

    def get(self, name: str, default=None):
        return self.headers.get(name, default)

    def __getitem__(self, name: str) -> str:
        return self.headers[name]

    def __contains__(self, name: str) -> bool:
        return name in self.headers


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class HttpBrowser:
    """A browser on the network (FUZZ_URL): its own cookie jar, no redirects followed."""

    def __init__(self, base_url: str):
        self.base_url = base_url.rstrip("/")
        self.cookies = SimpleCookie()
        self.opener = urllib.request.build_opener(NoRedirects())

    def _send(self, method: str, path: str, body: bytes | None, headers: dict) -> HttpResponseSeen:
        request = urllib.request.Request(self.base_url + path, data=body, method=method)
        cookie = "; ".join(f"{m.key}={m.coded_value}" for m in self.cookies.values())
        for name, value in {**headers, **({"Cookie": cookie} if cookie else {})}.items():
            request.add_header(name, value)
        try:
            response = self.opener.open(request, timeout=30)
        except urllib.error.HTTPError as error:
            response = error
        with response:
            content = response.read()
            for header in response.headers.get_all("Set-Cookie") or []:
                received = SimpleCookie()
                received.load(header)
                for name, morsel in received.items():
                    if morsel["max-age"] == "0":
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value
            return HttpResponseSeen(response.status, response.headers, content)

    def get(self, path: str, data=None, headers=None) -> HttpResponseSeen:
        if data:
            path += ("&" if "?" in path else "?") + urlencode(data, doseq=True)
        return self._send("GET", path, None, headers or {})

    def post(self, path: str, data=None, content_type=None, headers=None) -> HttpResponseSeen:
        if content_type is None:
            body = urlencode(data or {}, doseq=True).encode()
            content_type = "application/x-www-form-urlencoded"
        else:
            body = data
        return self._send("POST", path, body, {**(headers or {}), "Content-Type": content_type})

    def generic(self, method: str, path: str) -> HttpResponseSeen:
        return self._send(method, path, None, {})


def site_session_key(client) -> str:
    return next(client.cookies[name].value for name in SITE_SESSION_NAMES if name in client.cookies)


class Site:
    """The browsers the fuzz run uses, and the checks after each request.

    Everything goes through HTTP as a browser's requests would, so the same
    run works in the test process and against a running server (FUZZ_URL).
    """

    def __init__(self, url: str | None, instructor: tuple[str, str]):
        self.url = url
        self.learner = self.browser()
        response = self.learner.post(
            "/en/lab/settings/", DJANGO_DEFAULT_SETTINGS, headers=csrf_headers(self.learner)
        )
        assert response.status_code == 302, response.status_code
        self.site_key = site_session_key(self.learner)
        self.bystander = self.browser()
        self.bystander.post("/en/lab/settings/", DJANGO_DEFAULT_SETTINGS,
                            headers=csrf_headers(self.bystander))  # fmt: skip
        self.lab_request(self.bystander, "set", key="secret", value='"bystander"')
        self.bystander_key = self.bystander.cookies["sessionid"].value
        self.bystander_site = site_session_key(self.bystander)
        self.instructor = self.browser()
        username, password = instructor
        response = self.instructor.post(
            "/en/instructor/login/",
            {"username": username, "password": password},
            headers=csrf_headers(self.instructor),
        )
        assert response.status_code == 302, "the instructor could not log in"
        response = self.instructor.post(
            "/en/instructor/", {"name": "Fuzz class", "default_language": "en"},
            headers=csrf_headers(self.instructor),
        )  # fmt: skip
        self.classroom_id = re.search(r"/classrooms/(\d+)/", response["Location"]).group(1)
        dashboard = self.instructor.get(f"/en/instructor/classrooms/{self.classroom_id}/")
        self.join_code = re.search(
            r'data-testid="join-code">([A-Z0-9]+)<', dashboard.content.decode()
        ).group(1)
        # Locally, 127.0.0.1 is the other site of localhost: the lab's link leads there.
        port = urlsplit(url).port if url else None
        self.port = f":{port}" if port else ""
        opened = self.learner.post(
            "/en/lab/cross-site/",
            headers={**csrf_headers(self.learner), "Host": f"localhost{self.port}"},
        )
        self.token = re.search(r"/lab/cross-site/([^/]+)/", opened["Location"]).group(1)

    def browser(self):
        """A new browser holding the site's CSRF cookie, checked for CSRF as browsers are."""
        client = HttpBrowser(self.url) if self.url else Client(enforce_csrf_checks=True)
        client.get("/en/join/")
        return client

    def lab_request(self, client, action: str, **fields):
        return client.post(
            "/lab/run/",
            {"action": action, "language": "en", **fields},
            headers={**csrf_headers(client), "HX-Request": "true"},
        )

    def start_over(self) -> None:
        """Django's default lab settings, so that each input is tried on its own."""
        self.learner.post("/en/lab/reset/", headers=csrf_headers(self.learner))

    def send(self, request: FuzzRequest):
        client = self.instructor if request.instructor else self.learner
        path = (request.path.replace("LEARNER_TOKEN", self.token)
                .replace("CLASSROOM", self.classroom_id)
                .replace("JOINCODE", self.join_code))  # fmt: skip
        data = {k: (v.replace("JOINCODE", self.join_code) if isinstance(v, str) else v)
                for k, v in request.data.items()}  # fmt: skip
        headers = {
            **{name: header_safe(value) for name, value in request.headers.items()},
            **csrf_headers(client),
            **({"HX-Request": "true"} if request.htmx else {}),
        }
        saved = {
            name: client.cookies[name].value for name in request.cookies if name in client.cookies
        }
        for name, value in request.cookies.items():
            # A name no browser could send (a space, an attribute name) is left out.
            with contextlib.suppress(CookieError):
                client.cookies[name] = cookie_safe(value)
        try:
            if request.method == "GET":
                return client.get(path, data or None, headers=headers)
            if request.content_type:
                body = "&".join(f"{quote(k)}={quote(str(v))}" for k, v in data.items())
                return client.post(path, body.encode("utf-8"), content_type=request.content_type,
                                   headers=headers)  # fmt: skip
            return client.post(path, data, headers=headers)
        finally:
            for name in request.cookies:
                if name in saved:
                    client.cookies[name] = saved[name]
                else:
                    client.cookies.pop(name, None)
            # The learner keeps their identity, whatever the request did to it.
            for name in SITE_SESSION_NAMES:
                if name in self.learner.cookies:
                    self.learner.cookies[name] = self.site_key

    def check(self, request: FuzzRequest, response) -> None:
        where = request.describe()
        assert response.status_code < 500, f"{response.status_code} for {where}"
        assert SENTINEL_TEXT.encode() not in response.content, f"a file was read for {where}"
        content_type = response.get("Content-Type", "")
        if content_type.startswith("text/html"):
            body = response.content.decode("utf-8")
            for marker in RAW_MARKERS:
                assert marker not in body, f"unescaped {marker!r} for {where}"
        location = response.get("Location")
        if location:
            target = urlsplit(location)
            # The same server, or its other name that plays "another site" for SameSite.
            here = {
                "",
                "testserver",
                *(f"{host}{self.port}" for host in ("localhost", "127.0.0.1")),
            }
            assert target.netloc in here, f"redirect to {location} for {where}"
            assert not location.startswith("//"), f"redirect to {location} for {where}"

    def lab_still_works(self, after: list[FuzzRequest]) -> None:
        """The lab page and its JSON show what the requests left, safely; then a new lab
        request works."""
        for path in ("/en/lab/", "/en/lab/state.json"):
            response = self.learner.get(path)
            assert response.status_code == 200, f"{path} after {after}"
            self.check(FuzzRequest("GET", f"{path} after {after}"), response)
        response = self.lab_request(self.learner, "set", key="still-works", value="1")
        assert response.status_code == 200, response.content[:300]
        # What Django's SessionMiddleware answered inside the lab: a working session.
        assert response["X-Lab-Status"] == "200", response.content.decode()[:2000]

    def bystander_untouched(self) -> bool:
        response = self.lab_request(self.bystander, "get", key="secret")
        state = json.loads(self.bystander.get("/en/lab/state.json").content)
        return (
            response.status_code == 200
            and state["latest"]["result"]["value"] == "bystander"
            and self.bystander.cookies["sessionid"].value == self.bystander_key
            and site_session_key(self.bystander) == self.bystander_site
        )


@pytest.fixture
def site(request):
    """The site under test: this test process's own (a throwaway database), or FUZZ_URL."""
    url = os.environ.get("FUZZ_URL")
    if url:
        username, _sep, password = os.environ.get("FUZZ_INSTRUCTOR", "").partition(":")
        if not password:
            pytest.fail("FUZZ_URL needs FUZZ_INSTRUCTOR=name:password of an instructor there")
        return Site(url, (username, password))
    request.getfixturevalue("lessons")
    get_user_model().objects.create_user("fuzz-teacher", password=PASSWORD, is_staff=True)
    return Site(None, ("fuzz-teacher", PASSWORD))


def test_generated_bad_input_never_breaks_the_site(site):
    local = not site.url
    lab_root = Path(settings.LAB_SESSION_FILE_PATH)
    if local:
        # A file beside the lab's directories, which no request may ever show.
        (lab_root.parent / "fuzz-sentinel").write_text(SENTINEL_TEXT)
    before = files_outside_lab(lab_root) if local else set()
    seen: list[str] = []

    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(st.one_of(st.lists(fuzz_requests(), min_size=1, max_size=3), lab_scenario()))
    def a_few_requests(requests: list[FuzzRequest]):
        # From Django's defaults, a few requests in a row: settings, then an action
        # with an odd cookie, reach what no single request reaches.
        site.start_over()
        for request in requests:
            seen.append(request.path)
            site.check(request, site.send(request))
        site.lab_still_works(requests)

    a_few_requests()
    assert len(seen) >= EXAMPLES, f"only {len(seen)} inputs were tried"
    if local:
        written = files_outside_lab(lab_root) - before
        assert not written, f"files written outside the lab: {sorted(written)[:10]}"
    assert site.bystander_untouched(), "a bystander's lab or site session moved"
