"""A preset's "Do" as a checklist that ticks itself.

A preset's steps name the lab's buttons in bold (`**Set a key**`), in the
active language. Each named action becomes a step, in order; a step is done
once the learner has run that action, after the last step they did, since the
preset opened (opening a preset starts the timeline afresh).
"""

import re
from dataclasses import dataclass

from lessons.lab.actions import ACTIONS

BOLD = re.compile(r"\*\*(.+?)\*\*")


@dataclass(frozen=True)
class Step:
    action: str
    label: str
    done: bool


def preset_checklist(steps_text: str, timeline: list[dict]) -> list[Step]:
    """The actions `steps_text` names, each ticked if `timeline` (newest first) ran it in turn."""
    by_label = {str(action.label): name for name, action in ACTIONS.items()}
    wanted = [(by_label[label], label) for label in BOLD.findall(steps_text) if label in by_label]
    ran = [entry["action"] for entry in reversed(timeline)]
    steps, position = [], 0
    for action, label in wanted:
        # Done if it ran after the step before it was done; a step not done yet
        # does not hold the later ones back.
        found = next((at for at in range(position, len(ran)) if ran[at] == action), None)
        steps.append(Step(action, label, done=found is not None))
        if found is not None:
            position = found + 1
    return steps
