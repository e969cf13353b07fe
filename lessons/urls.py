from django.contrib.auth import views as auth_views
from django.urls import include, path

from lessons import views
from lessons.classroom import steering
from lessons.classroom import views as classroom_views
from lessons.exercises import views as exercise_views
from lessons.lab import cross_site_views
from lessons.lab import views as lab_views

app_name = "lessons"

# One classroom of an instructor's: /instructor/classrooms/<id>/...
classroom_patterns = [
    path("", classroom_views.classroom_dashboard, name="classroom_dashboard"),
    path("progress.csv", classroom_views.classroom_csv, name="classroom_csv"),
    path("open/", classroom_views.classroom_toggle_open, name="classroom_toggle_open"),
    path("undo/", classroom_views.classroom_undo, name="classroom_undo"),
    path("send/", classroom_views.classroom_send, name="classroom_send"),
    path("pause/", classroom_views.classroom_pause, name="classroom_pause"),
    path("projector/", classroom_views.classroom_projector, name="classroom_projector"),
    path(
        "members/<int:membership_id>/<slug:action>/",
        classroom_views.classroom_member_action,
        name="classroom_member_action",
    ),
]

# One exercise of a lesson: /exercises/<lesson>/<exercise>/...
exercise_patterns = [
    path("check/", exercise_views.exercise_check, name="exercise_check"),
    path("answer/", exercise_views.exercise_answer, name="exercise_answer"),
    path("hint/", exercise_views.exercise_hint, name="exercise_hint"),
]

urlpatterns = [
    path("", views.lesson_list, name="lesson_list"),
    path("lessons/<slug:slug>/", views.lesson_detail, name="lesson_detail"),
    path("search/", views.search, name="search"),
    path("glossary/", views.glossary, name="glossary"),
    path("source/<slug:name>/", views.engine_source, name="engine_source"),
    path("join/", classroom_views.join, name="join"),
    path("join/<str:code>/", classroom_views.join, name="join_code"),
    path("instructor/", classroom_views.instructor_home, name="instructor_home"),
    path(
        "instructor/login/", classroom_views.InstructorLoginView.as_view(), name="instructor_login"
    ),
    path(
        "instructor/logout/",
        auth_views.LogoutView.as_view(next_page="lessons:lesson_list"),
        name="instructor_logout",
    ),
    path("instructor/classrooms/<int:classroom_id>/", include(classroom_patterns)),
    path("progress/", exercise_views.progress_page, name="progress"),
    path("progress/reset/", exercise_views.progress_reset, name="progress_reset"),
    path("progress/resume/", exercise_views.progress_resume, name="progress_resume"),
    path(
        "progress/resume-code/",
        exercise_views.progress_new_resume_code,
        name="progress_new_resume_code",
    ),
    path("exercises/<slug:lesson_slug>/<slug:exercise_slug>/", include(exercise_patterns)),
    path("lab/", lab_views.lab_page, name="lab"),
    path("lab/class/", steering.lab_class, name="lab_class"),
    path("lab/settings/", lab_views.lab_settings, name="lab_settings"),
    path("lab/reset/", lab_views.lab_reset, name="lab_reset"),
    path("lab/timeline/clear/", lab_views.lab_clear_timeline, name="lab_clear_timeline"),
    path("lab/state.json", lab_views.lab_state, name="lab_state"),
    path("lab/measure/", lab_views.lab_measure, name="lab_measure"),
    path("lab/observe/", lab_views.lab_observe, name="lab_observe"),
    path("lab/cross-site/", cross_site_views.lab_open_cross_site, name="lab_open_cross_site"),
    path(
        "lab/try/<slug:lesson_slug>/<slug:preset_slug>/",
        lab_views.lab_try_preset,
        name="lab_try_preset",
    ),
]
