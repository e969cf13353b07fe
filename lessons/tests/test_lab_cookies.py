"""How the lab reads cookies and explains what the browser did with them."""

import datetime

import pytest
from django.core import signing

from lessons.lab.cookies import (
    decode_signed_cookie,
    domain_matches,
    explain_missing_cookie,
    parse_set_cookie,
    path_matches,
)

NOW = datetime.datetime(2026, 11, 23, 12, 0, tzinfo=datetime.UTC)
DEFAULT = (
    "sessionid=abc; expires=Mon, 07 Dec 2026 12:00:00 GMT; HttpOnly; Max-Age=1209600; "
    "Path=/; SameSite=Lax"
)


def why(
    raw,
    *,
    sent_to="127.0.0.1:8000",
    https=False,
    path="/lab/run/",
    host="127.0.0.1:8000",
    age=1,
    site="same-origin",
    navigation=None,
):
    return explain_missing_cookie(
        parse_set_cookie(raw),
        sent_at=NOW,
        sent_to_host=sent_to,
        sent_over_https=https,
        request_path=path,
        request_host=host,
        now=NOW + datetime.timedelta(seconds=age),
        fetch_site=site,
        top_level_get=navigation == "GET",
        top_level_navigation=navigation is not None,
    )


def test_a_set_cookie_header_is_taken_apart():
    cookie = parse_set_cookie(DEFAULT)
    assert (cookie.name, cookie.value) == ("sessionid", "abc")
    assert cookie.attributes["httponly"] is True
    assert cookie.max_age == 1209600
    assert not cookie.is_deletion and not cookie.is_session_cookie


def test_djangos_deletion_cookie_is_recognised():
    deletion = parse_set_cookie(
        'sessionid=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; SameSite=Lax'
    )
    assert deletion.is_deletion


def test_a_cookie_that_should_have_come_back_has_no_reason():
    assert why(DEFAULT) == []


@pytest.mark.parametrize(
    ("raw", "kwargs", "reason"),
    [
        ("sessionid=abc; Max-Age=5; Path=/", {"age": 6}, "expired"),
        ("sessionid=abc; Max-Age=5; Path=/", {"age": 4}, None),
        ("sessionid=abc; Path=/lab/shop/", {"path": "/lab/run/"}, "path_mismatch"),
        ("sessionid=abc; Max-Age=60; Path=/lab/shop/", {"path": "/lab/shop/run/"}, None),
        (
            "sessionid=abc; Max-Age=60; Path=/; Secure",
            {"sent_to": "lab.test:8000", "host": "lab.test:8000"},
            "secure_on_insecure_origin",
        ),
        ("sessionid=abc; Max-Age=60; Path=/; Secure", {}, None),  # 127.0.0.1 is a secure origin
        ("sessionid=abc; Max-Age=60; Path=/; SameSite=None", {}, "samesite_none_without_secure"),
        ("sessionid=" + "a" * 4088 + "; Max-Age=60; Path=/", {}, "too_large"),
        ("sessionid=abc; Max-Age=60; Domain=example.com; Path=/", {}, "domain_mismatch"),
        ("sessionid=abc; Max-Age=60; Path=/", {"host": "localhost:8000"}, "host_only"),
        (
            "__Host-sid=abc; Max-Age=60; Path=/lab/; Secure",
            {"path": "/lab/run/"},
            "host_prefix_rules",
        ),
        ("sessionid=abc; Path=/; HttpOnly", {}, "browser_closed"),
        (
            "sessionid=abc; Max-Age=60; Path=/; SameSite=Strict",
            {"site": "cross-site", "navigation": "GET"},
            "samesite_strict",
        ),
        (
            "sessionid=abc; Max-Age=60; Path=/; SameSite=Lax",
            {"site": "cross-site", "navigation": "GET"},
            None,
        ),
        (
            "sessionid=abc; Max-Age=60; Path=/; SameSite=Lax",
            {"site": "cross-site", "navigation": "POST"},
            "samesite_lax",
        ),
        ("sessionid=abc; Max-Age=60; Path=/; SameSite=Lax", {"site": "cross-site"}, "samesite_lax"),
        ("sessionid=abc; Max-Age=60; Path=/", {"site": "cross-site"}, "samesite_default_lax"),
        (
            "sessionid=abc; Max-Age=60; Path=/; SameSite=None; Secure",
            {"site": "cross-site"},
            "third_party_blocked",
        ),
        (
            "sessionid=abc; Max-Age=60; Path=/; SameSite=None; Secure",
            {"site": "cross-site", "navigation": "POST"},
            None,
        ),
    ],
)
def test_each_browser_rule_is_named(raw, kwargs, reason):
    reasons = why(raw, **kwargs)
    if reason is None:
        assert reasons == []
    else:
        assert reason in reasons


