"""Checks for lessons 09 and 10: a cookie's Path, and logging out for real (lessons 11 to 13
are in running.py).

Every check reads only what the lab recorded (LabExchange rows) and, for the
logout check, what the store holds now under a key the learner's browser sent.
"""

from django.conf import global_settings
from django.utils.translation import gettext as _

from lessons.exercises.checks import Verdict, check
from lessons.exercises.evidence import (
    Evidence,
    cookie_values_sent,
    engine_name,
    lab_request_path,
)
from lessons.lab.cookies import SetCookie, path_matches
from lessons.lab.store import RECORD_PARTS, store_snapshot_for
from lessons.models import LabExchange


def short_key(key: str) -> str:
    return f"{key[:8]}…"


# --- 09 Cookie flags: a cookie for /lab/shop/ only -------------------------------


def covers_shop_only(path: str) -> bool:
    shop_path = lab_request_path(shop=True).removesuffix("run/")
    return path_matches(shop_path, path) and not path_matches(lab_request_path(), path)


def still_alive(cookie: SetCookie, set_at, later_at) -> bool:
    expires_at = cookie.expires_at(set_at)
    return expires_at is None or expires_at > later_at


def replaced_between(evidence: Evidence, between: list[LabExchange], cookie: SetCookie) -> bool:
    """Did a response in between replace or delete this cookie (same name and Path)?"""
    for exchange in between:
        other = evidence.set_cookie(exchange)
        if (
            other is not None
            and other.attributes.get("path") == cookie.attributes.get("path")
            and other.value != cookie.value
        ):
            return True
    return False


@check("scope-cookie-to-shop")
def scope_cookie_to_shop(evidence: Evidence) -> Verdict:
    """A cookie with a Path for /lab/shop/: back to /lab/shop/run/, kept from /lab/run/."""
    problem = None
    for index, exchange in enumerate(evidence.exchanges):
        cookie = evidence.set_cookie(exchange)
        if cookie is None or cookie.is_deletion:
            continue
        path = str(cookie.attributes.get("path") or "/")
        later = evidence.exchanges[:index]
        came_back = any(
            newer.path == lab_request_path(shop=True) and cookie.value in cookie_values_sent(newer)
            for newer in later
        )
        stayed_home = any(
            newer.path == lab_request_path()
            and cookie.value not in cookie_values_sent(newer)
            and still_alive(cookie, exchange.created_at, newer.created_at)
            and not replaced_between(evidence, later[position + 1 :], cookie)
            for position, newer in enumerate(later)
        )
        if covers_shop_only(path) and came_back and stayed_home:
            return Verdict(
                True,
                _(
                    "Done: the cookie with Path=%(path)s came back to /lab/shop/run/, and the "
                    "browser kept it from /lab/run/."
                )
                % {"path": path},
            )
        if problem is not None:
            continue
        if not covers_shop_only(path):
            problem = _(
                "Your last response set the cookie with Path=%(path)s; the goal needs a Path "
                "that covers /lab/shop/ and not /lab/run/."
            ) % {"path": path}
        elif not came_back:
            problem = _(
                "The cookie has Path=%(path)s. Now send a request to /lab/shop/run/ and see it "
                "come back."
            ) % {"path": path}
        else:
            problem = _(
                "The cookie came back to /lab/shop/run/. Now send a request to /lab/run/ and see "
                "whether the browser sends it there."
            )
    if problem is None:
        problem = _(
            "No lab response has set a session cookie yet: change the session first (Set a key)."
        )
    return Verdict(False, problem)


# --- 10 Session security: log out for real ----------------------------------------


def record_still_stored(exchange: LabExchange, key: str) -> str | None:
    """Where the store still holds a record under `key` ("database", "file", "cache"), if anywhere.

    Returns "unreachable" when Redis cannot be asked.
    """
    snapshot_settings = exchange.settings_snapshot
    snapshot = store_snapshot_for(
        engine_name(exchange),
        snapshot_settings.get("SESSION_COOKIE_NAME", "sessionid"),
        key,
        snapshot_settings.get("SESSION_COOKIE_AGE", global_settings.SESSION_COOKIE_AGE),
        snapshot_settings.get("SESSION_CACHE_ALIAS", "redis"),
        snapshot_settings.get("SESSION_FILE_PATH"),
    )
    for part in RECORD_PARTS:
        found = snapshot.get(part)
        if found is None:
            continue
        if found.get("reachable") is False:
            return "unreachable"
        if found.get("exists"):
            return part
    return None


def judge_flush(evidence: Evidence, index: int, flush: LabExchange) -> Verdict:
    old_key = evidence.cookie_sent(flush)
    if not old_key:
        return Verdict(
            False,
            _(
                "Your flush() request carried no session cookie: there was no session to log "
                "out. Start one first (Set a key)."
            ),
        )
    if engine_name(flush) == "signed_cookies":
        return Verdict(
            False,
            _(
                "With signed_cookies, flush() only deleted the cookie in this browser: there is "
                "no record to delete, so a copy of the old cookie still works until "
                "SESSION_COOKIE_AGE runs out. Choose a server-side engine."
            ),
        )
    earlier = evidence.exchanges[index + 1 :]
    if not any(
        exchange.session_key == old_key and evidence.stored_data(exchange) for exchange in earlier
    ):
        return Verdict(
            False,
            _(
                "The session you flushed held no data. Put something in it first (Set a key), "
                "then log it out."
            ),
        )
    cookie = evidence.set_cookie(flush)
    if cookie is None or not cookie.is_deletion:
        return Verdict(
            False,
            _("Your flush() response did not delete the cookie %(name)s.")
            % {"name": flush.settings_snapshot.get("SESSION_COOKIE_NAME", "")},
        )
    where = record_still_stored(flush, old_key)
    if where == "unreachable":
        return Verdict(
            False,
            _("The session store cannot be reached to look for the old record: try again later."),
        )
    if where is not None:
        return Verdict(
            False,
            _("The store still holds a record under your old key %(key)s.")
            % {"key": short_key(old_key)},
        )
    return Verdict(
        True,
        _(
            "Done: flush() deleted the record under %(key)s and the response deleted the "
            "cookie. A copy of the old key now leads nowhere."
        )
        % {"key": short_key(old_key)},
    )


@check("logout-deletes-record")
def logout_deletes_record(evidence: Evidence) -> Verdict:
    """flush() on a server-side session with data: the cookie deleted and the record gone."""
    problem = None
    for index, exchange in enumerate(evidence.exchanges):
        if exchange.action == "clear" and problem is None and exchange.session_key:
            problem = _(
                "clear() emptied the session but kept its key %(key)s: the record is still on "
                "the server, now empty, and the response sent the same cookie back. Log out with "
                "the method that logout() calls."
            ) % {"key": short_key(exchange.session_key)}
        if exchange.action != "flush":
            continue
        verdict = judge_flush(evidence, index, exchange)
        if verdict.passed:
            return verdict
        problem = problem or verdict.message
    if problem is None:
        problem = _(
            "Start a session on a server-side engine (Set a key), then log it out so that "
            "nothing of it is left."
        )
    return Verdict(False, problem)
