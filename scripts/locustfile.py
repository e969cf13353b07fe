"""A class using Session Lab, for locust: `make load` runs it headless (manage.py load_classroom
sets up the classroom and the instructor, passes them here, and prints the tables).

- A learner opens the lab, joins the classroom with its code and a name, then does a lab
  action about once a second (0.5 to 1.5 s apart) (as the lab page sends it: htmx, saying which exchange it
  shows) and presses Check on an exercise every tenth time. Its open lab page asks
  every 4 seconds whether the instructor sent a preset or paused the class ("class poll").
- One instructor logs in and keeps the classroom's dashboard open: every 4 seconds it
  asks for what changed since its last reading, as the page does.

The classroom comes from the environment: SESSIONLAB_JOIN_CODE, SESSIONLAB_CLASSROOM (its
id), SESSIONLAB_INSTRUCTOR and SESSIONLAB_PASSWORD.
"""

import itertools
import os
import random
import re
import time

from locust import FastHttpUser, between, constant_pacing, task

LAB_ACTIONS = ("set", "get", "visit", "read", "append_modified")
CHECKED_EXERCISE = "/en/exercises/cookie-flags/hide-from-javascript/check/"
CHECK_EVERY = 10
# The lab page of a learner in a class asks this often whether the class was steered.
CLASS_POLL_SECONDS = 4
numbers = itertools.count(1)


class Browser(FastHttpUser):
    # FastHttpUser (geventhttpclient), not HttpUser (requests): the class runs on the
    # server's own cores, and each request costs the generator several times less CPU.
    abstract = True

    def csrf_headers(self) -> dict[str, str]:
        # "__Host-sessionlab_csrftoken" when the site is served over HTTPS.
        token = next(
            (c.value for c in self.client.cookiejar if c.name.endswith("sessionlab_csrftoken")), ""
        )
        return {"X-CSRFToken": token, "Referer": self.host.rstrip("/") + "/"}

    def submit(self, path: str, data: dict[str, str], name: str) -> None:
        """Post a form that redirects when it works (a join, a login); anything else fails."""
        with self.client.post(
            path,
            data,
            headers=self.csrf_headers(),
            allow_redirects=False,
            name=name,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"{name} answered {response.status_code}")


class Learner(Browser):
    # About once a second, 0.5 to 1.5 s apart: people do not click in step. A fixed
    # period would keep each learner on the phase they joined at, and learners joining
    # in the same tenth of a second would hit the server together every second.
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        self.number = next(numbers)
        self.rounds = random.randrange(CHECK_EVERY)  # people do not click in step
        self.shown = ""
        # Each page started its poll at its own moment.
        self.polled_at = time.monotonic() - random.uniform(0, CLASS_POLL_SECONDS)
        self.client.get("/en/lab/", name="lab page")
        self.submit(
            "/en/join/",
            {"code": os.environ["SESSIONLAB_JOIN_CODE"], "name": f"Learner {self.number}"},
            "join",
        )

    @task
    def lab_action(self) -> None:
        action = LAB_ACTIONS[self.rounds % len(LAB_ACTIONS)]
        data = {
            "action": action,
            "key": "cart",
            "value": '["apple"]',
            "language": "en",
            "shown": self.shown,
        }
        with self.client.post(
            "/lab/run/",
            data,
            headers={**self.csrf_headers(), "HX-Request": "true"},
            name="lab action",
            catch_response=True,
        ) as response:
            self.shown = response.headers.get("X-Lab-Exchange", "")
            if response.headers.get("X-Lab-Status") != "200":
                response.failure(f"lab status {response.headers.get('X-Lab-Status')}")
        if self.rounds % CHECK_EVERY == 0:
            self.client.post(
                CHECKED_EXERCISE,
                {},
                headers={**self.csrf_headers(), "HX-Request": "true"},
                name="exercise check",
            )
        self.rounds += 1
        self.poll_the_class()

    def poll_the_class(self) -> None:
        """What the open lab page does every few seconds (templates/lab/lab.html, class-steer)."""
        if time.monotonic() - self.polled_at < CLASS_POLL_SECONDS:
            return
        self.polled_at = time.monotonic()
        self.client.get(
            "/en/lab/class/",
            params={"paused": "0"},
            headers={"HX-Request": "true"},
            name="class poll",
        )


class Instructor(Browser):
    fixed_count = 1
    wait_time = constant_pacing(4)

    def on_start(self) -> None:
        self.client.get("/en/instructor/login/", name="login page")
        self.submit(
            "/en/instructor/login/",
            {
                "username": os.environ["SESSIONLAB_INSTRUCTOR"],
                "password": os.environ["SESSIONLAB_PASSWORD"],
            },
            "login",
        )

    @task
    def dashboard(self) -> None:
        """As the dashboard page does: it sends back its last reading (`since`) and which
        members it shows, and gets only what changed (a join redraws the grid)."""
        url = f"/en/instructor/classrooms/{os.environ['SESSIONLAB_CLASSROOM']}/"
        if not getattr(self, "reading", None):
            self.reading = page_reading(self.client.get(url, name="dashboard page").text)
        response = self.client.get(
            url, params=self.reading, headers={"HX-Request": "true"}, name="dashboard"
        )
        self.reading = {**self.reading, **page_reading(response.text)}


def page_reading(html: str) -> dict[str, str]:
    """The dashboard's `since` and `members`, from a page or a refresh's answer."""
    found = {}
    since = re.search(r'name="since" id="dashboard-since" value="([^"]+)"', html)
    if since:
        found["since"] = since.group(1)
    members = re.search(r'name="members" value="([^"]*)"', html)
    if members:
        found["members"] = members.group(1)
    return found
