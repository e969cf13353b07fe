"""SameSite: a page on "another site" that sends requests to the lab, and the lab's probe.

Browsers count `localhost` and `127.0.0.1` as two sites, so locally each is
the other's "another site" (`LAB_CROSS_SITE_ORIGIN` names one for a classroom).
"""

from dataclasses import replace

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lessons.htmx import HtmxHttpRequest
from lessons.lab.actions import ACTIONS, ActionInput
from lessons.lab.runner import run_lab_action
from lessons.lab.services import cross_site_page_url, signed_lab_origin
from lessons.lab.views import language_or, solved_by
from lessons.learners import lab_config_for, learner_for
from lessons.models import Learner

# How the cross-site page reaches the lab: each arrives in the timeline.
CROSS_SITE_WAYS = ("link", "form", "fetch")


@require_POST
def lab_open_cross_site(request: HtmxHttpRequest) -> HttpResponse:
    """Open the learner's page on "another site" (a POST: it may make this browser a learner)."""
    url = cross_site_page_url(request, learner_for(request))
    if url is None:
        return redirect(reverse("lessons:lab"))
    return redirect(url)


@require_GET
def lab_cross_site_page(request: HtmxHttpRequest, token: str) -> HttpResponse:
    """A page of "another site" with a link, a form and a fetch() to the learner's lab."""
    learner = get_object_or_404(Learner, cross_site_token=token)
    language = language_or(request.GET.get("lang"), "en")
    lab_origin = signed_lab_origin(request.GET.get("lab", ""))
    probe_path = reverse("lab_probe", kwargs={"token": learner.cross_site_token})
    with translation.override(language):
        context = {
            "lab_origin": lab_origin,
            "probe_url": f"{lab_origin}{probe_path}" if lab_origin else None,
            "language": language,
        }
        response = render(request, "lab/cross_site.html", context)
    if lab_origin:
        # The page's form and fetch() go to the lab, on the other origin.
        response._csp_update = {"form-action": [lab_origin], "connect-src": [lab_origin]}
    return response


@csrf_exempt
@require_http_methods(["GET", "POST"])
def lab_probe(request: HtmxHttpRequest, token: str) -> HttpResponse:
    """A request from the cross-site page: recorded with the Cookie the browser chose to send.

    It runs the lab's "visit" (the session is not touched), so the timeline
    shows only whether the browser sent the lab cookie, and why not.
    """
    learner = get_object_or_404(
        Learner.objects.select_related("lab_config__preset__lesson"), cross_site_token=token
    )
    config = lab_config_for(learner)
    way = request.GET.get("via") or request.POST.get("via") or "link"
    if way not in CROSS_SITE_WAYS:
        way = "link"
    action = replace(ACTIONS["visit"], name=f"cross_site_{way}")
    language = language_or(request.GET.get("lang") or request.POST.get("lang"), "en")
    with translation.override(language):
        run = run_lab_action(request, learner, config, action, ActionInput())
        solved_by(learner, config, run)  # shown when the lab page is next drawn
        if way == "fetch":
            run.response.status_code = 204
            return run.response
        # A link or a form: land back on the lab, where the timeline shows it.
        run.response.status_code = 303
        run.response["Location"] = reverse("lessons:lab")
        return run.response
