"""The lab's pages: the lab itself, its settings, its actions, and its state as JSON."""

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.functional import SimpleLazyObject
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from lessons.engines import ENGINES
from lessons.exercise_boxes import exercises_with_progress
from lessons.htmx import HtmxHttpRequest
from lessons.lab import cards
from lessons.lab.action_groups import (
    ACTION_GROUPS,
    LOGIN_ACTION_GROUPS,
    MORE_ACTION_GROUPS,
    action_groups,
    login_actions_open,
)
from lessons.lab.actions import ACTIONS, ActionInputError, parse_action_input
from lessons.lab.browser_b import BETWEEN_BROWSERS, jar_contents, run_in_browser
from lessons.lab.demo_users import shown_users
from lessons.lab.forms import LabSettingsForm, django_default_display
from lessons.lab.measure import ROUNDS as MEASURE_ROUNDS
from lessons.lab.measure import measure_engines
from lessons.lab.panels import lab_panels_for, lab_panels_update
from lessons.lab.runner import EARLIER_EXCHANGES, LabRun
from lessons.lab.services import (
    apply_preset,
    clear_timeline,
    cross_site_origin_for,
    drop_cookie_of,
    record_observation,
    remember_settings_save,
    reset_lab,
)
from lessons.lab.signals import lab_action_requested, lab_page_opening, lab_request_recorded
from lessons.learners import existing_learner, lab_config_for, learner_for
from lessons.models import LabConfig, LabExchange, LabPreset
from lessons.probes import memcached_status

LAB_TEMPLATE = "lab/lab.html"
LANGUAGE_CODES = frozenset(code for code, _name in settings.LANGUAGES)


def language_or(raw: str | None, default: str) -> str:
    """A language the site speaks, as the request asked for it, else the default."""
    return raw if raw in LANGUAGE_CODES else default


# The lab's requests go to these paths (outside /en/ and /uz/) so that
# SESSION_COOKIE_PATH can be tried: a cookie for /lab/shop/ comes back only
# to the second one.
LAB_REQUEST_PATHS = ("/lab/run/", "/lab/shop/run/")

# What the request form holds before a preset or the learner changes it.
DEFAULT_INPUTS = {
    "key": "cart",
    "value": '["apple"]',
    "seconds": 300,
    "request_path": "/lab/run/",
    "username": "alice",
    "browser": LabExchange.Browser.A,
}
# Django's defaults as settings.py would spell them, shown under each field.
FIELD_DEFAULTS = {name: django_default_display(name) for name in LabSettingsForm.Meta.fields}


# The request form's inputs; each input is described by its error message's element.
ACTION_INPUT_NAMES = ("key", "value", "seconds", "username", "browser")


def _panels_context(
    request: HtmxHttpRequest, learner, config: LabConfig, run: LabRun | None = None, **extra
) -> dict:
    """What the panels' partials need: after a lab `run` whose page shows the exchange
    before it, only what changed (lab_panels_update); else the whole panels, read afresh."""
    origin = cross_site_origin_for(request)
    if run is None:
        panels = lab_panels_for(learner, config, cross_site=origin is not None)
    else:
        panels = lab_panels_update(
            learner,
            config,
            run.timeline,
            run.session_settings,
            run.timeline_complete,
            cross_site=origin is not None,
        )
    return {
        "config": config,
        "panels": panels,
        "browser_b": SimpleLazyObject(lambda: jar_contents(config)),
        "demo_users": SimpleLazyObject(lambda: shown_users(learner)),
        "action_input_names": ACTION_INPUT_NAMES,
        "cross_site_origin": origin,
        **extra,
    }


def _lab_context(request: HtmxHttpRequest, learner, config: LabConfig, **extra) -> dict:
    """What the whole lab page needs; the settings form only where a partial shows it."""
    panels_context = _panels_context(request, learner, config, **extra)
    context = {
        **panels_context,
        "engine": ENGINES[config.engine],
        "field_defaults": FIELD_DEFAULTS,
        "action_groups": action_groups(ACTION_GROUPS),
        # In the drawer: logging in and Browser B, then the actions of lessons 2 and 15-17.
        "drawer_action_groups": action_groups(LOGIN_ACTION_GROUPS + MORE_ACTION_GROUPS),
        "login_actions_open": login_actions_open(config, panels_context["panels"]),
        "browsers": LabExchange.Browser.choices,
        "request_paths": LAB_REQUEST_PATHS,
        "preset": config.preset,
        "preset_settings": config.preset.settings if config.preset else {},
        "inputs": {**DEFAULT_INPUTS, **(config.preset.inputs if config.preset else {})},
        # Asked only when the settings form is drawn.
        "memcached": SimpleLazyObject(memcached_status),
    }
    if config.preset is not None:
        # The lesson's exercises right under its instructions: check without leaving the lab.
        context["exercises"] = exercises_with_progress(
            learner, config.preset.lesson, open_preset=config.preset
        )
    if "form" not in context:
        context["form"] = SimpleLazyObject(
            lambda: LabSettingsForm(instance=config, host=request.get_host())
        )
    return context


