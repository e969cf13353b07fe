"""Values, cookies and sizes the lab refuses or trims, so that no input can break it.

Each case here once answered 500, or made the learner's lab answer 500 from
then on. Bad input is refused beside its field with a message that states the
limit; what the lab records is always small and safe to show.
"""

import base64
import json
import zlib

import pytest
from django.core import signing

from lessons.lab.limits import MAX_SESSION_BYTES, MAX_VALUE_DEPTH
from lessons.models import LabConfig, LabExchange

pytestmark = pytest.mark.django_db


def refused(learner, field: str, **fields) -> str:
    """Post an action that must be refused; the message beside `field`, from both kinds of form."""
    for htmx in (False, True):
        headers = {"HX-Request": "true"} if htmx else {}
        response = learner.client.post("/lab/run/", {"language": "en", **fields}, headers=headers)
        assert response.status_code == 200
        html = response.content.decode()
        assert f'data-field="{field}"' in html, html[:300]
    return html.split(f'data-field="{field}">')[1].split("</p>")[0]


def lab_still_works(learner) -> None:
    learner.do("set", key="after", value='"fine"')
    assert learner.client.get("/en/lab/").status_code == 200
    assert learner.state()["latest"]["store"]["database"]["decoded"]["after"] == "fine"


@pytest.mark.parametrize("depth", [MAX_VALUE_DEPTH + 1, 600, 5000])
def test_deeply_nested_json_is_refused_with_the_depth_limit(learner, depth):
    message = refused(learner, "value", action="set", key="deep", value="[" * depth + "]" * depth)
    assert str(MAX_VALUE_DEPTH) in message
    assert not LabExchange.objects.exists()
    lab_still_works(learner)


def test_json_nested_up_to_the_limit_is_stored(learner):
    value = "[" * MAX_VALUE_DEPTH + "]" * MAX_VALUE_DEPTH
    learner.do("set", key="deep", value=value)
    assert learner.state()["latest"]["store"]["database"]["decoded"]["deep"] == json.loads(value)


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e400", "[1, -1e999]"])
def test_numbers_json_cannot_hold_are_refused(learner, value):
    message = refused(learner, "value", action="set", key="n", value=value)
    assert "NaN" in message and "Infinity" in message
    lab_still_works(learner)


def test_an_integer_of_thousands_of_digits_is_refused_with_the_limit(learner):
    message = refused(learner, "value", action="set", key="n", value="9" * 5000)
    assert "100 digits" in message
    lab_still_works(learner)


@pytest.mark.parametrize("value", ['"\\ud800"', '{"\\udfff": 1}', '["ok", "\\ud83d"]'])
def test_lone_surrogates_are_refused_as_invalid_unicode(learner, value):
    message = refused(learner, "value", action="set", key="s", value=value)
    assert "Unicode" in message
    lab_still_works(learner)


def test_a_session_over_the_cap_is_refused_and_the_limit_explained(learner):
    chunk = json.dumps("x" * 15_000)
    stored = 0
    for number in range(10):
        response = learner.do("set", key=f"k{number}", value=chunk)
        error = learner.state()["latest"]["result"]["error"]
        if error:
            break
        stored += 1
    assert 0 < stored < 10
    assert f"{MAX_SESSION_BYTES // 1024} KB" in error
    assert "Django itself sets no such limit" in error
    # Refused before it reached the session: Django saved nothing new.
    assert response.set_cookie is None
    assert sorted(learner.state()["latest"]["store"]["database"]["decoded"]) == [
        f"k{n}" for n in range(stored)
    ]
    lab_still_works(learner)


def test_appending_past_the_cap_is_refused_too(learner):
    learner.do("set", key="list", value="[]")
    chunk = json.dumps("y" * 15_000)
    for _ in range(10):
        learner.do("append_modified", key="list", value=chunk)
        if learner.state()["latest"]["result"]["error"]:
            break
    assert "KB" in learner.state()["latest"]["result"]["error"]
    learner.do("get", key="list")
    assert len(json.dumps(learner.state()["latest"]["result"])) < MAX_SESSION_BYTES + 1000


