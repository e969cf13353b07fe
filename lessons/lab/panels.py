"""What the lab's panels show, computed once for the HTML partials and the JSON view.

`lab_panels_for(learner, config)` returns plain data: the latest exchange
with its cookies taken apart, what changed since the exchange before it, the
store, the timeline and messages in the active language.
"""

from dataclasses import asdict
from datetime import datetime
from itertools import pairwise
from typing import Any

from django.conf import settings
from django.utils.text import slugify

from lessons.engines import ENGINES, engine_name_of
from lessons.lab.checklist import preset_checklist
from lessons.lab.cookies import SetCookie, parse_set_cookie
from lessons.lab.narrate import what_happened
from lessons.lab.notes import note_messages
from lessons.lab.session_settings import LAB_SETTING_NAMES
from lessons.lab.store import RECORD_PARTS
from lessons.learners import TimelineExchange
from lessons.models import LabConfig, LabExchange, Learner

# How many recent lab requests the timeline panel lists (the database keeps
# settings.LAB_TIMELINE_LENGTH of them).
TIMELINE_SHOWN = 12


def set_cookies_of(exchange: TimelineExchange) -> list[SetCookie]:
    """The exchange's Set-Cookie headers, parsed: as the run parsed them, or from the record."""
    parsed = getattr(exchange, "parsed_set_cookies", None)
    if parsed is None:
        parsed = [parse_set_cookie(raw) for raw in exchange.set_cookie_headers]
        exchange.parsed_set_cookies = parsed
    return parsed


def cookie_attribute_changes(
    previous: TimelineExchange | None, current: TimelineExchange
) -> set[str]:
    """Names of Set-Cookie parts that differ from the previous response's cookie."""
    if not current.set_cookie_headers:
        return set()
    now_cookie = set_cookies_of(current)[0]
    before = None
    if previous is not None and previous.set_cookie_headers:
        before = set_cookies_of(previous)[0]
    if before is None:
        return {"value", *now_cookie.attributes}
    changed = {
        name
        for name in now_cookie.attributes
        if now_cookie.attributes[name] != before.attributes.get(name)
    }
    changed |= {name for name in before.attributes if name not in now_cookie.attributes}
    changed.discard("expires")  # it moves with every response; Max-Age tells the story
    if now_cookie.value != before.value:
        changed.add("value")
    return changed


def store_changes(
    previous: dict[str, Any] | None, current: dict[str, Any], elapsed_seconds: float = 0
) -> set[str]:
    """Dotted paths of store values that differ (e.g. "database.decoded", "cache.ttl").

    `elapsed_seconds` is the time between the two snapshots: a TTL that only
    counted down by that much is not a change.
    """
    if not previous:
        return set()
    changed = set()
    for part in (*RECORD_PARTS, "cookie"):
        now_part, before_part = current.get(part) or {}, previous.get(part) or {}
        for name in set(now_part) | set(before_part):
            if now_part.get(name) != before_part.get(name):
                changed.add(f"{part}.{name}")
    for part in ("cache", "memcached", "redis"):
        ttl_now = (current.get(part) or {}).get("ttl")
        ttl_before = (previous.get(part) or {}).get("ttl")
        counted_down_only = (
            ttl_now is not None
            and ttl_before is not None
            and abs((ttl_before - elapsed_seconds) - ttl_now) <= 2
        )
        if counted_down_only:
            changed.discard(f"{part}.ttl")
    if current.get("session_key") != previous.get("session_key"):
        changed.add("session_key")
    return changed


def values_before(
    previous: TimelineExchange | None,
    previous_store: TimelineExchange | None,
    cookie_changes: set[str],
    store_changes: set[str],
) -> dict[str, dict[str, Any]]:
    """What each changed Set-Cookie part was in the same browser's previous response, and
    each changed store value after the previous request with the same session, for the
    panels' "old → new" (absent where there was nothing before)."""
    before: dict[str, dict[str, Any]] = {"cookie": {}, "store": {}}
    if previous is not None and previous.set_cookie_headers:
        cookie = set_cookies_of(previous)[0]
        for name in cookie_changes:
            value = cookie.value if name == "value" else cookie.attributes.get(name)
            if value not in (None, ""):
                before["cookie"][name] = value
    for path in store_changes if previous_store is not None else ():
        part, _dot, name = path.partition(".")
        value = (previous_store.store or {}).get(part)
        if name:
            value = (value or {}).get(name) if isinstance(value, dict) else None
        if value not in (None, ""):
            before["store"][path] = value
    return before


