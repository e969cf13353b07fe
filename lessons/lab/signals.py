"""What the lab tells the rest of the site, without knowing who listens.

`lab_request_recorded` is sent after each lab request is recorded, with the
learner, their LabConfig and the new LabExchange. A receiver may return a
list of things to show with the result; the lab view collects them (the
exercises app returns the exercises the request just solved).

`lab_page_opening` is sent before the lab page is drawn for a learner (or None). A
receiver may change the learner's lab first and returns a dict for the page: what to
show (`membership`, the learner's classroom) and `replaced`, the LabConfig whose cookie
the browser should drop (the classroom app applies a preset its instructor sent).

`lab_action_requested` is sent before a lab action runs, with the request. A receiver
returns a message to refuse it, or None (the classroom app refuses while a class is
paused).
"""

from django.dispatch import Signal

lab_request_recorded = Signal()
lab_page_opening = Signal()
lab_action_requested = Signal()
