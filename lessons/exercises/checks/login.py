"""Checks for lesson 14, Sessions and login: fixation, a stolen cookie, password changes.

Each reads the learner's exchanges in the order they happened: which browser
sent a request (`exchange.browser`), the lab cookie it sent, and who
`request.user` was (`exchange.result["user"]`, recorded by the login actions).
A scenario passes only when its whole story is in the timeline, in order.
"""

from collections.abc import Iterator

from django.utils.translation import gettext as _

from lessons.engines import ENGINES
from lessons.exercises.checks import Verdict, check
from lessons.exercises.evidence import Evidence, engine_name
from lessons.lab.store_view import LOGIN_KEYS
from lessons.models import LabExchange

ANONYMOUS = "AnonymousUser"


def user_of(exchange: LabExchange) -> str | None:
    """Who request.user was after an action that asked (None: the action did not ask)."""
    result = exchange.result or {}
    return None if result.get("error") else result.get("user")


def from_b(exchange: LabExchange) -> bool:
    return exchange.browser == LabExchange.Browser.B


def later(evidence: Evidence, after: LabExchange) -> Iterator[LabExchange]:
    """The exchanges after this one, oldest first."""
    seen = False
    for exchange in evidence.chronological:
        if seen:
            yield exchange
        seen = seen or exchange.pk == after.pk


def b_asked_with(
    evidence: Evidence, after: LabExchange, key: str | None
) -> Iterator[tuple[LabExchange, str]]:
    """Browser B's answers to request.user after `after`, sent with this lab cookie."""
    for exchange in later(evidence, after):
        asked = from_b(exchange) and exchange.action == "whoami" and user_of(exchange)
        if asked and evidence.cookie_sent(exchange) == key:
            yield exchange, user_of(exchange)


def _plants(evidence: Evidence) -> Iterator[tuple[LabExchange, str]]:
    """Each time B's session cookie was planted in the learner's browser, with its value."""
    for exchange in evidence.chronological:
        planted = (exchange.result or {}).get("plant")
        if (
            exchange.action == "plant_from_b"
            and planted
            and not (exchange.result or {}).get("error")
        ):
            yield exchange, planted


def _logins_with(evidence: Evidence, after: LabExchange, key: str, action: str):
    for exchange in later(evidence, after):
        logged_in = exchange.action == action and not from_b(exchange) and user_of(exchange)
        if logged_in and evidence.cookie_sent(exchange) == key:
            yield exchange


def _b_logged_itself_in(evidence: Evidence, before: LabExchange) -> bool:
    """Did Browser B log in by itself at any time before this exchange?"""
    for exchange in evidence.chronological:
        if exchange.pk == before.pk:
            return False
        if from_b(exchange) and exchange.action in {"login", "naive_login"}:
            return True
    return False


def _fixations(evidence: Evidence, action: str) -> Iterator[tuple[LabExchange, str, str | None]]:
    """Each login of this kind on a planted key, with B's first answer sent with that key
    afterwards (None: B has not asked yet)."""
    for plant, key in _plants(evidence):
        for login in _logins_with(evidence, plant, key, action):
            answer = next(b_asked_with(evidence, login, key), None)
            yield login, key, (answer if answer is None else answer[1])


@check("fixation-without-cycle-key")
def fixation_without_cycle_key(evidence: Evidence) -> Verdict:
    """The mistake, seen: a planted key, a login that kept it, and B logged in through it."""
    message = None
    for login, key, user in _fixations(evidence, "naive_login"):
        answered = next(b_asked_with(evidence, login, key), None)
        if user in (None, ANONYMOUS):
            message = message or (
                _("Now ask request.user from Browser B.")
                if user is None
                else _(
                    "Browser B is still AnonymousUser after the login: on %(engine)s the "
                    "planted cookie did not stay the session's key. Try the db engine."
                )
                % {"engine": engine_name(login)}
            )
            continue
        if _b_logged_itself_in(evidence, answered[0]):
            message = message or _(
                "Browser B logged in by itself: the point is that it never does. Start "
                "again without logging B in."
            )
            continue
        return Verdict(
            True,
            _(
                "Browser B sent the key it planted and is %(user)s: the login kept the key, "
                "so whoever knew it is logged in too."
            )
            % {"user": user},
        )
    if message:
        return Verdict(False, message)
    if any(True for _plant in _plants(evidence)):
        return Verdict(
            False,
            _(
                "Your browser holds B's key. Log in with “Log in without cycle_key() (the "
                "mistake)”, then ask request.user from Browser B."
            ),
        )
    return Verdict(
        False,
        _(
            "Browser B needs a session first (Set a key from Browser B); then plant its "
            "cookie in your browser."
        ),
    )


