"""Small filters for the lab's panels."""

import json

from django import template
from django.utils.translation import ngettext

from lessons.lab.limits import CUT_NOTE
from lessons.lab.notes import signed_cookie_problem
from lessons.lab.store_view import StoreRow, StoreSection
from lessons.lab.store_view import login_keys as login_keys_of
from lessons.lab.store_view import store_sections as sections_of

register = template.Library()

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


@register.filter
def login_keys(store) -> list[StoreRow]:
    """The login keys in the stored session, each explained."""
    return login_keys_of(store)


@register.filter
def store_sections(store) -> list[StoreSection]:
    """The store panel's sections for a store snapshot (lessons/lab/store_view.py)."""
    return sections_of(store)


@register.filter
def signed_cookie_refusal(code) -> str:
    """Why a signed_cookies value was refused (cookies.py's problem code), in words."""
    return signed_cookie_problem(code)


@register.filter
def get_item(mapping, key):
    """mapping[key] in a template, or None."""
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def as_json(value) -> str:
    """A stored value as JSON, the way the learner wrote it (cuts said in words)."""
    return readable_cuts(json.dumps(value, ensure_ascii=False, sort_keys=True))


@register.filter
def attribute_label(name: str) -> str:
    return ATTRIBUTE_LABELS.get(name, name)


def _cut_in_words(match) -> str:
    count = int(match.group(1))
    if match.group(2) == "B":
        words = ngettext("%(count)s more byte", "%(count)s more bytes", count)
    else:
        words = ngettext("%(count)s more item", "%(count)s more items", count)
    return f"… ({words % {'count': count}})"


@register.filter
def readable_cuts(text) -> str:
    """Where the lab cut a long value to keep it ("…[+13000 B]"), say so in the reader's language."""
    return CUT_NOTE.sub(_cut_in_words, str(text))