def test_domain_and_path_matching_follow_rfc_6265():
    assert domain_matches("shop.example.com", "example.com")
    assert domain_matches("example.com:8000", ".example.com")
    assert not domain_matches("badexample.com", "example.com")
    assert not domain_matches("127.0.0.1", "0.0.1")
    assert path_matches("/lab/run/", "/lab")
    assert path_matches("/lab/run/", "/lab/")
    assert not path_matches("/laboratory/", "/lab")


def test_a_signed_cookie_is_readable_without_the_key_and_checked_with_it():
    value = signing.dumps(
        {"cart": ["apple"]}, salt="django.contrib.sessions.backends.signed_cookies", compress=True
    )
    decoded = decode_signed_cookie(value, max_age=60)
    assert decoded["payload"] == {"cart": ["apple"]}
    assert decoded["valid"] is True

    payload, timestamp, signature = value.split(":")
    forged = decode_signed_cookie(f"{payload}:{timestamp}:{'A' * len(signature)}", max_age=60)
    assert forged["payload"] == {"cart": ["apple"]}  # still readable: signed, not encrypted
    assert forged["valid"] is False and forged["problem"] == "signature"

    assert decode_signed_cookie("not-a-signed-value", max_age=60)["problem"] == "format"


@pytest.mark.parametrize(
    "value", ["<b>::", "x::", "::", "abc:!!:sig", "abc:zzzzzzzzzzzzzzzzzzzz:sig"]
)
def test_a_value_with_three_parts_but_no_readable_time_is_rejected_not_an_error(value):
    """Three parts, but an empty, odd or impossible time: rejected like any forgery."""
    decoded = decode_signed_cookie(value, max_age=60)
    assert decoded["valid"] is False
    assert decoded["problem"] == "signature"
    assert decoded["signed_at"] is None


def test_a_compressed_signed_cookie_is_decoded_too():
    value = signing.dumps(
        {"text": "a" * 500}, salt="django.contrib.sessions.backends.signed_cookies", compress=True
    )
    assert value.startswith(".")
    decoded = decode_signed_cookie(value, max_age=60)
    assert decoded["compressed"] is True
    assert decoded["payload"] == {"text": "a" * 500}


def test_a_cross_site_form_navigation_is_not_blamed_on_third_party_blocking(rf):
    """A top-level navigation from another site carries SameSite=None cookies even where
    third-party cookies are blocked: another reason must be found (here, expiry)."""
    from lessons.lab.explain import missing_cookie_note
    from lessons.lab.observe import RequestFacts
    from lessons.models import LabConfig, LabExchange

    sent = LabExchange(
        created_at=datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=10),
        settings_snapshot={"_host": "127.0.0.1:8000", "_https": False},
        set_cookie_headers=["sessionid=abc; Max-Age=5; Path=/; SameSite=None; Secure"],
    )
    headers = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate",
               "Sec-Fetch-Dest": "document", "Host": "127.0.0.1:8000"}  # fmt: skip
    form_post = rf.post("/lab/probe/x/", headers=headers)
    note = missing_cookie_note([sent], LabConfig(), RequestFacts.of(form_post))
    assert note["reasons"] == ["expired"]
    fetch = rf.post("/lab/probe/x/", headers={**headers, "Sec-Fetch-Mode": "no-cors",
                                               "Sec-Fetch-Dest": "empty"})  # fmt: skip
    assert (
        "third_party_blocked"
        in missing_cookie_note([sent], LabConfig(), RequestFacts.of(fetch))["reasons"]
    )
