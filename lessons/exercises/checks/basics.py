"""Checks for the first four lessons: what a session is, the API, database and file sessions."""

import datetime
import json

from django.utils.translation import gettext as _

from lessons.engines import ENGINE_BY_PATH, ENGINES
from lessons.exercises.checks import Verdict, check
from lessons.exercises.evidence import Evidence, note_codes, notes_of, store_part
from lessons.lab.notes import Note
from lessons.models import LabExchange

# Lab actions whose view reads the session and changes nothing.
READ_ACTIONS = frozenset({"read", "get", "contains"})


def _as_json(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def _save_every_request(exchange: LabExchange) -> bool:
    return exchange.settings_snapshot.get("SESSION_SAVE_EVERY_REQUEST") is True


# --- 01 What a session is ------------------------------------------------------------


def _read_problem(evidence: Evidence, exchange: LabExchange) -> str | None:
    """Why this read does not show "a session was read and no cookie was sent" (None: it does)."""
    if evidence.cookie_sent(exchange) is None:
        return _(
            "Your browser sent no session cookie with that read, so there was no session to "
            "read. Store something first (Set a key), then read it."
        )
    cookie = evidence.set_cookie(exchange)
    notes = note_codes(exchange)
    if (
        Note.SESSION_NOT_FOUND in notes
        or Note.SIGNED_COOKIE_REJECTED in notes
        or (cookie is not None and cookie.is_deletion)
    ):
        return _(
            "Django found no session under the cookie your browser sent (it had expired or "
            "was removed), so that read had nothing to read. Start a new one with Set a key."
        )
    if cookie is not None:
        if _save_every_request(exchange):
            return _(
                "SESSION_SAVE_EVERY_REQUEST is on, so Django saved the session and sent "
                "%(cookie)s although the view only read. Turn it off and read again."
            ) % {"cookie": f"Set-Cookie: {cookie.name}=…"}
        return _(
            "Your read still received %(cookie)s: Django saved the session during that request."
        ) % {"cookie": f"Set-Cookie: {cookie.name}=…"}
    if "cookie" not in exchange.vary.lower():
        return _("That response has no Vary: Cookie: the view never touched the session.")
    if evidence.stored_data(exchange) is None:
        return _("The store holds nothing for your cookie: store something first (Set a key).")
    return None


@check("read-sends-no-cookie")
def read_sends_no_cookie(evidence: Evidence) -> Verdict:
    """A read of an existing session: Vary: Cookie, and no Set-Cookie."""
    newest_problem = None
    for exchange in evidence.exchanges:
        if exchange.action not in READ_ACTIONS:
            continue
        problem = _read_problem(evidence, exchange)
        if problem is None:
            return Verdict(
                True,
                _(
                    "Done: your browser sent %(name)s, the view read the session (the response "
                    "has Vary: Cookie), and Django sent no Set-Cookie. Reading alone saves nothing."
                )
                % {"name": exchange.settings_snapshot.get("SESSION_COOKIE_NAME")},
            )
        newest_problem = newest_problem or problem
    if newest_problem:
        return Verdict(False, newest_problem)
    latest = evidence.latest
    if latest is not None and latest.action == "visit":
        return Verdict(
            False,
            _(
                "Your last request never touched the session: its response has neither Vary: "
                "Cookie nor Set-Cookie. Use a request that reads the session."
            ),
        )
    return Verdict(
        False,
        _(
            "No request has read the session yet: store something (Set a key), then send a "
            "request that only reads."
        ),
    )


# --- 02 The request.session API -----------------------------------------------------


def _appended_key(exchange: LabExchange) -> str | None:
    return (exchange.inputs or {}).get("key")


@check("save-the-append")
def save_the_append(evidence: Evidence) -> Verdict:
    """An append Django lost (store unchanged), then one it saved (store holds the new item)."""
    lost_keys: set[str] = set()
    problem = None
    for exchange in evidence.chronological:
        if exchange.action not in {"append", "append_modified"}:
            continue
        result = exchange.result or {}
        if result.get("error"):
            problem = _(
                "Your append failed with %(error)s. Put a list in the key first, for example "
                'Set a key cart with ["apple"].'
            ) % {"error": result["error"]}
            continue
        key = _appended_key(exchange)
        in_memory = result.get("value")
        stored_session = evidence.stored_data(exchange)
        stored = (stored_session or {}).get(key)
        sent_cookie = evidence.set_cookie(exchange) is not None
        saved = stored == in_memory and sent_cookie
        if exchange.action == "append" and not saved:
            if stored != in_memory and not sent_cookie:
                lost_keys.add(key)
            problem = _(
                "Django lost that append: the list in memory was %(memory)s, but the response "
                "set no cookie and the store still holds %(stored)s. Now append so that Django "
                "saves it."
            ) % {"memory": _as_json(in_memory), "stored": _as_json(stored)}
            continue
        if exchange.action == "append":
            if _save_every_request(exchange):
                problem = _(
                    "That append was saved only because SESSION_SAVE_EVERY_REQUEST is on. "
                    "Turn it off to see the append Django loses."
                )
            else:
                problem = _("That append was saved: the store holds %(stored)s.") % {
                    "stored": _as_json(stored)
                }
            continue
        if not saved:
            problem = _("After that append the store holds %(stored)s, not %(memory)s.") % {
                "stored": _as_json(stored),
                "memory": _as_json(in_memory),
            }
            continue
        if key in lost_keys:
            return Verdict(
                True,
                _(
                    "Done: the plain append never reached the store, and the append followed "
                    "by modified = True was saved: the store holds %(stored)s."
                )
                % {"stored": _as_json(stored)},
            )
        problem = _(
            "Django saved this append: the store holds %(stored)s. Now show the other half: "
            "an append to the key %(key)s that Django does not save."
        ) % {"stored": _as_json(stored), "key": key}
    if problem:
        return Verdict(False, problem)
    return Verdict(
        False,
        _(
            "No append yet: put a list in a key (for example cart), then append to it with the "
            "two append buttons."
        ),
    )


@check("test-cookie-two-requests")
def test_cookie_two_requests(evidence: Evidence) -> Verdict:
    """set_test_cookie() in one request, test_cookie_worked() answering True in a later one
    sent with the cookie that request set, then delete_test_cookie()."""
    problem = None
    set_by: dict[str, LabExchange] = {}  # session key -> the request that set the test cookie
    confirmed: set[str] = set()
    for exchange in evidence.chronological:
        if exchange.browser != LabExchange.Browser.A:
            continue
        result = exchange.result or {}
        if exchange.action == "set_test_cookie" and exchange.session_key:
            set_by[exchange.session_key] = exchange
        elif exchange.action == "test_cookie_worked":
            sent = evidence.cookie_sent(exchange)
            if result.get("value") is True and sent in set_by:
                confirmed.add(exchange.session_key)
            elif sent is None:
                problem = _(
                    "Your browser sent no session cookie with that request, so "
                    "test_cookie_worked() could only say False. Press set_test_cookie() first."
                )
            else:
                problem = _(
                    "test_cookie_worked() said False: the session your browser sent holds no "
                    "test cookie. Press set_test_cookie(), then ask again in the next request."
                )
        elif exchange.action == "delete_test_cookie":
            if result.get("error"):
                problem = _(
                    "delete_test_cookie() raised %(error)s: there was no test cookie in the "
                    "session to delete."
                ) % {"error": result["error"]}
            elif exchange.session_key in confirmed:
                return Verdict(
                    True,
                    _(
                        "Done: one request set the test cookie, the next found it "
                        "(test_cookie_worked() said True, so your browser keeps cookies), and "
                        "delete_test_cookie() removed it."
                    ),
                )
            else:
                problem = _(
                    "You deleted the test cookie before a later request confirmed it: ask "
                    "test_cookie_worked() in between."
                )
    if problem:
        return Verdict(False, problem)
    if confirmed:
        return Verdict(False, _("Confirmed. Now tidy up with delete_test_cookie()."))
    return Verdict(
        False,
        _("No test cookie yet: press set_test_cookie(), then test_cookie_worked()."),
    )


# --- 03 Database sessions ----------------------------------------------------------


def _expired_by(row: dict, moment: datetime.datetime) -> bool:
    """Had this snapshot's row passed its expire_date by `moment`?"""
    if row.get("expired"):
        return True
    try:
        return datetime.datetime.fromisoformat(row["expire_date"]) <= moment
    except (KeyError, TypeError, ValueError):
        return False


@check("clearsessions-removes-row")
def clearsessions_removes_row(evidence: Evidence) -> Verdict:
    """An expired row of the learner's key, then a clearsessions after which it is gone."""
    exchanges = evidence.chronological
    problem = None
    for index, exchange in enumerate(exchanges):
        if exchange.action != "clearsessions":
            continue
        engine = ENGINE_BY_PATH.get(exchange.settings_snapshot.get("SESSION_ENGINE"))
        database = store_part(exchange, "database")
        key = exchange.session_key
        if engine is None or not engine.uses_database:
            problem = _(
                "You ran clearsessions with an engine that keeps no database row. Choose the "
                "db engine."
            )
            continue
        if not key:
            problem = _(
                "When you ran clearsessions your browser sent no session cookie, so the lab "
                "could not tell which row to look at. Keep the cookie while its row expires."
            )
            continue
        if database.get("exists"):
            problem = _(
                "clearsessions ran, but the row of your session is still there: its "
                "expire_date %(date)s had not passed yet."
            ) % {"date": database.get("expire_date", "?")}
            continue
        earlier = [
            (older.store or {}).get("database") or {}
            for older in exchanges[:index]
            if older.session_key == key
        ]
        row = earlier[-1] if earlier else {}
        if not row.get("exists"):
            problem = _(
                "The row of your session was already gone before clearsessions ran. Start a "
                "new session and let its row expire."
            )
            continue
        if _expired_by(row, exchange.created_at):
            return Verdict(
                True,
                _(
                    "Done: the row %(key)s had passed its expire_date (%(date)s), and after "
                    "clearsessions it is gone from django_session."
                )
                % {"key": key, "date": row.get("expire_date", "?")},
            )
    if problem:
        return Verdict(False, problem)
    return Verdict(
        False,
        _(
            "You have not run clearsessions yet. First let the row of your session expire "
            "while your browser keeps the cookie."
        ),
    )


# --- 04 File sessions ------------------------------------------------------------------


def _file_read_problem(evidence: Evidence, exchange: LabExchange) -> str | None:
    """Why this read on the file engine did not get a new key for an expired file."""
    sent = evidence.cookie_sent(exchange)
    if not sent:
        expired_in_browser = any(
            "expired" in note.get("reasons", [])
            for note in notes_of(exchange, Note.COOKIE_NOT_RETURNED)
        )
        if expired_in_browser:
            return _(
                "Your browser sent no session cookie with that read: its Max-Age had run out. "
                "Make the cookie outlive the file."
            )
        return _(
            "Your browser sent no session cookie with that read, so Django had no file to "
            "look at. Store something first (Set a key)."
        )
    cookie = evidence.set_cookie(exchange)
    file = (exchange.store or {}).get("file") or {}
    if cookie is None:
        if not file.get("exists"):
            return _("Django found no file for your cookie: store something first (Set a key).")
        try:
            saved = datetime.datetime.fromisoformat(file["modified"])
            seconds = int((exchange.created_at - saved).total_seconds())
        except (KeyError, TypeError, ValueError):
            seconds = "?"
        return _(
            "Your read found the session alive: its file was last saved %(seconds)s seconds "
            "before, and SESSION_COOKIE_AGE is %(age)s."
        ) % {"seconds": seconds, "age": exchange.settings_snapshot.get("SESSION_COOKIE_AGE")}
    if cookie.is_deletion:
        return _(
            "No file existed for your key any more (clearsessions removes expired files), so "
            "the response deleted the cookie. Start again with Set a key."
        )
    if cookie.value == sent:
        return _(
            "The response sent your same key again, because SESSION_SAVE_EVERY_REQUEST is "
            "on: the file had not expired."
        )
    if evidence.stored_data(exchange) != {}:
        return _("The response carried a new key, but its file is not the empty session.")
    return None


@check("expired-file-new-key")
def expired_file_new_key(evidence: Evidence) -> Verdict:
    """A read on the file engine that got a new key and an empty file: the old file expired."""
    newest_problem = None
    for exchange in evidence.exchanges:
        if exchange.action not in READ_ACTIONS:
            continue
        if exchange.settings_snapshot.get("SESSION_ENGINE") != ENGINES["file"].path:
            newest_problem = newest_problem or _(
                "That read did not use the file engine. Choose file in Settings."
            )
            continue
        problem = _file_read_problem(evidence, exchange)
        if problem is None:
            return Verdict(
                True,
                _(
                    "Done: your browser sent the key of an expired file, and the response to a "
                    "view that only read carried a new key with an empty file."
                ),
            )
        newest_problem = newest_problem or problem
    if newest_problem:
        return Verdict(False, newest_problem)
    return Verdict(
        False,
        _(
            "No read on the file engine yet: store something, let its file expire, then send "
            "a request that only reads."
        ),
    )
