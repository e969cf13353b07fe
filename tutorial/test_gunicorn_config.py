"""gunicorn's settings for `make classroom`: a warm worker freezes what it keeps."""

import subprocess
import sys
from pathlib import Path

CONFIG = Path(__file__).with_name("gunicorn.conf.py")

# Run in a process of its own: freezing is for the whole interpreter.
SCRIPT = f"""
import gc, runpy, types
hook = runpy.run_path({str(CONFIG)!r})["post_request"]
worker = types.SimpleNamespace(nr=0)
counts, kept = [], []
for worker.nr in (1, 99, 100, 101, 250):
    kept.append([[] for _ in range(1000)])  # what a request leaves: a second freeze would take it
    hook(worker, None, {{}}, None)
    counts.append(gc.get_freeze_count())
print(counts, gc.get_freeze_count() > 0)
"""


def test_a_worker_freezes_what_it_keeps_once_warm_and_only_once():
    finished = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True
    )
    counts, frozen = finished.stdout.rsplit(" ", 1)
    counts = [int(count) for count in counts.strip("[]").split(",")]
    assert counts[:2] == [0, 0]  # not before FREEZE_AFTER_REQUESTS requests
    assert counts[2] > 0 and frozen.strip() == "True"
    assert counts[2] == counts[3] == counts[4]  # and never again
