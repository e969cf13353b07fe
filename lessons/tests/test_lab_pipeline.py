"""One lab request flows one way: run, observe, explain, record, render."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

pytestmark = pytest.mark.django_db

# Django's database engine saves inside transaction.atomic(): the savepoint
# (or BEGIN) around its UPDATE is bookkeeping, not a query of its own.
TRANSACTION_BOOKKEEPING = ("SAVEPOINT", "RELEASE SAVEPOINT", "BEGIN", "COMMIT")


def _lab_post(learner, action: str, **fields) -> tuple[str, list[str]]:
    data = {"action": action, "language": "en", **fields}
    with CaptureQueriesContext(connection) as queries:
        response = learner.client.post("/lab/run/", data, headers={"HX-Request": "true"})
    assert response.status_code == 200
    statements = [
        query["sql"]
        for query in queries.captured_queries
        if not query["sql"].startswith(TRANSACTION_BOOKKEEPING)
    ]
    return response.content.decode(), statements


@pytest.mark.parametrize(
    ("action", "fields"),
    [("set", {"key": "cart", "value": '["apple"]'}), ("get", {"key": "cart"}), ("visit", {})],
)
def test_a_lab_request_on_the_database_engine_runs_at_most_six_queries(learner, action, fields):
    learner.do("set", key="cart", value='["pear"]')  # the browser holds a stored session
    learner.do("visit")
    html, statements = _lab_post(learner, action, **fields)
    assert len(statements) <= 6, "\n".join(statements)
    # The timeline is read once, and the store after Django is done with it.
    assert sum('FROM "lessons_labexchange"' in sql for sql in statements) == 1
    assert statements[-2].startswith('SELECT "django_session"')
    assert statements[-1].startswith('INSERT INTO "lessons_labexchange"')
    # And the panels still show the whole result: the data Django stored.
    assert "apple" in html if action == "set" else "pear" in html


def test_the_panels_of_a_lab_request_show_what_a_fresh_read_shows(learner):
    """Drawn from what the request already had in hand, not read again."""
    learner.do("set", key="cart", value='["pear"]')
    learner.configure(cookie_age="600")
    html = learner.do("set", key="n", value="1").html
    state = learner.state()  # read afresh from the database
    assert state["settings"]["SESSION_COOKIE_AGE"] == 600
    assert "Max-Age=600" in state["latest"]["set_cookie"][0]["raw"]
    assert "max-age" in state["changes"]["cookie"]
    assert "Max-Age=600" in html  # this response's cookie
    assert "Max-Age=1209600" in html  # and the one before, in the timeline
    for entry in state["timeline"]:
        assert escape(entry["python"]) in html


def test_a_lab_request_records_the_inputs_the_action_used(learner):
    learner.do("set", key="cart", value='["apple", 2]')
    learner.do("expiry_seconds", seconds=90)
    learner.do("flush")
    from lessons.models import LabExchange

    recorded = list(LabExchange.objects.order_by("id").values_list("action", "inputs"))
    assert recorded == [
        ("set", {"key": "cart", "value": ["apple", 2]}),
        ("expiry_seconds", {"seconds": 90}),
        ("flush", {}),
    ]
