"""Read cookies the way a learner needs to see them.

- `cookie_pairs`: a Cookie header, name by name, as the browser sent it.
- `parse_set_cookie`: a Set-Cookie header, attribute by attribute.
- `decode_signed_cookie`: what a signed_cookies session cookie holds (signed,
  not encrypted: anyone can read it, nobody can change it unnoticed).
- `explain_missing_cookie`: when the browser did not send back a cookie the
  lab set, the browser rules that explain it.
"""

import base64
import binascii
import datetime
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from ipaddress import ip_address
from typing import Any

from django.core import signing
from django.utils import timezone

from lessons.lab.limits import MAX_VALUE_DEPTH, json_nesting_depth

# Chromium (like the other browsers, after RFC 6265bis) drops a cookie whose
# name plus value is longer than this, without any error.
BROWSER_COOKIE_LIMIT = 4096
SIGNED_COOKIE_SALT = "django.contrib.sessions.backends.signed_cookies"
# Hosts that browsers treat as secure origins even over plain http.
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}


@dataclass(frozen=True)
class SetCookie:
    """One Set-Cookie header, split into its parts."""

    raw: str
    name: str
    value: str
    attributes: dict[str, str | bool]

    @property
    def is_deletion(self) -> bool:
        """Django deletes a cookie by sending it empty with Max-Age=0 and a 1970 expiry."""
        return self.attributes.get("max-age") == "0" or self.value == ""

    @property
    def max_age(self) -> int | None:
        raw = self.attributes.get("max-age")
        try:
            return int(raw) if isinstance(raw, str) else None
        except ValueError:
            return None

    @property
    def is_session_cookie(self) -> bool:
        """No Max-Age and no Expires: the browser keeps it until it closes."""
        return "max-age" not in self.attributes and "expires" not in self.attributes

    def expires_at(self, sent_at: datetime.datetime) -> datetime.datetime | None:
        """When the browser throws it away (Max-Age wins over Expires, as browsers do)."""
        if self.max_age is not None:
            return sent_at + datetime.timedelta(seconds=self.max_age)
        expires = self.attributes.get("expires")
        if isinstance(expires, str):
            try:
                return parsedate_to_datetime(expires)
            except (TypeError, ValueError):
                return None
        return None

    def as_dict(self) -> dict[str, Any]:
        return {
            "raw": self.raw,
            "name": self.name,
            "value": self.value,
            "attributes": self.attributes,
        }


def cookie_pairs(header: str) -> Iterator[tuple[str, str, str]]:
    """The parts of a Cookie header in the order sent: (name, "=", value), or (name, "", "")
    for a part without "=". Unlike Django's `request.COOKIES`, repeated names all appear."""
    for part in header.split(";"):
        name, sep, value = part.strip().partition("=")
        if name:
            yield name, sep, value


def parse_set_cookie(raw: str) -> SetCookie:
    """Split a Set-Cookie header value ("name=value; Path=/; HttpOnly") into its parts."""
    first, *rest = raw.split(";")
    name, _sep, value = first.strip().partition("=")
    attributes: dict[str, str | bool] = {}
    for part in rest:
        key, sep, attribute_value = part.strip().partition("=")
        if key:
            attributes[key.lower()] = attribute_value if sep else True
    return SetCookie(raw=raw, name=name, value=value, attributes=attributes)


def decode_signed_cookie(value: str, max_age: int | None) -> dict[str, Any]:
    """Take a signed_cookies session value apart: payload, timestamp, signature, verdict.

    The signature is checked first, as Django's SessionStore does, with the
    same age limit: a valid cookie's payload is what Django loads. A cookie
    that fails the check is still taken apart for the learner to read, as
    anyone holding it could, but only so far: its payload is unpacked to at
    most MAX_TEACHING_PAYLOAD bytes and MAX_VALUE_DEPTH levels.
    """
    parts = value.split(":")
    decoded: dict[str, Any] = {"valid": False, "compressed": False, "payload": None}
    if len(parts) != 3:
        decoded["problem"] = "format"
        return decoded
    payload, timestamp, signature = parts
    decoded.update(
        {
            "payload_b64": payload,
            "timestamp_b62": timestamp,
            "signature": signature,
            "compressed": payload.startswith("."),
            "signed_at": _signed_at(timestamp),
        }
    )
    try:
        decoded["payload"] = signing.loads(value, salt=SIGNED_COOKIE_SALT, max_age=max_age)
    except signing.SignatureExpired:
        decoded["problem"] = "expired"
    except (signing.BadSignature, ValueError):
        decoded["problem"] = "signature"
    else:
        decoded["valid"] = True
        return decoded
    try:
        decoded["payload"] = _read_unsigned_payload(payload)
    except PayloadUnreadable as unreadable:
        decoded["payload_problem"] = unreadable.reason
    return decoded


# How much of a rejected cookie's payload the lab unpacks to show it.
MAX_TEACHING_PAYLOAD = 64 * 1024