def exchange_data(exchange: LabExchange) -> dict[str, Any]:
    return {
        "id": exchange.id,
        # Its place in the timeline, and its entry's id on the page.
        "number": exchange.number,
        "element_id": f"timeline-exchange-{exchange.id}",
        "at": exchange.created_at.isoformat(),
        # "a": the learner's browser; "b": Browser B, simulated by the server.
        "browser": exchange.browser,
        "action": exchange.action,
        "python": exchange.python,
        "path": exchange.path,
        "method": exchange.method,
        "cross_site": exchange.action.removeprefix("cross_site_")
        if exchange.action.startswith("cross_site_")
        else None,
        "status": exchange.status_code,
        "cookie_header": exchange.cookie_header,
        "set_cookie": [cookie.as_dict() for cookie in set_cookies_of(exchange)],
        "vary": exchange.vary,
        "session_key": exchange.session_key,
        "result": exchange.result,
        "settings": exchange.settings_snapshot,
        "engine": engine_name_of(exchange.settings_snapshot),
        "notes": exchange.notes,
        "messages": [message for note in exchange.notes for message in note_messages(note)],
        "store": exchange.store,
    }


def settings_diff(before: dict[str, Any], now: dict[str, Any]) -> list[dict]:
    """The lab settings that differ between two snapshots: name, before, now."""
    return [
        {"name": name, "before": before.get(name), "now": now.get(name)}
        for name in sorted(LAB_SETTING_NAMES)
        if name in now and name != "SESSION_FILE_PATH" and before.get(name) != now.get(name)
    ]


def settings_changed(current: dict[str, Any], previous: dict[str, Any] | None) -> list[dict]:
    """The lab settings that differ from the request before."""
    if previous is None:
        return []
    return settings_diff(previous.get("settings") or {}, current.get("settings") or {})


def previous_in_browser(items: list, index: int, browser_of=lambda item: item.browser):
    """The item before `items[index]` (newest first) that the same browser sent."""
    browser = browser_of(items[index])
    return next((item for item in items[index + 1 :] if browser_of(item) == browser), None)


def previous_for_store(items: list, index: int, key_of=lambda item: item.session_key):
    """The item before `items[index]` that ended with the same session key, from either
    browser (two browsers may share one session), else the same browser's previous one."""
    key = key_of(items[index])
    if key:
        for item in items[index + 1 :]:
            if key_of(item) == key:
                return item
    if isinstance(items[index], dict):
        return previous_in_browser(items, index, lambda item: item["browser"])
    return previous_in_browser(items, index)


