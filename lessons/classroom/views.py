"""Instructors' pages (classrooms, the live dashboard) and the learners' join page."""

import csv
import datetime

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.http.request import split_domain_port
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lessons.classroom.dashboard import dashboard_changes, dashboard_for, members_signature
from lessons.classroom.forms import ClassroomForm, JoinForm, database_id
from lessons.classroom.services import (
    JoinRefused,
    close_classroom,
    join_classroom,
    open_classroom,
    remove_member,
    reset_member,
    take_back,
    undo_still_possible,
)
from lessons.classroom.steering import presets_to_send, send_preset, set_paused
from lessons.codes import normalize_code
from lessons.htmx import HtmxHttpRequest
from lessons.models import Classroom, Membership

# Host names that mean "this very machine" to whoever opens them.
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "::1", "[::1]"}

JOIN_MESSAGES = {
    "unknown_code": lambda refusal: _("No classroom has this code. Check it with your instructor."),
    "closed": lambda refusal: _("This classroom is closed: it takes no new learners."),
    "no_name": lambda refusal: _("Give the name your instructor will see."),
    "slow_down": lambda refusal: (
        _("Too many wrong codes from this browser. Wait %(seconds)s seconds and try again.")
        % {"seconds": refusal.wait_seconds}
    ),
}


class InstructorLoginView(auth_views.LoginView):
    template_name = "classroom/login.html"

    def get_default_redirect_url(self):
        return reverse("lessons:instructor_home")


def instructor_classroom(request: HtmxHttpRequest, classroom_id: int) -> Classroom:
    """The classroom if this user teaches it (or is a superuser); otherwise 404, revealing nothing."""
    classroom = get_object_or_404(Classroom, pk=classroom_id)
    user = request.user
    if not (user.is_superuser or classroom.instructors.filter(pk=user.pk).exists()):
        raise Http404
    return classroom


