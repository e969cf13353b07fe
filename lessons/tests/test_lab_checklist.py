"""A preset's "Do" as a checklist beside the lab that ticks itself as the learner goes."""

import re

import pytest

from lessons.content_files import read_lesson_sources
from lessons.lab.actions import ACTIONS
from lessons.lab.checklist import CROSS_SITE, preset_checklist, step_actions
from lessons.lab.panels import TIMELINE_SHOWN
from lessons.tests.lab_helpers import LabLearner

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("lessons")]

PRESET_URL = "/{language}/lab/try/what-a-session-is/no-cookie-until-changed/"


def _ticks(state: dict) -> list[tuple[str, bool]]:
    return [(step["action"], step["done"]) for step in state["checklist"]]


@pytest.mark.parametrize("language", ["en", "uz"])
def test_the_steps_tick_as_the_learner_runs_them(learner: LabLearner, language):
    learner.client.post(PRESET_URL.format(language=language))
    state = learner.client.get(f"/{language}/lab/state.json").json()
    assert _ticks(state) == [("visit", False), ("read", False), ("set", False)]

    learner.do("visit", language=language)
    response = learner.do("read", language=language)
    # The checklist beside the panels is swapped in with them.
    checklist = re.search(
        r'<ol class="checklist" id="preset-checklist".*?</ol>', response.html, re.S
    )
    assert checklist and 'hx-swap-oob="true"' in checklist.group(0)
    assert checklist.group(0).count('data-done="true"') == 2
    state = learner.client.get(f"/{language}/lab/state.json").json()
    assert _ticks(state) == [("visit", True), ("read", True), ("set", False)]

    learner.do("set", key="cart", value='["apple"]', language=language)
    page = learner.client.get(f"/{language}/lab/").content.decode()
    assert page.count("checklist__step--done") == 3


def test_a_step_counts_only_after_the_one_before_it(learner: LabLearner):
    learner.client.post(PRESET_URL.format(language="en"))
    learner.do("set", key="cart", value='["apple"]')
    learner.do("visit")
    state = learner.state()
    # "Set a key" came first, before the visits it should follow; the visit counts.
    assert _ticks(state) == [("visit", True), ("read", False), ("set", False)]


def test_clearing_the_timeline_unticks_the_steps(learner: LabLearner):
    learner.client.post(PRESET_URL.format(language="en"))
    learner.do("visit")
    response = learner.client.post("/en/lab/timeline/clear/", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert (
        'id="preset-checklist" aria-label="Steps" data-testid="checklist" hx-swap-oob="true"'
        in html
    )
    assert 'data-done="true"' not in html


def test_without_a_preset_there_is_no_checklist(learner: LabLearner):
    learner.do("visit")
    assert learner.state()["checklist"] == []
    assert "preset-checklist" not in learner.client.get("/en/lab/").content.decode()


# Bold words in a preset's steps that are not lab buttons: the settings form and the path choice.
NOT_STEPS = {"en": {"Settings", "Send to"}, "uz": {"Sozlamalar", "Qayerga yuborish"}}


@pytest.mark.parametrize("language", ["en", "uz"])
def test_every_button_a_preset_names_is_a_step_in_both_languages(language):
    from django.utils import translation

    for source in read_lesson_sources():
        for preset in source.presets:
            text = preset.text[language]["steps"]
            with translation.override(language):
                steps = preset_checklist(text, [])
                buttons = step_actions()
            where = f"{source.slug}/{preset.slug}"
            assert steps, f"{where} names no lab button in its steps"
            assert all(step.action in ACTIONS or step.action == CROSS_SITE for step in steps)
            unknown = set(re.findall(r"\*\*(.+?)\*\*", text)) - set(buttons) - NOT_STEPS[language]
            assert unknown == set(), f"{where}: {unknown} are neither buttons nor settings"


def test_a_request_from_the_cross_site_page_ticks_its_step():
    steps = preset_checklist(
        "Press **Set a key**, then **Open the cross-site page** and follow its link.",
        ["cross_site_link", "set"],
    )
    assert [(step.action, step.done) for step in steps] == [("set", True), (CROSS_SITE, True)]
    assert not preset_checklist("**Open the cross-site page**", ["visit"])[0].done
    # Where the lab offers no cross-site page, there is no such step to tick.
    assert preset_checklist("**Open the cross-site page**", [], cross_site=False) == []


@pytest.mark.django_db
def test_the_cross_site_step_shows_only_where_the_lab_offers_that_page(learner: LabLearner):
    learner.client.post("/en/lab/try/cookie-flags/samesite-lax/")
    local = learner.client.get("/en/lab/state.json", HTTP_HOST="127.0.0.1").json()["checklist"]
    assert CROSS_SITE in [step["action"] for step in local]
    elsewhere = learner.client.get("/en/lab/state.json", HTTP_HOST="[::1]").json()["checklist"]
    assert elsewhere and CROSS_SITE not in [step["action"] for step in elsewhere]


def test_steps_stay_ticked_after_more_requests_than_the_timeline_shows(learner: LabLearner):
    learner.client.post(PRESET_URL.format(language="en"))
    for action in ("visit", "read"):
        learner.do(action)
    learner.do("set", key="cart", value='["apple"]')
    for _ in range(TIMELINE_SHOWN + 2):
        html = learner.do("get", key="cart").html
    # In the lab request's own response, and after a reload.
    assert html.count('data-done="true"') == 3
    assert all(done for _action, done in _ticks(learner.state()))
    page = learner.client.get("/en/lab/").content.decode()
    assert page.count("checklist__step--done") == 3


def test_a_reset_takes_the_preset_away(learner: LabLearner):
    delete = '<div id="preset-banner" hx-swap-oob="delete"></div>'
    learner.client.post(PRESET_URL.format(language="en"))
    response = learner.client.post("/en/lab/reset/", headers={"HX-Request": "true"})
    assert delete in response.content.decode()
    assert learner.state()["checklist"] == []
    # With no preset open there is nothing to take away.
    again = learner.client.post("/en/lab/reset/", headers={"HX-Request": "true"})
    assert delete not in again.content.decode()
