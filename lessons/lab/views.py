"""The lab's pages: the lab itself, its settings, its actions, and its state as JSON."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_GET, require_POST

from lessons.lab.actions import ACTIONS, ActionInputError, parse_action_input
from lessons.lab.engines import ENGINES
from lessons.lab.forms import LabSettingsForm, django_default_display
from lessons.lab.learners import lab_config_for, learner_for
from lessons.lab.panels import lab_panels_for
from lessons.lab.runner import run_lab_action
from lessons.models import LabConfig

LAB_TEMPLATE = "lab/lab.html"
# The lab's requests go to these paths (outside /en/ and /uz/) so that
# SESSION_COOKIE_PATH can be tried: a cookie for /lab/shop/ comes back only
# to the second one.
LAB_REQUEST_PATHS = ("/lab/run/", "/lab/shop/run/")
# Actions grouped as the lab page lays them out.
ACTION_GROUPS = (
    ("data", ("set", "get", "contains", "delete", "pop", "append", "append_modified")),
    ("session", ("clear", "flush", "cycle_key", "visit", "read", "clearsessions")),
    ("expiry", ("expiry_seconds", "expiry_date", "expiry_zero", "expiry_none")),
)


# Django's defaults as settings.py would spell them, shown under each field.
FIELD_DEFAULTS = {name: django_default_display(name) for name in LabSettingsForm.Meta.fields}


def _lab_context(request: HttpRequest, learner, config: LabConfig, **extra) -> dict:
    """What the lab template needs; the settings form only where a partial shows it."""
    context = {
        "config": config,
        "engine": ENGINES[config.engine],
        "field_defaults": FIELD_DEFAULTS,
        "action_groups": [
            (group, [ACTIONS[name] for name in names]) for group, names in ACTION_GROUPS
        ],
        "request_paths": LAB_REQUEST_PATHS,
        "panels": lab_panels_for(learner, config),
        **extra,
    }
    if "form" not in context:
        context["form"] = SimpleLazyObject(
            lambda: LabSettingsForm(instance=config, host=request.get_host())
        )
    return context


@require_GET
def lab_page(request: HttpRequest) -> HttpResponse:
    """The lab: settings, actions and the live cookie, store and timeline panels."""
    learner = learner_for(request)
    config = lab_config_for(learner)
    template_name = LAB_TEMPLATE
    if request.htmx and request.GET.get("panel") == "panels":
        template_name += "#panels"
    return render(request, template_name, _lab_context(request, learner, config))


@require_POST
def lab_settings(request: HttpRequest) -> HttpResponse:
    """Save the learner's lab settings; errors are shown beside their fields, input kept."""
    learner = learner_for(request)
    config = lab_config_for(learner)
    form = LabSettingsForm(request.POST, instance=config, host=request.get_host())
    saved = form.is_valid()
    if saved:
        form.save()
        form = LabSettingsForm(instance=config, host=request.get_host())
    if not request.htmx:
        if saved:
            return redirect(reverse("lessons:lab"))
        return render(
            request, LAB_TEMPLATE, _lab_context(request, learner, config, form=form), status=200
        )
    context = _lab_context(request, learner, config, form=form, settings_saved=saved)
    return render(request, LAB_TEMPLATE + "#settings-swap", context)


@require_POST
def lab_reset(request: HttpRequest) -> HttpResponse:
    """Put every lab setting back to Django's default."""
    learner = learner_for(request)
    LabConfig.objects.filter(learner=learner).delete()
    config = LabConfig.objects.create(learner=learner)
    if not request.htmx:
        return redirect(reverse("lessons:lab"))
    context = _lab_context(request, learner, config, settings_saved=True, settings_reset=True)
    return render(request, LAB_TEMPLATE + "#settings-swap", context)


@require_POST
def lab_action(request: HttpRequest) -> HttpResponse:
    """One real request through Django's SessionMiddleware with the learner's settings.

    The response is Django's own (its Set-Cookie untouched) with the updated
    panels as its body, or, without JavaScript, a redirect to the lab. On its
    way out the site's own middleware adds to Vary (Cookie, for the site's
    session; Accept-Language); the panels show the Vary that Django's
    SessionMiddleware set for the lab session alone.
    """
    language = request.POST.get("language")
    if language not in {"en", "uz"}:
        language = translation.get_language()
    with translation.override(language):
        learner = learner_for(request)
        config = lab_config_for(learner)
        action = ACTIONS.get(request.POST.get("action", ""))
        if action is None:
            return _action_refused(request, learner, config, "action", _unknown_action_message())
        try:
            given = parse_action_input(action, request.POST)
        except ActionInputError as error:
            return _action_refused(request, learner, config, error.field, str(error))
        run = run_lab_action(request, learner, config, action, given)
        response = run.response
        if request.htmx:
            body = render(request, LAB_TEMPLATE + "#panels", _lab_context(request, learner, config))
            response.content = body.content
            response["Content-Type"] = body["Content-Type"]
            # A 400 or 503 from Django is still a result to show, not an htmx error.
            response.status_code = 200 if response.status_code >= 400 else response.status_code
            response["X-Lab-Status"] = str(run.exchange.status_code)
            return response
        response.status_code = 303
        response["Location"] = reverse("lessons:lab")
        return response


def _unknown_action_message() -> str:
    return translation.gettext("There is no such lab action.")


def _action_refused(request, learner, config, field_name: str, message: str) -> HttpResponse:
    """Bad input: nothing runs, the panels stay, the message sits beside the field."""
    context = _lab_context(
        request, learner, config, action_error={"field": field_name, "message": message}
    )
    if request.htmx:
        return render(request, LAB_TEMPLATE + "#panels", context)
    return render(request, LAB_TEMPLATE, context)


@require_GET
def lab_state(request: HttpRequest) -> JsonResponse:
    """Every panel's data as JSON: settings, latest exchange, changes, store, timeline."""
    learner = learner_for(request)
    config = lab_config_for(learner)
    return JsonResponse(lab_panels_for(learner, config), json_dumps_params={"ensure_ascii": False})