def _instructors_only(view):
    """Logged-in staff only; others go to the instructor login page. Never cached: the
    pages name learners and show their progress."""
    protected = never_cache(login_required(view, login_url="lessons:instructor_login"))

    def wrapper(request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.is_staff:
            raise Http404
        return protected(request, *args, **kwargs)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


@_instructors_only
@require_http_methods(["GET", "HEAD", "POST"])
def instructor_home(request: HtmxHttpRequest) -> HttpResponse:
    """The instructor's classrooms, and a form to create one."""
    if request.method == "POST":
        form = ClassroomForm(request.POST)
        if form.is_valid():
            classroom = form.save()
            classroom.instructors.add(request.user)
            return redirect(reverse("lessons:classroom_dashboard", args=[classroom.pk]))
    else:
        form = ClassroomForm(initial={"default_language": translation.get_language()})
    classrooms = (
        Classroom.objects.all() if request.user.is_superuser else request.user.classrooms.all()
    ).annotate(member_count=Count("memberships"))
    return render(request, "classroom/home.html", {"form": form, "classrooms": classrooms})


@_instructors_only
@require_GET
def classroom_dashboard(request: HtmxHttpRequest, classroom_id: int) -> HttpResponse:
    """Learners by exercises. The page asks every few seconds for what changed since its
    last reading: only the rows of learners whose progress moved come back, as
    out-of-band swaps, so the grid keeps its scroll and the focus stays where it was.
    A join or a removal redraws the whole grid."""
    classroom = instructor_classroom(request, classroom_id)
    if request.htmx:
        # What a refresh needs of each member (a redrawn grid reads them again).
        memberships = list(
            classroom.memberships.only("id", "classroom_id", "learner_id", "joined_at")
        )
        since = _since(request.GET.get("since", ""))
        same_members = request.GET.get("members") == members_signature(
            [membership.pk for membership in memberships]
        )
        if since is not None and same_members:
            changes = dashboard_changes(classroom, memberships, since)
            context = {"classroom": classroom, "changes": changes}
            return render(request, "classroom/dashboard.html#changes", context)
        context = {"classroom": classroom, "dashboard": dashboard_for(classroom)}
        return render(request, "classroom/dashboard.html#grid-redrawn", context)
    join_url, only_here = join_address(request, classroom)
    undo = request.session.get(UNDO_SESSION_KEY)
    context = {
        "classroom": classroom,
        "dashboard": dashboard_for(classroom),
        "join_url": join_url,
        "join_only_here": only_here,
        "join_qr": join_qr_svg(join_url),
        "undo": undo if undo_still_possible(undo, classroom) else None,
        "presets": presets_to_send(classroom),
    }
    return render(request, "classroom/dashboard.html", context)


@_instructors_only
@require_GET
def classroom_projector(request: HtmxHttpRequest, classroom_id: int) -> HttpResponse:
    """The join code, link and QR code in large type for the projector, with the number who
    have joined (refreshed by htmx)."""
    classroom = instructor_classroom(request, classroom_id)
    context = {"classroom": classroom, "joined": classroom.memberships.count()}
    if request.htmx:
        return render(request, "classroom/projector.html#joined", context)
    join_url, only_here = join_address(request, classroom)
    context.update(
        join_url=join_url, join_only_here=only_here, join_qr=join_qr_svg(join_url, scale=10)
    )
    return render(request, "classroom/projector.html", context)


def join_address(request: HtmxHttpRequest, classroom: Classroom) -> tuple[str, bool]:
    """The join link for learners' devices, and whether only this machine can open it.

    An instructor on the serving machine opens the site at 127.0.0.1 or localhost, which
    on a learner's phone means the phone itself. Then the link uses the first host name
    the site answers to that names this machine on the network (make classroom puts its
    LAN addresses in DJANGO_ALLOWED_HOSTS); if there is none, the loopback link stays and
    the page says so.
    """
    path = reverse("lessons:join_code", kwargs={"code": classroom.join_code})
    hostname, port = split_domain_port(request.get_host())
    if hostname not in LOOPBACK_HOSTS:
        return request.build_absolute_uri(path), False
    for name in settings.ALLOWED_HOSTS:
        if name and name not in LOOPBACK_HOSTS and not name.startswith(".") and "*" not in name:
            scheme = "https" if request.is_secure() else "http"
            return f"{scheme}://{name}{':' + port if port else ''}{path}", False
    return request.build_absolute_uri(path), True


def _since(raw: str) -> datetime.datetime | None:
    """The page's last reading, as it sent it back; None (redraw everything) if unreadable."""
    try:
        moment = datetime.datetime.fromisoformat(raw)
    except ValueError:
        return None
    return moment if timezone.is_aware(moment) else None


def join_qr_svg(url: str, scale: int = 5) -> SafeString:
    """The join link as a QR code, drawn here (no outside service), dark on light for phones."""
    qr = segno.make(url, error="m")
    return mark_safe(
        qr.svg_inline(scale=scale, border=2, dark="#000000", light="#ffffff", title=url)
    )


@_instructors_only
@require_GET
def classroom_csv(request: HtmxHttpRequest, classroom_id: int) -> HttpResponse:
    """The dashboard as a spreadsheet: one row per learner, one column per exercise."""
    classroom = instructor_classroom(request, classroom_id)
    dashboard = dashboard_for(classroom)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="classroom-{classroom.join_code}.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            _("Learner"),
            _("Done"),
            *(f"{column.number} {column.exercise.slug}" for column in dashboard.columns),
        ]
    )
    for row in dashboard.rows:
        # A name starting with = + - @ would be a formula in a spreadsheet.
        name = row.membership.display_name
        safe_name = f"'{name}" if name[:1] in "=+-@" else name
        writer.writerow([safe_name, row.done, *(cell.state for cell in row.cells)])
    return response


# The instructor's session keeps their last Reset, Remove or Close for the undo.
UNDO_SESSION_KEY = "classroom_undo"


@_instructors_only
@require_http_methods(["GET", "HEAD", "POST"])
def classroom_member_action(
    request: HtmxHttpRequest, classroom_id: int, membership_id: int, action: str
):
    """Reset a learner's progress in the class, or remove them: asked first (GET shows the
    question), done on POST, and undoable for a minute from the dashboard."""
    classroom = instructor_classroom(request, classroom_id)
    if action not in {"reset", "remove"}:
        raise Http404
    membership = get_object_or_404(Membership, pk=membership_id, classroom=classroom)
    if request.method != "POST":
        context = {"classroom": classroom, "membership": membership, "action": action}
        return render(request, "classroom/confirm.html", context)
    take_out = remove_member if action == "remove" else reset_member
    request.session[UNDO_SESSION_KEY] = take_out(membership)
    return redirect(reverse("lessons:classroom_dashboard", args=[classroom.pk]))


