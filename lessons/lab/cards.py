"""The lab's cards, drawn in Python: the result card, a timeline entry and the live
region's sentence (the cookie card's changing parts: cookie_card.py; the store card:
store_card.py).

Every lab request's answer draws them (templates/lab/lab.html places them with the `lab`
template tags), and as template markup they cost more than the rest of the request:
about 190 template nodes, 80 values and 150 conditions for 5 KB of HTML
(docs/performance.md). Here each is a few calls of card_text.html (format_html without
its per-call check for lazy arguments). Values are escaped and localized as a template
would (`shown`), messages printed as `{% translate %}` prints them (`words`), with the
same msgids as the templates had.

`latest` and `exchange` are the dictionaries panels.exchange_data() gives; `before`,
`changes` and `store` come from panels.py and store.py, as the templates had them.
"""

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.template.defaultfilters import stringformat, striptags
from django.utils.safestring import SafeString, mark_safe

from lessons.html_text import html, joined, words
from lessons.html_text import translated as _
from lessons.lab.card_text import (
    as_json,
    cut,
    readable_cuts,
    shown,
)
from lessons.lab.cookie_card import cookie_headers, cookie_set
from lessons.lab.store_card import store_card_of
from lessons.markdown_rendering import markdown_inline

if TYPE_CHECKING:
    from lessons.exercise_boxes import ExerciseBox


def _result(latest: dict) -> dict:
    return latest.get("result") or {}


# --- The result card ------------------------------------------------------------------------


def result_card(
    latest: dict | None,
    solved: Sequence["ExerciseBox"] = (),
    action_error: dict | None = None,
    input_names: Sequence[str] = (),
) -> SafeString:
    error_field = (action_error or {}).get("field", "")
    parts = [
        html(
            '<section class="lab-card lab-result" id="lab-result" '
            'aria-labelledby="lab-result-heading" data-exchange-id="{}">'
            '<h2 id="lab-result-heading">{}</h2>',
            shown(latest["id"]) if latest and latest.get("id") else "",
            words(_("Result")),
        )
    ]
    if solved:
        parts.append(
            html(
                '<div class="solved" data-testid="solved">{}<p class="small">{}</p></div>',
                joined(
                    html(
                        "<p><strong>{}</strong> {}</p>",
                        words(_("Solved:")),
                        markdown_inline(box.exercise.goal),
                    )
                    for box in solved
                ),
                words(_("Your progress is saved; the exercise is marked done in the lesson too.")),
            )
        )
    if action_error:
        parts.append(
            html(
                '<p class="notice notice--error" role="alert" id="{}-error" data-field="{}">{}</p>',
                error_field,
                error_field,
                action_error.get("message", ""),
            )
        )
    parts.extend(
        html('<span id="{}-error" hidden></span>', name)
        for name in input_names
        if name != error_field
    )
    if latest:
        parts.append(_result_facts(latest))
    else:
        parts.append(
            html(
                '<p class="muted">{}</p>',
                words(
                    _(
                        "No lab request yet. Press a button above: each one is a real request to Django."
                    )
                ),
            )
        )
    parts.append(mark_safe("</section>"))
    return joined(parts)


def _result_facts(latest: dict) -> SafeString:
    result = _result(latest)
    browser_b = (
        html(
            '<span class="badge badge--browser-b" data-testid="result-browser-b">{}</span> ',
            words(_("Browser B")),
        )
        if latest.get("browser") == "b"
        else ""
    )
    cross_site = (
        html(
            ' <span class="badge">{}: {}</span>',
            words(_("from another site")),
            latest["cross_site"],
        )
        if latest.get("cross_site")
        else ""
    )
    facts = [
        html(
            "<div><dt>{}</dt><dd>{}<code>{} {}</code> → <code>{}</code>{}</dd></div>",
            words(_("Request")),
            browser_b,
            shown(latest.get("method", "")),
            shown(latest.get("path", "")),
            shown(latest.get("status", "")),
            cross_site,
        ),
        html(
            '<div class="sent-cookie"><dt>{}</dt><dd><code class="break" '
            'data-testid="cookie-header">Cookie: {}</code></dd></div>',
            words(_("Sent")),
            readable_cuts(latest.get("cookie_header", "")) or words(_("(none)")),
        ),
    ]
    if result.get("user"):
        facts.append(
            html(
                '<div><dt>request.user</dt><dd><code data-testid="request-user">{}</code></dd></div>',
                shown(result["user"]),
            )
        )
    if result.get("error"):
        facts.append(
            html(
                "<div><dt>{}</dt><dd><code>{}</code></dd></div>",
                words(_("Raised")),
                shown(result["error"]),
            )
        )
    elif result.get("value") is not None and not result.get("user"):
        facts.append(
            html(
                "<div><dt>{}</dt><dd><code>{}</code></dd></div>",
                words(_("Returned")),
                as_json(result["value"]),
            )
        )
    parts = [
        html(
            '<pre class="python-line"><code>{}</code></pre><dl class="facts">{}</dl>',
            readable_cuts(latest.get("python", "")),
            joined(facts),
        )
    ]
    if latest.get("what_happened"):
        parts.append(
            html(
                '<p class="what-happened" data-testid="what-happened">{}</p>',
                joined(latest["what_happened"], " "),
            )
        )
    if latest.get("messages"):
        parts.append(
            html(
                '<ul class="messages">{}</ul>',
                joined(html("<li>{}</li>", message) for message in latest["messages"]),
            )
        )
    return joined(parts)


