"""A lab request from the lab page brings only what changed: the cards and one new timeline
entry, with the entries it pushes out of view removed; a page that is behind gets all the
panels again."""

import re

import pytest

from lessons.lab.panels import TIMELINE_SHOWN

pytestmark = pytest.mark.django_db

ENTRY = re.compile(r'<li value="(\d+)" id="(timeline-exchange-\d+)"')
DELETED = re.compile(r'<li id="([\w-]+)" hx-swap-oob="delete">')


def post_from_page(learner, action: str = "set", shown: str | None = None, **fields):
    """A lab request as the page sends it: `shown` is the exchange the page shows last."""
    if shown is None:
        latest = learner.state()["latest"]
        shown = str(latest["id"]) if latest else ""
    data = {"action": action, "language": "en", "shown": shown, "key": "cart", **fields}
    response = learner.client.post("/lab/run/", data, headers={"HX-Request": "true"})
    assert response.status_code == 200
    return response


def test_the_answer_holds_the_cards_and_the_one_new_entry(learner):
    learner.do("set", key="cart", value='["pear"]')
    response = post_from_page(learner, value='["apple"]')
    html = response.content.decode()
    new_id = learner.state()["latest"]["id"]
    assert "HX-Retarget" not in response
    assert response["X-Lab-Exchange"] == str(new_id)
    assert html.lstrip().startswith('<section class="lab-card lab-result" id="lab-result"')
    assert f'data-exchange-id="{new_id}"' in html
    # The cookie card's changing parts and the store card; not what the page's script
    # fills in (document.cookie) nor the card around them.
    for part in ("lab-cookie-set", "lab-cookie-headers", "lab-store"):
        assert re.search(rf'id="{part}"[^>]*hx-swap-oob="true"', html), part
    assert 'id="lab-cookie"' not in html
    assert 'id="document-cookie"' not in html
    assert 'id="lab-browser-b"' not in html  # Browser B's jar did not change
    assert 'id="lab-timeline"' not in html
    assert '<ol hx-swap-oob="afterbegin:#timeline-list">' in html
    assert ENTRY.findall(html) == [("2", f"timeline-exchange-{new_id}")]
    assert not DELETED.findall(html)
    assert "apple" in html


RESULT_CARD = re.compile(r'<section class="lab-card lab-result".*?</section>', re.S)


@pytest.mark.parametrize("language", ["en", "uz"])
def test_the_answers_result_card_is_the_one_a_fresh_page_draws(learner, language):
    """With the error message holders the request form's fields point at (aria-describedby)."""
    learner.do("set", key="cart", value='["pear"]')
    answer = post_from_page(learner, value='["apple"]', language=language).content.decode()
    page = learner.client.get(f"/{language}/lab/").content.decode()
    (card,) = RESULT_CARD.findall(answer)
    assert card == RESULT_CARD.findall(page)[0]
    for name in ("key", "value", "seconds", "username", "browser"):
        assert f'id="{name}-error"' in card
        assert re.search(rf'aria-describedby="[^"]*\b{name}-error\b', page), name


def test_a_request_from_browser_b_redraws_its_card(learner):
    learner.do("set", key="cart", value='["pear"]')
    html = post_from_page(learner, "copy_to_b").content.decode()
    assert re.search(r'id="lab-browser-b"[^>]*hx-swap-oob="true"', html)
    assert 'data-testid="browser-b-cookie"' in html
    html = post_from_page(learner, "get", browser="b").content.decode()
    assert re.search(r'id="lab-browser-b"[^>]*hx-swap-oob="true"', html)


@pytest.mark.parametrize("shown", ["", "0", "not-a-number", "<b>"])
def test_a_page_that_is_behind_gets_all_the_panels(learner, shown):
    """Another tab went on, or the page never had the exchange before: all of them again."""
    first = learner.do("set", key="cart", value='["pear"]')
    assert first  # one exchange the page does not say it shows
    response = post_from_page(learner, shown=shown, value='["apple"]')
    html = response.content.decode()
    assert response["HX-Retarget"] == "#lab-panels"
    assert response["HX-Reswap"] == "outerHTML"
    assert 'id="lab-panels"' in html
    assert [number for number, _id in ENTRY.findall(html)] == ["2", "1"]
    assert 'hx-swap-oob="afterbegin' not in html


def test_the_first_request_draws_the_whole_timeline(learner):
    response = post_from_page(learner, "get", shown="")
    assert response["HX-Retarget"] == "#lab-panels"
    assert 'id="timeline-list"' in response.content.decode()


def test_refused_input_answers_with_all_the_panels_and_the_message(learner):
    learner.do("set", key="cart", value='["pear"]')
    response = post_from_page(learner, "set", value="{not json")
    html = response.content.decode()
    assert response["HX-Retarget"] == "#lab-panels"
    assert 'id="value-error"' in html and 'role="alert"' in html
    assert [number for number, _id in ENTRY.findall(html)] == ["1"]  # nothing ran


def test_the_entry_pushed_out_of_view_is_removed(learner):
    for _ in range(TIMELINE_SHOWN):
        learner.do("get", key="cart")
    state = learner.state()
    oldest_shown = state["timeline"][-1]
    assert len(state["timeline"]) == TIMELINE_SHOWN
    html = post_from_page(learner, "get").content.decode()
    assert DELETED.findall(html) == [oldest_shown["element_id"]]
    assert [number for number, _id in ENTRY.findall(html)] == [str(TIMELINE_SHOWN + 1)]
    # And the page, drawn afresh, shows what the swaps left: the newest TIMELINE_SHOWN.
    numbers = [entry["number"] for entry in learner.state()["timeline"]]
    assert numbers == list(range(TIMELINE_SHOWN + 1, 1, -1))


def test_a_settings_save_goes_with_the_request_it_followed(learner):
    learner.do("get", key="cart")
    learner.configure(cookie_age="600")
    for _ in range(TIMELINE_SHOWN - 1):
        learner.do("get", key="cart")
    events = learner.client.get("/en/lab/state.json").json()["events"]
    saves = [event for event in events if event["kind"] == "settings"]
    assert len(saves) == 1  # shown, between the first two requests
    html = post_from_page(learner, "get").content.decode()
    assert saves[0]["element_id"] in DELETED.findall(html)


def test_the_request_right_after_a_save_names_the_settings_it_changed(learner):
    learner.do("set", key="cart", value='["pear"]')
    learner.configure(cookie_age="600")
    html = post_from_page(learner, "get").content.decode()
    assert 'data-testid="timeline-settings"' in html
    assert "SESSION_COOKIE_AGE" in html
    assert "1209600 → 600" not in html  # the save's own entry, on the page, says old → new


def test_numbers_go_on_past_the_trim_and_start_again_after_clearing(learner):
    for _ in range(3):
        learner.do("get", key="cart")
    assert learner.state()["latest"]["number"] == 3
    learner.client.post("/en/lab/timeline/clear/")
    learner.do("get", key="cart")
    assert learner.state()["latest"]["number"] == 1
