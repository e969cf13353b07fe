from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.views.decorators.http import require_http_methods
from django.views.i18n import set_language

from lessons.lab import cross_site_views
from lessons.lab import views as lab_views

urlpatterns = [
    # Outside the language prefix: the switcher posts here from any page. A GET
    # only redirects (Django changes nothing without a POST); other methods get 405.
    path(
        "i18n/setlang/",
        require_http_methods(["GET", "HEAD", "POST"])(set_language),
        name="set_language",
    ),
    # The lab's own requests live outside the language prefix, at two paths,
    # so that learners can see SESSION_COOKIE_PATH at work.
    path("lab/run/", lab_views.lab_action, name="lab_action"),
    path("lab/shop/run/", lab_views.lab_action, name="lab_action_shop"),
    # SameSite: "another site" and the lab address it sends requests to.
    path(
        "lab/cross-site/<str:token>/", cross_site_views.lab_cross_site_page, name="lab_cross_site"
    ),
    path("lab/probe/<str:token>/", cross_site_views.lab_probe, name="lab_probe"),
]

urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("", include("lessons.urls")),
)