def _render_lab_page(request: HtmxHttpRequest, context: dict) -> HttpResponse:
    """The whole lab page, which may post a form that leads to the cross-site page."""
    response = render(request, LAB_TEMPLATE, context)
    if context.get("cross_site_origin"):
        response._csp_update = {"form-action": [context["cross_site_origin"]]}
    return response


@never_cache
@require_GET
def lab_page(request: HtmxHttpRequest) -> HttpResponse:
    """The lab: settings, actions and the live cookie, store and timeline panels.

    Reading the page creates nothing: a first-time visitor sees Django's
    defaults and empty panels until their first lab request.
    """
    learner = existing_learner(request)
    shown: dict = {}
    for _receiver, answer in lab_page_opening.send(sender=None, request=request, learner=learner):
        shown.update(answer or {})
    replaced = shown.pop("replaced", None)
    config = lab_config_for(learner)
    response = _render_lab_page(request, _lab_context(request, learner, config, **shown))
    if replaced is not None:
        drop_cookie_of(response, replaced)
    return response


@require_POST
def lab_settings(request: HtmxHttpRequest) -> HttpResponse:
    """Save the learner's lab settings; errors are shown beside their fields, input kept."""
    learner = learner_for(request)
    config = lab_config_for(learner)
    before = config.session_settings()
    form = LabSettingsForm(request.POST, instance=config, host=request.get_host())
    saved = form.is_valid()
    if saved:
        remember_settings_save(config, before)  # an event in the timeline
        form.save()
        form = LabSettingsForm(instance=config, host=request.get_host())
    if not request.htmx:
        if saved:
            return redirect(reverse("lessons:lab"))
        return _render_lab_page(request, _lab_context(request, learner, config, form=form))
    context = _lab_context(request, learner, config, form=form, settings_saved=saved)
    return render(request, LAB_TEMPLATE + "#settings-swap", context)


@require_POST
def lab_reset(request: HtmxHttpRequest) -> HttpResponse:
    """Put every lab setting back to Django's default."""
    learner = learner_for(request)
    preset_closed = lab_config_for(learner).preset_id is not None
    config = reset_lab(learner)
    if not request.htmx:
        return redirect(reverse("lessons:lab"))
    context = _lab_context(
        request,
        learner,
        config,
        settings_saved=True,
        settings_reset=True,
        preset_closed=preset_closed,
    )
    return render(request, LAB_TEMPLATE + "#settings-swap", context)


@require_POST
def lab_clear_timeline(request: HtmxHttpRequest) -> HttpResponse:
    """Forget the learner's lab requests; settings and sessions stay as they are."""
    learner = existing_learner(request)
    if learner is not None:
        clear_timeline(learner)
    if not request.htmx:
        return redirect(reverse("lessons:lab"))
    config = lab_config_for(learner)
    return render(
        request,
        LAB_TEMPLATE + "#panels",
        _panels_context(request, learner, config, out_of_band=True),
    )


@never_cache
@require_POST
def lab_action(request: HtmxHttpRequest) -> HttpResponse:
    """One real request through Django's SessionMiddleware with the learner's settings.

    The response is Django's own (its Set-Cookie untouched) with the updated
    panels as its body, or, without JavaScript, a redirect to the lab. On its
    way out the site's own middleware adds to Vary (Cookie, for the site's
    session; Accept-Language); the panels show the Vary that Django's
    SessionMiddleware set for the lab session alone.
    """
    with translation.override(
        language_or(request.POST.get("language"), translation.get_language())
    ):
        learner = learner_for(request, with_exchanges=EARLIER_EXCHANGES)
        config = lab_config_for(learner)
        action = ACTIONS.get(request.POST.get("action", ""))
        if action is None:
            return _action_refused(request, learner, config, "action", REFUSALS["no_action"]())
        refusal = next(
            (
                message
                for _receiver, message in lab_action_requested.send(sender=None, request=request)
                if message
            ),
            None,
        )
        if refusal:
            return _action_refused(request, learner, config, "action", refusal)
        browser = request.POST.get("browser") or LabExchange.Browser.A
        if browser not in LabExchange.Browser.values:
            return _action_refused(request, learner, config, "browser", REFUSALS["no_browser"]())
        if browser == LabExchange.Browser.B and action.name in BETWEEN_BROWSERS:
            return _action_refused(request, learner, config, "browser", REFUSALS["own_browser"]())
        try:
            given = parse_action_input(action, request.POST)
        except ActionInputError as error:
            return _action_refused(request, learner, config, error.field, str(error))
        run = run_in_browser(
            request, learner, config, action, given, browser, learner.recent_exchanges
        )
        solved = solved_by(learner, config, run)
        response = run.response
        if request.htmx:
            body = _lab_request_answer(request, learner, config, run, browser, solved)
            response.content = body.content
            for header in ("Content-Type", "HX-Retarget", "HX-Reswap"):
                if header in body:
                    response[header] = body[header]
            # A 400 or 503 from Django is still a result to show, not an htmx error.
            response.status_code = 200 if response.status_code >= 400 else response.status_code
            response["X-Lab-Status"] = str(run.exchange.status_code)
            # The exchange shown: what the page says it shows with its next request.
            response["X-Lab-Exchange"] = str(run.exchange.pk)
            return response
        response.status_code = 303
        response["Location"] = reverse("lessons:lab")
        return response


