"""A preset's "Do" as a checklist that ticks itself.

A preset's steps name the lab's buttons in bold (`**Set a key**`), in the
active language. Each named action becomes a step, in order; a step is done
once the learner has run that action after the last step that was done, since
the preset opened (opening a preset starts the timeline afresh; the timeline
keeps the last LAB_TIMELINE_LENGTH requests).
"""

import re
from dataclasses import dataclass

from django.utils.translation import gettext

from lessons.lab.actions import ACTIONS

BOLD = re.compile(r"\*\*(.+?)\*\*")
# The link to the cross-site page is a step too: any request from that page ticks it.
CROSS_SITE = "cross_site"


@dataclass(frozen=True)
class Step:
    action: str
    label: str
    done: bool


def step_actions(cross_site: bool = True) -> dict[str, str]:
    """Each button a preset's steps may name, in the active language, and its action
    (the cross-site page's link only where this lab offers that page)."""
    by_label = {str(action.label): name for name, action in ACTIONS.items()}
    if cross_site:
        by_label[gettext("Open the cross-site page")] = CROSS_SITE
    return by_label


def _is(ran: str, action: str) -> bool:
    return ran == action or (action == CROSS_SITE and ran.startswith("cross_site_"))


def preset_checklist(
    steps_text: str, actions_newest_first: list[str], cross_site: bool = True
) -> list[Step]:
    """The buttons `steps_text` names, each ticked if the learner ran it in turn."""
    by_label = step_actions(cross_site)
    wanted = [(by_label[label], label) for label in BOLD.findall(steps_text) if label in by_label]
    ran = list(reversed(actions_newest_first))
    steps, position = [], 0
    for action, label in wanted:
        # Done if it ran after the last step that was done; a step not done yet
        # does not hold the later ones back.
        found = next((at for at in range(position, len(ran)) if _is(ran[at], action)), None)
        steps.append(Step(action, label, done=found is not None))
        if found is not None:
            position = found + 1
    return steps