@_instructors_only
@require_http_methods(["GET", "HEAD", "POST"])
def classroom_toggle_open(request: HtmxHttpRequest, classroom_id: int) -> HttpResponse:
    """Close the classroom to new learners (asked first, undoable), or open it again."""
    classroom = instructor_classroom(request, classroom_id)
    if classroom.is_open and request.method != "POST":
        context = {"classroom": classroom, "membership": None, "action": "close"}
        return render(request, "classroom/confirm.html", context)
    if request.method != "POST":
        return redirect(reverse("lessons:classroom_dashboard", args=[classroom.pk]))
    if classroom.is_open:
        request.session[UNDO_SESSION_KEY] = close_classroom(classroom)
    else:
        open_classroom(classroom)
    return redirect(reverse("lessons:classroom_dashboard", args=[classroom.pk]))


@_instructors_only
@require_POST
def classroom_send(request: HtmxHttpRequest, classroom_id: int) -> HttpResponse:
    """Send a preset of the class's lessons to every learner's lab."""
    classroom = instructor_classroom(request, classroom_id)
    preset = presets_to_send(classroom).filter(pk=database_id(request.POST.get("preset"))).first()
    if preset is None:
        messages.error(request, _("Choose one of the presets of this class's lessons."))
    else:
        send_preset(classroom, preset)
        messages.success(
            request,
            _("Sent to every learner's lab: %(preset)s. Their labs follow within seconds.")
            % {"preset": preset.title},
        )
    return redirect(reverse("lessons:classroom_dashboard", args=[classroom.pk]))


@_instructors_only
@require_POST
def classroom_pause(request: HtmxHttpRequest, classroom_id: int) -> HttpResponse:
    """Pause the class (every learner's lab becomes read-only), or resume it."""
    classroom = instructor_classroom(request, classroom_id)
    set_paused(classroom, not classroom.paused)
    return redirect(reverse("lessons:classroom_dashboard", args=[classroom.pk]))


@_instructors_only
@require_POST
def classroom_undo(request: HtmxHttpRequest, classroom_id: int) -> HttpResponse:
    """Take back the last Reset, Remove or Close of this classroom, within the minute."""
    classroom = instructor_classroom(request, classroom_id)
    undo = request.session.get(UNDO_SESSION_KEY)
    if undo_still_possible(undo, classroom):
        take_back(undo, classroom)
        messages.success(request, _("Undone."))
    else:
        messages.error(request, _("Too late to undo: it was more than a minute ago."))
    request.session.pop(UNDO_SESSION_KEY, None)
    return redirect(reverse("lessons:classroom_dashboard", args=[classroom.pk]))


@require_http_methods(["GET", "HEAD", "POST"])
def join(request: HtmxHttpRequest, code: str = "") -> HttpResponse:
    """Learners join with the code on the projector and a name; no password.

    A refused join shows the form again, with what was typed and why, under
    a 4xx status (429 while wrong codes are braked), so scripts can tell.
    """
    if request.method != "POST":
        form = JoinForm(initial={"code": normalize_code(code)})
        return render(request, "classroom/join.html", {"form": form})
    form = JoinForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            membership = join_classroom(
                request, form.cleaned_data["code"], form.cleaned_data["name"]
            )
        except JoinRefused as refusal:
            form.add_error(None, JOIN_MESSAGES[refusal.reason](refusal))
            if refusal.reason == "slow_down":
                response = render(request, "classroom/join.html", {"form": form}, status=429)
                response["Retry-After"] = str(refusal.wait_seconds)
                return response
        else:
            with translation.override(membership.classroom.default_language):
                return redirect(reverse("lessons:lesson_list"))
    return render(request, "classroom/join.html", {"form": form}, status=status)