def _lab_request_answer(
    request: HtmxHttpRequest, learner, config: LabConfig, run: LabRun, browser: str, solved
) -> HttpResponse:
    """The panels after a lab request. When the page shows the timeline up to the request
    before this one (the form says which it shows), only what changed: the cards and the
    new timeline entry. Otherwise (another tab went on, the timeline was empty) the
    whole panels, retargeted. The preset's checklist and the live region are swapped too."""
    shown = request.POST.get("shown", "")
    if run.earlier and shown == str(run.earlier[0].pk):
        context = _panels_context(
            request,
            learner,
            config,
            run,
            solved=solved,
            out_of_band=True,
            cards_oob=True,
            browser_b_changed=browser == LabExchange.Browser.B
            or run.exchange.action in BETWEEN_BROWSERS,
        )
        # The cards are drawn in Python (cards.py); what only some answers have, from the
        # template.
        answer = cards.changed_panels(context["panels"], solved, ACTION_INPUT_NAMES)
        if context["browser_b_changed"] or solved or context["panels"]["checklist"]:
            answer += render_to_string(LAB_TEMPLATE + "#answer-extras", context, request)
        return HttpResponse(answer)
    # The exchanges in hand lack what drawing their entries needs: the panels read them.
    context = _panels_context(request, learner, config, solved=solved, out_of_band=True)
    return _whole_panels(render(request, LAB_TEMPLATE + "#panels", context))


def _whole_panels(response: HttpResponse) -> HttpResponse:
    """An answer holding all the panels: it replaces them, whatever the form targets."""
    response["HX-Retarget"] = "#lab-panels"
    response["HX-Reswap"] = "outerHTML"
    return response


def solved_by(learner, config: LabConfig, run: LabRun) -> list:
    """What the rest of the site made of this request: the exercises it solved."""
    responses = lab_request_recorded.send(
        sender=LabRun, learner=learner, config=config, exchange=run.exchange
    )
    return [item for _receiver, items in responses for item in items or []]


# Why a lab request was refused, in the learner's language.
REFUSALS = {
    "no_action": lambda: translation.gettext("There is no such lab action."),
    "no_browser": lambda: translation.gettext("Send it from your browser or from Browser B."),
    "own_browser": lambda: translation.gettext(
        "This one happens between the two browsers: send it from your own browser."
    ),
}


def _action_refused(
    request: HtmxHttpRequest, learner, config, field_name: str, message: str
) -> HttpResponse:
    """Bad input: nothing runs, the panels stay, the message sits beside the field."""
    context = _lab_context(
        request, learner, config, action_error={"field": field_name, "message": message}
    )
    if request.htmx:
        return _whole_panels(render(request, LAB_TEMPLATE + "#panels", context))
    return _render_lab_page(request, context)


@never_cache
@require_GET
def lab_state(request: HtmxHttpRequest) -> JsonResponse:
    """Every panel's data as JSON: settings, latest exchange, changes, store, timeline."""
    learner = existing_learner(request)
    config = lab_config_for(learner)
    panels = lab_panels_for(learner, config, cross_site=cross_site_origin_for(request) is not None)
    panels["browser_b"] = jar_contents(config)  # the cookies Browser B holds
    return JsonResponse(panels, json_dumps_params={"ensure_ascii": False})


@require_POST
def lab_try_preset(request: HtmxHttpRequest, lesson_slug: str, preset_slug: str) -> HttpResponse:
    """Set the lab to a lesson's starting point and open it.

    Every setting the preset does not name goes back to Django's default, the
    learner's timeline starts empty, and the browser is told to drop the lab
    cookie of the previous settings, so the lab starts from a clean slate.
    """
    preset = get_object_or_404(
        LabPreset.objects.select_related("lesson"), lesson__slug=lesson_slug, slug=preset_slug
    )
    previous = apply_preset(learner_for(request), preset)
    response = redirect(reverse("lessons:lab"))
    drop_cookie_of(response, previous)
    return response


@require_POST
def lab_measure(request: HtmxHttpRequest) -> HttpResponse:
    """Time the same session work on every engine, now, on this server."""
    context = {"timings": measure_engines(), "rounds": MEASURE_ROUNDS}
    if request.htmx:
        return render(request, "lessons/measure_engines.html#results", context)
    return render(request, "lessons/measure_page.html", context)


@require_POST
def lab_observe(request: HtmxHttpRequest) -> HttpResponse:
    """What the lab page's JavaScript saw after a lab request (document.cookie).

    Recorded once per exchange, only for the learner's own exchanges; a check
    trusts it only where it agrees with what the server recorded.
    """
    learner = existing_learner(request)
    if learner is not None:
        record_observation(
            learner, request.POST.get("exchange", ""), request.POST.get("document_cookie", "")
        )
    return HttpResponse(status=204)
