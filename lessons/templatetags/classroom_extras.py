"""The dashboard's cells, drawn in Python: a class of 200 has thousands of them."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from lessons.classroom.dashboard import Cell

register = template.Library()


@register.simple_tag
def dashboard_cell(cell: Cell, oob: bool = False) -> SafeString:
    """One learner's mark for one exercise: a tick when done, N and a times sign for N checks
    without success, a dot when not started.
    With `oob`, as an htmx out-of-band swap of the cell on the page."""
    swap = " hx-swap-oob=true" if oob else ""
    if cell.state == "done":
        return format_html(
            '<span id="{}" class="cell cell--done"{}>✓<span class="visually-hidden"> {}</span></span>',
            cell.element_id,
            swap,
            gettext("done"),
        )
    if cell.state == "attempted":
        return format_html(
            '<span id="{}" class="cell cell--attempted"{}>{}\u00d7</span>',
            cell.element_id,
            swap,
            cell.attempts,
        )
    return format_html('<span id="{}" class="cell"{}>·</span>', cell.element_id, swap)
