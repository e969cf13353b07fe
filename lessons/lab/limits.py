"""What the lab accepts, and how much of it the lab keeps.

Two sides of one promise: no input can break a learner's lab.

- `parse_json_value(raw)` reads the JSON a learner typed as a session value
  and refuses, with a message that states the limit, what Django's JSON
  serializer would refuse or what is absurd for a session: nesting deeper
  than MAX_VALUE_DEPTH, NaN and Infinity, numbers of more than
  MAX_INTEGER_DIGITS digits, text that is not valid Unicode.
- `session_size_problem(data)` keeps each lab session under
  MAX_SESSION_BYTES, so that one learner cannot fill servers shared by a
  class.
- `for_record(value)` makes anything the lab read (a session, a store
  record, a tampered cookie's contents) small and safe to keep in the
  timeline and to show: limited depth, long text cut with "… N more bytes",
  valid Unicode, no NUL, only what JSON can hold.
"""

import datetime
import json
import math
import re
from typing import Any

from django.utils.translation import gettext as _

MAX_VALUE_CHARS = 16_000
MAX_VALUE_DEPTH = 20
MAX_INTEGER_DIGITS = 100
MAX_SESSION_BYTES = 64 * 1024
# What one recorded exchange keeps of each piece of text, and of each list or dict.
RECORD_TEXT_CHARS = 2_000
RECORD_ITEMS = 200
# The record wraps a value in a few levels of its own (store -> database -> decoded -> key).
RECORD_DEPTH = MAX_VALUE_DEPTH + 5
CUT_MARK = "…"
# How a cut shows in a record: "…[+13000 B]" or "…[+40 items]". Pages replace it
# with words in the reader's language (lessons/templatetags/lab.py).
CUT_NOTE = re.compile(r"…\[\+(\d+) (B|items)\]")


class ValueRefused(ValueError):
    """A value the lab will not store; the message says why, in the active language."""


def json_nesting_depth(text: str, stop_after: int) -> int:
    """How deeply the lists and dicts of this JSON text nest, counted without parsing it.

    Counting stops once past `stop_after`, so a hostile text costs one pass
    at most and never reaches a recursive parser.
    """
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > stop_after:
                    return deepest
        elif char in "]}":
            depth -= 1
    return deepest


def _refuse_constant(name: str) -> float:
    raise ValueRefused(
        _(
            "NaN, Infinity and numbers too large for a float (such as 1e400) are not JSON: "
            "Django's JSON serializer cannot store them. Give a finite number."
        )
    )


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        _refuse_constant(text)
    return number


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise ValueRefused(
            _("Numbers in the lab have at most %(digits)s digits.") % {"digits": MAX_INTEGER_DIGITS}
        )
    return int(text)


def _walk(value: Any):
    """Every value inside `value` (itself included), without recursion."""
    stack = [value]
    while stack:
        item = stack.pop()
        yield item
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def is_valid_unicode(text: str) -> bool:
    """False for text holding a lone surrogate (\\ud800), which no UTF-8 page can carry."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def parse_json_value(raw: str) -> Any:
    """The learner's JSON as a Python value, or ValueRefused saying which limit it broke."""
    if len(raw) > MAX_VALUE_CHARS:
        raise ValueRefused(_("Keep the value under 16,000 characters."))
    if json_nesting_depth(raw, stop_after=MAX_VALUE_DEPTH) > MAX_VALUE_DEPTH:
        raise ValueRefused(
            _("Lists and dicts may nest at most %(depth)s levels deep in the lab.")
            % {"depth": MAX_VALUE_DEPTH}
        )
    try:
        value = json.loads(
            raw,
            parse_constant=_refuse_constant,
            parse_float=_finite_float,
            parse_int=_bounded_int,
        )
    except ValueRefused:
        raise
    except ValueError:
        raise ValueRefused(
            _('The value must be JSON, for example 3, "pear", ["apple"] or {"size": 2}.')
        ) from None
    if not all(is_valid_unicode(item) for item in _walk(value) if isinstance(item, str)):
        raise ValueRefused(
            _(
                "The value holds text that is not valid Unicode (a lone surrogate such as "
                "\\ud800): no page could show it. Use real characters."
            )
        )
    return value


def session_size(data: dict[str, Any]) -> int:
    """The session's size as JSON, in bytes: about what an engine stores before signing."""
    return len(json.dumps(data, separators=(",", ":"), default=str).encode())


def session_size_problem(data: dict[str, Any]) -> str | None:
    """Why the lab will not keep a session holding `data` (None: it will)."""
    size = session_size(data)
    if size <= MAX_SESSION_BYTES:
        return None
    return _(
        "The lab keeps each session under %(limit)s KB, and this would make it %(size)s bytes, "
        "so nothing was changed: the servers are shared by the whole class. Django itself sets "
        "no such limit; a real store has its own (a browser drops a cookie over 4096 bytes, "
        "memcached refuses items over 1 MB)."
    ) % {"limit": MAX_SESSION_BYTES // 1024, "size": size}


def cut_text(text: str, limit: int = RECORD_TEXT_CHARS) -> str:
    """`text`, or its first `limit` characters and how many bytes were left out."""
    if len(text) <= limit:
        return text
    rest = len(text[limit:].encode("utf-8", errors="replace"))
    return f"{text[:limit]}{CUT_MARK}[+{rest} B]"


def safe_text(text: str, limit: int = RECORD_TEXT_CHARS) -> str:
    """Text fit to keep and show: valid Unicode, no NUL, at most `limit` characters (marked)."""
    if "\x00" in text:
        # PostgreSQL cannot store NUL in text or JSON; show the symbol for it.
        text = text.replace("\x00", "\u2400")
    if not is_valid_unicode(text):
        text = text.encode("utf-8", errors="replace").decode("utf-8")
    return cut_text(text, limit)


def for_record(value: Any, depth: int = 0) -> Any:
    """`value` made small and safe to keep in a LabExchange and to show in a page.

    Dicts and lists past RECORD_ITEMS items or RECORD_DEPTH levels are cut
    (the cut is marked), text past RECORD_TEXT_CHARS characters too; text is
    made valid Unicode without NUL; datetimes become ISO text, non-finite
    numbers and unknown objects their repr. Never raises.
    """
    if isinstance(value, str):
        return safe_text(value)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        # Python will not even print an integer of over 4300 digits.
        return value if value.bit_length() < 4 * MAX_INTEGER_DIGITS else CUT_MARK
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, dict | list | tuple | set):
        if depth >= RECORD_DEPTH:
            return CUT_MARK
        if isinstance(value, dict):
            items = list(value.items())
            kept = {
                safe_text(str(key)): for_record(item, depth + 1)
                for key, item in items[:RECORD_ITEMS]
            }
            if len(items) > RECORD_ITEMS:
                kept[CUT_MARK] = f"{CUT_MARK}[+{len(items) - RECORD_ITEMS} items]"
            return kept
        items = list(value)
        kept_list = [for_record(item, depth + 1) for item in items[:RECORD_ITEMS]]
        if len(items) > RECORD_ITEMS:
            kept_list.append(f"{CUT_MARK}[+{len(items) - RECORD_ITEMS} items]")
        return kept_list
    return safe_text(repr(value))
