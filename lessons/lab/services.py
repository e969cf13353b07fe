"""What the lab's views do besides running a request: settings saves as timeline events,
reset, presets, the page's report of document.cookie, and the signed origin the cross-site page talks back to."""

import re
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone, translation

from lessons.lab.limits import safe_text
from lessons.lab.panels import TIMELINE_SHOWN, settings_diff
from lessons.learners import lab_config_for
from lessons.models import LabConfig, LabObservation, LabPreset, Learner

# An exchange's id as the page sends it back: ASCII digits, within a BigAutoField.
EXCHANGE_ID = re.compile(r"[0-9]{1,18}")
# What the page may report of document.cookie (a browser holds less).
DOCUMENT_COOKIE_CHARS = 8192


def remember_settings_save(
    config: LabConfig, before: dict[str, object], *, reset: bool = False
) -> None:
    """Add a save of `config` to its `settings_saves` (the caller saves the config): what
    changed since `before`, the settings as they were. A save that changes nothing is no event."""
    changes = settings_diff(before, config.session_settings())
    if changes or reset:
        event = {"at": timezone.now().isoformat(), "reset": reset, "changes": changes}
        config.settings_saves = [*config.settings_saves, event][-TIMELINE_SHOWN:]


def reset_lab(learner: Learner) -> LabConfig:
    """Every lab setting back to Django's default (an event in the timeline)."""
    previous = lab_config_for(learner)
    LabConfig.objects.filter(learner=learner).delete()
    config = LabConfig(learner=learner, settings_saves=previous.settings_saves)
    remember_settings_save(config, previous.session_settings(), reset=True)
    config.save()
    return config


def apply_preset(learner: Learner, preset: LabPreset) -> LabConfig:
    """A lesson's starting point: the preset's settings (Django's defaults for the rest) and
    an empty timeline, Browser B's jar empty. Returns the settings it replaced, whose
    cookie the browser should drop."""
    previous = lab_config_for(learner)
    LabConfig.objects.filter(learner=learner).delete()
    LabConfig.objects.create(learner=learner, preset=preset, **preset.settings)
    learner.lab_exchanges.all().delete()
    learner.lab_users.all().delete()  # alice and bob start again with their first passwords
    return previous


def drop_cookie_of(response: HttpResponse, replaced: LabConfig) -> None:
    """The browser drops the lab cookie of settings a preset replaced."""
    response.delete_cookie(
        replaced.cookie_name,
        path=replaced.cookie_path,
        domain=replaced.cookie_domain or None,
        samesite=replaced.cookie_samesite or None,
    )


def clear_timeline(learner: Learner) -> int:
    """Forget the learner's recorded lab requests and settings saves (the timeline); the
    settings and the sessions themselves stay as they are."""
    deleted, _details = learner.lab_exchanges.all().delete()
    config = lab_config_for(learner)
    if config.settings_saves:
        config.settings_saves = []
        config.save(update_fields=["settings_saves"])
    return deleted


def record_observation(learner: Learner, exchange_id: str, document_cookie: str) -> bool:
    """Keep what the page saw in document.cookie after one of the learner's own exchanges,
    once; anything else (another's exchange, a malformed id) is ignored."""
    if not EXCHANGE_ID.fullmatch(exchange_id):
        return False
    # Only the learner's own browser has a document.cookie: never Browser B's requests.
    exchange = learner.lab_exchanges.filter(id=int(exchange_id), browser="a").first()
    if exchange is None:
        return False
    LabObservation.objects.get_or_create(
        exchange=exchange,
        defaults={"document_cookie": safe_text(document_cookie, DOCUMENT_COOKIE_CHARS)},
    )
    return True


# --- SameSite: "another site" and the lab origin it talks back to ------------------

CROSS_SITE_SALT = "lessons.lab.cross-site-origin"


def cross_site_origin_for(request: HttpRequest) -> str | None:
    """The origin of "another site" for a learner on this host, or None if there is none.

    LAB_CROSS_SITE_ORIGIN wins; locally, localhost and 127.0.0.1 are two sites
    for a browser, so each serves as the other's.
    """
    if settings.LAB_CROSS_SITE_ORIGIN:
        return settings.LAB_CROSS_SITE_ORIGIN.rstrip("/")
    host, _sep, port = request.get_host().partition(":")
    other = {"localhost": "127.0.0.1", "127.0.0.1": "localhost"}.get(host)
    if other is None:
        return None
    return f"{request.scheme}://{other}{':' + port if port else ''}"


def cross_site_page_url(request: HttpRequest, learner) -> str | None:
    """The learner's cross-site page, carrying this lab's origin, signed."""
    origin = cross_site_origin_for(request)
    if origin is None:
        return None
    lab_origin = f"{request.scheme}://{request.get_host()}"
    signed = signing.dumps(lab_origin, salt=CROSS_SITE_SALT)
    path = reverse("lab_cross_site", kwargs={"token": learner.cross_site_token})
    return f"{origin}{path}?{urlencode({'lab': signed, 'lang': translation.get_language()})}"


def signed_lab_origin(signed: str) -> str | None:
    """The lab origin a cross-site page link carries, if its signature holds."""
    try:
        return signing.loads(signed, salt=CROSS_SITE_SALT)
    except signing.BadSignature:
        return None
