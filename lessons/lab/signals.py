"""What the lab tells the rest of the site, without knowing who listens.

`lab_request_recorded` is sent after each lab request is recorded, with the
learner, their LabConfig and the new LabExchange. A receiver may return a
list of things to show with the result; the lab view collects them (the
exercises app returns the exercises the request just solved).
"""

from django.dispatch import Signal

lab_request_recorded = Signal()
