"""The lab's settings form: Django's session settings, checked before they are used."""

import re
from http.cookies import Morsel

from django import forms
from django.conf import global_settings, settings
from django.utils.translation import gettext_lazy as _

from lessons.engines import ENGINES
from lessons.lab.cookies import domain_matches
from lessons.models import LabConfig

# Browsers cap a cookie's lifetime at 400 days (RFC 6265bis); a longer
# SESSION_COOKIE_AGE only changes what the server stores.
MAX_COOKIE_AGE = 400 * 24 * 60 * 60
# RFC 6265 cookie-name: a "token", i.e. visible ASCII without separators.
COOKIE_NAME_PATTERN = re.compile(r"^[!#$&'*+\-.^_`|~0-9A-Za-z]+$")
COOKIE_PATH_PATTERN = re.compile(r"^/[\x21-\x3a\x3c-\x7e]*$")  # no spaces, controls or ";"
# Names Python's http.cookies keeps for cookie attributes, in any case: it
# refuses them as cookie names (CookieError), and so every response of a
# project with such a SESSION_COOKIE_NAME would fail. "partitioned" joined the
# list in Python 3.14.
ATTRIBUTE_NAMES = {*Morsel._reserved, "partitioned"}

# The line under each field: what it does, and Django's default.
FIELD_HELP = {
    "engine": _("Where the session data is kept."),
    "cookie_age": _(
        "How long the cookie lives, in seconds (Max-Age), and when the stored session expires."
    ),
    "cookie_name": _("The name of the cookie that carries the session key."),
    "cookie_path": _("The browser sends the cookie only to addresses under this path."),
    "cookie_domain": _(
        "Empty: only this exact host gets the cookie. A domain: that domain and its subdomains."
    ),
    "cookie_secure": _("Secure: the browser sends the cookie only over HTTPS."),
    "cookie_httponly": _("HttpOnly: page JavaScript cannot read the cookie (document.cookie)."),
    "cookie_samesite": _(
        "Whether the browser sends the cookie with requests that come from other sites."
    ),
    "expire_at_browser_close": _(
        "No Max-Age or Expires: the cookie is gone when the browser closes."
    ),
    "save_every_request": _(
        "Save the session and send the cookie again on every response that has a session: a "
        "sliding expiry. A cookie naming no live session gets a new, empty one each time."
    ),
    "cache_alias": _(
        "Which entry of CACHES the cache and cached_db engines use: the Redis server or the "
        "memcached server."
    ),
}


def django_default_display(field_name: str) -> str:
    """Django's default for a lab field, written as it appears in settings.py."""
    if field_name == "engine":
        return repr(global_settings.SESSION_ENGINE)
    if field_name == "cache_alias":
        return repr(global_settings.SESSION_CACHE_ALIAS)
    value = getattr(global_settings, LabConfig._meta.get_field(field_name).verbose_name)
    return repr(value)


class LabSettingsForm(forms.ModelForm):
    """A learner's lab settings. `host` is the host the learner uses, for Domain checks."""

    engine = forms.ChoiceField(
        label="SESSION_ENGINE",
        # The short name first, its dotted path beside it (and under the field for the chosen one).
        choices=[(name, f"{name} — {engine.path}") for name, engine in ENGINES.items()],
    )

    class Meta:
        model = LabConfig
        fields = [
            "engine",
            "cookie_age",
            "cookie_name",
            "cookie_path",
            "cookie_domain",
            "cookie_secure",
            "cookie_httponly",
            "cookie_samesite",
            "expire_at_browser_close",
            "save_every_request",
            "cache_alias",
        ]
        widgets = {
            "cookie_age": forms.NumberInput(attrs={"min": 1, "max": MAX_COOKIE_AGE, "step": 1}),
            "cookie_samesite": forms.Select,
        }

    def __init__(self, *args, host: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.host = host
        # Our own messages (clean_cookie_age) say why, instead of a bare bound.
        self.fields["cookie_age"].validators = []
        for name, field in self.fields.items():
            field.help_text = FIELD_HELP[name]
            field.required = name in {
                "engine",
                "cookie_age",
                "cookie_name",
                "cookie_path",
                "cache_alias",
            }
            field.error_messages["required"] = _("This setting needs a value.")
        self.fields["cookie_age"].error_messages["invalid"] = _("Give a whole number of seconds.")

    def clean_cookie_age(self):
        age = self.cleaned_data["cookie_age"]
        if age < 1:
            raise forms.ValidationError(_("Give at least 1 second."))
        if age > MAX_COOKIE_AGE:
            raise forms.ValidationError(
                _("Browsers keep a cookie at most 400 days (34560000 seconds); give less.")
            )
        return age

    def clean_cookie_name(self):
        name = self.cleaned_data["cookie_name"].strip()
        if not COOKIE_NAME_PATTERN.match(name):
            raise forms.ValidationError(
                _(
                    "A cookie name is letters, digits and - _ . ! # $ & ' * + ^ ` | ~ only: "
                    "no spaces, no = ; , and no double quotes."
                )
            )
        if name.lower() in ATTRIBUTE_NAMES:
            raise forms.ValidationError(
                _(
                    "%(name)s is the name of a cookie attribute. Python's http.cookies refuses it "
                    "as a cookie name, so Django would fail with CookieError on every response "
                    "that sets the session cookie, in a real project as much as here. Choose "
                    "another name."
                )
                % {"name": name}
            )
        if name in settings.LAB_RESERVED_COOKIE_NAMES:
            raise forms.ValidationError(
                _("%(name)s is the site's own cookie; choose another name (for example sessionid).")
                % {"name": name}
            )
        return name

    def clean_cookie_path(self):
        path = self.cleaned_data["cookie_path"].strip()
        if not COOKIE_PATH_PATTERN.match(path):
            raise forms.ValidationError(
                _("A cookie path starts with / and has no spaces or semicolons, for example /lab/.")
            )
        return path

    def clean_cookie_domain(self):
        domain = (self.cleaned_data.get("cookie_domain") or "").strip().lower()
        if not domain:
            return ""
        if not re.match(
            r"^\.?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$", domain
        ):
            raise forms.ValidationError(
                _("Give a domain name such as example.com, or leave it empty.")
            )
        if not domain_matches(self.host, domain):
            raise forms.ValidationError(
                _(
                    "Your browser is on %(host)s; a cookie for %(domain)s could never be sent "
                    "there, so the browser would refuse it."
                )
                % {"host": self.host.rsplit(":", 1)[0], "domain": domain}
            )
        return domain


def preset_settings_problems(values: dict) -> str:
    """Why these preset settings would be refused by the lab's form ("" when fine).

    Presets are checked with the same rules as a learner's input, against the
    host a local lab runs on (a preset should not set a Domain).
    """
    data = {
        name: value
        for name, value in {**LabConfig().__dict__, **values}.items()
        if name in LabSettingsForm.Meta.fields
    }
    form_data = {name: value for name, value in data.items() if value is not False}
    form_data = {name: ("on" if value is True else value) for name, value in form_data.items()}
    form = LabSettingsForm(form_data, host="localhost")
    if form.is_valid():
        return ""
    return "; ".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items())
