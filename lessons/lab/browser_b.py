"""Browser B: a second browser, simulated by the server, for hijacking and fixation.

B is an attacker, or the same user's phone. Its cookies live in a standard
cookie jar (Python's `http.cookiejar`: domain and path matching, Secure,
expiry, deletion by Max-Age=0), kept between requests in
`LabConfig.browser_b_cookies`. A request from B is the learner's own lab
request with B's cookies in place of the browser's: it runs through the same
SessionMiddleware, is recorded in the same timeline (tagged "b"), and what
Django answers goes into B's jar, never to the learner's browser.

Between the two browsers the lab can copy the learner's session cookie into
B (what a thief does with a stolen cookie) and plant B's session cookie in
the learner's browser (what a page on a sibling subdomain can do with
`Domain=.example.com`: session fixation).
"""

import copy
import email.message
import re
import urllib.request
from dataclasses import replace
from http.cookiejar import Cookie, CookieJar, DefaultCookiePolicy, eff_request_host
from ipaddress import ip_address

from django.http import HttpRequest, HttpResponse
from django.http.cookie import parse_cookie
from django.utils.translation import gettext

from lessons.lab.action_groups import LOGIN_ACTION_GROUPS
from lessons.lab.actions import ActionInput, LabAction
from lessons.lab.cookies import BROWSER_COOKIE_LIMIT
from lessons.lab.ownership import why_hidden
from lessons.lab.runner import LabRun, run_lab_action
from lessons.learners import RecentExchange
from lessons.models import LabConfig, LabExchange, Learner

B = LabExchange.Browser.B
# Actions between the two browsers, pressed in the learner's own browser.
BETWEEN_BROWSERS = frozenset(dict(LOGIN_ACTION_GROUPS)["browsers"])
# What a browser sends back as a cookie's value, unchanged (RFC 6265 cookie-octets).
COOKIE_VALUE = re.compile(r"[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]{1,4096}")
# B keeps few cookies: the lab sends one, under the names the learner tries.
MAX_COOKIES = 20
USER_AGENT = "Browser B (simulated by the Session Lab server; Python http.cookiejar)"
# Headers of the learner's request that B's request keeps: where it goes, not who sends it.
KEPT_HEADERS = ("HTTP_HOST", "HTTP_X_FORWARDED_HOST", "HTTP_X_FORWARDED_PROTO")
COOKIE_FIELDS = (
    "version",
    "name",
    "value",
    "port",
    "port_specified",
    "domain",
    "domain_specified",
    "domain_initial_dot",
    "path",
    "path_specified",
    "secure",
    "expires",
    "discard",
    "comment",
    "comment_url",
    "rfc2109",
)


class BrowserPolicy(DefaultCookiePolicy):
    """http.cookiejar's rules, with one browser habit: http://localhost and 127.0.0.1
    count as secure, as Chromium and Firefox count them, so B treats Secure as the
    learner's own browser does."""

    def return_ok_secure(self, cookie: Cookie, request) -> bool:
        if cookie.secure and request.type == "http" and _is_loopback(request):
            return True
        return super().return_ok_secure(cookie, request)

    def set_ok(self, cookie: Cookie, request) -> bool:
        # A browser refuses a Secure cookie from an origin it does not count as secure.
        if cookie.secure and request.type == "http" and not _is_loopback(request):
            return False
        return super().set_ok(cookie, request)


