"""A learner driving the lab through the test client, as the lab page's forms do."""

import html
from dataclasses import dataclass, field
from http.cookies import Morsel
from pathlib import Path

from django.test import Client

from lessons.lab.cookies import SetCookie, parse_set_cookie
from lessons.models import LabExchange

DJANGO_DEFAULT_SETTINGS = {
    "engine": "db",
    "cookie_age": "1209600",
    "cookie_name": "sessionid",
    "cookie_path": "/",
    "cookie_domain": "",
    "cookie_httponly": "on",
    "cookie_samesite": "Lax",
    "cache_alias": "redis",
}


@dataclass
class LabResponse:
    status: int  # the status Django's SessionMiddleware gave the lab request
    set_cookie: SetCookie | None
    vary: str  # what the lab's SessionMiddleware added (the site's own middleware adds more)
    html: str


@dataclass
class LabLearner:
    """One browser using the lab: its own site session and lab cookie jar."""

    client: Client = field(default_factory=Client)

    def configure(self, **overrides) -> None:
        data = {**DJANGO_DEFAULT_SETTINGS, **{k: v for k, v in overrides.items() if v is not None}}
        data = {k: v for k, v in data.items() if v is not False}
        response = self.client.post("/en/lab/settings/", data)
        assert response.status_code == 302, (
            "settings were refused: " + response.content.decode()[:500]
        )

    def do(
        self, action: str, path: str = "/lab/run/", language: str = "en", **fields
    ) -> LabResponse:
        data = {"action": action, "language": language, **{k: str(v) for k, v in fields.items()}}
        response = self.client.post(path, data, headers={"HX-Request": "true"})
        assert response.status_code == 200, response.content.decode()[:500]
        state = self.state()
        morsel = response.cookies.get(state["settings"]["SESSION_COOKIE_NAME"])
        return LabResponse(
            status=int(response["X-Lab-Status"]) if "X-Lab-Status" in response else 200,
            set_cookie=parse_set_cookie(morsel.OutputString()) if morsel else None,
            vary=state["latest"]["vary"] if state["latest"] else "",
            html=response.content.decode(),
        )

    def state(self) -> dict:
        return self.client.get("/en/lab/state.json").json()

    def file_directory(self) -> Path:
        """Where the lab's file engine keeps this learner's sessions."""
        return Path(self.state()["settings"]["SESSION_FILE_PATH"])

    def cookie(self, name: str = "sessionid") -> str | None:
        morsel = self.client.cookies.get(name)
        return morsel.value if morsel is not None and morsel.value else None


def cookie_attributes(morsel: Morsel) -> dict[str, str | bool]:
    """The attributes of a Set-Cookie header as sent on the wire, names in lower case.

    Written apart from the lab's own parser (lessons.lab.cookies), so that the
    tests comparing the lab with Django do not trust the code under test.
    """
    _name_value, *parts = morsel.OutputString().split(";")
    attributes: dict[str, str | bool] = {}
    for part in parts:
        name, sep, value = part.strip().partition("=")
        attributes[name.lower()] = value if sep else True
    return attributes


# --- Exercises ---------------------------------------------------------------------


def check(learner: LabLearner, lesson: str, exercise: str, language: str = "en") -> str:
    """Press Check on a lab exercise; the exercise box's HTML, entities unescaped."""
    response = learner.client.post(
        f"/{language}/exercises/{lesson}/{exercise}/check/", headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def answer(
    learner: LabLearner, lesson: str, exercise: str, choice: str, language: str = "en"
) -> str:
    """Answer a question; the exercise box's HTML, entities unescaped."""
    response = learner.client.post(
        f"/{language}/exercises/{lesson}/{exercise}/answer/",
        {"choice": choice},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def passed(box_html: str) -> bool:
    return "verdict--pass" in box_html


def nothing_passed() -> bool:
    from lessons.models import ExerciseProgress

    return not ExerciseProgress.objects.filter(passed_at__isnull=False).exists()


def join(learner: LabLearner, code: str, name: str):
    """Join a classroom with its code, as the join page's form does."""
    return learner.client.post("/en/join/", {"code": code, "name": name})


def dashboard_url(classroom) -> str:
    """An instructor's page of this classroom (the dashboard; its actions hang below)."""
    return f"/en/instructor/classrooms/{classroom.pk}/"


def recorded_exchange(learner, number: int = 1, **fields) -> LabExchange:
    """A lab request in the learner's timeline, saved directly: `request.session['cart'] =
    ['apple']` on the db engine, its Set-Cookie and row named after `number`."""
    return LabExchange.objects.create(
        **{
            "learner": learner,
            "number": number,
            "action": "set",
            "python": "request.session['cart'] = ['apple']",
            "path": "/lab/run/",
            "status_code": 200,
            "settings_snapshot": {"SESSION_ENGINE": "django.contrib.sessions.backends.db"},
            "set_cookie_headers": [f"sessionid=key{number}; Path=/"],
            "store": {"database": {"session_key": f"key{number}"}},
            **fields,
        }
    )