@check("fixation-defeated")
def fixation_defeated(evidence: Evidence) -> Verdict:
    """login() on a planted key: a new key, and B's copy opens nothing."""
    asked = False
    for login, key, user in _fixations(evidence, "login"):
        if login.session_key == key:
            continue
        if user == ANONYMOUS:
            return Verdict(
                True,
                _(
                    "login() gave your session a new key, and Browser B, still sending the "
                    "planted one, is AnonymousUser."
                ),
            )
        asked = asked or user is None
    if asked:
        return Verdict(False, _("Now ask request.user from Browser B."))
    return Verdict(
        False,
        _(
            "Plant B's session cookie in your browser, press login(), then ask request.user "
            "from Browser B."
        ),
    )


def _stolen_logins(evidence: Evidence) -> Iterator[tuple[LabExchange, str, str]]:
    """A cookie copied to B while the learner was logged in, and B using it as that user."""
    for copy in evidence.chronological:
        value = (copy.result or {}).get("copy_to_b")
        if copy.action != "copy_to_b" or not value:
            continue
        for _answer, user in b_asked_with(evidence, copy, value):
            if user != ANONYMOUS:
                yield copy, value, user
                break


def _after_logout(evidence: Evidence, signed: bool) -> Verdict:
    message = None
    for copy, value, user in _stolen_logins(evidence):
        if (engine_name(copy) == "signed_cookies") != signed:
            continue
        logouts = [
            logout
            for logout in later(evidence, copy)
            if logout.action == "logout"
            and not from_b(logout)
            and evidence.cookie_sent(logout) == value
        ]
        for logout in logouts:
            answers = [after for _answer, after in b_asked_with(evidence, logout, value)]
            if signed and user in answers:
                return Verdict(
                    True,
                    _(
                        "After logout() Browser B's copy still says %(user)s: a signed "
                        "cookie is checked, not looked up, and logging out cannot take "
                        "it back."
                    )
                    % {"user": user},
                )
            if not signed and ANONYMOUS in answers:
                return Verdict(
                    True,
                    _(
                        "logout() deleted the record, and Browser B's copy of the key now "
                        "opens nothing: AnonymousUser."
                    ),
                )
            message = message or _("Now ask request.user from Browser B.")
        message = message or _("B is %(user)s with your cookie. Now log out from your browser.") % {
            "user": user
        }
    if message:
        return Verdict(False, message)
    if signed:
        return Verdict(
            False,
            _(
                "On signed_cookies: log in, copy your session cookie to B, and check with "
                "request.user from B that B is logged in."
            ),
        )
    return Verdict(
        False,
        _(
            "On a server-side engine such as db: log in, copy your session cookie to B, and "
            "check with request.user from B that B is logged in."
        ),
    )


@check("stolen-cookie-logout-db")
def stolen_cookie_logout_db(evidence: Evidence) -> Verdict:
    return _after_logout(evidence, signed=False)


@check("stolen-cookie-logout-signed")
def stolen_cookie_logout_signed(evidence: Evidence) -> Verdict:
    return _after_logout(evidence, signed=True)


def logged_out_by_hash(exchange: LabExchange) -> bool:
    """Did this request find a session whose password hash no longer matched?"""
    return exchange.action == "whoami" and bool((exchange.result or {}).get("logged_out_by_hash"))