def test_huge_values_are_trimmed_in_the_panels_and_the_json(learner):
    learner.do("set", key="big", value=json.dumps("z" * 15_000))
    html = learner.client.get("/en/lab/").content.decode()
    assert "z" * 15_000 not in html
    assert "more bytes" in html
    assert len(learner.client.get("/en/lab/state.json").content) < 200_000


@pytest.mark.parametrize(
    "name",
    [
        "expires",
        "Path",
        "DOMAIN",
        "max-age",
        "secure",
        "HttpOnly",
        "SameSite",
        "version",
        "comment",
        "partitioned",
    ],
)
def test_cookie_attribute_names_are_refused_as_cookie_names(learner, name):
    data = {
        "engine": "db", "cookie_age": "1209600", "cookie_name": name, "cookie_path": "/",
        "cookie_httponly": "on", "cookie_samesite": "Lax", "cache_alias": "redis",
    }  # fmt: skip
    response = learner.client.post("/en/lab/settings/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "CookieError" in html
    assert LabConfig.objects.get().cookie_name == "sessionid"
    lab_still_works(learner)


def test_an_observation_with_an_absurd_exchange_id_is_ignored(learner):
    learner.do("get", key="k")
    for exchange in ["9" * 5000, "²", "-1", "1e3", " 1"]:
        response = learner.client.post(
            "/en/lab/observe/", {"exchange": exchange, "document_cookie": "a=b"}
        )
        assert response.status_code == 204


def forged_signed_cookie(payload: bytes, compress: bool = True) -> str:
    """A signed_cookies value with this payload and a signature made up by the learner."""
    data = zlib.compress(payload) if compress else payload
    encoded = base64.urlsafe_b64encode(data).decode().rstrip("=")
    return f"{'.' if compress else ''}{encoded}:{signing.b62_encode(1_700_000_000)}:{'A' * 43}"


def test_a_forged_zip_bomb_cookie_is_refused_before_it_is_unpacked(learner):
    learner.configure(engine="signed_cookies")
    bomb = b'{"k":"' + b"a" * 5_000_000 + b'"}'
    cookie = forged_signed_cookie(bomb)
    assert len(cookie) < 10_000
    # A visit leaves the cookie alone, so the Store panel shows the forged one.
    for action in ("visit", "visit", "get"):
        learner.client.cookies["sessionid"] = cookie
        response = learner.do(action, key="k")
        assert response.status == 200
    visits = LabExchange.objects.filter(action="visit")
    assert all(len(json.dumps(exchange.store)) < 50_000 for exchange in visits)
    assert visits[0].store["cookie"]["payload_problem"] == "too_large"
    assert len(learner.client.get("/en/lab/state.json").content) < 300_000
    assert "failed its check (its signature does not match)" in response.html


@pytest.mark.parametrize(
    "payload",
    [b"[" * 3000 + b"]" * 3000, b'{"a":NaN}', b'"\\ud800"'],
    ids=["deep", "nan", "surrogate"],
)
def test_a_forged_cookie_with_odd_json_is_shown_safely(learner, payload):
    learner.configure(engine="signed_cookies")
    for action in ("visit", "read"):
        learner.client.cookies["sessionid"] = forged_signed_cookie(payload, compress=False)
        assert learner.do(action).status == 200
    assert learner.client.get("/en/lab/").status_code == 200
    assert learner.client.get("/en/lab/state.json").status_code == 200


def test_a_valid_signed_cookie_is_checked_before_it_is_decoded(learner):
    learner.configure(engine="signed_cookies")
    learner.do("set", key="role", value='"student"')
    cookie = learner.state()["latest"]["store"]["cookie"]
    assert cookie["valid"] is True
    assert cookie["payload"] == {"role": "student"}
