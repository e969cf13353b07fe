"""The dashboard's cells and row summaries, drawn in Python: a class of 200 has thousands of
cells, and a refresh sends the summaries of every learner who checked something."""

from django import template
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.timesince import timesince

from lessons.classroom.dashboard import Cell, DashboardChanges, DashboardRow
from lessons.html_text import html, joined, message, oob
from lessons.html_text import translated as _

register = template.Library()


@register.simple_tag
def dashboard_cell(cell: Cell, out_of_band: bool = False) -> SafeString:
    """One learner's mark for one exercise: a tick when done, N and a times sign for N checks
    without success, a dot when not started.
    With `out_of_band`, as an htmx out-of-band swap of the cell on the page."""
    swap = oob(out_of_band)
    if cell.state == "done":
        return html(
            '<span id="{}" class="cell cell--done"{}>✓<span class="visually-hidden"> {}</span></span>',
            cell.element_id,
            swap,
            _("done"),
        )
    if cell.state == "attempted":
        return html(
            '<span id="{}" class="cell cell--attempted"{}>{}\u00d7</span>',
            cell.element_id,
            swap,
            cell.attempts,
        )
    return html('<span id="{}" class="cell"{}>·</span>', cell.element_id, swap)


@register.simple_tag
def dashboard_cells(row: DashboardRow) -> SafeString:
    """A learner's cells, each in its table cell: one tag per row, not one per cell (a class
    of 200 on a course of 48 exercises has 9,600)."""
    return SafeString("".join(f"<td>{dashboard_cell(cell)}</td>" for cell in row.cells))


@register.simple_tag
def dashboard_row_status(row: DashboardRow, out_of_band: bool = False, now=None) -> SafeString:
    """Beside the learner's name: "stuck", for how long and the last failed check's message."""
    reason = ""
    if row.stuck:
        reason = html(
            ' <span class="badge badge--stuck">{}</span>'
            '<span class="stuck-reason small" data-testid="stuck-reason">{}{}</span>',
            _("stuck"),
            message(_("for %(since)s"), since=timesince(row.stuck_since, now)),
            html(": {}", row.stuck_message) if row.stuck_message else "",
        )
    return html(
        '<span id="status-{}" class="row-status" data-stuck="{}" data-started="{}"{}>{}</span>',
        row.membership.pk,
        int(row.stuck),
        int(row.started),
        oob(out_of_band),
        reason,
    )


@register.simple_tag
def dashboard_row_done(row: DashboardRow, out_of_band: bool = False) -> SafeString:
    """How many of the class's exercises the learner has done."""
    return html(
        '<span id="done-{}" data-done="{}"{}>{}</span>',
        row.membership.pk,
        row.done,
        oob(out_of_band),
        row.done,
    )


@register.simple_tag
def dashboard_row_activity(row: DashboardRow, out_of_band: bool = False, now=None) -> SafeString:
    """How long ago the learner last did something with an exercise (or joined)."""
    return html(
        '<span id="activity-{}" data-at="{}" class="small"{}>{}</span>',
        row.membership.pk,
        row.last_activity.isoformat(),
        oob(out_of_band),
        message(_("%(time)s ago"), time=timesince(row.last_activity, now)),
    )


@register.simple_tag
def dashboard_changes(changes: DashboardChanges) -> SafeString:
    """A refresh's out-of-band swaps: the changed learners' summaries, the changed cells and
    every column's done count."""
    now = timezone.now()
    parts = []
    for row in changes.rows:
        parts += [
            dashboard_row_status(row, out_of_band=True, now=now),
            dashboard_row_done(row, out_of_band=True),
            dashboard_row_activity(row, out_of_band=True, now=now),
        ]
    parts += [dashboard_cell(cell, out_of_band=True) for cell in changes.cells]
    parts += [
        dashboard_done_count(exercise_id, count, changes.learner_count, out_of_band=True)
        for exercise_id, count in changes.done_counts
    ]
    return joined(parts)


@register.simple_tag
def dashboard_done_count(
    exercise_id: int, count: int, learner_count: int, out_of_band: bool = False
) -> SafeString:
    """How many of the class have done an exercise, under its column."""
    return html(
        '<span id="done-count-{}" data-testid="done-count"{}>{}/{}</span>',
        exercise_id,
        oob(out_of_band),
        count,
        learner_count,
    )
