"""The lab's store card, drawn in Python: what the engine holds for the learner's session
key (a snapshot from store.py, its sections from store_view.py), with what changed since
the request before marked and what it was.

Every lab request redraws it: see cards.py for why it is not a template.
"""

from collections.abc import Sequence

from django.utils.safestring import SafeString, mark_safe

from lessons.html_text import escaped, html, joined, oob, words
from lessons.html_text import translated as _
from lessons.lab.card_text import (
    as_json,
    cut,
    readable_cuts,
    shown,
    was_code,
)
from lessons.lab.notes import signed_cookie_problem
from lessons.lab.store_view import StoreRow, StoreSection, login_keys, store_sections


def store_card(
    engine_path: str,
    store: dict | None,
    changes: Sequence[str] = (),
    before: dict | None = None,
    out_of_band: bool = False,
) -> SafeString:
    return html(
        '<section class="lab-card lab-store" id="lab-store" aria-labelledby="lab-store-heading"{}>'
        '<h2 id="lab-store-heading">{} <code class="engine-name">{}</code></h2>{}</section>',
        oob(out_of_band),
        words(_("Store")),
        engine_path,
        store_body(store, changes, before),
    )


def store_card_of(
    engine_path: str,
    latest: dict | None,
    changes: dict | None,
    before: dict | None,
    out_of_band: bool = False,
) -> SafeString:
    """The store card of the newest exchange: `latest` as panels.exchange_data gives it,
    `changes` and `before` as panels.latest_changes gives them (or nothing)."""
    return store_card(
        engine_path,
        (latest or {}).get("store"),
        (changes or {}).get("store") or (),
        (before or {}).get("store"),
        out_of_band=out_of_band,
    )


def store_body(
    store: dict | None, changes: Sequence[str] = (), before: dict | None = None
) -> SafeString:
    """What the engine holds for the learner's session key (a snapshot from store.py)."""
    changes = changes or ()
    before = before if hasattr(before, "get") else {}
    if not store or store.get("empty"):
        return html(
            '<p class="muted" data-testid="store-empty">{}</p>',
            words(
                _(
                    "Your browser holds no session cookie for this engine yet, so there is nothing "
                    "to look up."
                )
            ),
        )
    if store.get("not_a_key"):
        return html(
            '<p class="muted" data-testid="store-not-a-key">{}</p>',
            words(
                _(
                    "Your cookie holds no key Django could have made (32 letters a-z and digits), "
                    "so no store holds anything under it: there is nothing to look up."
                )
            ),
        )
    key_changed = "session_key" in changes
    key_was = ""
    if key_changed and before.get("session_key"):
        key_was = html(" {}", was_code(before["session_key"]))
    parts = [
        html(
            '<p class="small store-key">{}: <code class="break{}">{}</code>{}</p>',
            words(_("Session key")),
            " changed" if key_changed else "",
            cut(store.get("session_key"), 80),
            html("{}{}", _changed_mark(), key_was) if key_changed else "",
        )
    ]
    parts.extend(_store_section(section, changes, before) for section in store_sections(store))
    keys = login_keys(store)
    if keys:
        parts.append(
            html(
                '<h3>{}</h3><dl class="facts login-keys" data-testid="store-login-keys">{}</dl>',
                words(_("Who is logged in")),
                joined(
                    html(
                        '<div><dt><code>{}</code></dt><dd><code class="break">{}</code> '
                        '<span class="small">{}</span></dd></div>',
                        row.label,
                        cut(row.value, 40),
                        row.remark,
                    )
                    for row in keys
                ),
            )
        )
    if store.get("cookie"):
        parts.append(_signed_cookie(store["cookie"], changes))
    return joined(parts)


def _store_section(section: StoreSection, changes: Sequence[str], before: dict) -> SafeString:
    heading = html("<h3>{}</h3>", section.heading)
    if section.unreachable:
        return html(
            '{}<p class="notice notice--error" data-testid="{}">{}</p>',
            heading,
            section.down_testid,
            section.unreachable,
        )
    if section.rows:
        return html(
            '{}<dl class="facts" data-testid="{}">{}</dl>',
            heading,
            section.testid,
            joined(_store_row(row, changes, before) for row in section.rows),
        )
    missing_changed = bool(section.missing_change) and section.missing_change in changes
    return html(
        '{}<p class="muted{}" data-testid="{}">{}</p>',
        heading,
        " changed" if missing_changed else "",
        section.missing_testid,
        section.missing,
    )