class PayloadUnreadable(Exception):
    """Why a payload was not shown: "encoding", "too_large", "too_deep" or "json"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _signed_at(timestamp: str) -> str | None:
    """When the value says it was signed (base 62 seconds), or None if it says nothing."""
    if not timestamp:
        return None  # Django's b62_decode reads the first character before anything else
    try:
        moment = datetime.datetime.fromtimestamp(signing.b62_decode(timestamp), tz=datetime.UTC)
    except (ValueError, OverflowError, OSError):
        return None
    return moment.isoformat()


def _read_unsigned_payload(payload: str) -> Any:
    """Base64, maybe zlib, then JSON: what anyone can read of a signed value, within limits."""
    compressed = payload.startswith(".")
    body = payload.lstrip(".")
    if len(body) > 2 * MAX_TEACHING_PAYLOAD:
        raise PayloadUnreadable("too_large")
    try:
        data = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        if compressed:
            unpacker = zlib.decompressobj()
            data = unpacker.decompress(data, MAX_TEACHING_PAYLOAD)
            if unpacker.unconsumed_tail:
                raise PayloadUnreadable("too_large")
        text = data.decode("utf-8")
    except (binascii.Error, ValueError, zlib.error):
        raise PayloadUnreadable("encoding") from None
    if json_nesting_depth(text, stop_after=MAX_VALUE_DEPTH) > MAX_VALUE_DEPTH:
        raise PayloadUnreadable("too_deep")
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise PayloadUnreadable("json") from None


def _host_without_port(host: str) -> str:
    if host.startswith("["):
        return host.split("]")[0] + "]"
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def is_secure_context(host: str, is_https: bool) -> bool:
    """Would Chromium accept a Secure cookie from this origin?"""
    return is_https or _host_without_port(host).lower() in LOOPBACK_HOSTS


def domain_matches(host: str, domain: str) -> bool:
    """RFC 6265 domain matching, as browsers apply the Domain attribute."""
    host = _host_without_port(host).lower()
    domain = domain.lower().lstrip(".")
    if host == domain:
        return True
    try:
        ip_address(host.strip("[]"))
    except ValueError:
        return host.endswith("." + domain)
    return False  # an IP address only matches itself


def path_matches(request_path: str, cookie_path: str) -> bool:
    """RFC 6265 path matching: /lab/ matches /lab/run/, not /laboratory/."""
    if request_path == cookie_path:
        return True
    if request_path.startswith(cookie_path):
        return cookie_path.endswith("/") or request_path[len(cookie_path)] == "/"
    return False


def rejection_reasons(cookie: SetCookie, host: str, is_https: bool) -> list[str]:
    """Why a browser refuses to store this cookie at all (empty: it stores it)."""
    reasons = []
    if len(cookie.name) + len(cookie.value) > BROWSER_COOKIE_LIMIT:
        reasons.append("too_large")
    secure = bool(cookie.attributes.get("secure"))
    if secure and not is_secure_context(host, is_https):
        reasons.append("secure_on_insecure_origin")
    samesite = cookie.attributes.get("samesite")
    if isinstance(samesite, str) and samesite.lower() == "none" and not secure:
        reasons.append("samesite_none_without_secure")
    if cookie.name.startswith(("__Secure-", "__Host-")) and not secure:
        reasons.append("prefix_needs_secure")
    if cookie.name.startswith("__Host-") and (
        "domain" in cookie.attributes or cookie.attributes.get("path") != "/"
    ):
        reasons.append("host_prefix_rules")
    domain = cookie.attributes.get("domain")
    if isinstance(domain, str) and domain and not domain_matches(host, domain):
        reasons.append("domain_mismatch")
    return reasons


def explain_missing_cookie(
    cookie: SetCookie,
    sent_at: datetime.datetime,
    sent_to_host: str,
    sent_over_https: bool,
    request_path: str,
    request_host: str,
    now: datetime.datetime | None = None,
    fetch_site: str = "",
    top_level_get: bool = False,
    top_level_navigation: bool = False,
) -> list[str]:
    """Why a cookie set by an earlier response is not in this request.

    Reasons, most certain first: refused when it arrived (too large, Secure on
    http, ...), the Domain or Path does not cover this request, it expired,
    SameSite kept it from a request another site started (`fetch_site` is the
    browser's Sec-Fetch-Site header; `top_level_get` a GET navigation). A
    browser-session cookie with none of these may have gone with a browser
    restart. An empty list means the browser's rules say it should be here.
    """
    now = now or timezone.now()
    reasons = rejection_reasons(cookie, sent_to_host, sent_over_https)
    if reasons:
        return reasons
    domain = cookie.attributes.get("domain")
    if isinstance(domain, str) and domain:
        if not domain_matches(request_host, domain):
            reasons.append("domain_mismatch")
    elif _host_without_port(request_host).lower() != _host_without_port(sent_to_host).lower():
        reasons.append("host_only")
    path = cookie.attributes.get("path")
    if isinstance(path, str) and not path_matches(request_path, path):
        reasons.append("path_mismatch")
    expires_at = cookie.expires_at(sent_at)
    if expires_at is not None and expires_at <= now:
        reasons.append("expired")
    if fetch_site == "cross-site":
        samesite = cookie.attributes.get("samesite")
        samesite = samesite.lower() if isinstance(samesite, str) else ""
        if samesite == "strict":
            reasons.append("samesite_strict")
        elif samesite in {"lax", ""} and not top_level_get:
            # Chromium treats a cookie without SameSite as Lax.
            reasons.append("samesite_lax" if samesite else "samesite_default_lax")
        elif samesite == "none" and not top_level_navigation:
            # SameSite=None allows it, but browsers that block third-party
            # cookies (Safari, Firefox's partitioning, Chrome in private
            # windows and in test browsers) keep it from requests that another
            # site's page makes (fetch, images, frames).
            reasons.append("third_party_blocked")
    if not reasons and cookie.is_session_cookie:
        reasons.append("browser_closed")
    return reasons
