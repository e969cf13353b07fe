"""HTML printed in Python as a template prints it, for the pages that draw hundreds of small
pieces on every request (the lab's cards, the instructor's dashboard): Django's
format_html and conditional_escape without their check for lazy text on every call, and
gettext remembered per language."""

from collections.abc import Iterable
from functools import lru_cache
from html import escape as html_escape
from typing import Any

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.functional import Promise
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext


@lru_cache(maxsize=2048)
def _translated_in(language: str | None, message: str) -> str:
    return gettext(message)  # `language` is the active one: the caller just asked


def translated(message: str) -> str:
    """gettext(), remembered per language: every lab request's cards print the same few
    dozen messages, and the catalogues do not change while the site runs."""
    return _translated_in(get_language(), message)


@receiver(setting_changed)
def _forget_translations(*, setting: str, **kwargs) -> None:
    # As Django forgets its own catalogues when a test changes these.
    if setting in {"LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS"}:
        _translated_in.cache_clear()


def words(message: str) -> SafeString:
    """A message from the catalogues: trusted text, printed as a template's {% translate %}
    prints it (not escaped). mark_safe() without its check for lazy text (a message is
    translated by the time it is printed)."""
    return SafeString(message)


def escaped(value: Any) -> str:
    """Django's conditional_escape: what is already HTML stays as it is, the rest is escaped
    as escape() does. Without its check for lazy arguments on every call, which costs more
    than escaping the short values of a card."""
    kind = type(value)
    if kind is SafeString:  # most arguments: the page's own pieces and messages
        return value
    if kind is str:
        return html_escape(value)
    if isinstance(value, Promise):
        value = str(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return html_escape(str(value))


def html(template: str, *args: Any) -> SafeString:
    """Django's format_html: the arguments escaped (escaped()) into a trusted template."""
    return SafeString(template.format(*map(escaped, args)))


def joined(parts: Iterable[Any], separator: str = "") -> SafeString:
    """Parts escaped (what is already safe stays as it is) and joined."""
    return SafeString(separator.join(map(escaped, parts)))


OUT_OF_BAND = SafeString(' hx-swap-oob="true"')
IN_PLACE = SafeString("")


def oob(out_of_band: bool) -> SafeString:
    """The attribute that makes an element an htmx out-of-band swap, or nothing."""
    return OUT_OF_BAND if out_of_band else IN_PLACE


def message(text: str, **values: Any) -> SafeString:
    """A catalogue message with its values escaped into it, as {% blocktranslate %} prints
    it: the message trusted, the values escaped."""
    return SafeString(text % {name: escaped(value) for name, value in values.items()})