def _store_value(row: StoreRow) -> SafeString:
    if row.kind == "long":
        return html('<code class="break">{}</code>', readable_cuts(row.value))
    if row.kind == "json":
        return html('<code class="break">{}</code>', as_json(row.value))
    if row.kind == "ttl":
        return html(
            '<span data-ttl="{}">{}</span> {}',
            shown(row.value),
            shown(row.value),
            words(_("seconds")),
        )
    if row.kind == "bytes":
        return html("{} B", shown(row.value))
    if row.kind == "text":
        return shown(row.value)
    return html("<code>{}</code>", shown(row.value))


def _changed_mark() -> SafeString:
    return html(' <span class="visually-hidden">{}</span>', words(_("(changed)")))


def _store_row(row: StoreRow, changes: Sequence[str], before: dict) -> SafeString:
    changed = bool(row.change) and row.change in changes
    was = ""
    if changed:
        previous = before.get(row.change)
        if previous is not None:
            was = html(
                " {}",
                was_code(as_json(previous), 60) if row.kind == "json" else was_code(previous),
            )
    return html(
        "<div{}><dt>{}{}</dt><dd>{}{}{}{}</dd></div>",
        mark_safe(' class="changed"') if changed else "",
        row.label,
        _changed_mark() if changed else "",
        _store_value(row),
        was,
        html(" <strong>{}</strong>", row.warning) if row.warning else "",
        html(' <span class="small">{}</span>', row.remark) if row.remark else "",
    )


def _signed_cookie(cookie: dict, changes: Sequence[str]) -> SafeString:
    problem = cookie.get("payload_problem")
    if problem == "too_large":
        payload = html(
            '<span data-testid="payload-not-shown">{}</span>',
            words(
                _(
                    "Not shown: unpacked, it would be over 64 KB. Django never unpacked it either: "
                    "the signature check came first and failed."
                )
            ),
        )
    elif problem == "too_deep":
        payload = html(
            '<span data-testid="payload-not-shown">{}</span>',
            words(
                _(
                    "Not shown: its lists and dicts nest deeper than the lab shows. Django never "
                    "read it: the signature check came first and failed."
                )
            ),
        )
    elif problem:
        payload = html(
            '<span data-testid="payload-not-shown">{}</span>',
            words(_("Not shown: it is not base64-encoded JSON.")),
        )
    else:
        payload = html('<code class="break">{}</code>', as_json(cookie.get("payload")))
    if cookie.get("compressed"):
        payload = html(
            '{} <span class="small">{}</span>',
            payload,
            words(_("(compressed: the value starts with a dot)")),
        )
    if cookie.get("valid"):
        verdict = words(_("valid: Django accepts it"))
    else:
        verdict = words(
            _("rejected (%(problem)s)")
            % {"problem": escaped(signed_cookie_problem(cookie.get("problem")))}
        )
    return html(
        '<p data-testid="store-nothing-on-server"><strong>{}</strong> {}</p>'
        '<dl class="facts" data-testid="store-signed-cookie">'
        '<div class="{}"><dt>{}</dt><dd>{}</dd></div>'
        "<div><dt>{}</dt><dd><code>{}</code></dd></div>"
        '<div><dt>{}</dt><dd><code class="break">{}</code></dd></div>'
        "<div><dt>{}</dt><dd>{}</dd></div></dl>",
        words(_("Nothing on the server.")),
        words(_("The session data travels in the cookie itself: signed, not encrypted.")),
        "changed" if "cookie.payload" in changes else "",
        words(_("payload (readable by anyone)")),
        payload,
        words(_("signed at")),
        shown(cookie.get("signed_at") or "?"),
        words(_("signature")),
        shown(cookie.get("signature") or "?"),
        words(_("verdict")),
        verdict,
    )