def _is_loopback(request) -> bool:
    host = urllib.request.urlparse(request.full_url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def jar_of(config: LabConfig) -> CookieJar:
    """Browser B's cookie jar, as it was left."""
    jar = CookieJar(policy=BrowserPolicy())
    for saved in config.browser_b_cookies or []:
        try:
            fields = {name: saved[name] for name in COOKIE_FIELDS}
            jar.set_cookie(Cookie(**fields, rest=dict(saved.get("rest") or {})))
        except (KeyError, TypeError):
            continue  # not a cookie as save_jar keeps them: B forgets it
    return jar


def save_jar(config: LabConfig, jar: CookieJar) -> None:
    """Keep B's cookies, as a browser would: expired ones gone, oversized ones refused."""
    jar.clear_expired_cookies()
    kept = [
        {**{name: getattr(cookie, name) for name in COOKIE_FIELDS}, "rest": dict(cookie._rest)}
        for cookie in jar
        if len(cookie.name) + len(cookie.value or "") <= BROWSER_COOKIE_LIMIT
    ]
    config.browser_b_cookies = kept[-MAX_COOKIES:]
    if config._state.adding:
        config.save()  # a learner still on Django's defaults has no saved settings yet
    else:
        # A reset in another tab may have replaced the settings meanwhile: then B's jar
        # goes with them, as a reset empties it.
        LabConfig.objects.filter(pk=config.pk).update(browser_b_cookies=config.browser_b_cookies)


def lab_url(request: HttpRequest) -> str:
    """The URL the learner's lab request went to: B sends its request there too."""
    scheme = "https" if request.is_secure() else "http"
    return f"{scheme}://{request.get_host()}{request.path}"


def cookie_header(jar: CookieJar, url: str) -> str:
    """The Cookie header B sends to this URL."""
    probe = urllib.request.Request(url, method="POST")
    jar.add_cookie_header(probe)
    return probe.get_header("Cookie", "")


def session_cookie_of_b(jar: CookieJar, config: LabConfig, request: HttpRequest) -> str | None:
    """The value of the lab's session cookie that B would send to this lab URL."""
    sent = parse_cookie(cookie_header(jar, lab_url(request)))
    return sent.get(config.cookie_name) or None


def sendable(value: str) -> bool:
    """Can a browser hold this value and send it back unchanged (RFC 6265 cookie-octets)?"""
    return COOKIE_VALUE.fullmatch(value) is not None


def why_not_plant(learner: Learner, config: LabConfig, value: str | None) -> str:
    """Why B's cookie must not go into the learner's browser ("" when it may).

    Checked here, with no shortcut through the learner's last request: a
    planted cookie must name no session that is not the learner's, on any
    engine that keeps one, whatever engine B's requests used.
    """
    if not value:
        return gettext("Browser B holds no session cookie yet: send a request from B first.")
    if not sendable(value):
        return gettext("Browser B's cookie is not a value a browser sends back: it is not planted.")
    if why_hidden(learner, config, value):
        return gettext(
            "Browser B's cookie names a session that is not yours: the lab does not plant it."
        )
    return ""


def request_from_b(request: HttpRequest, jar: CookieJar) -> HttpRequest:
    """The learner's lab request as Browser B sends it: B's cookies, B's own headers."""
    header = cookie_header(jar, lab_url(request))
    b_request = copy.copy(request)
    b_request.META = {
        name: value
        for name, value in request.META.items()
        if not name.startswith("HTTP_") or name in KEPT_HEADERS
    }
    b_request.META["HTTP_USER_AGENT"] = USER_AGENT
    if header:
        b_request.META["HTTP_COOKIE"] = header
    b_request.__dict__.pop("headers", None)  # read again from B's META
    b_request.COOKIES = parse_cookie(header)
    return b_request


class _Received:
    """What http.cookiejar reads of a response: its headers."""

    def __init__(self, response: HttpResponse):
        self._headers = email.message.Message()
        for morsel in response.cookies.values():
            self._headers["Set-Cookie"] = morsel.OutputString()

    def info(self) -> email.message.Message:
        return self._headers


def receive(jar: CookieJar, request: HttpRequest, response: HttpResponse) -> None:
    """B takes the Set-Cookie headers of Django's response, by the jar's rules."""
    jar.extract_cookies(_Received(response), urllib.request.Request(lab_url(request)))


def give_cookie(jar: CookieJar, request: HttpRequest, name: str, value: str, path: str) -> None:
    """Put a copied cookie into B's jar, for this host and path (a thief's browser)."""
    probe = urllib.request.Request(lab_url(request))
    jar.set_cookie(
        Cookie(
            version=0,
            name=name,
            value=value,
            port=None,
            port_specified=False,
            domain=eff_request_host(probe)[1],
            domain_specified=False,
            domain_initial_dot=False,
            path=path,
            path_specified=True,
            secure=False,
            expires=None,
            discard=True,
            comment=None,
            comment_url=None,
            rest={},
        )
    )


def run_in_browser(
    request: HttpRequest,
    learner: Learner,
    config: LabConfig,
    action: LabAction,
    given: ActionInput,
    browser: str,
    earlier: list[RecentExchange],
) -> LabRun:
    """A lab request from the learner's browser or from B, with what passes between them."""
    if browser != B and action.name not in BETWEEN_BROWSERS:
        return run_lab_action(request, learner, config, action, given, earlier)
    jar = jar_of(config)
    if browser == B:
        run = run_lab_action(
            request_from_b(request, jar), learner, config, action, given, earlier, browser=B
        )
        receive(jar, request, run.response)
        # The learner's browser gets the panels, none of B's cookies.
        run.response = HttpResponse(status=run.response.status_code)
    else:
        if action.name == "plant_from_b":
            planted = session_cookie_of_b(jar, config, request)
            problem = why_not_plant(learner, config, planted)
            given = replace(given, planted=None if problem else planted, planted_problem=problem)
        run = run_lab_action(request, learner, config, action, given, earlier)
        copied = run.outcome.extra.get("copy_to_b") if run.outcome else None
        if copied and sendable(copied):
            give_cookie(jar, request, config.cookie_name, copied, config.cookie_path)
    save_jar(config, jar)
    return run


def jar_contents(config: LabConfig) -> list[dict]:
    """B's cookies for the panel: name, value, where they go, until when."""
    return [
        {
            "name": saved.get("name"),
            "value": saved.get("value") or "",
            # http.cookiejar files a host without a dot (localhost) under "localhost.local".
            "domain": (saved.get("domain") or "").removesuffix(".local"),
            "path": saved.get("path"),
            "secure": bool(saved.get("secure")),
            "httponly": "httponly" in {key.lower() for key in (saved.get("rest") or {})},
            "expires": saved.get("expires"),
        }
        for saved in config.browser_b_cookies or []
    ]
