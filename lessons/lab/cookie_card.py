"""The cookie card's changing parts, drawn in Python: the Set-Cookie of the last response,
attribute by attribute, with what changed since the same browser's request before and what
it was; and the response's headers. The rest of the card (what page JavaScript sees) is
the template's and stays on the page.

Every lab request redraws them: see cards.py for why they are not a template.
"""

from typing import Any

from django.utils.safestring import SafeString, mark_safe

from lessons.html_text import html, joined, oob, words
from lessons.html_text import translated as _
from lessons.lab.card_text import (
    ATTRIBUTE_LABELS,
    readable_cuts,
    shown,
    was_code,
    was_note,
)

CHECK = mark_safe('<span aria-hidden="true">✓</span>')


def _was(was: Any) -> SafeString:
    """What a changed part of the cookie was in the previous response."""
    if was is True:
        return was_note(html('{}<span class="visually-hidden">{}</span>', CHECK, words(_("(set)"))))
    return was_code(was)


def cookie_set(
    latest: dict | None, before: dict | None, changes: dict | None, out_of_band: bool = False
) -> SafeString:
    changed = (changes or {}).get("cookie") or []
    before_cookie = (before or {}).get("cookie")
    before_cookie = before_cookie if hasattr(before_cookie, "get") else {}
    set_cookies = (latest or {}).get("set_cookie") or []
    if set_cookies:
        body = joined(_cookie_attributes(cookie, before_cookie, changed) for cookie in set_cookies)
    elif latest:
        body = html(
            '<p class="muted" data-testid="no-set-cookie">{}</p>',
            words(_("No Set-Cookie: Django did not send the session cookie in this response.")),
        )
    else:
        body = ""
    return html(
        '<div id="lab-cookie-set"{}><h3>{}</h3>{}</div>',
        oob(out_of_band),
        words(_("Set-Cookie in the last response")),
        body,
    )


def _changed_mark(is_changed: bool) -> SafeString:
    if not is_changed:
        return SafeString("")
    return html('<span class="visually-hidden"> {}</span>', words(_("(changed)")))


def _cookie_attributes(cookie: dict, before_cookie: dict, changed: list[str]) -> SafeString:
    was = before_cookie.get("value")
    rows = [
        html(
            '<div class="cookie-attributes__value{}"><dt>{}</dt><dd><code class="break">={}'
            "</code>{}{}</dd></div>",
            " changed" if "value" in changed else "",
            cookie["name"],
            readable_cuts(cookie["value"]) or words(_("(empty: delete the cookie)")),
            _changed_mark("value" in changed),
            html(" {}", _was(was)) if was else "",
        )
    ]
    attributes = cookie.get("attributes") or {}
    for attribute, value in attributes.items():
        was = before_cookie.get(attribute)
        if value is True:
            shown_value = html(
                '{}<span class="visually-hidden"> {}</span>', CHECK, words(_("(set)"))
            )
        else:
            shown_value = html("=<code>{}</code>", shown(value))
        rows.append(
            html(
                '<div class="{}" data-attribute="{}"><dt>{}</dt><dd>{}{}{}</dd></div>',
                "changed" if attribute in changed else "",
                attribute,
                ATTRIBUTE_LABELS.get(attribute, attribute),
                shown_value,
                _changed_mark(attribute in changed),
                html(" {}", _was(was)) if was is not None and was != value else "",
            )
        )
    for attribute in changed:
        if attribute == "value" or attribute in attributes:
            continue
        was = before_cookie.get(attribute)
        rows.append(
            html(
                '<div class="changed cookie-attributes__removed" data-attribute="{}"><dt><s>{}</s>'
                "</dt><dd> {}{}</dd></div>",
                attribute,
                ATTRIBUTE_LABELS.get(attribute, attribute),
                words(_("removed")),
                html(" ({})", _was(was)) if was is not None else "",
            )
        )
    return html('<dl class="cookie-attributes" data-testid="set-cookie">{}</dl>', joined(rows))


def cookie_headers(latest: dict | None, out_of_band: bool = False) -> SafeString:
    latest = latest or {}
    set_cookies = latest.get("set_cookie") or []
    parts = []
    if latest.get("vary") or set_cookies:
        parts.append(html("<h3>{}</h3>", words(_("The response's headers"))))
    if latest.get("vary"):
        parts.append(
            html(
                '<p class="small vary">Vary: <code>{}</code> <span class="muted">{}</span></p>',
                latest["vary"],
                words(_("(from SessionMiddleware: the response depends on the cookie)")),
            )
        )
    parts.extend(
        html(
            '<details class="raw-details"><summary class="small">{}</summary>'
            '<pre class="raw-header" data-testid="set-cookie-raw">Set-Cookie: {}</pre></details>',
            words(_("The Set-Cookie header as sent")),
            readable_cuts(cookie["raw"]),
        )
        for cookie in set_cookies
    )
    return html('<div id="lab-cookie-headers"{}>{}</div>', oob(out_of_band), joined(parts))
