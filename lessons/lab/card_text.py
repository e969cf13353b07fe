"""What the lab's cards (cards.py, store_card.py) print, printed as a template would.

Values are localized (numbers, dates) and escaped as a template's `{{ value }}`;
messages from the catalogues are printed as `{% translate %}` prints them, unescaped;
the lab's cuts of long values ("…[+13000 B]") are said in the reader's language.
"""

import json
import unicodedata
from typing import Any

from django.utils.formats import localize
from django.utils.safestring import SafeString
from django.utils.text import Truncator
from django.utils.timezone import template_localtime
from django.utils.translation import ngettext

from lessons.html_text import escaped, html, translated, words
from lessons.lab.limits import CUT_NOTE

# Set-Cookie attribute names as Django writes them (the parser lowercases them).
ATTRIBUTE_LABELS = {
    "expires": "expires",
    "max-age": "Max-Age",
    "path": "Path",
    "domain": "Domain",
    "secure": "Secure",
    "httponly": "HttpOnly",
    "samesite": "SameSite",
}


_ = translated


def _cut_in_words(match) -> str:
    count = int(match.group(1))
    if match.group(2) == "B":
        words = ngettext("%(count)s more byte", "%(count)s more bytes", count)
    else:
        words = ngettext("%(count)s more item", "%(count)s more items", count)
    return f"… ({words % {'count': count}})"


def readable_cuts(text) -> str:
    """Where the lab cut a long value to keep it ("…[+13000 B]"), say so in the reader's language."""
    text = str(text)
    if type(text) is str and "…[+" not in text:
        return text  # most values were never cut: no need to search them
    return CUT_NOTE.sub(_cut_in_words, text)


def as_json(value) -> str:
    """A stored value as JSON, the way the learner wrote it (cuts said in words)."""
    return readable_cuts(json.dumps(value, ensure_ascii=False, sort_keys=True))


def shown(value: Any) -> SafeString:
    """A value as a template shows it: localized (numbers, dates), then escaped."""
    if not isinstance(value, str):
        value = localize(template_localtime(value))
    return SafeString(escaped(value))


def cut(text: Any, length: int) -> str:
    """The template filter truncatechars (str() of any value, not localized)."""
    text = str(text)
    if length > 0:
        normalized = unicodedata.normalize("NFC", text)  # what Truncator counts
        if len(normalized) <= length:
            # What Truncator gives when nothing can be cut, without its look at every character.
            return normalized
    return Truncator(text).chars(length)


def was_note(value: SafeString | str) -> SafeString:
    """What a changed value was in the request before: "was <value>" (cookie and store cards)."""
    return html('<span class="was" data-testid="was">{} {}</span>', words(_("was")), value)


def was_code(text: Any, length: int = 36) -> SafeString:
    """A changed value's earlier value, cut as truncatechars does, as code."""
    return was_note(html('<code class="break">{}</code>', cut(text, length)))