@check("password-change-logs-out")
def password_change_logs_out(evidence: Evidence) -> Verdict:
    """set_password() without update_session_auth_hash: the learner's own session ends too."""
    changed = False
    for change in evidence.chronological:
        if change.action != "change_password" or from_b(change):
            continue
        if user_of(change) in (None, ANONYMOUS):
            continue
        changed = True
        if any(
            logged_out_by_hash(exchange)
            for exchange in later(evidence, change)
            if not from_b(exchange)
        ):
            return Verdict(
                True,
                _(
                    "After the password change your own next request.user is AnonymousUser: "
                    "the session's _auth_user_hash no longer matches, and Django flushed it."
                ),
            )
    if changed:
        return Verdict(False, _("Now ask request.user from your own browser."))
    return Verdict(False, _("Log in, then press “Change the password”."))


def _b_logged_in_as(evidence: Evidence, user: str, before: LabExchange) -> bool:
    """Was Browser B logged in as this user at some point before `before`?"""
    for exchange in evidence.chronological:
        if exchange.pk == before.pk:
            return False
        if from_b(exchange) and user_of(exchange) == user:
            return True
    return False


@check("other-devices-logged-out")
def other_devices_logged_out(evidence: Evidence) -> Verdict:
    """update_session_auth_hash(): this browser stays in with a new key, B is out."""
    message = None
    for change in evidence.chronological:
        user = user_of(change)
        if change.action != "change_password_keep" or from_b(change) or user in (None, ANONYMOUS):
            continue
        if not _b_logged_in_as(evidence, user, change):
            message = message or _(
                "Log Browser B in as %(user)s too (your phone) before the password change."
            ) % {"user": user}
            continue
        sent = evidence.cookie_sent(change)
        if ENGINES[engine_name(change)].stores_on_server and change.session_key == sent:
            continue
        after = list(later(evidence, change))
        a_stays = any(
            exchange.action == "whoami" and not from_b(exchange) and user_of(exchange) == user
            for exchange in after
        )
        b_out = any(from_b(exchange) and logged_out_by_hash(exchange) for exchange in after)
        if a_stays and b_out:
            return Verdict(
                True,
                _(
                    "This browser is still %(user)s, with a new key, and Browser B is "
                    "AnonymousUser: every other device is logged out."
                )
                % {"user": user},
            )
        message = message or _("Now ask request.user from both browsers.")
    if message:
        return Verdict(False, message)
    return Verdict(
        False,
        _(
            "Log in from both browsers as the same user, then press “Change it + "
            "update_session_auth_hash()” in yours."
        ),
    )


@check("switching-user-flushes")
def switching_user_flushes(evidence: Evidence) -> Verdict:
    """Logging in as another user starts from an empty session, under a new key."""
    previous_user: str | None = None
    previous_data: dict | None = None
    for exchange in evidence.chronological:
        if from_b(exchange):
            continue
        data = evidence.stored_data(exchange)
        if exchange.action == "login" and user_of(exchange):
            own_keys = set(previous_data or {}) - set(LOGIN_KEYS)
            switched = previous_user not in (None, ANONYMOUS, user_of(exchange))
            if switched and own_keys and (exchange.result or {}).get("login") == "flush":
                kept = set(data or {}) - set(LOGIN_KEYS)
                if not kept:
                    return Verdict(
                        True,
                        _(
                            "Logging in as %(user)s flushed %(before)s's session: a new key, "
                            "and none of its data (%(keys)s) came along."
                        )
                        % {
                            "user": user_of(exchange),
                            "before": previous_user,
                            "keys": ", ".join(sorted(own_keys)),
                        },
                    )
        if user_of(exchange):
            previous_user = user_of(exchange)
        if data is not None or exchange.action in {"logout", "flush"}:
            previous_data = data
    return Verdict(
        False,
        _(
            "Log in as alice, put something in the session (Set a key), then log in as bob "
            "from the same browser."
        ),
    )