def with_story(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each timeline entry (newest first) with what happened and the settings it changed;
    what the store held before is the last request with the same session, from either
    browser."""
    for index, entry in enumerate(entries):
        previous = entries[index + 1] if index + 1 < len(entries) else None
        same_session = previous_for_store(entries, index, lambda item: item["session_key"])
        entry["what_happened"] = what_happened(entry, same_session)
        entry["settings_changed"] = settings_changed(entry, previous)
    return entries


def actions_since(
    learner: Learner | None, timeline: list[TimelineExchange], complete: bool
) -> list[str]:
    """The actions of every request the timeline keeps, newest first; asked for only when
    the exchanges at hand are not all of them."""
    if learner is None or complete:
        return [exchange.action for exchange in timeline]
    return list(
        learner.lab_exchanges.values_list("action", flat=True)[: settings.LAB_TIMELINE_LENGTH]
    )


def timeline_events(
    entries: list[dict[str, Any]], saves: list[dict], cut: bool
) -> list[dict[str, Any]]:
    """The lab requests and the settings saves between them, newest first.

    A save older than the oldest request shown is left out when the list of
    requests is `cut` at TIMELINE_SHOWN: it would sit beside requests not shown.
    A request right after a save only names the settings it changed (`after_save`).
    """
    requests = [{**entry, "kind": "request", "after_save": False} for entry in entries]
    events = shown_saves(saves, entries[-1]["at"] if entries else None, cut)
    merged = sorted(
        requests + events, key=lambda event: datetime.fromisoformat(event["at"]), reverse=True
    )
    for event, older in pairwise(merged):
        # The save right before a request says old → new; the request only names them.
        event["after_save"] = event["kind"] == "request" and older["kind"] == "settings"
    return merged


def shown_saves(saves: list[dict], oldest_shown: str | None, cut: bool) -> list[dict]:
    """The settings saves the timeline shows as events (each with its entry's id on the
    page): all of them, or, when the requests are `cut`, those after the oldest shown."""
    events = [
        {**save, "kind": "settings", "element_id": f"timeline-save-{slugify(save['at'])}"}
        for save in saves
    ]
    if cut and oldest_shown is not None:
        oldest = datetime.fromisoformat(oldest_shown)
        events = [event for event in events if datetime.fromisoformat(event["at"]) > oldest]
    return events


def lab_panels_for(
    learner: Learner | None, config: LabConfig, cross_site: bool = True
) -> dict[str, Any]:
    """Everything the cookie, store and timeline panels show, as plain data, read afresh.

    `learner` is None for a visitor who has not sent a lab request yet.
    `cross_site` says whether this lab offers the cross-site page (a step of some presets).
    """
    # One more than shown: whether the list is cut.
    timeline = list(learner.lab_exchanges.all()[: TIMELINE_SHOWN + 1]) if learner else []
    recent = timeline[:TIMELINE_SHOWN]
    entries = with_story([exchange_data(exchange) for exchange in recent])
    complete = len(timeline) <= TIMELINE_SHOWN
    return {
        **cards(config, config.session_settings(), entries[0] if entries else None, recent),
        "timeline": entries,
        # The requests with the settings saves between them, for the timeline panel.
        "events": timeline_events(
            entries, config.settings_saves, cut=len(timeline) > TIMELINE_SHOWN
        ),
        "checklist": checklist(learner, config, timeline, complete, cross_site),
    }


def lab_panels_update(
    learner: Learner,
    config: LabConfig,
    timeline: list[TimelineExchange],
    session_settings: dict[str, Any],
    timeline_complete: bool,
    cross_site: bool = True,
) -> dict[str, Any]:
    """What a lab request's answer shows when the page has the timeline up to the request
    before it (`timeline[1]`): the cards as `lab_panels_for` gives them, the timeline's
    one new entry (`events`), and the ids of the entries it pushes out of view
    (`dropped`). Only the new exchange is told; the others are on the page already."""
    recent = timeline[:TIMELINE_SHOWN]
    latest, previous = recent[0], timeline[1]
    entry = exchange_data(latest)
    same_session = previous_for_store(recent, 0)
    entry["what_happened"] = what_happened(entry, store_facts(same_session))
    entry["settings_changed"] = settings_diff(previous.settings_snapshot, latest.settings_snapshot)
    saves = config.settings_saves
    since = previous.created_at
    entry_event = {
        **entry,
        "kind": "request",
        "after_save": any(datetime.fromisoformat(save["at"]) > since for save in saves),
    }
    return {
        **cards(config, session_settings, entry, recent),
        "events": [entry_event],
        "dropped": dropped_from_view(timeline, saves),
        "checklist": checklist(learner, config, timeline, timeline_complete, cross_site),
    }


def cards(
    config: LabConfig,
    session_settings: dict[str, Any],
    latest: dict[str, Any] | None,
    recent: list[TimelineExchange],
) -> dict[str, Any]:
    """What the result, cookie and store cards show: the newest exchange (`latest`, as
    exchange_data gives it, told) and what changed since the ones before it."""
    changes, before = latest_changes(recent)
    return {
        "engine": config.engine,
        "engine_path": ENGINES[config.engine].path,
        "settings": session_settings,
        "latest": latest,
        "changes": changes,
        "before": before,
    }


def latest_changes(recent: list[TimelineExchange]) -> tuple[dict[str, list[str]], dict[str, dict]]:
    """What changed in the newest exchange's cookie (against the same browser's request
    before) and store (against the last request with the same session), and what each
    changed part was before."""
    if not recent:
        return {"cookie": [], "store": []}, values_before(None, None, set(), set())
    latest = recent[0]
    previous = previous_in_browser(recent, 0)
    previous_store = previous_for_store(recent, 0)
    cookie_changed = cookie_attribute_changes(previous, latest)
    store_changed = store_changes(
        previous_store.store if previous_store else None,
        latest.store,
        (latest.created_at - previous_store.created_at).total_seconds() if previous_store else 0,
    )
    return (
        {"cookie": sorted(cookie_changed), "store": sorted(store_changed)},
        values_before(previous, previous_store, cookie_changed, store_changed),
    )


def store_facts(exchange: TimelineExchange | None) -> dict[str, Any] | None:
    """What telling an exchange needs of the one before with the same session."""
    if exchange is None:
        return None
    return {"session_key": exchange.session_key, "store": exchange.store}


def dropped_from_view(timeline: list[TimelineExchange], saves: list[dict]) -> list[str]:
    """The ids of the timeline entries on the page that the newest exchange pushes out:
    the request shown last before it, and the settings saves shown only beside that one."""
    earlier = timeline[1:]
    dropped = []
    if len(earlier) >= TIMELINE_SHOWN:
        dropped.append(f"timeline-exchange-{earlier[TIMELINE_SHOWN - 1].id}")
    if not saves:
        return dropped

    def save_ids(shown: list[TimelineExchange], cut: bool) -> set[str]:
        oldest = shown[-1].created_at.isoformat() if shown else None
        return {event["element_id"] for event in shown_saves(saves, oldest, cut)}

    shown_before = save_ids(earlier[:TIMELINE_SHOWN], cut=len(earlier) > TIMELINE_SHOWN)
    shown_now = save_ids(timeline[:TIMELINE_SHOWN], cut=len(timeline) > TIMELINE_SHOWN)
    return dropped + sorted(shown_before - shown_now)


def checklist(
    learner: Learner | None,
    config: LabConfig,
    timeline: list[TimelineExchange],
    timeline_complete: bool,
    cross_site: bool,
) -> list[dict[str, Any]]:
    """The open preset's "Do", step by step, ticked as the learner goes."""
    if not config.preset:
        return []
    steps = preset_checklist(
        config.preset.steps,
        actions_since(learner, timeline, timeline_complete),
        cross_site=cross_site,
    )
    return [asdict(step) for step in steps]