# --- A timeline entry and the live region ---------------------------------------------------


def timeline_request(exchange: dict) -> SafeString:
    badges = []
    if exchange.get("browser") == "b":
        badges.append(
            html(
                ' <span class="badge badge--browser-b" data-testid="timeline-browser-b">{}</span>',
                words(_("Browser B")),
            )
        )
    if exchange.get("cross_site"):
        badges.append(
            html(
                ' <span class="badge">{}: {}</span>',
                words(_("from another site")),
                exchange["cross_site"],
            )
        )
    settings_changed = ""
    if exchange.get("settings_changed"):
        changes = []
        for change in exchange["settings_changed"]:
            if exchange.get("after_save"):
                changes.append(html("<code>{}</code>", change["name"]))
            else:
                changes.append(
                    html(
                        "<code>{}</code> {} → {}",
                        change["name"],
                        stringformat(change["before"], "r"),
                        stringformat(change["now"], "r"),
                    )
                )
        settings_changed = html(
            '<p class="timeline__settings small" data-testid="timeline-settings">{} {}</p>',
            words(_("Settings changed before this request:")),
            joined(changes, "; "),
        )
    set_cookies = exchange.get("set_cookie") or []
    sent = (
        joined(
            html('<code class="break">Set-Cookie: {}</code>', readable_cuts(cookie["raw"]))
            for cookie in set_cookies
        )
        if set_cookies
        else mark_safe("<code>—</code>")
    )
    at = str(exchange.get("at", ""))
    return html(
        '<li value="{}" id="{}"><div class="timeline__head"><time datetime="{}">{}</time> '
        '<code>{} {}</code> → <code>{}</code> <span class="badge" data-testid="timeline-engine">'
        "{}</span>{}</div>{}"
        '<pre class="python-line small"><code>{}</code></pre>'
        '<div class="timeline__io"><span class="label">{}</span> <code class="break">Cookie: {}'
        "</code></div>"
        '<div class="timeline__io"><span class="label">{}</span> {}</div></li>',
        shown(exchange.get("number")),
        exchange.get("element_id", ""),
        at,
        at[11:19],
        shown(exchange.get("method", "")),
        shown(exchange.get("path", "")),
        shown(exchange.get("status", "")),
        shown(exchange.get("engine", "")),
        joined(badges),
        settings_changed,
        shown(exchange.get("python", "")),
        words(_("in")),
        readable_cuts(exchange.get("cookie_header", "")) or "—",
        words(_("out")),
        sent,
    )


def announcement(latest: dict | None, solved: Sequence["ExerciseBox"] = ()) -> SafeString:
    """The live region's one sentence for the newest request (the time keeps two equal
    results apart)."""
    if not latest:
        return words(_("The timeline is empty."))
    result = _result(latest)
    parts: list[Any] = [str(latest.get("at", ""))[11:19], ". "]
    if latest.get("browser") == "b":
        parts += [words(_("Browser B")), ": "]
    for box in solved:
        parts += [words(_("Solved:")), " ", striptags(markdown_inline(box.exercise.goal)), " "]
    if latest.get("python"):
        parts += [cut(readable_cuts(latest["python"]), 120), ". "]
    if result.get("error"):
        parts += [words(_("Raised")), ": ", cut(result["error"], 120), ". "]
    elif result.get("user"):
        parts += ["request.user: ", shown(result["user"]), ". "]
    elif result.get("value") is not None:
        parts += [words(_("Returned")), ": ", cut(as_json(result["value"]), 120), ". "]
    parts += [
        joined(latest.get("what_happened") or (), " "),
        " ",
        mark_safe(cut(joined(latest.get("messages") or (), " "), 400)),
    ]
    return joined(parts)


def announcement_swap(latest: dict | None, solved: Sequence["ExerciseBox"] = ()) -> SafeString:
    """The sentence, swapped into the page's live region (which stays on the page)."""
    return html(
        '<div id="lab-announce" hx-swap-oob="innerHTML">{}</div>', announcement(latest, solved)
    )


# --- A lab request's answer -----------------------------------------------------------------


def changed_panels(
    panels: dict, solved: Sequence["ExerciseBox"] = (), input_names: Sequence[str] = ()
) -> SafeString:
    """A lab request's answer when the page shows the exchange before it (panels.py's
    lab_panels_update): the result card, which the request form targets (with the request
    form's `input_names`, whose error messages it holds); the cookie card's changing parts
    and the store card, out of band; the new timeline entry on top and the entries it
    pushes out of view removed; the live region's sentence. The view adds the parts only
    some answers have, from the template ("answer-extras")."""
    latest, changes, before = panels["latest"], panels["changes"], panels["before"]
    return joined(
        [
            result_card(latest, solved, None, input_names),
            cookie_set(latest, before, changes, out_of_band=True),
            cookie_headers(latest, out_of_band=True),
            store_card_of(panels["engine_path"], latest, changes, before, out_of_band=True),
            html(
                '<ol hx-swap-oob="afterbegin:#timeline-list">{}</ol>',
                timeline_request(panels["events"][0]),
            ),
            joined(
                html('<li id="{}" hx-swap-oob="delete"></li>', element_id)
                for element_id in panels["dropped"]
            ),
            announcement_swap(latest, solved),
        ]
    )
